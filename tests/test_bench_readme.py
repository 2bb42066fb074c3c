"""The README's benchmark table comes from one run's JSON: values found, targets judged, load shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.readme import BEGIN, END, lookup, table, write_into

RESULTS = {
    "started_at": "2026-12-03T00:00:00+00:00", "finished_at": "2026-12-03T00:40:00+00:00", "machine": {"cpus": 2},
    "load": {"video": {"before": [0.5, 0.4, 0.3], "after": [1.25, 0.6, 0.4], "pace_ms": 231.4}},
    "video": {"tiles": [{"tiles": 4, "cpu_ratio": 1.1}, {"tiles": 16, "cpu_ratio": 1.42, "fps_min": 25.0}]},
    "store": {"through_adapters": {"fixes_per_s": 21000}},
}


def test_values_are_found_by_path_and_list_entries_by_their_key() -> None:
    assert lookup(RESULTS, "video.tiles[16].cpu_ratio") == pytest.approx(1.42)
    assert lookup(RESULTS, "store.through_adapters.fixes_per_s") == 21000
    assert lookup(RESULTS, "video.tiles[9].cpu_ratio") is None and lookup(RESULTS, "kpi.xlsx_s") is None


def test_the_table_judges_each_figure_against_its_target_with_the_load() -> None:
    rows = {line.split(" | ")[1]: line for line in table(RESULTS).splitlines() if line.startswith("| ")}
    assert "1.42×" in rows["16 tiles: CPU against ffmpeg decoding the same streams"]
    assert "**no**" in rows["16 tiles: CPU against ffmpeg decoding the same streams"]
    assert "0.5 → 1.2" in rows["16 tiles: slowest tile"] and "| yes |" in rows["16 tiles: slowest tile"]
    assert rows["16 tiles: slowest tile"].endswith("| 231 ms |")  # the machine's pace beside the figure
    assert "21,000/s | yes" in rows["fixes through the adapters into SQLite, acknowledged after commit"]
    assert "| — |" in rows["monthly PDF export"]  # not measured in this run: said, not invented
    assert rows["monthly PDF export"].endswith("| — | — |")  # neither its load nor its pace is invented


def test_the_readme_is_rewritten_between_its_markers_only(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"# Title\n\n{BEGIN}\nold table\n{END}\n\nAfter.\n", encoding="utf-8")
    write_into(readme, "new table\n")
    assert readme.read_text(encoding="utf-8") == f"# Title\n\n{BEGIN}\nnew table\n{END}\n\nAfter.\n"
    (tmp_path / "plain.md").write_text("no markers\n", encoding="utf-8")
    with pytest.raises(SystemExit, match=r"plain\.md"):
        write_into(tmp_path / "plain.md", "x")
