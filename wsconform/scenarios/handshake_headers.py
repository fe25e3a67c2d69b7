"""handshake-headers: custom headers in the opening handshake, as
applications send and read them.

The client sends ``X-Conformance: request`` with its request; the server adds
``X-Conformance: response`` to its response. The server's handler reads the
request, and the client the response, through every accessor the release has
(``path``, ``request_headers`` / ``request.path``, ``request.headers``;
``response_headers`` / ``response.headers``, ``response.status_code``).

The client passes its headers the way its release takes them (``native``:
``extra_headers`` for the legacy implementation and ``websockets.connect``
until 13.x, ``additional_headers`` for the new ones and ``websockets.connect``
from 14.0), or the way code written for one release does: ``extra_headers``
(written for 13.1) or ``additional_headers`` (written for 14.0) whatever the
release — so "code written for 13.1, run on 14.0" is observed as it fails.
"""

from typing import Any

from wsconform.api import STATE_SNAPSHOTS, Scenario, Variant, first_result_text, handshake_view, steps

HEADER = "X-Conformance"
REQUEST_VALUE = "request"
RESPONSE_VALUE = "response"

SCENARIO = Scenario(
    id="handshake-headers",
    question="Do custom handshake headers get through, and through which accessors can each side read them?",
    variants=(
        Variant("native", {"convention": None}, "the client passes its headers through its release's own parameter"),
        Variant(
            "written-for-13.1",
            {"convention": "extra_headers"},
            "the client passes them as extra_headers=, as code written for 13.1 does",
        ),
        Variant(
            "written-for-14.0",
            {"convention": "additional_headers"},
            "the client passes them as additional_headers=, as code written for 14.0 does",
        ),
    ),
    expectation=(
        "Headers passed through the release's own parameter reach the server, and the server's response "
        "headers reach the client; each side reads them through the accessors its release documents. A "
        "parameter the release does not have is refused at the call (TypeError), never silently ignored."
    ),
    incidental=STATE_SNAPSHOTS,
    links=(
        "https://websockets.readthedocs.io/en/stable/howto/upgrade.html",
        "https://websockets.readthedocs.io/en/stable/reference/asyncio/client.html",
        "https://github.com/python-websockets/websockets/issues/1538",
    ),
    repetitions=3,
)


def server_options(variant):
    return {"response_headers": {HEADER: RESPONSE_VALUE}}


async def server(side, variant):
    await side.request(headers=(HEADER,))
    await side.close(1000, "")


async def client(side, variant):
    connected = await side.connect(headers={HEADER: REQUEST_VALUE}, headers_convention=variant["convention"])
    if not connected.ok:
        return
    await side.response(headers=(HEADER,))
    await side.recv()


def _seen(outcome, role, step):
    """Per accessor: what it gave (the header's values, the path, the status),
    ``absent``, or what reading it raised; ``(warns)`` when reading it warned."""
    view = handshake_view(outcome, role, step)
    if view is None:
        return None
    seen = {}
    for accessor, entry in sorted(view.items()):
        text: Any = None
        if not entry.get("present"):
            text = "absent"
        elif "raised" in entry:
            text = "raised " + entry["raised"].rsplit(".", 1)[-1]
        else:
            value = entry.get("value")
            if isinstance(value, dict) and HEADER in value:
                value = value[HEADER]
            text = value
        if entry.get("warns"):
            text = {"value": text, "warns": [category.rsplit(".", 1)[-1] for category in entry["warns"]]}
        seen[accessor] = text
    return seen


def answer(outcome):
    """How the client's connect() went (and with which parameter), and what
    each side read of the handshake through each accessor."""
    connects = steps(outcome, "client", "connect")
    return {
        "parameter": connects[0]["args"].get("headers_parameter") if connects else None,
        "connect": first_result_text(outcome, "client", "connect"),
        "server_read": _seen(outcome, "server", "request"),
        "client_read": _seen(outcome, "client", "response"),
    }


def _readable(seen, value):
    """The accessors that gave ``value`` (as the header's only value, or itself)."""
    found = []
    for accessor, text in (seen or {}).items():
        plain = text["value"] if isinstance(text, dict) and "value" in text else text
        if plain == [value] or plain == value:
            found.append(accessor)
    return found


def label(outcome):
    given = answer(outcome)
    if given["connect"] != "ok":
        return "{} → {}".format(given["parameter"], given["connect"])
    server_read = ", ".join(_readable(given["server_read"], REQUEST_VALUE)) or "no accessor"
    client_read = ", ".join(_readable(given["client_read"], RESPONSE_VALUE)) or "no accessor"
    return "{} → server reads {}; client reads {}".format(given["parameter"], server_read, client_read)


def grade(outcome):
    given = answer(outcome)
    native = outcome["variant"]["params"]["convention"] is None
    if given["connect"] != "ok":
        if native:
            return "failed", "connect() with the release's own header parameter failed: " + given["connect"]
        if given["connect"].startswith("TypeError"):
            return "informational", "the release refuses this parameter at the call"
        return "non-strict", "a parameter the release does not take failed otherwise: " + given["connect"]
    if not _readable(given["server_read"], REQUEST_VALUE):
        if native:
            return "failed", "the request header did not reach the server's handler"
        return "non-strict", "the parameter was accepted, but the header never reached the server"
    if not _readable(given["client_read"], RESPONSE_VALUE):
        return "failed", "the response header did not reach the client"
    return "ok", label(outcome)
