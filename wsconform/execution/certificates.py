"""Test certificates for TLS scenarios, made once per run on the orchestrator.

Peers are standard library only and cannot make certificates, so the
orchestrator makes a throwaway certificate authority and a server
certificate for ``127.0.0.1`` and ``localhost`` with trustme, writes them to
a private temporary directory, and hands the directory to every agent in
:data:`wsconform.peer.tls.MATERIAL_VARIABLE`. The directory is removed when
the run ends; nothing is ever written into the project or a peer.

Layout (read by :mod:`wsconform.peer.tls`): ``ca.pem`` (the authority's
certificate, which a trusting client loads) and ``server.pem`` (the server's
private key and certificate chain).
"""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from pathlib import Path

import trustme

from ..peer.tls import CA_FILE, SERVER_FILE

#: The names the server certificate is valid for: where cases connect.
IDENTITIES = ("127.0.0.1", "localhost")


def write_material(directory: Path) -> Path:
    """Make a certificate authority and a server certificate in ``directory``."""
    authority = trustme.CA(organization_name="websockets conformance test CA")
    server = authority.issue_cert(*IDENTITIES)
    authority.cert_pem.write_to_path(str(directory / CA_FILE))
    server.private_key_and_cert_chain_pem.write_to_path(str(directory / SERVER_FILE))
    return directory


@functools.cache
def material() -> Path:
    """This run's directory of test certificates, made on first use and
    removed when the orchestrator exits."""
    directory = Path(tempfile.mkdtemp(prefix="harness-tls-"))
    atexit.register(shutil.rmtree, directory, True)
    return write_material(directory)
