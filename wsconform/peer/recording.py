"""Turn what a library did into JSON records, faithfully.

Theory of operation
-------------------

Every action a scenario takes is a *step*. A step record holds the step's name
and arguments, the connection state just before and just after, the result
(a value, an exception, or a harness guard that fired), the warnings emitted
and the log records the library wrote while it ran, and how long it took.

Warnings and log records are captured by process-wide hooks installed for the
duration of one case, and attributed to the step that is running when they
arrive. This is exact because a case runs alone in its agent: nothing else
shares the event loop. Anything that arrives between steps is attributed to
the current *phase* (``setup``, ``between-steps``, ``teardown``).

Recording must never perturb what it records: no ``await`` happens inside the
recorder, and attribute reads that may warn are done synchronously inside
``warnings.catch_warnings`` so that their warnings are not mistaken for the
step's own.

Nothing here normalizes: records are raw. Normalization happens in the
orchestrator, so that raw evidence is kept for reports.
"""

from __future__ import annotations

import enum
import logging
import sys
import time
import traceback
import warnings
from typing import Any, Dict, List, Optional

#: How deep to follow ``__cause__`` / ``__context__`` chains.
MAXIMUM_CHAIN_DEPTH = 6

#: Exception attributes that say how a connection closed or why a handshake
#: failed, in every version that has them. Reading some of them warns (for
#: example the deprecated ``.code`` / ``.reason`` of ConnectionClosed); the
#: warning is recorded with the value.
EXCEPTION_ATTRIBUTES = (
    "rcvd",
    "sent",
    "rcvd_then_sent",
    "code",
    "reason",
    "status_code",
    "response",
    "errno",
)

#: The ``except`` clauses users write, checked against every recorded
#: exception with the classes of the peer's own library (catchability):
#: "does my except clause still work after the upgrade?"
EXCEPT_CLAUSES = (
    "websockets.exceptions.ConnectionClosed",
    "websockets.exceptions.ConnectionClosedOK",
    "websockets.exceptions.ConnectionClosedError",
    "websockets.exceptions.InvalidHandshake",
    "websockets.exceptions.InvalidMessage",
    "websockets.exceptions.InvalidStatus",
    "websockets.exceptions.InvalidStatusCode",
    "websockets.exceptions.PayloadTooBig",
    "websockets.exceptions.ConcurrencyError",
    "websockets.exceptions.WebSocketException",
    "builtins.OSError",
    "builtins.TimeoutError",
    "asyncio.TimeoutError",
    "builtins.EOFError",
    "builtins.RuntimeError",
)

#: Connection attributes read before and after every step (the state snapshot).
STATE_ACCESSORS = ("state", "open", "closed", "close_code", "close_reason")


class ResultKind:
    """The ``kind`` of a step's result, as recorded."""

    #: The library returned; ``value`` holds what.
    VALUE = "value"
    #: The library raised; ``exception`` holds what.
    EXCEPTION = "exception"
    #: The library did not return within the harness's guard.
    GUARD_TIMEOUT = "guard-timeout"
    #: The implementation cannot express this step; nothing was called.
    UNSUPPORTED = "unsupported"
    #: The step was still running when the record was taken.
    UNFINISHED = "unfinished"


#: Longest string kept verbatim in a record.
MAXIMUM_TEXT = 2000


def qualified_name(cls: type) -> str:
    """``module.QualifiedName`` of a class, e.g. ``websockets.exceptions.InvalidMessage``."""
    return "{}.{}".format(cls.__module__, cls.__qualname__)


def truncate(text: str) -> str:
    if len(text) > MAXIMUM_TEXT:
        return text[:MAXIMUM_TEXT] + "…[{} more characters]".format(len(text) - MAXIMUM_TEXT)
    return text


