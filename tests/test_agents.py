import asyncio
import os
import sys

import pytest

from wsconform.execution.agents import (
    LIVE_AGENTS,
    LIVE_FORKSERVERS,
    Agent,
    AgentError,
    AgentPool,
    ForkedProcess,
    Forkserver,
    kill_all,
    process_exists,
)


def fake_python(tmp_path, body):
    """An "interpreter" that ignores its arguments and runs ``body`` (sh)."""
    path = tmp_path / "python"
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(0o755)
    return str(path)


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.asyncio
async def test_hello_and_fault_server_round_trip(project):
    agent = Agent(sys.executable, "server", "fault", project)
    await agent.start()
    try:
        hello = await agent.request("hello", timeout=20)
        assert hello["ok"] and hello["python"]
        served = await agent.request(
            "serve", timeout=20, scenario="handshake-non-ready", variant="http-503", implementation="fault"
        )
        assert served["ok"] and served["port"] > 0
        reader, writer = await asyncio.open_connection("127.0.0.1", served["port"])
        writer.write(b"GET / HTTP/1.1\r\n\r\n")
        assert (await reader.readline()).startswith(b"HTTP/1.1 503")
        writer.close()
        collected = await agent.request("collect", timeout=20)
        names = [event["name"] for event in collected["record"]["events"]]
        assert names[:3] == ["listening", "accepted", "request"]
    finally:
        await agent.stop()
    assert agent.process.returncode is not None


@pytest.mark.asyncio
async def test_errors_inside_the_agent_are_replies_not_crashes(project):
    agent = Agent(sys.executable, "client", "fault", project)
    await agent.start()
    try:
        reply = await agent.request("dance", timeout=20)
        assert not reply["ok"] and "unknown op 'dance'" in reply["error"]
        reply = await agent.request("serve", timeout=20, scenario="nope", variant="x", implementation="fault")
        assert not reply["ok"] and "unknown scenario 'nope'" in reply["error"]
        assert (await agent.request("hello", timeout=20))["ok"]  # still usable
    finally:
        await agent.stop()


@pytest.mark.asyncio
async def test_a_silent_agent_times_out_and_is_killed(tmp_path, project):
    agent = Agent(fake_python(tmp_path, "sleep 60"), "client", "fake", project)
    await agent.start()
    pid = agent.process.pid
    with pytest.raises(AgentError, match=r"did not answer .hello. within 0\.5 s"):
        await agent.request("hello", timeout=0.5)
    assert agent.broken
    await agent.process.wait()
    assert not alive(pid)
    assert agent not in LIVE_AGENTS


@pytest.mark.asyncio
async def test_a_dying_agent_reports_its_last_words(tmp_path, project):
    agent = Agent(
        fake_python(tmp_path, "echo 'ImportError: no module named harness' >&2; exit 3"), "server", "fake", project
    )
    await agent.start()
    with pytest.raises(AgentError, match="exited: ImportError: no module named harness"):
        await agent.request("hello", timeout=10)


@pytest.mark.asyncio
async def test_a_missing_interpreter_is_an_agent_error(tmp_path, project):
    agent = Agent(str(tmp_path / "nope"), "server", "fake", project)
    with pytest.raises(AgentError, match="cannot start agent"):
        await agent.start()


@pytest.mark.asyncio
async def test_kill_all_leaves_no_orphans(tmp_path, project):
    agents = [Agent(fake_python(tmp_path, "sleep 60"), "client", "fake", project) for _ in range(3)]
    for agent in agents:
        await agent.start()
    kill_all()
    for agent in agents:
        await asyncio.wait_for(agent.process.wait(), 5)
    assert not LIVE_AGENTS


