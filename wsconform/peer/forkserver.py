"""A fork server: one warm interpreter per peer environment that forks agents.

Theory of operation
-------------------

Starting an agent costs an interpreter start-up and the imports of the
library, the drivers and the scenarios: 0.1–0.4 s of CPU, most of what an
agent lent to a few waiting cases ever spends. The fork server pays it once
per peer environment and run: it imports everything an agent imports before
its first case (:func:`preload`), moves what it imported out of the garbage
collector's sight, and then forks one agent per request. A forked agent is
in the state a fresh agent reaches once its first case's imports are done —
without the case: when the server forks, no event loop, thread, socket or
recorder exists in it, and no case has run in it.

Channel
    stdin is a Unix stream socket. Orchestrator → server: one JSON line per
    request, with the three pipe ends the new agent will use as its stdin,
    stdout and stderr as ``SCM_RIGHTS`` ancillary data:
    ``{"op": "fork", "id": n}`` → ``{"id": n, "pid": pid}`` (or ``{"id": n,
    "error": "…"}``). Unasked, once preloaded: ``{"ready": true, "pid": pid}``;
    and once a forked agent has exited and been reaped: ``{"exited": pid,
    "returncode": code}`` (negative: killed by that signal) — the
    orchestrator cannot wait for a grandchild. The server leaves when its
    stdin closes; agents it forked live on until their own stdin closes.

The forked child
    starts a session of its own, as a fresh agent does: the orchestrator
    kills an agent by process group, a terminal's Ctrl-C never reaches it,
    and the kernel schedules it as a group of its own (with autogroup
    scheduling, every session shares the CPU as one: agents sharing the
    server's session would be scheduled as one, which moved racy answers).
    The server replies only once the child has its session (the child
    closes a pipe the server waits on). Then the child restores the signal
    handling the server changed, puts its pipes on 0, 1 and 2, and runs :func:`wsconform.peer.agent.main`, exactly as
    ``python -m wsconform.peer.agent`` would.

What a forked agent shares with its siblings
    the hash seed: string hashing, hence the iteration order of sets of
    strings, is the same for one environment's agents in one run (it still
    changes from run to run). CPython reseeds :mod:`random` in the child.
    Warnings emitted while importing go to the server's stderr, as they went
    to a fresh agent's (drivers and scenarios load outside any recorder).

Stdlib only, Python 3.8+: this module runs inside peer environments.
"""

from __future__ import annotations

import array
import gc
import json
import os
import select
import signal
import socket
import sys
import traceback
from typing import Any, Dict, List, Sequence, Tuple

#: The pipe ends a fork request carries: the agent's stdin, stdout, stderr.
FDS_PER_AGENT = 3

#: Largest request line (a fork request is a few dozen bytes).
MAXIMUM_REQUEST = 4096


def preload(scenario_ids: Sequence[str]) -> None:
    """Import what an agent imports before its first case: the agent, every
    implementation's driver this release has (hence the library's modules
    they use), and the scenarios of the run."""
    from . import agent, drivers, scenario  # noqa: F401  (imported for the agents to inherit)

    drivers.inventory()
    for scenario_id in scenario_ids:
        try:
            scenario.load(scenario_id)
        except Exception:  # noqa: S110  (the agent reports it, in the case that loads it)
            pass
    gc.collect()
    if hasattr(gc, "freeze"):
        gc.freeze()


def receive(control: socket.socket) -> Tuple[bytes, List[int]]:
    """One message and the file descriptors that came with it."""
    fds = array.array("i")
    data, ancillary, _flags, _address = control.recvmsg(
        MAXIMUM_REQUEST, socket.CMSG_SPACE(FDS_PER_AGENT * fds.itemsize)
    )
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(payload[: len(payload) - (len(payload) % fds.itemsize)])
    return data, list(fds)


def send(control: socket.socket, message: Dict[str, Any]) -> None:
    control.sendall((json.dumps(message) + "\n").encode())


def become_agent(control: socket.socket, wakeup: Tuple[int, int], fds: List[int], started: int) -> None:
    """In the forked child: turn into an agent on ``fds``; never returns.
    Closing ``started`` tells the server the session is set."""
    code = 1
    try:
        os.setsid()
        os.close(started)
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        control.close()
        for fd in wakeup:
            os.close(fd)
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
        for fd in fds:
            if fd > 2:
                os.close(fd)
        from . import agent

        agent.main()  # leaves with os._exit(0)
        code = 0
    except BaseException:
        try:
            traceback.print_exc()
            sys.stderr.flush()
        except BaseException:  # noqa: S110  (no stderr left to complain on)
            pass
    finally:
        os._exit(code)


def reap(control: socket.socket) -> None:
    """Report every forked agent that has exited."""
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        if os.WIFSIGNALED(status):
            returncode = -os.WTERMSIG(status)
        else:
            returncode = os.WEXITSTATUS(status)
        send(control, {"exited": pid, "returncode": returncode})


def fork(control: socket.socket, wakeup: Tuple[int, int], request: Dict[str, Any], fds: List[int]) -> None:
    """Answer one fork request."""
    try:
        if request.get("op") != "fork" or len(fds) != FDS_PER_AGENT:
            send(control, {"id": request.get("id"), "error": "expected a fork request with 3 descriptors"})
            return
        sys.stdout.flush()
        sys.stderr.flush()
        waiting, started = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(waiting)
            become_agent(control, wakeup, fds, started)
        os.close(started)
        os.read(waiting, 1)  # end of file once the child has its session (or has died)
        os.close(waiting)
        send(control, {"id": request.get("id"), "pid": pid})
    finally:
        for fd in fds:
            os.close(fd)


def serve(control: socket.socket) -> None:
    """Fork agents on request until the control socket closes."""
    wakeup = os.pipe()
    os.set_blocking(wakeup[1], False)
    signal.set_wakeup_fd(wakeup[1])
    signal.signal(signal.SIGCHLD, lambda number, frame: None)
    send(control, {"ready": True, "pid": os.getpid()})
    while True:
        readable, _, _ = select.select([control.fileno(), wakeup[0]], [], [])
        if wakeup[0] in readable:
            os.read(wakeup[0], 4096)
            reap(control)
        if control.fileno() in readable:
            data, fds = receive(control)
            if not data:
                for fd in fds:
                    os.close(fd)
                return
            try:
                request = json.loads(data)
            except ValueError:
                request = {}
            fork(control, wakeup, request, fds)


def main() -> None:
    control = socket.socket(fileno=os.dup(0))
    os.close(0)
    os.open(os.devnull, os.O_RDONLY)  # fd 0 again: nothing reads it
    preload(sys.argv[1:])
    try:
        serve(control)
    except (BrokenPipeError, ConnectionResetError):
        pass
    os._exit(0)


if __name__ == "__main__":
    main()
