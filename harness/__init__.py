"""``python -m harness``, kept for this checkout: the tool is :mod:`wsconform`.

Not shipped in the wheel (a generic top-level name must not be claimed in
site-packages); installed, the command is ``wsconform`` or ``python -m wsconform``.
"""