def describe_value(value: Any, depth: int = 0) -> Any:
    """A JSON-compatible description of a value a library returned or exposed."""
    if isinstance(value, enum.Enum) and isinstance(value, int) and not isinstance(value, bool):
        # IntEnum members (CloseCode, HTTPStatus, State) compare as integers
        # in user code: keep the integer beside the name.
        return {"enum": qualified_name(type(value)), "name": value.name, "value": int(value)}
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, enum.Enum):
        return {"enum": qualified_name(type(value)), "name": value.name}
    if isinstance(value, str):
        return truncate(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        data = bytes(value)
        return {"bytes": data[:MAXIMUM_TEXT].hex(), "length": len(data)}
    if depth >= 2:
        return {"repr": truncate(repr(value))}
    if isinstance(value, (list, tuple)):
        return [describe_value(item, depth + 1) for item in value]
    if isinstance(value, dict):
        return {str(key): describe_value(item, depth + 1) for key, item in value.items()}
    # A websockets Close frame (exceptions' .rcvd / .sent) or a Response.
    if hasattr(value, "code") and hasattr(value, "reason") and not isinstance(value, BaseException):
        return {
            "type": qualified_name(type(value)),
            "code": describe_value(value.code, depth + 1),
            "reason": describe_value(value.reason, depth + 1),
        }
    if hasattr(value, "status_code"):
        return {
            "type": qualified_name(type(value)),
            "status_code": describe_value(getattr(value, "status_code", None), depth + 1),
            "reason_phrase": describe_value(getattr(value, "reason_phrase", None), depth + 1),
        }
    return {"type": qualified_name(type(value)), "repr": truncate(repr(value))}


def describe_warning(message: warnings.WarningMessage) -> Dict[str, Any]:
    return {
        "category": qualified_name(message.category),
        "message": truncate(str(message.message)),
        "module": _module_of_file(message.filename),
    }


def _module_of_file(filename: str) -> str:
    """Reduce a file path to what is stable across machines: the package path."""
    marker = "site-packages/"
    if marker in filename:
        return filename.split(marker, 1)[1]
    for name in ("wsconform/",):
        if name in filename:
            return name + filename.split(name, 1)[1]
    return filename.rsplit("/", 1)[-1]


def read_attribute(obj: Any, name: str) -> Dict[str, Any]:
    """Read one attribute, recording its value, its absence, or what it raised,
    and any warning the access emitted."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            value = getattr(obj, name)
        except AttributeError:
            entry: Dict[str, Any] = {"present": False}
        except Exception as exc:  # a property that raises is an observation
            entry = {"present": True, "raised": qualified_name(type(exc)), "str": truncate(str(exc))}
        else:
            entry = {"present": True, "value": describe_value(value)}
    if caught:
        entry["warnings"] = [describe_warning(w) for w in caught]
    return entry


def raised_in(exc: BaseException) -> Optional[str]:
    """``module.function`` where the exception was raised: the innermost frame."""
    tb = exc.__traceback__
    if tb is None:
        return None
    while tb.tb_next is not None:
        tb = tb.tb_next
    frame = tb.tb_frame
    return "{}.{}".format(frame.f_globals.get("__name__", "?"), frame.f_code.co_name)


def describe_exception(exc: BaseException, depth: int = 0) -> Dict[str, Any]:
    """Everything a user's ``except`` clause or log line could depend on."""
    cls = type(exc)
    description = {
        "class": qualified_name(cls),
        "mro": [qualified_name(base) for base in cls.__mro__],
        "str": truncate(_safe_str(exc)),
        "raised_in": raised_in(exc),
    }  # type: Dict[str, Any]
    attributes = {}
    for name in EXCEPTION_ATTRIBUTES:
        if hasattr(type(exc), name) or name in getattr(exc, "__dict__", {}):
            attributes[name] = read_attribute(exc, name)
    if attributes:
        description["attributes"] = attributes
    if depth == 0:
        description["caught_by"] = caught_by(exc)
    if depth < MAXIMUM_CHAIN_DEPTH:
        if exc.__cause__ is not None:
            description["cause"] = describe_exception(exc.__cause__, depth + 1)
        context = exc.__context__
        if context is not None and context is not exc.__cause__:
            description["context"] = describe_exception(context, depth + 1)
            description["suppress_context"] = exc.__suppress_context__
    return description


def resolve_clause(clause: str) -> Optional[type]:
    """The class an ``except`` clause names, in this peer; None if absent.

    Only modules already imported are consulted: resolving must not import
    anything new (that could change behaviour) and the warnings of
    deprecated names are left to the api-surface scenario.
    """
    module_name, _, name = clause.rpartition(".")
    module = sys.modules.get(module_name)
    if module is None:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            value = getattr(module, name)
        except Exception:
            return None
    return value if isinstance(value, type) and issubclass(value, BaseException) else None


def caught_by(exc: BaseException) -> Dict[str, Any]:
    """For each common ``except`` clause: True, False, or "absent" in this peer."""
    result: Dict[str, Any] = {}
    for clause in EXCEPT_CLAUSES:
        cls = resolve_clause(clause)
        result[clause] = "absent" if cls is None else isinstance(exc, cls)
    return result


def _safe_str(exc: BaseException) -> str:
    try:
        return str(exc)
    except Exception as error:  # pragma: no cover - a broken __str__ is rare
        return "<str() raised {}>".format(qualified_name(type(error)))


class Recorder:
    """Collects one side's record of one case.

    Use :meth:`capture` as a context manager around the whole case, and
    :meth:`begin` / :meth:`finish` around each step.
    """

    def __init__(self, role: str) -> None:
        self.role = role
        self.steps: List[Dict[str, Any]] = []
        self.events: List[Dict[str, Any]] = []
        self.phase = "setup"
        self.current: Optional[Dict[str, Any]] = None
        self.accessor_warnings: List[Dict[str, Any]] = []
        self.started = time.perf_counter()
        self._log_handler = _ListHandler(self)
        self._saved_showwarning: Any = None
        self._saved_filters: Any = None

    # Capture hooks.

    def __enter__(self) -> "Recorder":
        self._saved_showwarning = warnings.showwarning
        self._saved_filters = warnings.filters[:]
        warnings.simplefilter("always")
        warnings.showwarning = self._on_warning
        for name in ("websockets", "asyncio", "trio"):
            logger = logging.getLogger(name)
            logger.addHandler(self._log_handler)
            if logger.level == logging.NOTSET or logger.level > logging.INFO:
                logger.setLevel(logging.INFO)
        return self

    def __exit__(self, *exc_info: Any) -> None:
        warnings.showwarning = self._saved_showwarning
        warnings.filters[:] = self._saved_filters  # type: ignore[index]
        for name in ("websockets", "asyncio", "trio"):
            logging.getLogger(name).removeHandler(self._log_handler)

    def _on_warning(self, message, category, filename, lineno, file=None, line=None):
        self._attribute(
            "warnings",
            {
                "category": qualified_name(category),
                "message": truncate(str(message)),
                "module": _module_of_file(filename),
            },
        )

    def on_log(self, record: logging.LogRecord) -> None:
        entry = {
            "logger": record.name,
            "level": record.levelname,
            "message": truncate(_format_log(record)),
        }  # type: Dict[str, Any]
        if record.exc_info and record.exc_info[1] is not None:
            entry["exception"] = describe_exception(record.exc_info[1])
        self._attribute("logged", entry)

    def _attribute(self, kind: str, entry: Dict[str, Any]) -> None:
        if self.current is not None:
            self.current.setdefault(kind, []).append(entry)
        else:
            entry = dict(entry, kind=kind, phase=self.phase, at=self.elapsed())
            self.events.append(entry)

    # Steps.

    def elapsed(self) -> float:
        return round(time.perf_counter() - self.started, 6)

    def begin(self, step: str, arguments: Dict[str, Any], state: Optional[Dict[str, Any]]) -> Dict[str, Any]:
        record = {
            "index": len(self.steps),
            "step": step,
            "args": arguments,
            "state_before": state,
            "started_at": self.elapsed(),
        }  # type: Dict[str, Any]
        self.steps.append(record)
        self.current = record
        record["_clock"] = time.perf_counter()
        return record

    def finish(self, record: Dict[str, Any], result: Dict[str, Any], state: Optional[Dict[str, Any]]) -> None:
        record["elapsed"] = round(time.perf_counter() - record.pop("_clock"), 6)
        record["result"] = result
        record["state_after"] = state
        self.current = None
        self.phase = "between-steps"

    def event(self, name: str, **details: Any) -> None:
        """Record something that is not a step, e.g. the handler starting."""
        self.events.append(dict(details, kind="event", name=name, phase=self.phase, at=self.elapsed()))

    def as_dict(self) -> Dict[str, Any]:
        steps = []
        for step in self.steps:
            if "result" not in step:
                # Still running when the record was taken (a handler that
                # outlived its grace period): say so, never leave it half-made.
                step = {key: value for key, value in step.items() if key != "_clock"}
                step["result"] = {"kind": ResultKind.UNFINISHED}
            steps.append(step)
        return {
            "role": self.role,
            "steps": steps,
            "events": self.events,
            "accessor_warnings": self.accessor_warnings,
            "elapsed": self.elapsed(),
        }


def _format_log(record: logging.LogRecord) -> str:
    try:
        return record.getMessage()
    except Exception:  # pragma: no cover - malformed log call
        return str(record.msg)


class _ListHandler(logging.Handler):
    """Every record at INFO and above: a record whose level changes between
    releases (INFO → ERROR) is an upgrade change for people who alert on it."""

    def __init__(self, recorder: Recorder) -> None:
        super().__init__(level=logging.INFO)
        self.recorder = recorder

    def emit(self, record: logging.LogRecord) -> None:
        self.recorder.on_log(record)


def result_value(value: Any) -> Dict[str, Any]:
    return {"kind": ResultKind.VALUE, "value": describe_value(value)}


def result_exception(exc: BaseException) -> Dict[str, Any]:
    return {"kind": ResultKind.EXCEPTION, "exception": describe_exception(exc)}


def result_guard(seconds: float, reason: str) -> Dict[str, Any]:
    """The step did not finish in time and the harness stopped waiting, and why."""
    return {"kind": ResultKind.GUARD_TIMEOUT, "after": seconds, "reason": reason}


def result_unsupported(reason: str) -> Dict[str, Any]:
    """The implementation cannot express this step."""
    return {"kind": ResultKind.UNSUPPORTED, "reason": reason}


def format_traceback() -> str:
    return "".join(traceback.format_exception(*sys.exc_info()))
