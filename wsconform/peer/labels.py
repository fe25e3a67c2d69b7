"""Helpers for scenario ``label()`` and ``grade()`` functions.

They read *normalized* outcomes (see docs/reference/side-records.md) and run in the
orchestrator, but stay stdlib-only so that scenario files can import them
anywhere.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from .recording import ResultKind


def steps(outcome: Dict[str, Any], role: str, name: Optional[str] = None) -> List[Dict[str, Any]]:
    """The steps one side recorded, or only those called ``name``."""
    side = outcome.get(role) or {}
    return [step for step in side.get("steps", []) if name is None or step["step"] == name]


def results(outcome: Dict[str, Any], role: str, name: str) -> List[Dict[str, Any]]:
    """The results of one side's ``name`` steps, in order."""
    return [step["result"] for step in steps(outcome, role, name)]


def first_result(outcome: Dict[str, Any], role: str, name: str) -> Optional[Dict[str, Any]]:
    """The result of one side's first ``name`` step, or None if it took none."""
    found = results(outcome, role, name)
    return found[0] if found else None


def values(outcome: Dict[str, Any], role: str, name: str) -> List[Any]:
    """What one side's ``name`` steps returned, in order (steps that raised are skipped)."""
    return [result["value"] for result in results(outcome, role, name) if result["kind"] == ResultKind.VALUE]


def handshake_view(outcome: Dict[str, Any], role: str, name: str) -> Optional[Dict[str, Any]]:
    """What one side's ``request`` or ``response`` step read of the handshake:
    accessor → ``{"present", "value", "warns"}``; None when it took no such
    step or the step did not return (:mod:`wsconform.peer.handshake`)."""
    result = first_result(outcome, role, name)
    if result is None or result.get("kind") != ResultKind.VALUE or not isinstance(result.get("value"), dict):
        return None
    view: Dict[str, Any] = result["value"]
    return view


def handler_ran(outcome: Dict[str, Any]) -> bool:
    """Whether the server's handler started (its ``handler-started`` event)."""
    server = outcome.get("server") or {}
    return any(event.get("name") == "handler-started" for event in server.get("events", []))


def errors_logged(outcome: Dict[str, Any], role: str) -> List[str]:
    """What one side logged at ERROR or above, in its steps and between them:
    ``logger LEVEL: message (exception class)``, sorted, once each."""
    side = outcome.get(role) or {}
    records = [entry for step in side.get("steps", []) for entry in step.get("logged", [])]
    records += [event for event in side.get("events", []) if event.get("kind") == "logged"]
    found = set()
    for record in records:
        if record.get("level") in ("ERROR", "CRITICAL"):
            exception = record.get("exception") or {}
            cause = " ({})".format(short_class(exception["class"])) if exception.get("class") else ""
            found.add("{} {}: {}{}".format(record.get("logger"), record.get("level"), record.get("message"), cause))
    return sorted(found)


def status_accessor(exception: Optional[Dict[str, Any]]) -> Tuple[Optional[str], Any]:
    """Where a refused handshake's HTTP status lives on the exception
    (``.status_code`` until 13.x, ``.response.status_code`` on the new
    ``InvalidStatus``), and its value; ``(None, None)`` when nowhere."""
    status = attribute(exception, "status_code")
    if status is not None:
        return ".status_code", integer(status)
    response = attribute(exception, "response")
    if isinstance(response, dict) and "status_code" in response:
        return ".response.status_code", integer(response["status_code"])
    return None, None


def serve_raised(outcome: Dict[str, Any]) -> Optional[str]:
    """The class the library's ``serve()`` raised (the server's ``serve``
    step, recorded when a release refuses the call), or None."""
    exception = first_exception(outcome, "server", "serve")
    return None if exception is None else short_class(exception["class"])


def connect_answer(outcome: Dict[str, Any]) -> Dict[str, Any]:
    """What a client's connection attempt came to: ``connect`` (``ok`` or the
    exception), ``status`` when the handshake was refused with one, and
    ``received``, the first ``recv()``, when there was one."""
    given: Dict[str, Any] = {"connect": first_result_text(outcome, "client", "connect")}
    status = status_accessor(first_exception(outcome, "client", "connect"))[1]
    if status is not None:
        given["status"] = status
    received = first_result_text(outcome, "client", "recv")
    if received is not None:
        given["received"] = received
    return given


