"""A behavioural conformance matrix across releases of ``websockets``.

The package is cut into layers; each imports only the layers below it
(``nox -s lint`` checks this with import-linter, see ``pyproject.toml``):

* :mod:`wsconform.cli` — the commands and the command line;
* :mod:`wsconform.execution` — running the matrix: environments, agents, the
  runner, the pipeline, targeted runs, plans;
* :mod:`wsconform.rendering` — what people read: the terminal, the dashboard,
  Markdown reports, JUnit XML;
* :mod:`wsconform.model` — runs, cells and verdicts: the matrix, outcomes,
  results, the reference, statistics, upgrade comparison, history timelines;
* :mod:`wsconform.core` — the vocabulary and the data formats: words, exit
  codes, documents, atomic files, inert text;
* :mod:`wsconform.peer` — code that runs *inside* peer environments: any Python
  from 3.8 on, the standard library and the websockets release under test.

This module must stay importable by peers too, so it holds only the version.
"""

__version__ = "0.1.0"