@pytest.mark.asyncio
async def test_pool_limits_and_reuses_agents(project):
    pool = AgentPool(sys.executable, "server", "fault", project, maximum=1)
    first = await pool.acquire()
    waiting = asyncio.ensure_future(pool.acquire())
    await asyncio.sleep(0.2)
    assert not waiting.done()  # at most one agent
    await pool.release(first)
    assert await asyncio.wait_for(waiting, 5) is first  # reused, not restarted
    first.kill()
    await pool.release(first)  # a broken agent is dropped…
    second = await pool.acquire()  # …and replaced by a new one
    assert second is not first
    await pool.release(second)
    await pool.close()
    assert pool.started == 2


@pytest.mark.asyncio
async def test_a_closed_pool_can_start_agents_again(project):
    pool = AgentPool(sys.executable, "server", "fault", project, maximum=1)
    await pool.release(await pool.acquire())
    await pool.close()
    agent = await asyncio.wait_for(pool.acquire(), 10)  # would wait forever if close leaked the slot
    await pool.release(agent)
    await pool.close()


@pytest.mark.asyncio
async def test_an_agent_lent_past_patience_no_longer_counts_against_the_maximum(project):
    pool = AgentPool(sys.executable, "server", "fault", project, maximum=1, ceiling=2, patience=0.3)
    loop = asyncio.get_running_loop()
    first = await pool.acquire()
    lent = loop.time()
    second = await asyncio.wait_for(pool.acquire(), 10)  # waits for the first to turn "waiting"…
    assert loop.time() - lent >= 0.3 and second is not first  # …then starts another
    third = asyncio.ensure_future(pool.acquire())
    await asyncio.sleep(0.5)
    assert not third.done()  # the ceiling: two agents at most
    await pool.release(first)
    assert await asyncio.wait_for(third, 5) is first
    for agent in (second, first):
        await pool.release(agent)
    await pool.close()
    assert pool.started == 2


@pytest.mark.asyncio
async def test_an_agent_lent_to_a_waiting_case_is_never_fresh(project):
    pool = AgentPool(sys.executable, "server", "fault", project, maximum=1, ceiling=2, patience=60)
    first = await pool.acquire(waiting=True)
    second = await asyncio.wait_for(pool.acquire(), 10)  # at once: the first one waits
    assert second is not first
    for agent in (first, second):
        await pool.release(agent)
    await pool.close()


# The fork server: agents forked from one warm interpreter per environment.


def parent_of(pid):
    return int(open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[1])


def open_descriptors():
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.asyncio
async def test_a_forked_agent_is_an_agent(project):
    forkserver = Forkserver(sys.executable, project, ("handshake-non-ready",))
    agent = Agent(sys.executable, "server", "fault", project, forkserver)
    await agent.start()
    try:
        assert isinstance(agent.process, ForkedProcess)
        hello = await agent.request("hello", timeout=20)
        assert hello["pid"] == agent.process.pid != forkserver.process.pid
        assert parent_of(agent.process.pid) == forkserver.process.pid
        assert os.getsid(agent.process.pid) == agent.process.pid  # a session of its own, as a fresh agent
        served = await agent.request(
            "serve", timeout=20, scenario="handshake-non-ready", variant="http-503", implementation="fault"
        )
        reader, writer = await asyncio.open_connection("127.0.0.1", served["port"])
        writer.write(b"GET / HTTP/1.1\r\n\r\n")
        assert (await reader.readline()).startswith(b"HTTP/1.1 503")
        writer.close()
        collected = await agent.request("collect", timeout=20)
        assert [event["name"] for event in collected["record"]["events"]][:3] == ["listening", "accepted", "request"]
    finally:
        await agent.stop()
        await forkserver.close()
    assert agent.process.returncode == 0  # reported by the fork server: the agent is its child


