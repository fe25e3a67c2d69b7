"""The scenario API: what a scenario file imports, and all it imports.

A scenario file — built in, or in a directory of yours (``--scenarios-dir``)
— imports from this module only::

    from wsconform.api import STATE_SNAPSHOTS, Scenario, Variant, first_result_text

Stability
---------

Every name in ``__all__`` below keeps its meaning and signature across minor
releases of this tool; a change that breaks a scenario written against it
comes with a major release and a line in the changelog. Names elsewhere in
the package (``wsconform.peer.*`` included) are internal: they change
without notice. The step verbs are the methods of :class:`Side` (``connect``,
``send``, ``recv``, ``close``, ``call``, …), under the same promise; what a
step records (``docs/reference/side-records.md``) may gain fields, never
lose or rename one.

This module runs inside peers too: it imports the standard library only and
runs on Python 3.8.
"""

from .peer.drivers.base import ScenarioMistake
from .peer.labels import (
    attribute,
    close_code,
    connect_answer,
    errors_logged,
    exception_text,
    first_exception,
    first_result,
    first_result_text,
    generic_label,
    handler_ran,
    handshake_view,
    is_subclass,
    received_close,
    result_text,
    results,
    sent_close,
    serve_raised,
    short_class,
    status_accessor,
    steps,
    values,
)
from .peer.raw import TunnelProxy, upgrade_request
from .peer.recording import ResultKind
from .peer.scenario import (
    FAULT_SERVERS,
    GRADES,
    PEER_SERVERS,
    SAME_SERVERS,
    STATE_SNAPSHOTS,
    Grade,
    Scenario,
    Variant,
)
from .peer.side import Side

__all__ = [
    "FAULT_SERVERS",
    "GRADES",
    "PEER_SERVERS",
    "SAME_SERVERS",
    "STATE_SNAPSHOTS",
    "Grade",
    "ResultKind",
    "Scenario",
    "ScenarioMistake",
    "Side",
    "TunnelProxy",
    "Variant",
    "attribute",
    "close_code",
    "connect_answer",
    "errors_logged",
    "exception_text",
    "first_exception",
    "first_result",
    "first_result_text",
    "generic_label",
    "handler_ran",
    "handshake_view",
    "is_subclass",
    "received_close",
    "result_text",
    "results",
    "sent_close",
    "serve_raised",
    "short_class",
    "status_accessor",
    "steps",
    "upgrade_request",
    "values",
]
