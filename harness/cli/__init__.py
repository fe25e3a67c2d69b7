"""The commands and the command line: ``python -m harness COMMAND``.

:mod:`~harness.cli.main` parses arguments and dispatches;
:mod:`~harness.cli.commands` holds reference, check, upgrade, history, plan,
merge and report; :mod:`~harness.cli.benchmark` is ``nox -s bench``.
"""
