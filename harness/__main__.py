"""``python -m harness``: see :mod:`harness.cli.main`.

An ending signal can arrive while the orchestrator is still importing its
dependencies: it is handled from the first line, so even then the command
exits with the documented code in one line, never a traceback.
"""

import signal
import sys

from harness.core.exit_codes import INCOMPLETE

_interrupts: "list[int]" = []


def _interrupted(signum, frame):  # type: ignore[no-untyped-def]
    _interrupts.append(signum)
    if len(_interrupts) == 1:  # only once: later ones must not interrupt the unwinding
        raise KeyboardInterrupt


for _signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
    signal.signal(_signum, _interrupted)

try:
    from harness.cli.main import main
except KeyboardInterrupt:
    code = INCOMPLETE
    sys.stderr.write("interrupted\n")
else:
    code = main()
for _signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
    signal.signal(_signum, signal.SIG_IGN)  # finished: a late signal cannot change the code
sys.exit(code)
