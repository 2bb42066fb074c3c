"""A dispatcher sets an officer's status (休息/离线/空闲) from the unit board: permitted, audited in the hash
chain, written to the store, mirrored by the tracker and shown on the board; an observer is refused."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from commandcenter.cases.feed import DispatchFeed
from commandcenter.cases.service import CaseService
from commandcenter.cases.units import SETTABLE_STATUSES, UnitStatusError, UnitStatusService
from commandcenter.demo.database import mark_demo_database
from commandcenter.demo.users import create_demo_users
from commandcenter.enforcement.audit import verify
from commandcenter.enforcement.services import EnforcementServices
from commandcenter.labels import unit_status_label
from commandcenter.runtime.tasks import TaskManager
from commandcenter.runtime.units import UnitInfo, UnitTracker
from commandcenter.store import Store
from commandcenter.store.models import Officer
from widgets.dispatch import DispatchScreen
from widgets.dispatch.unit_status_menu import UnitStatusMenu


@pytest.fixture
def enforcement(store: Store, tasks: TaskManager) -> Iterator[EnforcementServices]:
    mark_demo_database(store)  # demo accounts only go into a demo database
    create_demo_users(store)
    services = EnforcementServices.create(store, tasks=tasks)
    yield services
    services.close()


@pytest.fixture
def units(store: Store, enforcement: EnforcementServices) -> UnitStatusService:
    return UnitStatusService(store, authorize=enforcement.authorize, audit=enforcement.audit_hook)


@pytest.fixture
def board(qtbot: Any, service: CaseService, tasks: TaskManager) -> Iterator[DispatchScreen]:
    feed = DispatchFeed(service, tasks)
    screen = DispatchScreen(service, feed)
    feed.start()
    qtbot.addWidget(screen)
    qtbot.waitUntil(lambda: screen.unit_model.rowCount() == 4, timeout=5000)
    yield screen
    screen.shutdown()
    feed.stop()


def _status(store: Store, officer_id: str) -> str:
    return store.read(lambda s: s.get(Officer, officer_id).status)


def _board_label(screen: DispatchScreen, unit_id: str) -> str:
    return next(row.status_label for row in screen.unit_model.rows if row.id == unit_id)


def test_dispatcher_rests_an_officer_from_the_board(qtbot: Any, store: Store, board: DispatchScreen,
                                                     units: UnitStatusService,
                                                     enforcement: EnforcementServices) -> None:
    tracker = UnitTracker()
    tracker.register([UnitInfo("o1", "officer", "张三")])
    units.status_changed.connect(tracker.set_status)
    menu = UnitStatusMenu(board.unit_view, units, "dispatcher", status_line=board.status_line,
                          refresh=board.feed.refresh).menu_for("o1", "张三")
    assert len(menu.actions()) == len(SETTABLE_STATUSES) == 3
    assert _board_label(board, "o1") == unit_status_label("idle")
    menu.actions()[SETTABLE_STATUSES.index("resting")].trigger()
    qtbot.waitUntil(lambda: _board_label(board, "o1") == unit_status_label("resting"), timeout=5000)
    assert _status(store, "o1") == "resting"
    qtbot.waitUntil(lambda: [u.status for u in tracker.units()] == ["resting"], timeout=2000)
    assert "张三" in board.status_line.text()
    changes = enforcement.audit.entries(actor="dispatcher", action_prefix="unit.status")
    assert [(e.subject, e.payload) for e in changes] == [("o1", {"from": "idle", "to": "resting"})]
    assert verify(store).ok


def test_observer_is_refused_and_the_refusal_is_audited(qtbot: Any, store: Store, board: DispatchScreen,
                                                         units: UnitStatusService,
                                                         enforcement: EnforcementServices) -> None:
    menu = UnitStatusMenu(board.unit_view, units, "observer", status_line=board.status_line).menu_for("o2")
    menu.actions()[SETTABLE_STATUSES.index("offline")].trigger()
    assert "unit.status" in board.status_line.text()
    store.flush()
    refusals = enforcement.audit.entries(actor="observer", action_prefix="permission.denied")
    assert [e.payload["permission"] for e in refusals] == ["unit.status"]
    assert _status(store, "o2") == "idle"


def test_bad_requests_change_nothing(store: Store, service: CaseService, units: UnitStatusService) -> None:
    with pytest.raises(UnitStatusError, match="not set by hand"):
        units.set_status("o1", "handling", "dispatcher")  # 处置中 comes from the case workflow
    with pytest.raises(UnitStatusError, match="unit ghost: not found"):
        units.set_status("ghost", "resting", "dispatcher").result(5)
    assert _status(store, "o1") == "idle"
