"""The simulated duty desk: in the demo, cases move through the workflow the way a staffed bureau moves them.

Without it a demo queue only grows. The desk acts through the real CaseService as the demo dispatcher, so every
step is permission-checked, recorded as a case event and hash-chained in the audit log. It does only what a desk
does: 立案 → 派遣 (to the top recommendation, when the category is not dispatched automatically) → 核查 → 结案,
with believable delays. 接单, 到场, 取证 and 处置反馈 come from the officers' phones (:mod:`commandcenter.demo.phones`,
every demo officer carries one). It leaves every case alone for a while first, so a person at the dispatch
screen always has fresh cases to work on.
"""

from __future__ import annotations

import logging
import random
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

log = logging.getLogger(__name__)

# The intake channel (role "intake") each simulated source reports through.
CHANNEL_OF_SOURCE = {"citizen": "open311", "hotline": "hotline-12345", "patrol": "patrol-app", "camera": "camera-ai"}

# Minutes (simulated) a step waits before the desk takes it: (min, max).
DELAYS_MIN = {
    "reported": (2.0, 5.0),  # untouched: the human dispatcher's chance to act first
    "registered": (0.5, 2.0),
    "handled": (2.0, 8.0),
    "verifying": (1.0, 4.0),
}


class SimulatedDesk:
    """Advances open cases on a worker thread every few seconds. ``stop()`` ends it."""

    def __init__(self, cases: Any, *, actor: str = "dispatcher", speedup: float = 1.0, seed: int = 1,
                 interval_s: float = 3.0) -> None:
        self.cases = cases
        self.actor = actor
        self.speedup = max(speedup, 0.01)
        self.interval_s = interval_s
        self.rng = random.Random(seed)
        self._due: dict[tuple[str, str], datetime] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sim-desk", daemon=True)
        self.steps_done = 0
        self.refusals = 0
        self.last_error = ""

    def start(self) -> SimulatedDesk:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                self.tick(datetime.now(UTC))
            except Exception as exc:  # the desk never brings the demo down; the reason is kept
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.warning("simulated desk: %s", self.last_error)

    def _ready(self, code: str, status: str, since: datetime, now: datetime) -> bool:
        key = (code, status)
        if key not in self._due:
            low, high = DELAYS_MIN.get(status, (1.0, 3.0))
            self._due[key] = since + timedelta(minutes=self.rng.uniform(low, high) / self.speedup)
        return now >= self._due[key]

    def tick(self, now: datetime) -> int:
        """One pass over the queue; returns how many steps were taken."""
        taken = 0
        for case in self.cases.queue(limit=300, include_today=False):
            if self._stop.is_set():
                break
            since = case.updated_at or case.created_at
            if not self._ready(case.code, case.status, since, now):
                continue
            try:
                if self._advance(case):
                    taken += 1
            except Exception as exc:  # a refused transition (e.g. someone acted first): note it, go on
                self.refusals += 1
                self.last_error = f"{case.code}: {exc}"
        self.steps_done += taken
        if len(self._due) > 5000:
            self._due.clear()
        return taken

    def _advance(self, case: Any) -> bool:
        status = case.status
        if status == "reported":
            self.cases.register(case.code, self.actor, "核实属实，予以立案").result(10)
        elif status == "registered":
            picks = self.cases.recommend(case.code, k=3)
            if not picks:
                return False
            self.cases.dispatch(case.code, picks[0].officer_id, self.actor, "系统推荐最近空闲队员").result(10)
        elif status == "handled":
            self.cases.verify(case.code, self.actor, "核查属实").result(10)
        elif status == "verifying":
            self.cases.close(case.code, self.actor, "核查通过，予以结案").result(10)
        else:
            return False
        return True


def seed_today(make_service: Any, categories: Any, points: list[tuple[float, float]], *, count: int = 120,
               seed: int = 20261121, now: datetime | None = None) -> int:
    """Give a fresh demo database the cases of the shift so far (the last eight hours), through the real service and its hooks.

    ``make_service(clock)`` builds a CaseService whose clock is the given callable: each step is then recorded
    at the (past) moment it happened, with its case event and audit record, exactly as if the desk had been
    staffed since the morning. Most seeded cases are closed, the latest ones are still in progress.
    Returns how many cases were created.
    """
    from commandcenter.cases.model import NewCase
    from commandcenter.demo.city import REPORT_CATEGORIES

    rng = random.Random(seed)
    now = now or datetime.now(UTC)
    start = now - timedelta(hours=8)  # the shift so far
    if not points:
        return 0
    moment = {"t": start}
    service = make_service(lambda: moment["t"])
    names, weights = zip(*REPORT_CATEGORIES, strict=True)
    times = sorted(start + (now - start) * rng.random() for _ in range(count))
    created = 0
    for at in times:
        lat, lon = rng.choice(points)
        category = categories.resolve(rng.choices(names, weights)[0])
        source = rng.choices(("citizen", "hotline", "patrol", "camera"), (5, 3, 3, 1))[0]
        moment["t"] = at
        case = service.create_case(NewCase(source=source, category=category.code, lat=lat, lon=lon,
                                           description=f"{category.name}：群众反映该处存在{category.name}问题。",
                                           created_at=at), CHANNEL_OF_SOURCE[source]).result(10)
        created += 1
        steps = [("register", "核实属实，予以立案", (1, 6)), ("dispatch", "", (1, 5)), ("arrive", "队员到场", (4, 15)),
                 ("feedback", "已现场处置", (5, 25)), ("verify", "核查属实", (3, 15)), ("close", "核查通过，予以结案", (1, 5))]
        t = at
        for action, note, (low, high) in steps:
            t += timedelta(minutes=rng.uniform(low, high))
            if t >= now - timedelta(minutes=10):
                break  # the latest cases are still being worked on
            moment["t"] = t
            if action == "dispatch":
                picks = service.recommend(case.code, k=1)
                if not picks:
                    break
                service.dispatch(case.code, picks[0].officer_id, "dispatcher", "系统推荐").result(10)
            else:
                service.transition(case.code, action, "dispatcher", reason=note).result(10)
    return created
