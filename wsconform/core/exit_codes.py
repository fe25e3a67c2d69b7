"""The exit-code contract of every command (the documentation's exit-code
page is generated from :data:`MEANINGS`).

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

#: What each code means, in full: the documented contract.
MEANINGS = {
    SUCCESS: "run complete, every requested peer available",
    DRIFT: "behaviour drifted from the reference (`check`)",
    USAGE: (
        "bad usage: unknown option, malformed version, unknown scenario, an option out of bounds, an unusable "
        "`--output`, or another run already writing that `--output` (one-line error, nothing written)"
    ),
    INCOMPLETE: (
        "harness error or incomplete run: a cell errored, the run was interrupted (SIGINT, SIGTERM, SIGHUP), or "
        "its results could not be written (disk full); for `check`, also cells that could not be compared"
    ),
    UNAVAILABLE: "run complete, but some peers were unavailable",
    BAD_INPUT: (
        "an input file (results, reference, plan) is missing, unreadable, not UTF-8, or not of its format; "
        "`merge`: inputs that are not the shards of one run (another harness, options, plan or scenario set; "
        "a shard twice, overlapping or missing)"
    ),
}


class UsageError(Exception):
    """Bad command-line input; reported in one line, exit code :data:`USAGE`."""


class BadInputError(Exception):
    """A corrupt or foreign input file; exit code :data:`BAD_INPUT`."""
