"""``make bench`` / ``python -m bench [--quick] [--only NAME …] [--out FILE]``: every benchmark, one JSON document.

Each ``bench/bench_<area>.py`` exposes ``run(quick: bool = False) -> dict``. They run one after another in this
process's children where they need isolation, on the same machine in the same run, so ratios between figures
(e.g. our decoder vs plain ffmpeg) are meaningful even on a shared, noisy machine. Medians, not means.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path


def discover() -> list[str]:
    return sorted(p.stem.removeprefix("bench_") for p in Path(__file__).parent.glob("bench_*.py"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="short runs (smoke test of the benchmarks)")
    parser.add_argument("--only", nargs="*", default=None, help=f"subset of: {', '.join(discover())}")
    parser.add_argument("--out", default="", help="also write the JSON here")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    names = args.only or discover()
    results: dict[str, object] = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "started_at": datetime.now(UTC).isoformat(),
        "quick": args.quick,
    }
    failed = False
    for name in names:
        started = time.monotonic()
        print(f"bench: {name} …", file=sys.stderr, flush=True)
        try:
            module = importlib.import_module(f"bench.bench_{name}")
            results[name] = module.run(quick=args.quick)
        except Exception as exc:
            failed = True
            results[name] = {"error": f"{type(exc).__name__}: {exc}", "trace": traceback.format_exc()[-2000:]}
        print(f"bench: {name} done in {time.monotonic() - started:.1f} s", file=sys.stderr, flush=True)
    text = json.dumps(results, ensure_ascii=False, indent=2, default=str)
    print(text)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
