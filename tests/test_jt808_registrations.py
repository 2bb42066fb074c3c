"""JT/T 808 registrations outlive a restart, and an admin ends one from the command line of another process.

Everything real: the application built by ``build()`` on a SQLite file, its JT/T 808 listener on a loopback
port, terminals speaking the protocol over TCP, and ``commandcenter tracker deregister`` as a separate process.
"""

from __future__ import annotations

import hashlib
import io
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from commandcenter.config import Config, parse_config
from commandcenter.enforcement.audit import AuditLog
from commandcenter.enforcement.auth import user_main
from commandcenter.runtime.compose import Services, build
from commandcenter.runtime.registrations import NotRegistered, StoredRegistrations, deregister_terminal
from commandcenter.store import Store
from devices.jt808 import (
    REG_OK,
    REG_TERMINAL_REGISTERED,
    RESULT_FAIL,
    RESULT_OK,
    Jt808Server,
    Jt808Terminal,
    TerminalRecord,
    code_digest,
)
from tests.devices.adapter_support import wait_until

ROOT = Path(__file__).resolve().parent.parent
PHONE = "013912345678"
ADMIN_PASSWORD = "duty-chief-secret-1"
DISPATCHER_PASSWORD = "dispatcher-secret-1"


def _config(tmp_path: Path) -> tuple[Config, Path]:
    text = f"""
[database]
url = "sqlite:///{tmp_path / 'app.db'}"

[trackers.jt808]
port = 0

[[vehicles]]
id = "hw-001"
plate = "苏A·H0001"
terminal = "{PHONE}"
"""
    path = tmp_path / "server.toml"
    path.write_text(text, encoding="utf-8")
    return parse_config(text, str(path)), path


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setenv("CC_DATA_DIR", str(data))
    return data


def _started(config: Config) -> tuple[Services, Jt808Server]:
    services = build(config)
    services.start()
    handle = next(h for h in services.devices.handles() if isinstance(h.adapter, Jt808Server))
    server = handle.adapter
    assert isinstance(server, Jt808Server) and server.ready.wait(10)
    return services, server


def _terminal(server: Jt808Server) -> Jt808Terminal:
    assert server.bound_port is not None
    terminal = Jt808Terminal(PHONE, "127.0.0.1", server.bound_port)
    terminal.connect()
    return terminal


@pytest.fixture
def running(qtbot, tmp_path: Path, data_dir: Path) -> Iterator[tuple[Services, Jt808Server, Path]]:  # type: ignore[no-untyped-def]
    config, path = _config(tmp_path)
    services, server = _started(config)
    yield services, server, path
    services.stop()


def test_a_registered_terminal_authenticates_with_its_code_after_a_restart(qtbot, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                                           data_dir: Path) -> None:
    config, _path = _config(tmp_path)
    services, server = _started(config)
    try:
        with _terminal(server) as vehicle:
            result, code = vehicle.register(plate="苏AH0001")
            assert result == REG_OK and code
            assert vehicle.authenticate() == RESULT_OK
            assert vehicle.report(32.04, 118.78) == RESULT_OK
    finally:
        services.stop()  # the whole application goes; only the database file stays
    with closing(sqlite3.connect(tmp_path / "app.db")) as db:  # what the database holds
        rows = db.execute("SELECT phone, code_sha256, plate FROM jt808_registrations").fetchall()
    assert rows == [(PHONE, hashlib.sha256(code.encode()).hexdigest(), "苏AH0001")]  # the code itself is not kept
    assert code.encode() not in (tmp_path / "app.db").read_bytes()

    services, server = _started(config)
    try:
        with _terminal(server) as vehicle:  # after the restart: its code still works, no new registration
            assert vehicle.authenticate(code) == RESULT_OK
            assert vehicle.report(32.05, 118.79) == RESULT_OK
            with _terminal(server) as thief:  # and the re-registration rules still hold
                assert thief.register(plate="苏AH0001") == (REG_TERMINAL_REGISTERED, "")
                assert thief.authenticate("0123456789abcdef") == RESULT_FAIL
                assert thief.report(30.0, 120.0) == RESULT_FAIL
        assert server.is_registered(PHONE)
    finally:
        services.stop()


