"""Test certificates: made once per run, valid for where cases connect."""

from __future__ import annotations

import socket
import ssl
import threading

from wsconform.execution import certificates
from wsconform.peer import tls


def test_material_is_made_once_per_run_outside_the_project():
    first = certificates.material()
    assert first == certificates.material()
    assert (first / tls.CA_FILE).is_file() and (first / tls.SERVER_FILE).is_file()
    assert first.name.startswith("harness-tls-")


def test_a_client_trusting_the_test_ca_verifies_127_0_0_1(tmp_path, monkeypatch):
    monkeypatch.setenv(tls.MATERIAL_VARIABLE, str(certificates.write_material(tmp_path)))
    server_context = tls.server_context()
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]

        def serve() -> None:
            connection, _ = listener.accept()
            with server_context.wrap_socket(connection, server_side=True) as wrapped:
                wrapped.sendall(b"ok")

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        with socket.create_connection(("127.0.0.1", port)) as raw:
            with tls.client_context("test-ca").wrap_socket(raw, server_hostname="127.0.0.1") as wrapped:
                assert wrapped.recv(2) == b"ok"
        thread.join(5)


def test_the_system_store_does_not_trust_the_test_ca(tmp_path, monkeypatch):
    monkeypatch.setenv(tls.MATERIAL_VARIABLE, str(certificates.write_material(tmp_path)))
    context = tls.client_context("system")
    assert context.verify_mode == ssl.CERT_REQUIRED
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]

        def serve() -> None:
            connection, _ = listener.accept()
            try:
                tls.server_context().wrap_socket(connection, server_side=True).close()
            except (ssl.SSLError, OSError):
                connection.close()

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        with socket.create_connection(("127.0.0.1", port)) as raw:
            try:
                context.wrap_socket(raw, server_hostname="127.0.0.1")
            except ssl.SSLCertVerificationError:
                pass
            else:  # pragma: no cover - the assertion below explains
                raise AssertionError("the system store trusted a throwaway test CA")
        thread.join(5)
