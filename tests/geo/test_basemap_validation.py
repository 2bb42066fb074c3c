"""A basemap the application cannot run on is refused at import with the reason, and never stops start-up."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from commandcenter.geo.basemap import BasemapError, import_osm_xml, save_geojson, validate_basemap
from commandcenter.geo.district import load_default_basemap

ROOT = Path(__file__).resolve().parents[2]
TWO_NODES = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6">
  <node id="1" lat="32.0400" lon="118.7800"/>
  <node id="2" lat="32.0401" lon="118.7801"/>
  <way id="10"><nd ref="1"/><nd ref="2"/><tag k="highway" v="residential"/><tag k="name" v="短路"/></way>
</osm>
"""


def two_node_osm(folder: Path) -> Path:
    path = folder / "two-nodes.osm"
    path.write_text(TWO_NODES, encoding="utf-8")
    return path


def run_cli(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CC_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([sys.executable, "-m", "commandcenter", *args], capture_output=True, text=True,
                          timeout=180, env=env)


def test_the_bundled_district_is_a_usable_basemap() -> None:
    validate_basemap(load_default_basemap())


def test_a_two_node_osm_file_is_refused_with_the_reason(tmp_path: Path) -> None:
    bm = import_osm_xml(two_node_osm(tmp_path))  # well-formed: parsing alone accepts it
    with pytest.raises(BasemapError, match="too few streets for a street graph: 1 roads with 2 distinct nodes"):
        validate_basemap(bm, "two-nodes.osm")


def test_basemap_import_refuses_it_and_keeps_the_current_basemap(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    current = data / "basemap.geojson"
    save_geojson(load_default_basemap(), current)
    before = current.read_bytes()
    done = run_cli("basemap", "import", str(two_node_osm(tmp_path)), data_dir=data)
    assert done.returncode == 1
    assert "two-nodes.osm" in done.stderr and "too few streets" in done.stderr
    assert "Traceback" not in done.stderr
    assert current.read_bytes() == before
    assert not list(data.glob("*.new"))


def test_a_bad_basemap_already_on_disk_does_not_stop_the_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            qtbot) -> None:  # type: ignore[no-untyped-def]
    from commandcenter.config import parse_config
    from commandcenter.runtime.compose import build, imported_basemap_path, load_basemap_checked

    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setenv("CC_DATA_DIR", str(data))
    save_geojson(import_osm_xml(two_node_osm(tmp_path)), imported_basemap_path())  # what an older version let in
    bm, warning = load_basemap_checked(None)
    assert bm.name == load_default_basemap().name and "too few streets" in warning
    done = run_cli("basemap", "info", data_dir=data)
    assert done.returncode == 0, done.stderr
    services = build(parse_config(f'[database]\nurl = "sqlite:///{tmp_path / "app.db"}"\n', "test.toml"))
    try:
        section = services.health.build()["basemap"]
        assert section["name"] == bm.name and "bundled district" in section["warning"]
    finally:
        services.stop()


def test_the_demo_on_a_bad_imported_basemap_says_so_in_the_health_report_and_the_events_dock(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, qtbot) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QSettings

    from commandcenter.cli import GuiOptions
    from commandcenter.config import Config
    from commandcenter.demo.session import build_demo
    from commandcenter.runtime.compose import imported_basemap_path
    from widgets.main_window import MainWindow
    from widgets.screens import build_screens

    monkeypatch.setenv("CC_DATA_DIR", str(tmp_path / "data"))
    imported_basemap_path().parent.mkdir(parents=True, exist_ok=True)
    save_geojson(import_osm_xml(two_node_osm(tmp_path)), imported_basemap_path())  # what an older version let in
    config = Config()
    config.database.url = f"sqlite:///{tmp_path / 'demo.db'}"
    config.simulator.units, config.simulator.vehicles = 20, 4
    config.simulator.cameras, config.simulator.drones = 1, 1
    services = build_demo(config, layout="1x1")
    try:
        services.start()
        section = services.report()["basemap"]
        assert section["name"] == load_default_basemap().name
        assert "imported basemap not usable, running on the bundled district" in section["warning"]
        assert "too few streets" in section["warning"]
        gui = build_screens(services, GuiOptions(config=config, demo=True, language="zh", layout="1x1"))
        window = MainWindow(gui.screens, services.status, docks=gui.docks,
                            settings=QSettings(str(tmp_path / "w.ini"), QSettings.Format.IniFormat))
        qtbot.addWidget(window)
        dock = gui.docks["events"]
        rows = [dock.list.item(i).text() for i in range(dock.list.count())]  # type: ignore[attr-defined]
        assert any("running on the bundled district" in row for row in rows), rows
        window.close()
    finally:
        services.stop()
