"""End to end for the upgrade-breakage scenarios: 8.1 against 17.4, every
implementation each has (legacy, asyncio, sync, trio).

8.1 and 17.4 are frozen software that differ on exactly these points, so each
assertion can fail: it checks what the real libraries did. Both are pinned: a
new websockets release cannot change what these tests see.
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import run_harness
from wsconform.core import exit_codes
from wsconform.model import results as results_file
from wsconform.peer.labels import first_exception, integer, received_close, sent_close, steps

pytestmark = pytest.mark.peers

SCENARIOS = (
    "close-code-reason,abort,api-surface,handler-signature,http-error-status,"
    "oversize,keepalive,concurrent-recv,invalid-utf8,handshake-headers,process-request,subprotocols,send-types,"
    "reconnection,tls,server-shutdown,http-edges,ping,basic-auth,origins,non-compliant-server,process-response,uri-forms"
)


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> dict:
    output = tmp_path_factory.mktemp("scenarios") / "results.json"
    process = run_harness(
        "matrix",
        "--versions",
        "8.1,17.4",
        "--impls",
        "all",
        "--scenarios",
        SCENARIOS,
        "--repeat",
        "1",
        "--output",
        str(output),
        "--no-tables",
    )
    assert process.returncode == exit_codes.SUCCESS, process.stderr[-3000:]
    return results_file.load(output)


def newest(results: dict) -> str:
    versions = {p["version"] for p in results["peers"]} - {"8.1", "fault"}
    (version,) = versions
    return version


def peer(results: dict, version: str, implementation: str) -> str:
    (found,) = [p["id"] for p in results["peers"] if p["version"] == version and p["implementation"] == implementation]
    return found


def cell(results: dict, scenario: str, variant: str, client: str, server: str) -> dict:
    (found,) = [
        c
        for c in results["cells"]
        if (c["scenario"], c["variant"], c["client"], c["server"]) == (scenario, variant, client, server)
    ]
    return found


def outcome(found: dict) -> dict:
    assert found["status"] == "measured", found
    return found["outcomes"][0]["outcome"]


def test_no_harness_errors_and_every_implementation_ran(results):
    assert "error" not in results["totals"]["cells"]
    statuses = {p["implementation"]: p["status"] for p in results["peers"] if p["version"] == newest(results)}
    assert statuses == {name: "available" for name in ("default", "legacy", "asyncio", "sync", "trio")}
    old = {p["implementation"]: p["status"] for p in results["peers"] if p["version"] == "8.1"}
    assert old == {
        "default": "available",
        "legacy": "available",
        "asyncio": "unsupported",
        "sync": "unsupported",
        "trio": "unsupported",
    }


@pytest.mark.parametrize("implementation", ["legacy", "asyncio", "sync", "trio"])
def test_close_code_and_reason_reach_the_client(results, implementation):
    client = peer(results, newest(results), implementation)
    for server in (peer(results, "8.1", "default"), peer(results, newest(results), "trio")):
        exception = first_exception(
            outcome(cell(results, "close-code-reason", "server-closes-4001-bye", client, server)), "client", "recv"
        )
        assert received_close(exception) == 4001
        assert exception["attributes"]["rcvd"]["value"]["reason"] == "bye"


def test_8_1_reports_close_codes_through_code_only(results):
    old = peer(results, "8.1", "default")
    exception = first_exception(
        outcome(cell(results, "close-code-reason", "server-closes-4001-bye", old, old)), "client", "recv"
    )
    assert "rcvd" not in exception.get("attributes", {})
    assert integer(exception["attributes"]["code"]["value"]) == 4001


def test_api_surface_shows_what_vanished(results):
    surfaces = results["api_surface"]
    old, new = surfaces[peer(results, "8.1", "default")], surfaces[peer(results, newest(results), "asyncio")]
    assert old["connection.fail_connection"]["present"] is True
    assert new["connection.fail_connection"]["present"] is False
    assert new["connection.close_code"]["present"] is True
    assert old["websockets.exceptions.InvalidStatusCode"]["present"] is True
    assert old["websockets.exceptions.InvalidStatus"]["present"] is False
    assert new["websockets.exceptions.InvalidStatus"]["present"] is True


def test_catchability_of_concurrent_recv(results):
    rows = {(row["peer"], row["exception"]): row for row in results["catchability"]}
    old = rows[(peer(results, "8.1", "default"), "builtins.RuntimeError")]
    assert old["caught_by"]["builtins.RuntimeError"] is True
    assert old["caught_by"]["websockets.exceptions.ConcurrencyError"] == "absent"
    new = rows[(peer(results, newest(results), "asyncio"), "websockets.exceptions.ConcurrencyError")]
    assert new["caught_by"]["builtins.RuntimeError"] is True
    assert any("concurrent-recv" in where for where in new["seen_in"])


def test_http_error_status_moves_from_status_code_to_response(results):
    server = peer(results, newest(results), "asyncio")
    labels = {
        version: cell(results, "http-error-status", "403", peer(results, version, "default"), server)["outcomes"][0][
            "label"
        ]
        for version in ("8.1", newest(results))
    }
    assert labels == {
        "8.1": "InvalidStatusCode .status_code=403",
        newest(results): "InvalidStatus .response.status_code=403",
    }


def test_a_two_argument_handler_fails_on_the_new_server(results):
    client = peer(results, newest(results), "asyncio")
    server = peer(results, newest(results), "asyncio")
    recv = steps(outcome(cell(results, "handler-signature", "handler-ws-path", client, server)), "client", "recv")
    assert received_close(recv[0]["result"]["exception"]) == 1011
    ok = steps(outcome(cell(results, "handler-signature", "handler-ws", client, server)), "client", "recv")
    assert ok[0]["result"] == {"kind": "value", "value": "hello"}


@pytest.mark.parametrize("implementation", ["asyncio", "sync", "trio"])
def test_oversize_and_invalid_utf8_close_codes(results, implementation):
    new = peer(results, newest(results), implementation)
    old = peer(results, "8.1", "default")
    assert "1009" in cell(results, "oversize", "client-limit", new, old)["outcomes"][0]["label"]
    assert "1007" in cell(results, "invalid-utf8", "server-sends", new, old)["outcomes"][0]["label"]


def test_sync_cannot_stop_reading_so_its_keepalive_cell_is_unsupported(results):
    sync = peer(results, newest(results), "sync")
    found = cell(results, "keepalive", "client-stops-answering", sync, peer(results, newest(results), "asyncio"))
    assert found["status"] == "unsupported"
    assert "stop_reading" in found["reason"]


def test_fail_connection_is_unsupported_on_the_new_implementation(results):
    client = peer(results, "8.1", "default")
    assert (
        cell(results, "abort", "server-fail_connection", client, peer(results, newest(results), "asyncio"))["status"]
        == "unsupported"
    )
    found = cell(results, "abort", "server-fail_connection", client, peer(results, "8.1", "legacy"))
    assert received_close(first_exception(outcome(found), "client", "recv")) == 1011


@pytest.mark.parametrize("implementation", ["asyncio", "trio"])
def test_keepalive_timeout_is_noticed_by_the_pinging_client(results, implementation):
    client = peer(results, newest(results), implementation)
    found = outcome(
        cell(results, "keepalive", "server-stops-answering", client, peer(results, newest(results), "asyncio"))
    )
    (recv,) = steps(found, "client", "recv")
    exception = recv["result"]["exception"]
    assert sent_close(exception) == 1011
    assert exception["attributes"]["sent"]["value"]["reason"] == "keepalive ping timeout"
    assert recv["duration"] == "0.5-2s"


def headers_answer(results: dict, variant: str, client: str, server: str) -> dict:
    found = cell(results, "handshake-headers", variant, client, server)
    assert found["status"] == "measured", found
    (only,) = found["outcomes"]  # a deterministic scenario: one answer
    return only["answer"]


def test_8_1_takes_extra_headers_and_its_server_reads_request_headers(results):
    old = peer(results, "8.1", "default")
    given = headers_answer(results, "native", old, old)
    assert (given["parameter"], given["connect"]) == ("extra_headers", "ok")
    assert given["server_read"]["request_headers"] == ["request"]
    assert given["server_read"]["request.headers"] == "absent"
    assert given["client_read"]["response_headers"] == ["response"]


def test_17_4_takes_additional_headers_and_refuses_code_written_for_13_1(results):
    new = peer(results, newest(results), "default")
    given = headers_answer(results, "native", new, new)
    assert (given["parameter"], given["connect"]) == ("additional_headers", "ok")
    assert given["server_read"]["request.headers"] == ["request"]
    assert given["server_read"]["path"] == "absent"  # ws.path is gone from the new server connection
    written_for_13_1 = headers_answer(results, "written-for-13.1", new, new)
    assert (written_for_13_1["parameter"], written_for_13_1["connect"]) == ("extra_headers", "TypeError")


def test_8_1_refuses_code_written_for_14_0(results):
    old = peer(results, "8.1", "default")
    given = headers_answer(results, "written-for-14.0", old, peer(results, newest(results), "default"))
    assert (given["parameter"], given["connect"]) == ("additional_headers", "TypeError")


def hook_answer(results: dict, variant: str, version: str) -> dict:
    server = peer(results, version, "default")
    (found,) = [
        c
        for c in results["cells"]
        if (c["scenario"], c["variant"], c["server"]) == ("process-request", variant, server)
    ]
    assert found["status"] == "measured", found
    (only,) = found["outcomes"]
    return only["answer"]


def test_a_health_check_hook_in_each_releases_own_convention_answers(results):
    for version, variant in (("8.1", "legacy-health-check"), (newest(results), "new-health-check")):
        given = hook_answer(results, variant, version)
        assert (given["status"], given["body"], given["handler_ran"]) == (200, "OK\n", False), (version, given)


def test_a_legacy_hook_on_17_4_lets_the_health_check_through_to_a_426(results):
    given = hook_answer(results, "legacy-health-check", newest(results))
    assert given["status"] == 426 and not given["handler_ran"]


def test_a_new_hook_on_8_1_fails_the_handshake_with_500(results):
    given = hook_answer(results, "new-health-check", "8.1")
    assert given["status"] == 500 and not given["handler_ran"]


def test_without_a_shared_subprotocol_8_1_goes_on_and_17_4_refuses(results):
    old, new = peer(results, "8.1", "default"), peer(results, newest(results), "default")
    (before,) = cell(results, "subprotocols", "none-shared", old, old)["outcomes"]
    assert before["answer"] == {"connect": "ok", "client": None, "server": None}
    (after,) = cell(results, "subprotocols", "none-shared", new, new)["outcomes"]
    assert after["answer"]["connect"] == "InvalidStatus"


def test_8_1_sends_a_dict_as_its_keys_and_17_4_refuses_it(results):
    old, new = peer(results, "8.1", "default"), peer(results, newest(results), "default")
    (before,) = cell(results, "send-types", "dict", old, old)["outcomes"]
    assert before["answer"]["send"] == "ok" and before["answer"]["server_received"][0] == "'type'"
    after = cell(results, "send-types", "dict", new, new)["outcomes"][0]["answer"]
    assert (after["send"], after["then"]) == ("TypeError", "ok")


def only_answer(results: dict, scenario: str, variant: str, client: str, server: str) -> dict:
    found = cell(results, scenario, variant, client, server)
    assert found["status"] == "measured", found
    (only,) = {json.dumps(outcome["answer"], sort_keys=True) for outcome in found["outcomes"]}
    return dict(json.loads(only))


def test_8_1_cannot_reconnect_and_17_4_retries_a_503_but_not_a_403(results):
    old = peer(results, "8.1", "default")
    assert only_answer(results, "reconnection", "refused", old, "fault")["exception"] == "TypeError"
    for implementation in ("asyncio", "trio"):
        new = peer(results, newest(results), implementation)
        assert only_answer(results, "reconnection", "http-503", new, "fault") == {"retried": True, "ended": "retrying"}
        refused = only_answer(results, "reconnection", "http-403", new, "fault")
        assert (refused["ended"], refused["exception"]) == ("raised", "InvalidStatus")
    legacy = peer(results, newest(results), "legacy")
    assert only_answer(results, "reconnection", "http-403", legacy, "fault")["ended"] == "retrying"
    sync = cell(results, "reconnection", "refused", peer(results, newest(results), "sync"), "fault")
    assert sync["status"] == "unsupported"


def test_tls_works_refuses_untrusted_certificates_and_ssl_context_is_a_sync_alias(results):
    old, new = peer(results, "8.1", "default"), peer(results, newest(results), "default")
    assert only_answer(results, "tls", "trusted", old, new)["received"] == "'hello over TLS'"
    assert only_answer(results, "tls", "untrusted", new, old)["connect"] == "SSLCertVerificationError"
    trio = only_answer(results, "tls", "untrusted", peer(results, newest(results), "trio"), new)
    assert (trio["connect"], trio["cause"]) == ("BrokenResourceError", "SSLCertVerificationError")
    sync = only_answer(results, "tls", "written-for-ssl-context", peer(results, newest(results), "sync"), new)
    assert sync["connect"] == "ok" and sync["warnings"] == ["DeprecationWarning: ssl_context was renamed to ssl"]
    assert only_answer(results, "tls", "written-for-ssl-context", new, new)["connect"] == "TypeError"


@pytest.mark.parametrize("implementation", ["legacy", "asyncio", "sync", "trio"])
def test_a_17_4_server_shut_down_says_going_away(results, implementation):
    client = peer(results, newest(results), "default")
    server = peer(results, newest(results), implementation)
    given = only_answer(results, "server-shutdown", "with-client-connected", client, server)
    assert given["client_recv"] == "ConnectionClosedOK 1001"
    assert given["new_connection"] == "ConnectionRefusedError"


def test_header_bytes_decode_differently_and_8_1_accepts_deflate_without_window_bits(results):
    old, new = peer(results, "8.1", "default"), peer(results, newest(results), "default")
    before = only_answer(results, "http-edges", "latin-1-value", old, old)
    after = only_answer(results, "http-edges", "latin-1-value", new, new)
    assert before["handler_read"]["X-Edge"] == ["caf\udce9"]
    assert after["handler_read"]["X-Edge"] == ["café"]
    assert only_answer(results, "http-edges", "chrome", old, old)["extensions"] == "permessage-deflate"
    assert "server_max_window_bits=12" in only_answer(results, "http-edges", "chrome", new, new)["extensions"]


def test_the_pong_gives_none_on_8_1_and_the_latency_on_17_4(results):
    old, new = peer(results, "8.1", "default"), peer(results, newest(results), "default")
    assert only_answer(results, "ping", "measure-latency", old, old)["pong_gives"] == "builtins.NoneType"
    assert only_answer(results, "ping", "measure-latency", new, old)["pong_gives"] == "builtins.float"
    sync = only_answer(results, "ping", "measure-latency", peer(results, newest(results), "sync"), new)
    assert (sync["ping_returns"], sync["pong_gives"]) == ("threading.Event", "builtins.bool")


def test_basic_auth_written_for_13_1_breaks_serve_on_17_4_and_the_new_one_breaks_the_legacy_server(results):
    old, new = peer(results, "8.1", "default"), peer(results, newest(results), "default")
    assert only_answer(results, "basic-auth", "legacy-right-password", new, old)["received"] == "'authenticated'"
    written_for_13_1 = only_answer(results, "basic-auth", "legacy-right-password", new, new)
    assert written_for_13_1["serve"] == "TypeError" and written_for_13_1["connect"] == "ConnectionRefusedError"
    assert only_answer(results, "basic-auth", "new-wrong-password", new, new)["status"] == 401
    on_legacy = only_answer(results, "basic-auth", "new-right-password", new, peer(results, newest(results), "legacy"))
    assert on_legacy["status"] == 500
    assert on_legacy["errors_logged"] == ["websockets.server ERROR: opening handshake failed (AttributeError)"]


@pytest.mark.parametrize("version", ["8.1", "newest"])
def test_an_origins_list_refuses_a_client_without_origin(results, version):
    server = peer(results, newest(results) if version == "newest" else version, "default")
    client = peer(results, newest(results), "default")
    assert only_answer(results, "origins", "none", client, server)["status"] == 403
    assert only_answer(results, "origins", "allowed", client, server)["received"] == "'welcome'"
    # A regular expression in the list: 17.4 matches it, 8.1 compares it with the Origin as a string.
    pattern = only_answer(results, "origins", "pattern", client, server)
    assert pattern == (
        {"connect": "ok", "received": "'welcome'"}
        if version == "newest"
        else {"connect": "InvalidStatus", "status": 403}
    )


def test_a_bad_accept_raises_at_once_on_the_new_client_and_waits_out_the_legacy_one(results):
    for implementation in ("asyncio", "sync", "trio"):
        new = peer(results, newest(results), implementation)
        assert (
            only_answer(results, "non-compliant-server", "bad-accept", new, "fault")["connect"] == "InvalidHeaderValue"
        )
    legacy = peer(results, newest(results), "legacy")
    assert only_answer(results, "non-compliant-server", "bad-accept", legacy, "fault")["connect"] == "TimeoutError"
    old = peer(results, "8.1", "default")
    assert only_answer(results, "non-compliant-server", "no-upgrade", old, "fault")["connect"] == "guard-timeout"


def test_a_process_response_hook_needs_the_new_server_and_extra_headers_the_legacy_one(results):
    old, new = peer(results, "8.1", "default"), peer(results, newest(results), "default")
    assert only_answer(results, "process-response", "new", new, new)["header"] == ["conformance"]
    assert only_answer(results, "process-response", "new", new, old)["serve"] == "TypeError"
    assert only_answer(results, "process-response", "legacy-callable", new, old)["header"] == ["conformance"]
    assert only_answer(results, "process-response", "legacy-callable", new, new)["serve"] == "TypeError"


def test_8_1_sends_an_iri_unencoded_which_17_4_refuses(results):
    old, new = peer(results, "8.1", "default"), peer(results, newest(results), "default")
    assert only_answer(results, "uri-forms", "iri", old, new)["connect"] == "InvalidMessage"
    assert only_answer(results, "uri-forms", "iri", old, old)["handler_path"] == "/caf\udcc3\udca9?name=zo\udcc3\udcab"
    assert only_answer(results, "uri-forms", "iri", new, old)["handler_path"] == "/caf%C3%A9?name=zo%C3%AB"


@pytest.fixture(scope="module")
def sync_results(tmp_path_factory) -> dict:
    """14.1 and 14.2's threading implementation: the release before and the
    release of a fix to recv(timeout=0)."""
    output = tmp_path_factory.mktemp("sync") / "results.json"
    process = run_harness(
        "matrix",
        "--versions",
        "14.1,14.2",
        "--impls",
        "sync",
        "--scenarios",
        "recv-timeout",
        "--repeat",
        "1",
        "--output",
        str(output),
        "--no-tables",
    )
    assert process.returncode == exit_codes.SUCCESS, process.stderr[-3000:]
    return results_file.load(output)


def test_recv_timeout_zero_missed_a_waiting_message_in_14_1_and_returns_it_from_14_2(sync_results):
    before, after = peer(sync_results, "14.1", "sync"), peer(sync_results, "14.2", "sync")
    waiting = "zero-message-waiting"
    assert only_answer(sync_results, "recv-timeout", waiting, before, after)["recv"] == ["TimeoutError", "'ready'"]
    assert only_answer(sync_results, "recv-timeout", waiting, after, before)["recv"] == ["'ready'"]
