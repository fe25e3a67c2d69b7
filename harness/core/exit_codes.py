"""The exit-code contract of every command, documented in the README.

A run that did not finish never exits 0.
"""

from __future__ import annotations

#: The run completed and every requested peer was available.
SUCCESS = 0
#: Behaviour drifted from the committed reference (``check``).
DRIFT = 1
#: Bad usage: unknown option, malformed version, unknown scenario.
USAGE = 2
#: Harness error or incomplete run: a case errored, the run was interrupted,
#: an agent could not be started.
INCOMPLETE = 3
#: The run completed, but some requested peers were unavailable (a version
#: that does not exist or does not install, no usable interpreter).
UNAVAILABLE = 4
#: An input file (results, reference) is missing, corrupt, or of another schema.
BAD_INPUT = 5

DESCRIPTIONS = {
    SUCCESS: "run complete",
    DRIFT: "behaviour drifted from the reference",
    USAGE: "bad usage",
    INCOMPLETE: "harness error or incomplete run",
    UNAVAILABLE: "run complete, some peers unavailable",
    BAD_INPUT: "bad input file",
}


class UsageError(Exception):
    """Bad command-line input; reported in one line, exit code :data:`USAGE`."""


class BadInputError(Exception):
    """A corrupt or foreign input file; exit code :data:`BAD_INPUT`."""
