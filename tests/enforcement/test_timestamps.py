"""RFC 3161 timestamps of the audit checkpoints, from a real TSA (OpenSSL's) over HTTP on 127.0.0.1."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from commandcenter.config import ConfigError, parse_config
from commandcenter.enforcement.audit import AuditLog, checkpoint_service
from commandcenter.enforcement.checkpoints import generate_key
from commandcenter.enforcement.timestamps import Timestamper, TimestampError, load_trusted, timestamp_path
from commandcenter.store import Store
from tests.enforcement.tsa_server import LocalTsa, make_ca

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def tsa(tmp_path: Path) -> Iterator[LocalTsa]:
    server = LocalTsa(tmp_path / "tsa")
    yield server
    server.close()


def _config_file(tmp_path: Path, store: Store, tsa_url: str, tsa_cert: Path) -> Path:
    key = tmp_path / "keys" / "audit.key"
    if not key.exists():
        generate_key(key)
    path = tmp_path / "audit.toml"
    path.write_text(f'[database]\nurl = "{store.url}"\n[audit]\nsigning_key = "{key}"\n'
                    f'checkpoint_file = "{tmp_path / "checkpoints.jsonl"}"\ntsa_url = "{tsa_url}"\n'
                    f'tsa_cert = "{tsa_cert}"\ntsa_timeout_s = 5.0\n', encoding="utf-8")
    return path


def _fill(store: Store, n: int, tag: str) -> None:
    log = AuditLog(store)
    store.write(lambda s: log.append_many(s, [("dispatcher", "case.dispatch", f"case:{i}", {"tag": tag})
                                              for i in range(n)]))


def _audit(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "commandcenter", "audit", *args, "--config", str(config)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_each_checkpoint_is_timestamped_and_verify_checks_the_tokens(store: Store, tsa: LocalTsa,
                                                                     tmp_path: Path) -> None:
    config_path = _config_file(tmp_path, store, tsa.url, tsa.ca_cert)
    settings = parse_config(config_path.read_text(encoding="utf-8"), str(config_path)).audit
    service = checkpoint_service(settings, store)
    assert service is not None and service.timestamper is not None
    _fill(store, 10, "first")
    document = service.checkpoint()  # what the running application does on its timer
    assert document is not None and service.stamped == 1 and tsa.requests == 1
    health = service.report()
    assert health["timestamps_written"] == 1 and health["timestamp_error"] == "" and health["last_timestamp_at"]
    _fill(store, 5, "second")
    done = _audit(config_path, "checkpoint")  # and what cron does with the CLI
    assert done.returncode == 0, done.stderr
    assert f"timestamped by {tsa.url}" in done.stdout and tsa.requests == 2

    tokens_file = timestamp_path(tmp_path / "checkpoints.jsonl")
    records = [json.loads(line) for line in tokens_file.read_text(encoding="utf-8").splitlines()]
    lines = (tmp_path / "checkpoints.jsonl").read_bytes().splitlines()
    assert [r["line"] for r in records] == [1, 2]
    assert [r["sha256"] for r in records] == [hashlib.sha256(line).hexdigest() for line in lines]
    assert all("Test TSA" in r["tsa"] for r in records)
    # OpenSSL itself agrees that the first token is a timestamp of the first checkpoint line.
    token = tmp_path / "token.der"
    token.write_bytes(base64.b64decode(records[0]["token"]))
    (tmp_path / "line1").write_bytes(lines[0])
    checked = subprocess.run(["openssl", "ts", "-verify", "-token_in", "-in", str(token), "-data",
                              str(tmp_path / "line1"), "-CAfile", str(tsa.ca_cert), "-untrusted",
                              str(tsa.folder / "tsa.crt")], capture_output=True, text=True, timeout=30)
    assert "Verification: OK" in checked.stdout, checked.stdout + checked.stderr

    verified = _audit(config_path, "verify", "--no-evidence")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "timestamps: 2 checkpoint line(s) timestamped by a trusted TSA, the latest (line 2)" in verified.stdout

    # An insider moves the first token onto the second line (to date the later checkpoint earlier): caught.
    records[1]["token"] = records[0]["token"]
    tokens_file.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    forged = _audit(config_path, "verify", "--no-evidence")
    assert forged.returncode == 1
    assert "(checkpoint line 2): the token's message imprint" in forged.stdout and "does not match" in forged.stdout


def test_a_wrong_or_absent_tsa_costs_the_timestamp_never_the_checkpoint(store: Store, tsa: LocalTsa,
                                                                        tmp_path: Path) -> None:
    config_path = _config_file(tmp_path, store, tsa.url, tsa.ca_cert)
    service = checkpoint_service(parse_config(config_path.read_text(encoding="utf-8"), str(config_path)).audit,
                                 store)
    assert service is not None
    _fill(store, 3, "a")
    tsa.lie = True  # answers with a token over another digest
    assert service.checkpoint() is not None and service.written == 1 and service.stamped == 0
    assert "message imprint" in service.report()["timestamp_error"]
    assert not timestamp_path(tmp_path / "checkpoints.jsonl").exists()

    make_ca(tmp_path / "other", "Some Other CA")
    stranger = Timestamper(tsa.url, load_trusted(tmp_path / "other" / "ca.crt"))
    tsa.lie = False
    with pytest.raises(TimestampError, match="neither in nor issued by a certificate of"):
        stranger.stamp(hashlib.sha256(b"x").digest())

    with socket.socket() as probe:  # a port where no TSA listens: the TSA is away
        probe.bind(("127.0.0.1", 0))
        away = f"http://127.0.0.1:{probe.getsockname()[1]}/tsa"
    service.timestamper = Timestamper(away, load_trusted(tsa.ca_cert), timeout_s=2.0)
    _fill(store, 2, "b")
    assert service.checkpoint() is not None and service.written == 2 and service.stamped == 0
    assert "did not answer" in service.report()["timestamp_error"]
    service.timestamper = Timestamper(tsa.url, load_trusted(tsa.ca_cert))  # back: the next one is stamped again
    _fill(store, 1, "c")
    assert service.checkpoint() is not None and service.stamped == 1 and service.report()["timestamp_error"] == ""


def test_a_tsa_url_without_a_certificate_to_verify_it_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"audit\.tsa_cert"):
        parse_config('[audit]\ntsa_url = "http://tsa.example/"\n', "t.toml")
