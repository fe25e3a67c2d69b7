"""``python -m wsconform``: see :mod:`wsconform.cli.main`.

An ending signal can arrive while the orchestrator is still importing its
dependencies: it is handled from the first line, so even then the command
exits with the documented code in one line, never a traceback.
"""

import signal
import sys
from typing import NoReturn

from wsconform.core.exit_codes import INCOMPLETE

_interrupts: "list[int]" = []


def _interrupted(signum, frame):  # type: ignore[no-untyped-def]
    _interrupts.append(signum)
    if len(_interrupts) == 1:  # only once: later ones must not interrupt the unwinding
        raise KeyboardInterrupt


def console() -> NoReturn:
    """The ``wsconform`` command (and ``python -m wsconform``)."""
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _interrupted)
    try:
        from wsconform.cli.main import main
    except KeyboardInterrupt:
        code = INCOMPLETE
        sys.stderr.write("interrupted\n")
    else:
        code = main()
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.SIG_IGN)  # finished: a late signal cannot change the code
    sys.exit(code)


if __name__ == "__main__":
    console()
