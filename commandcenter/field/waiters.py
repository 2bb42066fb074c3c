"""Long polls without a thread each: parked requests per officer, woken by a change or by their deadline.

``GET /field/v1/tasks?wait=60`` from 10,000 phones must not take 10,000 threads (or the listener's sixteen
workers). The HTTP handler detaches the connection (:meth:`devices.httpserve.BoundedRequestHandler.detach`) and
parks it here under its officer. :meth:`Waiters.wake` — called with the officers a committed case change touched
— hands that officer's parked requests to ``ready``; one timer thread hands over those whose deadline passed.
``ready`` runs on the thread that woke them (the writer's announcement or the timer; timed-out items go to
``expired`` instead when one is given): it must only queue the answer (the field server puts it on a task-manager
lane), never block.

Each officer also has a change counter (:meth:`version`): a poll that says which version it last saw returns
at once when something changed in between, so a change between two polls is never missed.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

__all__ = ["Waiters"]

T = TypeVar("T")


@dataclass(slots=True)
class _Parked(Generic[T]):
    key: str
    item: T
    deadline: float
    done: bool = field(default=False)


class Waiters(Generic[T]):
    """Parked items by key (an officer id); each is handed to ``ready`` exactly once: woken or timed out."""

    def __init__(self, ready: Callable[[list[T]], None], *, name: str = "longpoll",
                 expired: Callable[[list[T]], None] | None = None) -> None:
        self._ready = ready
        # Items whose deadline passed go to ``expired`` when given: the owner can answer them on a path of their
        # own, so that a flood of deadlines (10,000 phones that connected within seconds) never queues in front
        # of an item woken by a change.
        self._expired = expired or ready
        self._lock = threading.Condition()
        self._by_key: dict[str, list[_Parked[T]]] = {}
        self._heap: list[tuple[float, int, _Parked[T]]] = []
        self._seq = itertools.count()
        self._versions: dict[str, int] = {}
        self._stopping = False
        self._thread = threading.Thread(target=self._expire_loop, name=f"{name}-timer", daemon=True)
        self._thread.start()

    def __len__(self) -> int:
        with self._lock:
            return sum(len(v) for v in self._by_key.values())

    def version(self, key: str) -> int:
        """How many changes ``key`` has seen (process-local; a poll compares it with what it saw last)."""
        with self._lock:
            return self._versions.get(key, 0)

    def park(self, key: str, item: T, timeout_s: float) -> None:
        """Hold ``item`` until ``key`` is woken or ``timeout_s`` passes. After :meth:`stop` it is ready at once."""
        parked = _Parked(key, item, time.monotonic() + max(0.0, timeout_s))
        with self._lock:
            if not self._stopping:
                self._by_key.setdefault(key, []).append(parked)
                heapq.heappush(self._heap, (parked.deadline, next(self._seq), parked))
                self._lock.notify()
                return
            parked.done = True
        self._ready([item])

    def wake(self, keys: Iterable[str]) -> int:
        """Something changed for these keys: bump their versions and hand their parked items on."""
        woken: list[T] = []
        with self._lock:
            for key in set(keys):
                self._versions[key] = self._versions.get(key, 0) + 1
                for parked in self._by_key.pop(key, ()):
                    if not parked.done:
                        parked.done = True
                        woken.append(parked.item)
        if woken:
            self._ready(woken)
        return len(woken)

    def stop(self) -> None:
        """Hand every parked item on now and end the timer thread."""
        with self._lock:
            self._stopping = True
            left = [p for group in self._by_key.values() for p in group if not p.done]
            for parked in left:
                parked.done = True
            self._by_key.clear()
            self._heap.clear()
            self._lock.notify()
        if left:
            self._ready([p.item for p in left])
        self._thread.join(5)

    def _expire_loop(self) -> None:
        while True:
            due: list[T] = []
            with self._lock:
                if self._stopping:
                    return
                now = time.monotonic()
                while self._heap and (self._heap[0][0] <= now or self._heap[0][2].done):
                    _, _, parked = heapq.heappop(self._heap)
                    if parked.done:
                        continue
                    parked.done = True
                    group = self._by_key.get(parked.key)
                    if group is not None:
                        group.remove(parked)
                        if not group:
                            del self._by_key[parked.key]
                    due.append(parked.item)
                if not due:
                    wait = self._heap[0][0] - now if self._heap else 1.0
                    self._lock.wait(min(max(wait, 0.001), 1.0))
                    continue
            self._expired(due)
