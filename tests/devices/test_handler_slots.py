"""Only a few HTTP handlers run Python at once, and a handler waiting for the store lets the others in."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from devices.base import PositionFix
from devices.handler_slots import HANDLER_SLOTS, HandlerSlots
from devices.httpserve import HttpLimits
from devices.osmand import OsmAndClient, OsmAndServer


def test_no_more_than_the_limit_run_at_once_and_the_rest_queue() -> None:
    slots = HandlerSlots(2)
    inside = 0
    most = 0
    lock = threading.Lock()
    release = threading.Event()

    def handler() -> None:
        nonlocal inside, most
        with slots.running():
            with lock:
                inside += 1
                most = max(most, inside)
            release.wait(5)
            with lock:
                inside -= 1

    threads = [threading.Thread(target=handler) for _ in range(6)]
    for t in threads:
        t.start()
    while slots.waited < 4:  # four found both slots taken
        threading.Event().wait(0.01)
    assert slots.running_now == 2
    release.set()
    for t in threads:
        t.join(5)
    assert most == 2
    assert slots.running_now == 0
    report = slots.report()  # what the health report shows of it
    assert (report["limit"], report["running"], report["queued"]) == (2, 0, 4) and report["queued_s"] > 0


def test_a_handler_waiting_for_the_store_gives_its_slot_to_another() -> None:
    slots = HandlerSlots(1)
    all_waiting = threading.Barrier(5, timeout=5)  # broken unless all five wait at once with one slot

    def handler() -> None:
        with slots.running():
            with slots.waiting():
                all_waiting.wait()
            assert slots.holds()  # back in a slot to answer

    with ThreadPoolExecutor(5) as pool:
        for future in [pool.submit(handler) for _ in range(5)]:
            future.result(10)
    assert slots.running_now == 0


def test_waiting_outside_a_slot_and_nesting_change_nothing() -> None:
    slots = HandlerSlots(1)
    with slots.waiting():  # a thread that holds none (a test, the CLI): nothing to give up
        assert not slots.holds()
    with slots.running(), slots.running():  # nested: the same slot
        assert slots.running_now == 1
    assert slots.running_now == 0
    with pytest.raises(ValueError, match="at least 1"):
        slots.set_limit(0)


@pytest.fixture
def one_running_handler() -> Iterator[None]:
    before = HANDLER_SLOTS.limit
    HANDLER_SLOTS.set_limit(1)
    yield
    HANDLER_SLOTS.set_limit(before)


def test_phones_acknowledged_by_one_group_commit_all_get_200_with_one_running_handler(one_running_handler: None) \
        -> None:
    """Eight phones' fixes are committed together (as the store's group commit does): with one handler running
    at a time, each handler must wait for the commit outside its slot, or the group never forms and every
    phone gets 503 after ``store_wait_s``."""
    phones = 8
    received: list[PositionFix] = []
    lock = threading.Lock()

    def store(event: object) -> None:  # the store's writer: commits once the whole group is in
        if not isinstance(event, PositionFix):
            return
        with lock:
            received.append(event)
            group = list(received) if len(received) == phones else []
        for fix in group:
            assert fix.receipt is not None
            fix.receipt.settle(True)

    server = OsmAndServer("osm-slots", port=0, limits=HttpLimits(workers=phones), ack_after_store=True,
                          store_wait_s=5.0)
    stop = threading.Event()
    serving = threading.Thread(target=server.serve, args=(store, stop), daemon=True)
    serving.start()
    try:
        assert server.ready.wait(5) and server.bound_port is not None
        port = server.bound_port

        def phone(i: int) -> int:
            client = OsmAndClient("127.0.0.1", port)
            try:
                return client.report(f"phone-{i}", 32.04, 118.78)[0]
            finally:
                client.close()

        with ThreadPoolExecutor(phones) as pool:
            statuses = list(pool.map(phone, range(phones)))
        assert statuses == [200] * phones
        assert len(received) == phones
    finally:
        stop.set()
        serving.join(5)
