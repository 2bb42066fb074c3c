"""``make bench`` / ``python -m bench [--quick] [--only NAME …] [--out FILE]``: every benchmark, one JSON document.

Each ``bench/bench_<area>.py`` exposes ``run(quick: bool = False) -> dict``. They run one after another, each in a
fresh child interpreter (``--child NAME``): a benchmark that needs a ``QApplication`` cannot follow one that made a
``QCoreApplication`` in the same process, and a crash or leak of one must not take the others' figures with it.
Running them back to back on the same machine in the same run keeps ratios between figures (e.g. our decoder vs
plain ffmpeg) meaningful even on a shared, noisy machine. Medians, not means. The machine's load average is
recorded before and after every benchmark (``load``), so each figure can be read against the load it ran under;
``python -m bench.readme FILE`` turns the JSON into the README's table.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def discover() -> list[str]:
    return sorted(p.stem.removeprefix("bench_") for p in Path(__file__).parent.glob("bench_*.py"))


def loadavg() -> list[float]:
    """The 1, 5 and 15-minute load averages (empty where /proc is not there)."""
    try:
        return [float(v) for v in Path("/proc/loadavg").read_text().split()[:3]]
    except OSError:
        return []


PACE_ITERATIONS = 1_000_000


def machine_pace_ms() -> float:
    """Milliseconds a fixed pure-Python workload takes now (median of three): the machine's speed at this moment.

    Why: this machine is a shared virtual one. Its speed for the same code changes two- to threefold within
    minutes as the host gets busy, and the load average does not show it (the waiting happens outside the guest).
    Recorded beside every benchmark, it says whether a figure was measured on a fast or a slow moment."""
    times = []
    for _ in range(3):
        started = time.perf_counter()
        table: dict[int, int] = {}
        total = 0
        for i in range(PACE_ITERATIONS):
            total += i & 0xFF
            table[i & 0x3FF] = total
        times.append((time.perf_counter() - started) * 1000.0)
    return round(sorted(times)[1], 1)


def code_version() -> str:
    """The commit measured, with "+changes" when the working tree differs from it ("" outside git)."""
    root = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True,
                                timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""
    return f"{commit}{' +changes' if commit and dirty else ''}"


def run_child(name: str, quick: bool, out: Path) -> int:
    """In the child: run one benchmark and write its result (or its error) as JSON to ``out``."""
    try:
        module = importlib.import_module(f"bench.bench_{name}")
        result: object = module.run(quick=quick)
        code = 0
    except Exception as exc:
        result = {"error": f"{type(exc).__name__}: {exc}", "trace": traceback.format_exc()[-2000:]}
        code = 1
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    return code


def run_isolated(name: str, quick: bool) -> dict[str, object]:
    """In the parent: one benchmark in a fresh interpreter; its JSON, or why there is none."""
    with tempfile.TemporaryDirectory(prefix=f"bench-{name}-") as tmp:
        out = Path(tmp) / "result.json"
        command = [sys.executable, "-m", "bench", "--child", name, "--child-out", str(out)]
        if quick:
            command.append("--quick")
        proc = subprocess.run(command, cwd=ROOT, env=dict(os.environ), check=False)
        if out.exists():
            data = json.loads(out.read_text(encoding="utf-8"))
            return data if isinstance(data, dict) else {"result": data}
        return {"error": f"the benchmark's process ended with status {proc.returncode} and wrote no result"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="short runs (smoke test of the benchmarks)")
    parser.add_argument("--only", nargs="*", default=None, help=f"subset of: {', '.join(discover())}")
    parser.add_argument("--out", default="", help="also write the JSON here")
    parser.add_argument("--child", default="", help=argparse.SUPPRESS)
    parser.add_argument("--child-out", default="", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if args.child:
        return run_child(args.child, args.quick, Path(args.child_out))
    names = args.only or discover()
    unknown = sorted(set(names) - set(discover()))
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(discover())}")
    results: dict[str, object] = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "started_at": datetime.now(UTC).isoformat(),
        "commit": code_version(),
        "quick": args.quick,
        "load": {},
    }
    loads: dict[str, object] = {}
    failed = False
    for name in names:
        started = time.monotonic()
        before = loadavg()
        pace = machine_pace_ms()
        print(f"bench: {name} …", file=sys.stderr, flush=True)
        result = run_isolated(name, args.quick)
        failed = failed or "error" in result
        results[name] = result
        took = time.monotonic() - started
        loads[name] = {"before": before, "after": loadavg(), "seconds": round(took, 1), "pace_ms": pace}
        print(f"bench: {name} done in {took:.1f} s", file=sys.stderr, flush=True)
    results["load"] = loads
    results["finished_at"] = datetime.now(UTC).isoformat()
    text = json.dumps(results, ensure_ascii=False, indent=2, default=str)
    print(text)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