def _cli(config_path: Path, data: Path, *args: str, password: str | None = None) -> subprocess.CompletedProcess[str]:
    """``commandcenter tracker ARGS --config FILE`` as a process of its own (the acting user's password on stdin)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), CC_DATA_DIR=str(data))
    env.pop("CC_PASSWORD", None)
    credentials = ["--password-stdin"] if password is not None else []
    return subprocess.run([sys.executable, "-m", "commandcenter", "tracker", *args, "--config", str(config_path),
                           *credentials], input=(password or "") + "\n", cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


def test_an_admin_deregisters_a_terminal_from_the_cli_and_the_running_listener_lets_the_new_box_in(
        running: tuple[Services, Jt808Server, Path], data_dir: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    services, server, config_path = running
    url = services.config.database.url
    assert user_main(["add", "chief", "--role", "admin", "--password", ADMIN_PASSWORD, "--db", url]) == 0
    assert user_main(["add", "zhang", "--role", "dispatcher", "--password", DISPATCHER_PASSWORD, "--db", url,
                      "--as", "chief", "--password-stdin"], stdin=io.StringIO(ADMIN_PASSWORD + "\n")) == 0

    with _terminal(server) as old_box:
        _result, old_code = old_box.register(plate="苏AH0001")
        assert old_box.authenticate() == RESULT_OK and old_box.report(32.04, 118.78) == RESULT_OK
        with _terminal(server) as new_box:
            assert new_box.register(plate="苏AH0001")[0] == REG_TERMINAL_REGISTERED  # the old one stands
            wait_until(lambda: services.store.scalar("SELECT COUNT(*) FROM jt808_registrations") == 1)

            refused = _cli(config_path, data_dir, "deregister", PHONE, "--as", "zhang", password=DISPATCHER_PASSWORD)
            assert refused.returncode == 1 and "device.manage" in refused.stderr
            wrong = _cli(config_path, data_dir, "deregister", PHONE, "--as", "chief", password="not-the-password")
            assert wrong.returncode == 1 and "Traceback" not in wrong.stderr
            assert old_box.report(32.04, 118.78) == RESULT_OK  # neither touched the registration

            done = _cli(config_path, data_dir, "deregister", PHONE, "--as", "chief", password=ADMIN_PASSWORD)
            assert done.returncode == 0, done.stderr
            assert f"terminal {PHONE} deregistered by chief" in done.stdout and "苏AH0001" in done.stdout
            # The running process notices within its poll: the old code's session ends ...
            wait_until(lambda: old_box.heartbeat() == RESULT_FAIL, timeout=10)
            assert old_box.report(32.04, 118.78) == RESULT_FAIL
            # ... and the replacement registers, with a code of its own.
            result, new_code = new_box.register(plate="苏AH0001")
            assert result == REG_OK and new_code != old_code
            assert new_box.authenticate(old_code) == RESULT_FAIL
            assert new_box.authenticate() == RESULT_OK and new_box.report(32.05, 118.79) == RESULT_OK

    again = _cli(config_path, data_dir, "deregister", "013900000000", "--as", "chief", password=ADMIN_PASSWORD)
    assert again.returncode == 1 and "holds no registration" in again.stderr
    listed = _cli(config_path, data_dir, "registrations")  # reading needs no credentials
    assert listed.returncode == 0 and f"{PHONE}: registered" in listed.stdout

    records = AuditLog(services.store).entries(action_prefix="jt808.")
    assert [(r.actor, r.action, r.subject) for r in records] == [("chief", "jt808.deregister", f"terminal:{PHONE}")]
    denied = AuditLog(services.store).entries(actor="zhang", action_prefix="permission.denied")
    assert len(denied) == 1 and "device.manage" in denied[0].data
    qtbot.waitUntil(lambda: any(PHONE in text and "operator" in text for _s, text in services.events.backlog()),
                    timeout=5000)


def test_the_demo_run_again_on_its_database_lets_its_simulated_terminals_register(qtbot, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                                                   data_dir: Path) -> None:
    """Registrations are kept, but the demo's simulated terminals keep no codes between runs: a second demo
    run on the same database must still see its vehicles register (not be refused as already registered)."""
    from datetime import UTC, datetime

    from commandcenter.demo.session import build_demo

    config = Config()
    config.database.url = f"sqlite:///{tmp_path / 'demo.db'}"
    config.simulator.units, config.simulator.vehicles = 5, 3
    config.simulator.cameras, config.simulator.drones = 1, 1
    for _run in (1, 2):
        started = datetime.now(UTC)
        services = build_demo(config, layout="1x1")
        try:
            services.start()
            registrations = StoredRegistrations(services.store)

            def registered_this_run(registrations: StoredRegistrations = registrations,
                                    since: datetime = started) -> bool:
                return sum(1 for r in registrations.all() if r.revoked_at is None and r.registered_at >= since) >= 3

            qtbot.waitUntil(registered_this_run, timeout=30000)
        finally:
            services.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest) -> Iterator[Store]:
    store: Store = request.getfixturevalue("store" if request.param == "sqlite" else "pg_store")
    if request.param == "postgres":
        store.upgrade()
    yield store


def test_the_registration_table_ends_a_registration_only_by_its_code(db: Store) -> None:
    registrations = StoredRegistrations(db)
    first = TerminalRecord(PHONE, code_digest("first-code"), "苏AH0001", 1, "CCTST", "CC-T1", "1234567", "10.0.0.7:4100")
    registrations.save(first)
    db.flush()
    assert registrations.load() == {PHONE: first}
    registrations.revoke(PHONE, code_digest("some older code"), "logout")  # late: names another code
    db.flush()
    assert registrations.load() == {PHONE: first} and registrations.revoked() == {}
    second = TerminalRecord(PHONE, code_digest("second-code"), "苏AH0001")
    registrations.save(second)  # a new registration replaces the row
    db.flush()
    info = deregister_terminal(db, AuditLog(db).append, PHONE, "chief")
    assert info.plate == "苏AH0001" and info.revoked_by == "chief" and info.revoked_at is not None
    assert registrations.load() == {} and registrations.revoked() == {PHONE: code_digest("second-code")}
    with pytest.raises(NotRegistered, match="already ended \\(chief\\)"):
        deregister_terminal(db, AuditLog(db).append, PHONE, "chief")
    with pytest.raises(NotRegistered, match="never registered"):
        deregister_terminal(db, AuditLog(db).append, "013900000000", "chief")
    records = AuditLog(db).entries(action_prefix="jt808.")
    assert [(r.actor, r.subject) for r in records] == [("chief", f"terminal:{PHONE}")]
