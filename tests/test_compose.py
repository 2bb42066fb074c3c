"""The composition root: one typed build, one ordered lifecycle; the demo's database rules."""

from __future__ import annotations

import dataclasses
import typing
from pathlib import Path

import pytest

from commandcenter.config import Config, parse_config
from commandcenter.runtime.compose import Lifecycle, Services, build


def _config(tmp_path: Path, name: str = "real.db") -> Config:
    return parse_config(f'[database]\nurl = "sqlite:///{tmp_path / name}"\n', "test.toml")


def test_build_returns_typed_services_and_stops_in_reverse_order(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from commandcenter.cases.feed import DispatchFeed
    from commandcenter.cases.service import CaseService
    from commandcenter.mapdata.heatmap import HeatmapService
    from commandcenter.mapdata.replay import HistoryService
    from commandcenter.runtime.units import UnitTracker
    from commandcenter.store import Store

    hints = typing.get_type_hints(Services)
    assert all(hint is not typing.Any for hint in hints.values()), "a service field typed Any"
    services = build(_config(tmp_path))
    try:
        with pytest.raises(dataclasses.FrozenInstanceError):
            services.cases = None  # type: ignore[misc]
        for name, kind in (("store", Store), ("tracker", UnitTracker), ("cases", CaseService),
                           ("heatmap", HeatmapService), ("history", HistoryService),
                           ("dispatch_feed", DispatchFeed)):
            assert isinstance(getattr(services, name), kind), name
        assert services.open311 is None  # no [open311] in the config: no listener
        services.start()
        started = [entry.removeprefix("start ") for entry in services.lifecycle.log]
        assert started.index("zones") < started.index("config units") < started.index("trackers")
        assert services.store.scalar("SELECT COUNT(*) FROM zones") > 0  # the basemap's zones are stored
    finally:
        services.stop()
    stopped = [entry.removeprefix("stop ") for entry in services.lifecycle.log if entry.startswith("stop ")]
    running_order = ["store", "tasks", "devices", *started]
    expected = [name for name in reversed(running_order) if name in stopped]
    # the task manager outlives everything that hands it work; the store goes last
    assert stopped == expected and stopped[-3:] == ["devices", "tasks", "store"], stopped


def test_lifecycle_stops_what_started_even_when_a_stop_fails() -> None:
    calls: list[str] = []
    life = Lifecycle()
    life.adopt("opened", lambda: calls.append("stop opened"))
    life.add("a", start=lambda: calls.append("start a"), stop=lambda: calls.append("stop a"))
    life.add("broken", start=lambda: calls.append("start broken"), stop=lambda: 1 / 0)
    life.add("b", start=lambda: calls.append("start b"), stop=lambda: calls.append("stop b"))
    life.start()
    life.stop()
    assert calls == ["start a", "start broken", "start b", "stop b", "stop a", "stop opened"]
    life.stop()  # stopping twice stops nothing twice
    assert calls[-1] == "stop opened" and len(calls) == 6


def test_demo_accounts_are_refused_in_a_database_the_demo_did_not_make(store) -> None:  # type: ignore[no-untyped-def]
    from commandcenter.demo.users import NotADemoDatabase, create_demo_users

    with pytest.raises(NotADemoDatabase, match="not made by the demo"):
        create_demo_users(store)
    assert store.scalar("SELECT COUNT(*) FROM users") == 0


def test_the_demo_refuses_a_database_something_else_made(tmp_path: Path) -> None:
    from commandcenter.cli import main
    from commandcenter.demo.database import NotADemoDatabase, claim_demo_database

    url = f"sqlite:///{tmp_path / 'real.db'}"
    assert main(["user", "add", "zhangsan", "--role", "admin", "--password", "a-real-secret-1", "--db", url]) == 0
    with pytest.raises(NotADemoDatabase, match="was not made by the demo"):
        claim_demo_database(url)
    fresh = f"sqlite:///{tmp_path / 'new.db'}"
    claim_demo_database(fresh)  # an empty database becomes the demo's ...
    claim_demo_database(fresh)  # ... and stays usable by the demo


def test_the_published_passwords_are_those_of_the_demo_accounts() -> None:
    from commandcenter.demo.users import DEMO_USERS
    from commandcenter.enforcement.published import PUBLISHED_PASSWORDS

    assert {username: password for username, _r, _n, password in DEMO_USERS} == PUBLISHED_PASSWORDS
    text = (Path(__file__).resolve().parent.parent / "resources/enforcement/DEMO_USERS.md").read_text("utf-8")
    assert all(f"`{password}`" in text for password in PUBLISHED_PASSWORDS.values())


def test_run_refuses_a_demo_database(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from commandcenter.cli import main
    from commandcenter.demo.database import claim_demo_database

    db = tmp_path / "demo.db"
    claim_demo_database(f"sqlite:///{db}")
    cfg = tmp_path / "run.toml"
    cfg.write_text(f'[database]\nurl = "sqlite:///{db}"\n', encoding="utf-8")
    assert main(["run", "--config", str(cfg)]) == 2
    err = capsys.readouterr().err
    assert str(db) in err and "demo's database" in err and "--db" in err


def test_run_refuses_a_database_holding_demo_accounts(tmp_path: Path, capsys,  # type: ignore[no-untyped-def]
                                                      monkeypatch) -> None:
    """A database from before demo databases were marked, with admin/admin-2026: run says what to do about it."""
    from commandcenter.cli import main

    db = tmp_path / "old.db"
    url = f"sqlite:///{db}"
    assert main(["user", "add", "admin", "--role", "admin", "--password", "admin-2026", "--db", url]) == 0
    monkeypatch.setenv("CC_PASSWORD", "admin-2026")  # adding a second user needs an admin's password
    assert main(["user", "add", "pilot", "--role", "pilot", "--password", "own-pilot-pw", "--db", url,
                 "--as", "admin"]) == 0
    capsys.readouterr()
    assert main(["run", "--config", str(_write(tmp_path, url))]) == 2
    err = capsys.readouterr().err
    assert str(db) in err and "demo account(s) admin with" in err  # pilot has a password of its own
    assert "commandcenter user disable NAME" in err
    assert main(["user", "disable", "admin", "--db", url, "--as", "admin"]) == 0  # what the message says to do ...
    from commandcenter.enforcement.published import refuse_demo_database
    from commandcenter.store import Store

    store = Store(url)
    try:
        refuse_demo_database(store)  # ... and the database is accepted
    finally:
        store.close()


def _write(tmp_path: Path, url: str) -> Path:
    cfg = tmp_path / "run.toml"
    cfg.write_text(f'[database]\nurl = "{url}"\n', encoding="utf-8")
    return cfg


def test_the_demo_prepares_a_new_config_and_leaves_the_given_one_alone(tmp_path: Path) -> None:
    import copy

    from commandcenter.demo.session import DEMO_OPEN311_KEY, prepare
    from commandcenter.geo.district import load_default_basemap
    from commandcenter.paths import demo_data_dir

    config = Config()
    config.simulator.units, config.simulator.vehicles, config.simulator.cameras = 5, 2, 0
    config.simulator.drones = 1
    before = copy.deepcopy(config)
    setup = prepare(config, load_default_basemap())
    try:
        assert config == before, "prepare changed the config it was given"
        demo = setup.config
        assert demo.database.url == f"sqlite:///{demo_data_dir() / 'commandcenter.db'}"
        assert demo.trackers.jt808 is not None and demo.trackers.jt808.port == 0
        assert demo.open311 is not None and demo.open311.api_keys == [DEMO_OPEN311_KEY]
        assert [d.id for d in demo.drones] == ["uav-1"] and demo.drones[0].url.startswith("tcp:127.0.0.1:")
    finally:
        setup.stop()


def test_the_demos_video_servers_start_behind_the_config_and_listen_before_the_services(tmp_path: Path) -> None:
    """The RTSP servers' start-up (a few hundred milliseconds each) is not waited for by ``prepare`` (the map's
    first paint comes after it), but the services' first part waits for them: the URLs in the config are the
    ones the servers then listen on."""
    import socket
    from urllib.parse import urlsplit

    from commandcenter.demo.session import attach, prepare
    from commandcenter.geo.district import load_default_basemap

    config = Config()
    config.database.url = f"sqlite:///{tmp_path / 'demo.db'}"
    config.simulator.units, config.simulator.vehicles, config.simulator.cameras = 2, 1, 2
    config.simulator.drones, config.simulator.bins, config.simulator.toilets = 1, 0, 0
    setup = prepare(config, load_default_basemap())
    services = None
    try:
        assert [name for name, _wait in setup.launched] == ["demo cameras", "demo drone video"]
        urls = [c.url for c in setup.config.cameras if c.url.startswith("rtsp://")] + \
            [d.video for d in setup.config.drones]
        assert len(urls) == 3 and all(urlsplit(url).port for url in urls)
        services = build(setup.config, demo=True)
        attach(services, setup)
        assert services.lifecycle.names[0] == "demo video servers"
        services.start()
        assert services.lifecycle.log[0] == "start demo video servers" and not setup.launched
        for url in urls:
            parts = urlsplit(url)
            with socket.create_connection((parts.hostname, parts.port), timeout=5):
                pass
    finally:
        if services is not None:
            services.stop()
        setup.stop()


def test_a_signing_key_in_the_config_signs_the_audit_chain_at_exit(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from commandcenter.enforcement.checkpoints import CheckpointFile, generate_key

    generate_key(tmp_path / "audit.key")
    db, key, checkpoints = tmp_path / "real.db", tmp_path / "audit.key", tmp_path / "cp.jsonl"
    config = parse_config(f'[database]\nurl = "sqlite:///{db}"\n[audit]\nsigning_key = "{key}"\n'
                          f'checkpoint_file = "{checkpoints}"\n', "test.toml")
    services = build(config)
    try:
        assert services.checkpoints is not None and "audit" in services.health.build()
        services.start()
        services.enforcement.audit.record("admin", "user.login", "user:admin").result(10)
    finally:
        services.stop()
    assert "stop audit checkpoints" in services.lifecycle.log
    last = CheckpointFile(tmp_path / "cp.jsonl").last()
    assert last is not None and last["seq"] >= 1



def test_the_health_report_shows_how_many_http_handlers_run_and_queued(tmp_path: Path) -> None:
    from devices.handler_slots import HANDLER_SLOTS

    before = HANDLER_SLOTS.limit
    config = parse_config(f'[database]\nurl = "sqlite:///{tmp_path / "h.db"}"\n[listeners]\n'
                          'http_running_handlers = 3\n', "test.toml")
    services = build(config)
    try:
        section = services.health.build()["http_handlers"]
        assert section["limit"] == 3 and section["running"] == 0  # the configured limit is the one in force
        assert {"queued", "queued_s"} <= section.keys()
    finally:
        services.stop()
        HANDLER_SLOTS.set_limit(before)
