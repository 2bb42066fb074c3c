"""Periodic GUI-thread handlers run on phases of their own (commandcenter.runtime.cadence)."""

from __future__ import annotations

import statistics
import time

from commandcenter.runtime.cadence import PHASES_MS, PhasedTimer

INTERVAL_MS = 100


def _offsets(times_ms: list[float], phase_ms: int) -> list[float]:
    """How far past the phase each call came, folded into (-interval/2, interval/2]."""
    out = []
    for t in times_ms:
        off = (t - phase_ms) % INTERVAL_MS
        out.append(off - INTERVAL_MS if off > INTERVAL_MS / 2 else off)
    return out


def test_the_handlers_that_used_to_share_a_turn_of_the_event_loop_have_phases_apart() -> None:
    from commandcenter.runtime.units import CHANGES_HZ
    from widgets.map.units import FLUSH_INTERVAL_MS

    periods = {"units.handover": round(1000 / CHANGES_HZ), "map.flush": FLUSH_INTERVAL_MS, "gc.check": 100}
    cycle = 200
    assert all(cycle % p == 0 for p in periods.values())
    fires = sorted(PHASES_MS[name] % p + k * p for name, p in periods.items() for k in range(cycle // p))
    gaps = [b - a for a, b in zip(fires, [*fires[1:], fires[0] + cycle], strict=True)]
    assert min(gaps) >= 40, f"phases {PHASES_MS} leave two handlers {min(gaps)} ms apart: {fires}"
    assert all(p % 50 != 0 for p in PHASES_MS.values()), "a phase on a multiple of 50 ms meets Qt's coarse timers"


def test_the_once_a_second_refreshes_no_longer_wake_together_nor_with_the_map() -> None:
    """As coarse timers they all woke on the whole second, with the map's flush or the hand-over in the same turn."""
    every_200 = {"units.handover": 200, "map.flush": 200, "gc.check": 100}
    once_a_second = [name for name in PHASES_MS if name not in every_200]
    assert len(once_a_second) >= 7
    busy = sorted(PHASES_MS[name] % p + k * p for name, p in every_200.items() for k in range(1000 // p))
    phases = sorted(PHASES_MS[name] % 1000 for name in once_a_second)
    assert len(set(phases)) == len(phases), f"two refreshes share a phase: {phases}"
    for name in once_a_second:
        phase = PHASES_MS[name] % 1000
        nearest = min(min(abs(phase - t), 1000 - abs(phase - t)) for t in busy)
        assert nearest >= 15, f"{name} at {phase} ms runs {nearest} ms from a 200 ms handler"
        after_flush = (phase - PHASES_MS["map.flush"]) % 200
        assert after_flush >= 45, f"{name} at {phase} ms lands in the map's repaint ({after_flush} ms after the flush)"
    apart = [b - a for a, b in zip(phases, [*phases[1:], phases[0] + 1000], strict=True)]
    assert min(apart) >= 50, f"two refreshes {min(apart)} ms apart: {phases}"


def test_a_phased_timer_fires_on_its_phase_and_finds_it_again_after_a_stall(qtbot) -> None:  # type: ignore[no-untyped-def]
    calls: list[float] = []
    stall: list[float] = []

    def tick() -> None:
        now = time.monotonic() * 1000.0
        calls.append(now)
        if len(calls) == 6:
            # Block the GUI thread for 2.5 periods and end 45 ms off the phase: Qt restarts a late precise
            # timer from that moment, so without the realignment every later call would come 45 ms late.
            target = now + 2.5 * INTERVAL_MS
            target += (35 + 45 - target) % INTERVAL_MS
            time.sleep((target - now) / 1000.0)
            stall.append(target)

    timer = PhasedTimer(INTERVAL_MS, 35, tick)
    timer.start()
    assert timer.isActive()
    qtbot.waitUntil(lambda: len(calls) >= 16, timeout=10_000)
    timer.stop()

    before = _offsets(calls[:6], 35)
    after = _offsets([t for t in calls if stall and t > stall[0] + INTERVAL_MS], 35)
    assert abs(statistics.median(before)) < 15, before
    assert len(after) >= 5
    assert abs(statistics.median(after)) < 15, after
    assert timer.realigned >= 1


def test_a_stopped_phased_timer_stays_stopped_even_while_waiting_for_its_phase(qtbot) -> None:  # type: ignore[no-untyped-def]
    calls: list[float] = []
    timer = PhasedTimer(INTERVAL_MS, 0, lambda: calls.append(time.monotonic()))
    timer.start()  # waits for the next phase before the first call
    timer.stop()
    assert not timer.isActive()
    qtbot.wait(3 * INTERVAL_MS)
    assert calls == []
