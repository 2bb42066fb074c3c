"""Position fixes stored per second through the real path: JT/T 808 over TCP → adapter → DeviceManager's batcher
→ UnitTracker's fix chain (the fix handler, on the batcher thread) → the store's single writer → SQLite, each
0x0704 answered only after its fixes are committed (``ack_after_store``, as the application runs). Goal ≥ 20,000
fixes/s.

Also: the raw single-writer insert rate (no network) as the ceiling, and the case write latency while fixes pour
in (a case acknowledged to a dispatcher must not queue behind a flood of positions for long).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


WINDOW = 10  # unanswered 0x0704 batches per bench terminal


def _expect_ok(reply: object) -> None:
    from devices.jt808 import MSG_PLATFORM_GENERAL_RESPONSE, RESULT_OK, Message, decode_general_response

    assert isinstance(reply, Message)
    if reply.header.msg_id != MSG_PLATFORM_GENERAL_RESPONSE or decode_general_response(reply.body)[2] != RESULT_OK:
        raise RuntimeError(f"platform answered a location batch with 0x{reply.header.msg_id:04X} {reply.body.hex()}")


def _terminal_load(port: int, phones: list[str], batches: int, per_batch: int, errors: list[str]) -> None:
    from devices.jt808 import Jt808Terminal

    try:
        terms = []
        for phone in phones:
            t = Jt808Terminal(phone, "127.0.0.1", port, timeout=10.0)
            t.register()
            t.authenticate()
            terms.append(t)
        # A terminal's fixes are one second apart and all in the past: the fix chain refuses fixes from the
        # future (beyond the clock skew), which a long run starting at now - 1 h would soon produce.
        base = datetime.now(UTC) - timedelta(seconds=batches * per_batch + 60)
        unanswered = [0] * len(terms)
        for b in range(batches):
            for i, t in enumerate(terms):
                items = [{"lat": 32.02 + (b * per_batch + k) * 1e-6, "lon": 118.78 + i * 1e-5, "speed_kmh": 20.0,
                          "heading": 90.0, "time": base + timedelta(seconds=b * per_batch + k)}
                         for k in range(per_batch)]
                t.batch_report(items, wait=False)
                unanswered[i] += 1
            # Each terminal keeps at most WINDOW batches unanswered (answers come once the batch is committed):
            # the pipe stays full like thousands of terminals with one report in flight each, and bounded.
            for i, t in enumerate(terms):
                while unanswered[i] > (WINDOW if b < batches - 1 else 0):
                    _expect_ok(t.receive())
                    unanswered[i] -= 1
        for t in terms:
            t.heartbeat()
            t.close()
    except Exception as exc:  # reported in the result rather than hanging the bench
        errors.append(f"{type(exc).__name__}: {exc}")


def adapters_to_store(total_fixes: int, terminals: int = 20, per_batch: int = 25) -> dict[str, float]:
    from PySide6.QtCore import QCoreApplication, QTimer

    from commandcenter.runtime.devices import DeviceManager
    from commandcenter.runtime.units import UnitInfo, UnitTracker
    from commandcenter.store import Store
    from devices.jt808 import Jt808Server

    app = QCoreApplication.instance() or QCoreApplication(sys.argv[:1])
    tmp = tempfile.mkdtemp(prefix="cc-bench-store-")
    store = Store(f"sqlite:///{tmp}/bench.db")
    store.upgrade()
    phones = [f"0139{20000000 + i:08d}" for i in range(terminals)]
    tracker = UnitTracker(store)
    tracker.register([UnitInfo(f"hw-{i}", "vehicle", f"苏A{i}", device_keys=(p,)) for i, p in enumerate(phones)])
    manager = DeviceManager()
    manager.set_fix_handler(tracker.ingest)
    server = Jt808Server("jt808", "127.0.0.1", 0, known_terminals=set(phones), ack_after_store=True)
    manager.add(server, listener=True)
    server.ready.wait(5)
    batches = max(1, total_fixes // (terminals * per_batch))
    expected = batches * terminals * per_batch
    errors: list[str] = []
    started = time.perf_counter()
    load = threading.Thread(target=_terminal_load, args=(server.bound_port, phones, batches, per_batch, errors))
    load.start()
    done = {"at": 0.0}

    def check() -> None:
        if store.fixes_written >= expected or errors:
            done["at"] = time.perf_counter()
            app.quit()

    timer = QTimer()
    timer.timeout.connect(check)
    timer.start(20)
    QTimer.singleShot(120_000, app.quit)
    app.exec()
    load.join(10)
    elapsed = (done["at"] or time.perf_counter()) - started
    stored = store.scalar("SELECT COUNT(*) FROM position_fixes")
    manager.stop()
    store.close()
    if errors:
        raise RuntimeError(f"terminal load failed: {errors[0]}")
    return {"fixes": expected, "stored": int(stored), "seconds": round(elapsed, 3),
            "fixes_per_s": round(expected / elapsed), "lost": expected - int(stored)}


def raw_writer(total: int = 200_000, batch: int = 1000) -> dict[str, float]:
    from commandcenter.store import FixRow, Store, models, utcnow

    tmp = tempfile.mkdtemp(prefix="cc-bench-raw-")
    store = Store(f"sqlite:///{tmp}/raw.db")
    store.upgrade()
    base = utcnow()
    rows = [FixRow(f"u{i % 500}", base + timedelta(milliseconds=i), 32.0, 118.7, 10.0, 90.0, "bench")
            for i in range(total)]
    started = time.perf_counter()
    futures = [store.add_fixes(rows[i:i + batch]) for i in range(0, total, batch)]
    # A case written in the middle of the flood: how long does the dispatcher wait for its acknowledgement?
    latencies = []
    for k in range(20):
        t0 = time.perf_counter()
        store.write(lambda s, k=k: s.add(models.Case(code=f"B{k}", source="dispatcher", status="reported",
                                                       created_at=base, updated_at=base)))
        latencies.append((time.perf_counter() - t0) * 1000)
    for f in futures:
        f.result(120)
    elapsed = time.perf_counter() - started
    store.close()
    return {"fixes": total, "seconds": round(elapsed, 3), "fixes_per_s": round(total / elapsed),
            "case_write_during_flood_ms_median": round(statistics.median(latencies), 1),
            "case_write_during_flood_ms_max": round(max(latencies), 1)}


def run(quick: bool = False) -> dict[str, object]:
    return {
        "through_adapters": adapters_to_store(20_000 if quick else 200_000),
        "raw_single_writer": raw_writer(20_000 if quick else 200_000),
        "goal": "≥ 20,000 position fixes/s stored through the real adapters and store on SQLite",
    }


if __name__ == "__main__":
    import json

    print(json.dumps(run(quick="--quick" in sys.argv), indent=2, ensure_ascii=False))
