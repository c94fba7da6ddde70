"""A local HTTPS ``ResponseURL`` receiver: collects the response bodies custom resources PUT to CloudFormation.

The server listens on 127.0.0.1 with a certificate signed by a throwaway CA generated at start (``cryptography``).
Handlers that answer CloudFormation themselves (crhelper: ``http.client.HTTPSConnection`` verified with
``ssl.create_default_context()``) must trust that CA. ``trusting()`` does it with the least global change: for
the duration of a ``with`` block it points ``SSL_CERT_FILE`` (read by OpenSSL each time a default context loads
its verify paths) at a bundle holding the system's CA certificates plus this CA, and restores the previous value
afterwards. Code that builds its own context can use ``client_context()`` instead and change nothing global.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import os
import ssl
import tempfile
import threading
import uuid
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterator
    from types import TracebackType

#: Largest body accepted (CloudFormation rejects responses over 4096 bytes; keep the evidence of bigger ones).
MAX_BODY_BYTES = 1024 * 1024
HOST = "127.0.0.1"


def _write_certificates(directory: Path) -> tuple[Path, Path, Path]:
    """A CA and a server certificate for 127.0.0.1/localhost signed by it; returns (ca, cert, key) paths."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.UTC)
    validity = (now - datetime.timedelta(minutes=5), now + datetime.timedelta(days=1))
    ca_key, server_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "rekognition-datasets local CloudFormation CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(validity[0])
        .not_valid_after(validity[1])
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    server_cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(validity[0])
        .not_valid_after(validity[1])
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(HOST))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(server_key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_path, cert_path, key_path = directory / "ca.pem", directory / "server.pem", directory / "server.key"
    ca_path.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    cert_path.write_bytes(server_cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        server_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return ca_path, cert_path, key_path


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_PUT(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(min(length, MAX_BODY_BYTES))
        self.server.receiver._record(self.path.split("?", 1)[0].strip("/"), body)
        self.send_response(200)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the paths hold pre-signed-URL-like tokens."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, receiver: ResponseReceiver, context: ssl.SSLContext) -> None:
        super().__init__((HOST, 0), _Handler)
        self.receiver = receiver
        self.socket = context.wrap_socket(self.socket, server_side=True)


class ResponseReceiver:
    """Collects custom-resource responses per request; use as a context manager.

    ``url()`` makes a fresh ResponseURL; ``responses(url)`` lists the parsed bodies PUT to it (in order),
    ``wait(url, timeout)`` blocks until one arrives.
    """

    def __init__(self) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="cfn-response-")
        self.ca_file, self._cert_path, self._key_path = _write_certificates(Path(self._dir.name))
        self._bodies: dict[str, list[bytes]] = {}
        self._arrived = threading.Condition()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------------------------
    def start(self) -> ResponseReceiver:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self._cert_path, self._key_path)
        self._server = _Server(self, context)
        self._thread = threading.Thread(target=self._server.serve_forever, name="cfn-response", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        self._dir.cleanup()

    def __enter__(self) -> ResponseReceiver:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

    # -- URLs and responses ----------------------------------------------------------------------------------
    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the receiver is not running: call start() first")
        return int(self._server.server_address[1])

    def url(self, name: str | None = None) -> str:
        """A new ResponseURL (a pre-signed-URL-shaped path on this server)."""
        token = name or uuid.uuid4().hex
        return f"https://{HOST}:{self.port}/{token}?X-Amz-Expires=7200&X-Amz-Signature=local"

    @staticmethod
    def _key(url: str) -> str:
        return url.split("://", 1)[-1].split("/", 1)[-1].split("?", 1)[0].strip("/")

    def _record(self, key: str, body: bytes) -> None:
        with self._arrived:
            self._bodies.setdefault(key, []).append(body)
            self._arrived.notify_all()

    def raw_responses(self, url: str) -> list[bytes]:
        """The bodies PUT to ``url`` so far, as bytes (to check CloudFormation's 4096-byte limit)."""
        with self._arrived:
            return list(self._bodies.get(self._key(url), []))

    def responses(self, url: str) -> list[dict[str, Any]]:
        """The JSON bodies PUT to ``url`` so far."""
        return [json.loads(body) for body in self.raw_responses(url)]

    def wait(self, url: str, timeout: float) -> dict[str, Any]:
        """The first body PUT to ``url``, waiting up to ``timeout`` seconds (TimeoutError otherwise)."""
        key = self._key(url)
        with self._arrived:
            if not self._arrived.wait_for(lambda: key in self._bodies, timeout=timeout):
                raise TimeoutError(f"no response PUT to {key} within {timeout} s")
            return dict(json.loads(self._bodies[key][0]))

    # -- trust -----------------------------------------------------------------------------------------------
    def client_context(self) -> ssl.SSLContext:
        """A client context that trusts this receiver (and nothing else)."""
        return ssl.create_default_context(cafile=str(self.ca_file))

    def bundle(self) -> Path:
        """A CA bundle: the system's default CA file (if any) plus this receiver's CA."""
        path = Path(self._dir.name) / "bundle.pem"
        if not path.exists():
            system = ssl.get_default_verify_paths().cafile
            parts = [Path(system).read_bytes()] if system and Path(system).is_file() else []
            path.write_bytes(b"\n".join([*parts, self.ca_file.read_bytes()]))
        return path

    @contextmanager
    def trusting(self) -> Iterator[None]:
        """Within the block, default SSL contexts trust this receiver as well as the system's CAs."""
        previous = os.environ.get("SSL_CERT_FILE")
        os.environ["SSL_CERT_FILE"] = str(self.bundle())
        try:
            yield
        finally:
            if previous is None:
                os.environ.pop("SSL_CERT_FILE", None)
            else:
                os.environ["SSL_CERT_FILE"] = previous
