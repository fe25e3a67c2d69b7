"""``python -m harness``: the same as ``python -m wsconform`` (see :mod:`wsconform.cli.main`)."""

import runpy

runpy.run_module("wsconform", run_name="__main__", alter_sys=True)
