"""The demo's citizens rate their closed reports, through the Open311 rating extension as a real app would.

Without them the briefing's 群众评价 stays empty in the demo. Every few seconds the raters look at the citizen
(Open311) cases closed recently and, for about two in three, POST a rating 1–5 (mostly satisfied, now and then
not) to ``/open311/v2/requests/{id}/rating.json`` with the demo's API key: the same HTTP path, checks, writer job
and audit record as a citizen's phone. A 409 (rated meanwhile, e.g. by the desk's 回访) is counted, not retried.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

log = logging.getLogger(__name__)

# How the demo's citizens answer: score → weight (most are satisfied, some are not).
SCORES = {5: 45, 4: 30, 3: 13, 2: 6, 1: 6}
COMMENTS = {5: "处理很及时，谢谢", 4: "处理得不错", 3: "基本解决了", 2: "拖得有点久", 1: "问题没有真正解决"}


class SimulatedRaters:
    """Rates closed citizen cases on a worker thread; ``stop()`` ends it. ``rated``/``refused`` count outcomes."""

    def __init__(self, cases: Any, port: Callable[[], int | None], api_key: str, *, share: float = 0.65,
                 interval_s: float = 5.0, seed: int = 7) -> None:
        self.cases = cases
        self.port = port  # the Open311 listener's bound port (None until it listens)
        self.api_key = api_key
        self.share = share
        self.interval_s = interval_s
        self.rng = random.Random(seed)
        self._seen: set[str] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="demo-raters", daemon=True)
        self.rated = 0
        self.refused = 0
        self.last_error = ""

    def start(self) -> SimulatedRaters:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(5)

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                self.tick()
            except Exception as exc:  # the raters never bring the demo down; the reason is kept
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.warning("demo raters: %s", self.last_error)

    def tick(self) -> int:
        """One pass: rate (some of) the citizen cases closed since the last day; returns how many were rated."""
        port = self.port()
        if not port:
            return 0
        since = datetime.now(UTC) - timedelta(days=1)
        done = 0
        for case in self.cases.find_cases(source="citizen", is_open=False, since=since, limit=200):
            if case.code in self._seen or case.status not in ("closed", "archived"):
                continue
            self._seen.add(case.code)
            if "rating" in case.extra or self.rng.random() >= self.share:
                continue
            score = self.rng.choices(list(SCORES), weights=list(SCORES.values()))[0]
            if self.rate(port, case.code, score, COMMENTS[score]):
                done += 1
        return done

    def rate(self, port: int, code: str, score: int, comment: str) -> bool:
        """POST one rating; True when the endpoint recorded it (201) or already held it (200)."""
        body = urllib.parse.urlencode({"api_key": self.api_key, "rating": score, "comment": comment}).encode()
        url = f"http://127.0.0.1:{port}/open311/v2/requests/{urllib.parse.quote(code)}/rating.json"
        try:
            with urllib.request.urlopen(urllib.request.Request(url, data=body), timeout=10) as resp:
                json.loads(resp.read() or b"[]")
        except urllib.error.HTTPError as exc:
            self.refused += 1
            self.last_error = f"{code}: HTTP {exc.code} {exc.read()[:200]!r}"
            return False
        self.rated += 1
        return True
