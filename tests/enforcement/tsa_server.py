"""A small RFC 3161 time-stamping authority on 127.0.0.1 for the tests: OpenSSL's own TSA (`openssl ts -reply`)
behind an HTTP endpoint, with a CA and a time-stamping certificate made here.

OpenSSL is an implementation independent of ``commandcenter.enforcement.timestamps``: it parses our requests
and builds the tokens our verifier checks. ``lie`` makes the TSA answer every request with a token over another
digest (a broken or hostile TSA).
"""

from __future__ import annotations

import subprocess
import tempfile
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from commandcenter.enforcement.timestamps import build_request

TSA_CONFIG = """
[ tsa ]
default_tsa = tsa_config1

[ tsa_config1 ]
dir = {dir}
serial = $dir/serial
crypto_device = builtin
signer_cert = $dir/tsa.crt
certs = $dir/ca.crt
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "测试时间戳中心")])


def make_ca(folder: Path, common: str = "Test TSA Root CA") -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A self-signed CA; its certificate is written to ``folder/ca.crt``."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(_name(common)).issuer_name(_name(common))
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .sign(key, hashes.SHA256()))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "ca.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key, cert


class LocalTsa:
    """``url`` answers POSTed TimeStampReqs; ``ca_cert`` is the PEM file a client trusts."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.lie = False
        self.requests = 0
        ca_key, ca_cert = make_ca(folder)
        self.ca_cert = folder / "ca.crt"
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.now(UTC)
        cert = (x509.CertificateBuilder().subject_name(_name("Test TSA")).issuer_name(ca_cert.subject)
                .public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=30))
                .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
                .sign(ca_key, hashes.SHA256()))
        (folder / "tsa.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        (folder / "tsa.key").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                            serialization.PrivateFormat.PKCS8,
                                                            serialization.NoEncryption()))
        (folder / "serial").write_text("01\n")
        self.config = folder / "tsa.cnf"
        self.config.write_text(TSA_CONFIG.format(dir=folder))
        tsa = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                tsa.requests += 1
                if tsa.lie:
                    body = build_request(b"\x42" * 32, 1)
                answer = tsa.reply(body)
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/tsa"
        self._thread = threading.Thread(target=self._server.serve_forever, name="test-tsa", daemon=True)
        self._thread.start()

    def reply(self, request: bytes) -> bytes:
        with tempfile.TemporaryDirectory() as tmp:
            query, out = Path(tmp) / "q.tsq", Path(tmp) / "r.tsr"
            query.write_bytes(request)
            subprocess.run(["openssl", "ts", "-reply", "-config", str(self.config), "-queryfile", str(query),
                            "-out", str(out)], check=True, capture_output=True, timeout=30)
            return out.read_bytes()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
