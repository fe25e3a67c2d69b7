from wsconform.model import derived


def cell(scenario, client, server, client_steps, server_steps=()):
    return {
        "scenario": scenario,
        "variant": "v",
        "client": client,
        "server": server,
        "outcomes": [{"outcome": {"client": {"steps": list(client_steps)}, "server": {"steps": list(server_steps)}}}],
    }


def raised(cls, caught):
    return {"step": "recv", "result": {"kind": "exception", "exception": {"class": cls, "caught_by": caught}}}


def test_catchability_collects_each_peer_exception_once_with_where_it_was_seen():
    caught = {"builtins.RuntimeError": True, "websockets.exceptions.ConcurrencyError": "absent"}
    concurrent = {
        "step": "recv_concurrently",
        "result": {
            "kind": "value",
            "value": [
                {"kind": "value", "value": "one"},
                {"kind": "exception", "exception": {"class": "builtins.RuntimeError", "caught_by": caught}},
            ],
        },
    }
    document = {
        "cells": [
            cell("concurrent-recv", "8.1/default/py3.9", "x", [concurrent]),
            cell("other", "8.1/default/py3.9", "x", [raised("builtins.RuntimeError", caught)]),
            cell("other", "x", "8.1/default/py3.9", [], [raised("builtins.EOFError", {"builtins.EOFError": True})]),
        ]
    }
    rows = derived.catchability(document)
    assert [(row["peer"], row["exception"]) for row in rows] == [
        ("8.1/default/py3.9", "builtins.EOFError"),
        ("8.1/default/py3.9", "builtins.RuntimeError"),
    ]
    assert rows[1]["seen_in"] == ["concurrent-recv/v (client)", "other/v (client)"]
    assert rows[1]["caught_by"] == caught


def test_api_surface_flattens_both_probes():
    probe_client = {
        "step": "probe",
        "result": {
            "kind": "value",
            "value": {
                "connection": {"class": "C", "close_code": {"present": True}},
                "package": {"websockets.exceptions.InvalidStatus": {"present": False}},
                "imports": {"websockets.legacy": {"imports": True, "warns": ["DeprecationWarning: x"]}},
                "signatures": {"websockets.connect": {"present": True, "signature": "(uri, *, origin=None)"}},
                "calls": {"basic_auth() · m.basic_auth": {"present": True, "raises": "builtins.ValueError"}},
            },
        },
    }
    probe_server = {"step": "probe", "result": {"kind": "value", "value": {"connection": {"path": {"present": False}}}}}
    document = {"cells": [cell("api-surface", "p", "p", [probe_client], [probe_server])]}
    surface = derived.api_surface(document)["p"]
    assert surface["connection.close_code"] == {"present": True}
    assert surface["server-connection.path"] == {"present": False}
    assert surface["websockets.exceptions.InvalidStatus"] == {"present": False}
    assert surface["import websockets.legacy"] == {"present": True, "warns": ["DeprecationWarning: x"]}
    assert surface["signature websockets.connect"]["signature"] == "(uri, *, origin=None)"
    assert surface["call basic_auth() · m.basic_auth"]["raises"] == "builtins.ValueError"
