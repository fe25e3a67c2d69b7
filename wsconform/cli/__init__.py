"""The commands and the command line: ``python -m wsconform COMMAND``.

:mod:`~wsconform.cli.main` parses arguments and dispatches;
:mod:`~wsconform.cli.commands` holds reference, check, upgrade, history, plan,
merge and report; :mod:`~wsconform.cli.benchmark` is ``nox -s bench``.
"""
