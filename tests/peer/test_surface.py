"""wsconform.peer.surface: signatures, bad calls and imports, on the installed release."""

import inspect

import pytest

from wsconform.peer import surface


def test_signature_text_marks_positional_only_and_keyword_only():
    parameters = [["a", "positional-only"], ["b", "positional"], ["c", "keyword-only", "1"], ["d", "**kwargs"]]
    assert surface.signature_text(parameters) == "(a, /, b, *, c=1, **d)"
    assert surface.signature_text([["a", "positional"], ["rest", "*args"], ["k", "keyword-only"]]) == "(a, *rest, k)"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (10, "10"),
        (None, "None"),
        ("Python/3.11 websockets/17.4", "'Python/<version> websockets/<version>'"),
        (print, "<builtin_function_or_method>"),
    ],
)
def test_defaults_are_literal_or_a_type_never_an_address_or_a_version(value, text):
    assert surface._default(value) == text


def test_signatures_of_the_installed_release_match_inspect():
    import websockets

    found = surface.signatures()
    assert set(found) == set(surface.SIGNATURES)
    connect = found["websockets.connect"]
    expected = [p.name for p in inspect.signature(websockets.connect).parameters.values()]
    assert [entry[0] for entry in connect["parameters"]] == expected
    assert ["open_timeout", "keyword-only", "10"] in connect["parameters"]
    assert connect["signature"].startswith("(uri, *, ")


def test_bad_calls_record_what_they_raise():
    found = surface.bad_calls()
    entry = found["basic_auth() without credentials · websockets.asyncio.server.basic_auth"]
    assert entry["present"] is True and entry["raises"] in ("builtins.ValueError", "builtins.TypeError")
    assert entry["message"]


def test_a_missing_callable_is_absent():
    original = surface.SIGNATURES
    try:
        surface.SIGNATURES = ("websockets.no_such_thing",)
        assert surface.signatures() == {"websockets.no_such_thing": {"present": False}}
    finally:
        surface.SIGNATURES = original


def test_exceptions_built_as_applications_tests_build_them():
    found = surface.bad_calls()
    old_style = found["InvalidStatusCode(403) · websockets.exceptions.InvalidStatusCode"]
    assert old_style["raises"] == "builtins.TypeError"  # 17.4 takes (status_code, headers)
    closed = found["ConnectionClosedOK(None, None) · websockets.exceptions.ConnectionClosedOK"]
    assert (closed["returns"], closed["str"]) == ("ConnectionClosedOK", "no close frame received or sent")