def short_class(name: str) -> str:
    """``websockets.exceptions.ConnectionClosedOK`` → ``ConnectionClosedOK``."""
    return name.rsplit(".", 1)[-1]


def first_exception(outcome: Dict[str, Any], role: str, name: Optional[str] = None) -> Optional[Dict[str, Any]]:
    for step in steps(outcome, role, name):
        if step["result"]["kind"] == ResultKind.EXCEPTION:
            return step["result"]["exception"]
    return None


def attribute(exception: Optional[Dict[str, Any]], name: str) -> Any:
    """The value of an exception attribute, or None when absent."""
    if exception is None:
        return None
    entry = exception.get("attributes", {}).get(name)
    if not entry or not entry.get("present"):
        return None
    return entry.get("value")


def integer(value: Any) -> Any:
    """A close or status code, whether recorded plainly or as an IntEnum."""
    if isinstance(value, dict) and "enum" in value and "value" in value:
        return value["value"]
    return value


def received_close(exception: Optional[Dict[str, Any]]) -> Optional[Any]:
    """The close code this side received, through whichever accessor exists:
    ``.rcvd.code`` (10.0+), else the deprecated ``.code``."""
    rcvd = attribute(exception, "rcvd")
    if isinstance(rcvd, dict) and "code" in rcvd:
        return integer(rcvd["code"])
    if exception is not None and "rcvd" in exception.get("attributes", {}):
        return None  # rcvd exists and is None: no close frame received
    return integer(attribute(exception, "code"))


def sent_close(exception: Optional[Dict[str, Any]]) -> Optional[Any]:
    """The close code this side sent (``.sent.code``, 10.0+), if any."""
    sent = attribute(exception, "sent")
    if isinstance(sent, dict) and "code" in sent:
        return integer(sent["code"])
    return None


def close_code(exception: Optional[Dict[str, Any]]) -> Optional[Any]:
    """The close code an exception reports: the one received, else the one
    sent (a side that failed the connection itself received none)."""
    received = received_close(exception)
    return received if received is not None else sent_close(exception)


def exception_text(exception: Dict[str, Any]) -> str:
    """``ConnectionClosedOK 1000``, ``ConnectionClosedError sent 1011``, or the class."""
    text = short_class(exception["class"])
    received = received_close(exception)
    if received is not None:
        return "{} {}".format(text, received)
    sent = sent_close(exception)
    if sent is not None:
        return "{} sent {}".format(text, sent)
    if "rcvd" in exception.get("attributes", {}):
        return text + " no close frame"
    return text


def result_text(result: Optional[Dict[str, Any]]) -> str:
    """One step result in a few words: a value, ``Class 1000``, or the kind."""
    if result is None:
        return "—"
    if result["kind"] == ResultKind.VALUE:
        value = result["value"]
        return repr(value) if not isinstance(value, (dict, list)) else "ok"
    if result["kind"] == ResultKind.EXCEPTION:
        return exception_text(result["exception"])
    return str(result["kind"])


def first_result_text(outcome: Dict[str, Any], role: str, name: str) -> Optional[str]:
    """:func:`result_text` of one side's first ``name`` step, or None if it took none."""
    result = first_result(outcome, role, name)
    return None if result is None else result_text(result)


def is_subclass(exception: Optional[Dict[str, Any]], *names: str) -> bool:
    """Whether the exception is an instance of any of the qualified class names."""
    return exception is not None and any(name in exception["mro"] for name in names)


def unsupported_step(outcome: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    """The first step either side could not express, if any."""
    for role in ("client", "server"):
        for step in steps(outcome, role):
            if step.get("result", {}).get("kind") == ResultKind.UNSUPPORTED:
                return step
    return None


def generic_label(outcome: Dict[str, Any]) -> str:
    """``step:result`` for each client step: the label of scenarios without a ``label()``."""
    parts = []
    for step in steps(outcome, "client"):
        result = step["result"]
        if result["kind"] == ResultKind.EXCEPTION:
            parts.append("{}:{}".format(step["step"], short_class(result["exception"]["class"])))
        else:
            parts.append("{}:{}".format(step["step"], result["kind"]))
    return " ".join(parts) or "no steps"
