"""TLS contexts for scenarios, from the run's test certificates.

The orchestrator makes the certificates (:mod:`wsconform.execution.certificates`)
and names their directory in :data:`MATERIAL_VARIABLE`; peers only load them
with the standard library's :mod:`ssl`.

A client's trust is the scenario's choice: ``test-ca`` trusts the run's
certificate authority (the handshake can succeed), ``system`` uses the
platform's default trust store, as ``wss://`` without an ``ssl`` argument
does (the test certificate is refused there).
"""

from __future__ import annotations

import os
import ssl
from typing import Optional

from .drivers.base import ScenarioMistake

#: The environment variable naming the directory of test certificates.
MATERIAL_VARIABLE = "HARNESS_TLS_MATERIAL"
CA_FILE = "ca.pem"
SERVER_FILE = "server.pem"

#: What a TLS client may trust.
TRUSTS = ("test-ca", "system")


class NoMaterial(Exception):
    """The run made no test certificates (an agent started without them)."""


def _path(name: str) -> str:
    directory: Optional[str] = os.environ.get(MATERIAL_VARIABLE)
    if not directory:
        raise NoMaterial("no test certificates: {} is not set".format(MATERIAL_VARIABLE))
    return os.path.join(directory, name)


def server_context() -> ssl.SSLContext:
    """A server context holding the test server certificate."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(_path(SERVER_FILE))
    return context


def client_context(trust: str) -> ssl.SSLContext:
    """A client context that trusts ``trust`` (one of :data:`TRUSTS`)."""
    if trust == "test-ca":
        return ssl.create_default_context(cafile=_path(CA_FILE))
    if trust == "system":
        return ssl.create_default_context()
    raise ScenarioMistake("unknown TLS trust {!r}".format(trust))
