"""The fork server's parts that run inside a peer (wsconform/peer/forkserver.py);
forking real agents is tested from the orchestrator's side (tests/test_agents.py)."""

import array
import json
import os
import socket

import pytest

from wsconform.peer import forkserver


@pytest.fixture
def channel():
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    yield ours, theirs
    ours.close()
    theirs.close()


def lines(sock):
    sock.settimeout(5)
    data = b""
    while not data.endswith(b"\n"):
        data += sock.recv(4096)
    return [json.loads(line) for line in data.splitlines()]


def test_a_request_arrives_with_its_descriptors(channel):
    ours, theirs = channel
    read_end, write_end = os.pipe()
    rights = (socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [write_end]))
    ours.sendmsg([b'{"op": "fork", "id": 1}\n'], [rights])
    data, fds = forkserver.receive(theirs)
    assert json.loads(data) == {"op": "fork", "id": 1} and len(fds) == 1
    os.write(fds[0], b"through the copy")  # the same pipe, another descriptor
    assert os.read(read_end, 100) == b"through the copy"
    for fd in (read_end, write_end, *fds):
        os.close(fd)


def test_a_request_without_three_descriptors_is_refused_and_closes_them(channel):
    ours, theirs = channel
    read_end, write_end = os.pipe()
    forkserver.fork(theirs, (-1, -1), {"op": "fork", "id": 7}, [write_end])
    assert lines(ours) == [{"id": 7, "error": "expected a fork request with 3 descriptors"}]
    with pytest.raises(OSError):
        os.fstat(write_end)  # closed by the server: no descriptor leaks into later agents
    os.close(read_end)


@pytest.mark.parametrize("how, returncode", [("exit", 3), ("signal", -9)])
def test_exits_are_reported_with_their_status(channel, how, returncode):
    ours, theirs = channel
    pid = os.fork()
    if pid == 0:
        if how == "signal":
            os.kill(os.getpid(), 9)
        os._exit(3)
    os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)  # exited, not yet reaped
    forkserver.reap(theirs)
    assert {"exited": pid, "returncode": returncode} in lines(ours)
