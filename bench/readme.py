"""The README's benchmark table, generated from one ``make bench`` run's JSON.

Why a generator: the figures in the README were written by hand from different runs on a machine whose load
changed from run to run, and drifted from what ``make bench`` measured (a cold start of 5.3 s against a README
saying 3.4 s). Now every figure in the table comes from one JSON document, with the target it is held to, whether
it meets it, and the machine's load average around the benchmark that measured it.

``python -m bench.readme RESULTS.json`` prints the table; ``--write README.md`` replaces the text between the
``<!-- bench:begin -->`` and ``<!-- bench:end -->`` markers.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"
Results = Mapping[str, object]


@dataclass(frozen=True)
class Figure:
    """One row: where the value is in the results (``bench.key.key``), how to show it, what it is held to."""

    area: str
    figure: str
    path: str
    unit: str = ""
    target: str = ""
    meets: Callable[[float], bool] | None = None
    digits: int = 1


def _at_most(limit: float) -> Callable[[float], bool]:
    return lambda value: value <= limit


def _at_least(limit: float) -> Callable[[float], bool]:
    return lambda value: value >= limit


FIGURES: tuple[Figure, ...] = (
    Figure("start-up", "cold start to the first painted window (median)", "startup.cold_start_to_first_paint_s_median",
           " s", "≤ 2 s", _at_most(2.0), 2),
    Figure("start-up", "cold start to the map painted (median)", "startup.cold_start_to_map_screen_s_median",
           " s", "≤ 2 s", _at_most(2.0), 2),
    Figure("start-up", "process CPU to the map painted (median)", "startup.process_cpu_to_map_screen_s_median",
           " CPU-s", "", None, 2),
    Figure("GUI thread", "demo: units positioned during the stall window", "startup.units_positioned", "", "", None, 0),
    Figure("GUI thread", "populated demo: worst lateness of a 10 ms timer", "startup.gui_stall_max_ms", " ms", "≤ 50 ms",
           _at_most(50.0)),
    Figure("GUI thread", "populated demo: p99 lateness of a 10 ms timer", "startup.gui_stall_p99_ms", " ms", "≤ 16 ms",
           _at_most(16.0)),
    Figure("GUI thread", "demo: unit changes announced per second", "startup.unit_changes_per_s", "/s", "", None, 0),
    Figure("GUI thread", "demo: GUI thread's share of a core", "startup.gui_thread_cpu_share", "", "", None, 3),
    Figure("GUI thread", "demo: GUI thread's wait for a CPU, share of the time", "startup.gui_thread_runqueue_share",
           "", "", None, 3),
    Figure("GUI thread", "ramp (2,000 phones switching on): worst lateness", "startup.ramp_stall_max_ms", " ms", "",
           None),
    Figure("GUI thread", "ramp: p99 lateness", "startup.ramp_stall_p99_ms", " ms", "", None),
    # The command hall's shape (bench_seat): the same probe on a seat of `serve --demo` at 2,000 units, the server,
    # PostgreSQL and Mosquitto on the same machine. Held to the same figures, said apart from the demo's.
    Figure("GUI thread", "seat of the server (city at 2,000 units): worst lateness", "seat.gui_stall_max_ms", " ms",
           "≤ 50 ms", _at_most(50.0)),
    Figure("GUI thread", "seat of the server (city at 2,000 units): p99 lateness", "seat.gui_stall_p99_ms", " ms",
           "≤ 16 ms", _at_most(16.0)),
    Figure("GUI thread", "seat: unit changes announced per second", "seat.unit_changes_per_s", "/s", "", None, 0),
    Figure("map", "10,000 units + trails: frame time p99", "map.frame_ms.p99", " ms", "≤ 16 ms", _at_most(16.0)),
    Figure("map", "10,000 units + trails: GUI-thread CPU per frame, p99", "map.frame_cpu_ms.p99", " ms", "≤ 16 ms",
           _at_most(16.0)),
    Figure("video", "16 tiles: CPU against ffmpeg decoding the same streams", "video.tiles[16].cpu_ratio", "×",
           "≤ 1.3×", _at_most(1.3), 2),
    Figure("video", "16 tiles: slowest tile", "video.tiles[16].fps_min", " fps", "≥ 24 fps", _at_least(24.0)),
    Figure("video", "glass-to-tile latency, median", "video.latency.median_ms", " ms", "≤ 150 ms", _at_most(150.0)),
    Figure("KPI", "whole month's briefing, 1,000,000 cases (median)", "kpi.briefing_month_median_s", " s", "≤ 1 s",
           _at_most(1.0), 2),
    Figure("KPI", "… the same month computed from scratch", "kpi.briefing_month_first_s", " s", "", None, 2),
    Figure("KPI", "monthly Excel export", "kpi.xlsx_s", " s", "", None, 2),
    Figure("KPI", "monthly PDF export", "kpi.pdf_s", " s", "", None, 2),
    Figure("cases", "cases report (health/KPI refresh), 1,000,000 cases, max", "cases.store.report_max_ms", " ms",
           "≤ 100 ms", _at_most(100.0)),
    Figure("cases", "dispatch queue refresh after a change, max", "cases.store.refresh_max_ms", " ms", "≤ 100 ms",
           _at_most(100.0)),
    Figure("cases", "dispatch queue full refresh, max", "cases.store.refresh_full_max_ms", " ms", "", None),
    Figure("cases", "top-3 officers among 5,000, p99", "cases.recommend.recommend_p99_ms", " ms", "≤ 10 ms",
           _at_most(10.0)),
    Figure("cases", "Open311 POSTs (4 clients)", "cases.open311.open311_posts_per_s", "/s", "", None),
    Figure("ingest", "fixes through the adapters into SQLite, acknowledged after commit",
           "store.through_adapters.fixes_per_s", "/s", "≥ 20,000/s", _at_least(20000.0), 0),
    Figure("ingest", "JT/T 808 decode", "trackers.jt808_frames_per_s", " frames/s", "", None, 0),
    Figure("audit", "appends (batched)", "audit.append_records_per_s", "/s", "", None, 0),
    Figure("audit", "verify", "audit.verify_records_per_s", " records/s", "", None, 0),
    Figure("hall", "ingest → position on the fifth seat, p99", "hall.ingest_to_seat5.p99_ms", " ms", "", None, 0),
    Figure("field", "派遣 → task on the phone, p99", "field.delivery_dispatch_to_phone.p99_ms", " ms", "", None, 0),
)


def lookup(results: Results, path: str) -> float | None:
    """``a.b.c`` in nested dicts; ``tiles[16]`` picks the list entry whose ``tiles`` is 16. None if absent."""
    node: object = results
    for part in path.split("."):
        name, _, pick = part.partition("[")
        node = node.get(name) if isinstance(node, Mapping) else None
        if pick and isinstance(node, list):
            wanted = int(pick.rstrip("]"))
            node = next((entry for entry in node if isinstance(entry, Mapping) and entry.get(name) == wanted), None)
    return float(node) if isinstance(node, (int, float)) and not isinstance(node, bool) else None


def _load_entry(results: Results, bench: str) -> Mapping[str, object] | None:
    """What the runner recorded around one benchmark (load before/after, seconds, pace), if anything."""
    loads = results.get("load")
    entry = loads.get(bench) if isinstance(loads, Mapping) else None
    return entry if isinstance(entry, Mapping) else None


def _load(results: Results, bench: str) -> str:
    entry = _load_entry(results, bench)
    if entry is None:
        return "—"
    before, after = entry.get("before"), entry.get("after")
    if isinstance(before, list) and isinstance(after, list) and before and after:
        return f"{before[0]:.1f} → {after[0]:.1f}"
    return "—"


def _pace(results: Results, bench: str) -> str:
    entry = _load_entry(results, bench)
    pace = entry.get("pace_ms") if entry is not None else None
    return f"{pace:.0f} ms" if isinstance(pace, (int, float)) else "—"


def table(results: Results) -> str:
    """The markdown table (with a line saying when and where it was measured)."""
    machine = results.get("machine")
    cpus = machine.get("cpus") if isinstance(machine, Mapping) else None
    commit = f" on `{results['commit']}`" if results.get("commit") else ""
    lines = [f"From `make bench`{commit}, started {results.get('started_at', '?')}, finished "
             f"{results.get('finished_at', '?')}{f', {cpus} CPUs' if cpus else ''}"
             f"{' (--quick)' if results.get('quick') else ''}. Load: the machine's 1-minute load average before → "
             "after that benchmark. Pace: how long a fixed pure-Python workload took just before it (the machine's "
             "speed at that moment; lower is faster).", "",
             "| area | figure | target | measured | met | load | pace |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for fig in FIGURES:
        value = lookup(results, fig.path)
        shown = "—" if value is None else f"{value:,.{fig.digits}f}{fig.unit}"
        met = "" if fig.meets is None or value is None else ("yes" if fig.meets(value) else "**no**")
        lines.append(f"| {fig.area} | {fig.figure} | {fig.target} | {shown} | {met} | "
                     f"{_load(results, fig.path.split('.')[0])} | {_pace(results, fig.path.split('.')[0])} |")
    return "\n".join(lines) + "\n"


def write_into(readme: Path, text: str) -> None:
    """Replace what is between the markers; a README without them is an error that names the file."""
    content = readme.read_text(encoding="utf-8")
    start, end = content.find(BEGIN), content.find(END)
    if start < 0 or end < start:
        raise SystemExit(f"{readme}: no {BEGIN} … {END} markers to write the table between")
    readme.write_text(content[:start + len(BEGIN)] + "\n" + text + content[end:], encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.readme", description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path, help="the JSON `make bench` / `python -m bench --out` wrote")
    parser.add_argument("--write", type=Path, default=None, help="README to update between the markers")
    args = parser.parse_args(argv)
    try:
        results = json.loads(args.results.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SystemExit(f"{args.results}: cannot read benchmark results: {exc}") from None
    text = table(results)
    if args.write is not None:
        write_into(args.write, text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
