"""The audit chain (执法全过程记录) on SQLite through the real store writer.

* append rate: records/s appended in writer jobs of ``BATCH`` records each (hashing, canonical JSON, one
  executemany INSERT and one fsync'd commit per job) — goal ≥ 5,000 records/s;
* single-record rate: one record per writer job (one commit each), the worst case of the case workflow;
* verify time: ``audit.verify`` streaming over the whole chain of 1,000,000 records (quick: 100,000).

``python -m bench.bench_audit [--quick]`` prints the JSON; ``python -m bench`` includes it.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

BATCH = 5_000


def run(quick: bool = False) -> dict[str, object]:
    from commandcenter.enforcement.audit import AuditLog, verify
    from commandcenter.store import Store

    total = 100_000 if quick else 1_000_000
    singles = 200 if quick else 1_000
    with tempfile.TemporaryDirectory(prefix="bench-audit-") as tmp:
        store = Store(f"sqlite:///{Path(tmp) / 'audit.db'}")
        try:
            store.upgrade()
            log = AuditLog(store)

            def batch_job(start: int):  # type: ignore[no-untyped-def]
                entries = [("dispatcher", "case.dispatch", f"case:{(start + i) % 5000}",
                            {"officer": f"O-{(start + i) % 200:04d}", "note": "派遣至网格 3201050010", "n": start + i})
                           for i in range(BATCH)]
                return lambda session: log.append_many(session, entries)

            started = time.perf_counter()
            futures = [store.submit(batch_job(start)) for start in range(0, total, BATCH)]
            for future in futures:
                future.result(600)
            append_seconds = time.perf_counter() - started

            started = time.perf_counter()
            single_futures = [log.record("leader", "case.decide", f"case:{i}", {"i": i}) for i in range(singles)]
            for future in single_futures:
                future.result(600)
            single_seconds = time.perf_counter() - started

            result = verify(store, check_evidence=False)
            if not result.ok:
                raise RuntimeError(f"the benchmark chain does not verify: {result.summary()}")
            db_bytes = sum(p.stat().st_size for p in Path(tmp).glob("audit.db*"))
        finally:
            store.close()
    return {
        "records": total,
        "batch": BATCH,
        "append_records_per_s": round(total / append_seconds),
        "append_seconds": round(append_seconds, 2),
        "single_record_jobs_per_s": round(singles / single_seconds),
        "verify_records": result.records,
        "verify_seconds": round(result.seconds, 2),
        "verify_records_per_s": round(result.records / result.seconds),
        "db_mb": round(db_bytes / 1e6, 1),
        "goal_append_per_s": 5_000,
        "meets_goal": total / append_seconds >= 5_000,
    }


if __name__ == "__main__":
    print(json.dumps(run(quick="--quick" in sys.argv[1:]), indent=2))
