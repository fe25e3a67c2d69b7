"""concurrent-recv: what happens when two recv() calls run at once?

The client starts two recv() calls concurrently (two tasks, or two threads
for sync); the server sends two messages 0.2 s later, then closes. Legacy
raises RuntimeError in the second call; the new implementations raise
ConcurrencyError (a RuntimeError subclass from 14.0).
"""

from wsconform.api import STATE_SNAPSHOTS, ResultKind, Scenario, Variant, result_text, steps

SCENARIO = Scenario(
    id="concurrent-recv",
    question="When two recv() calls run concurrently, does the second raise, and which exception?",
    variants=(Variant("two-recv", {}, "two concurrent recv() calls"),),
    expectation="The second call raises a RuntimeError (ConcurrencyError from 14.0), not a silent split.",
    links=(
        "https://websockets.readthedocs.io/en/stable/reference/exceptions.html#websockets.exceptions.ConcurrencyError",
        "https://websockets.readthedocs.io/en/stable/project/changelog.html",
    ),
    # Which call wins is scheduling, not behaviour; the set of results matters.
    incidental=STATE_SNAPSHOTS,
    case_seconds=0.45,
)


async def server(side, variant):
    await side.sleep(0.2)
    await side.send("one")
    await side.send("two")
    await side.sleep(0.2)
    await side.close(1000, "")


async def client(side, variant):
    if not (await side.connect()).ok:
        return
    await side.recv_concurrently(2)


def results(outcome):
    step = steps(outcome, "client", "recv_concurrently")
    if not step or step[0]["result"]["kind"] != ResultKind.VALUE:
        return None
    return step[0]["result"]["value"]


def label(outcome):
    found = results(outcome)
    if found is None:
        step = steps(outcome, "client", "recv_concurrently")
        return result_text(step[0]["result"]) if step else "no recv"
    return " + ".join(sorted(result_text(result) for result in found))


def grade(outcome):
    found = results(outcome)
    if found is None:
        return "failed", label(outcome)
    exceptions = [r["exception"] for r in found if r["kind"] == ResultKind.EXCEPTION]
    if not exceptions:
        return "non-strict", "both calls returned: " + label(outcome)
    if any("builtins.RuntimeError" in e["mro"] for e in exceptions):
        return "ok", label(outcome)
    return "non-strict", label(outcome)


def answer(outcome):
    """The results of the concurrent recv() calls, in no particular order."""
    found = results(outcome)
    if found is None:
        step = steps(outcome, "client", "recv_concurrently")
        return {"step": result_text(step[0]["result"]) if step else None, "results": None}
    return {"step": "ok", "results": sorted(result_text(result) for result in found)}
