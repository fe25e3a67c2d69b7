"""A behavioural conformance matrix across releases of ``websockets``.

This package has two halves that never import each other's dependencies:

* :mod:`harness.peer` runs *inside* peer environments: any Python from 3.8 on,
  the standard library and the websockets release under test, nothing else.
* everything else is the orchestrator: modern Python, ``rich``, ``packaging``.

This module must stay importable by both, so it holds only the version.
"""

__version__ = "0.1.0"
