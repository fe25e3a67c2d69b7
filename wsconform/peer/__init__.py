"""Code that runs inside a peer environment.

Rules for every module in this package:

* standard library only, plus the ``websockets`` release under test (imported
  lazily, by the drivers, so that the fault server runs without it);
* Python 3.8 compatible: no ``match``, no ``X | Y`` or ``list[int]`` evaluated
  at runtime (``from __future__ import annotations`` keeps hints lazy).
"""
