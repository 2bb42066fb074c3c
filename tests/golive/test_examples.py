"""Every documented example file (resources/examples/, docs/golive.md) imports cleanly into one new database, in
the order a bureau goes live: grid first (posts refer to it), cameras before zones (camera sites place them)."""

from __future__ import annotations

from pathlib import Path

from tests.golive.support import ROOT, import_file, run_cli

EXAMPLES = ROOT / "resources" / "examples"
ORDER = [("grid", "grid.geojson"), ("officers", "officers.csv"), ("roster", "roster.csv"), ("vehicles", "vehicles.csv"),
         ("cameras", "cameras.csv"), ("zones", "zones.geojson"), ("sensors", "sensors.csv"),
         ("drones", "drones.csv"), ("categories", "categories.csv"), ("calendar", "calendar.csv"),
         ("nofly", "nofly.geojson"), ("nofly", "nofly.kml")]


def test_every_kind_has_an_example_and_each_imports(tmp_path: Path) -> None:
    listed = run_cli("data", "kinds")
    assert listed.returncode == 0
    kinds = {line.split()[0] for line in listed.stdout.splitlines() if line.strip()}
    assert kinds <= {k for k, _ in ORDER} | {"powers"}, kinds  # a new kind needs its example here
    db = f"sqlite:///{tmp_path / 'golive.db'}"
    for kind, name in ORDER:
        dry = import_file(kind, EXAMPLES / name, db, "--dry-run")
        assert dry.returncode == 0, (name, dry.stderr)
        result = import_file(kind, EXAMPLES / name, db)
        assert result.returncode == 0, (name, result.stderr)
        assert "imported" in result.stdout
    doc = (ROOT / "docs" / "golive.md").read_text(encoding="utf-8")
    for _kind, name in ORDER:
        assert f"resources/examples/{name}" in doc, f"docs/golive.md does not show {name}"