@pytest.mark.asyncio
async def test_forked_agents_have_channels_of_their_own(project):
    forkserver = Forkserver(sys.executable, project)
    agents = [Agent(sys.executable, "client", "fault", project, forkserver) for _ in range(3)]
    await asyncio.gather(*(agent.start() for agent in agents))
    try:
        pids = [(await agent.request("hello", timeout=20))["pid"] for agent in agents]
        assert len(set(pids)) == 3 and forkserver.forked == 3
        await agents[0].stop()
        for agent in agents[1:]:  # one agent leaving closes nobody else's pipes
            assert (await agent.request("hello", timeout=20))["ok"]
    finally:
        for agent in agents:
            await agent.stop()
        await forkserver.close()


@pytest.mark.asyncio
async def test_a_killed_forked_agent_is_reported_dead(project):
    forkserver = Forkserver(sys.executable, project)
    agent = Agent(sys.executable, "client", "fault", project, forkserver)
    await agent.start()
    pid = agent.process.pid
    agent.kill()
    assert await asyncio.wait_for(agent.process.wait(), 5) == -9
    assert not alive(pid) and agent not in LIVE_AGENTS
    await agent.stop()
    await forkserver.close()


@pytest.mark.asyncio
async def test_a_dead_fork_server_leaves_agents_alive_and_new_ones_fresh(project):
    forkserver = Forkserver(sys.executable, project)
    forked = Agent(sys.executable, "client", "fault", project, forkserver)
    await forked.start()
    forkserver.kill()
    await forkserver.process.wait()
    later = Agent(sys.executable, "client", "fault", project, forkserver)
    await asyncio.wait_for(later.start(), 20)
    try:
        assert not isinstance(later.process, ForkedProcess)  # a fresh interpreter
        assert forkserver.failed and (await later.request("hello", timeout=20))["ok"]
        assert (await forked.request("hello", timeout=20))["ok"]  # the forked one lives on
    finally:
        await asyncio.wait_for(forked.stop(), 10)  # its exit seen without the fork server
        await later.stop()
        await forkserver.close()
    # (a zombie counts as gone: an init that does not reap leaves one)
    assert forked.process.returncode is not None and not process_exists(forked.process.pid)


@pytest.mark.asyncio
async def test_a_fork_server_that_cannot_start_is_given_up(tmp_path, project):
    broken = fake_python(tmp_path, "echo 'SyntaxError: nope' >&2; exit 3")
    forkserver = Forkserver(broken, project)
    agent = Agent(broken, "client", "fake", project, forkserver)
    await asyncio.wait_for(agent.start(), 20)  # falls back to a fresh interpreter (which fails in turn)
    assert "the fork server exited: SyntaxError: nope" in forkserver.failed
    with pytest.raises(AgentError, match="exited"):
        await agent.request("hello", timeout=10)
    await forkserver.close()


@pytest.mark.asyncio
async def test_kill_all_kills_fork_servers_and_their_agents(project):
    forkserver = Forkserver(sys.executable, project)
    agent = Agent(sys.executable, "client", "fault", project, forkserver)
    await agent.start()
    kill_all()
    await asyncio.wait_for(forkserver.process.wait(), 5)
    await asyncio.wait_for(agent.process.wait(), 5)
    assert not LIVE_AGENTS and not LIVE_FORKSERVERS
    await forkserver.close()


@pytest.mark.asyncio
async def test_forking_leaks_no_descriptors(project):
    forkserver = Forkserver(sys.executable, project)
    await (await_started := Agent(sys.executable, "client", "fault", project, forkserver)).start()
    await await_started.stop()
    before = open_descriptors()
    for _ in range(5):
        agent = Agent(sys.executable, "client", "fault", project, forkserver)
        await agent.start()
        await agent.request("hello", timeout=20)
        await agent.stop()
    assert open_descriptors() == before
    await forkserver.close()


@pytest.mark.asyncio
async def test_a_closed_fork_server_starts_again(project):
    forkserver = Forkserver(sys.executable, project)
    for _ in range(2):
        agent = Agent(sys.executable, "client", "fault", project, forkserver)
        await agent.start()
        assert isinstance(agent.process, ForkedProcess)
        await agent.stop()
        await forkserver.close()
    assert forkserver.failed is None
