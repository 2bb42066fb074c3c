"""A case's history names people by role and name and actions by their word, in the user's language:
"值班长 张三 立案 → 已立案" and "系统 超时升级" in Chinese, with no English in it; "Duty chief 张三 registered" in
English."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication

from commandcenter.cases.model import NewCase
from commandcenter.cases.service import CaseService
from commandcenter.enforcement.tables import User
from commandcenter.i18n import install_language
from commandcenter.runtime.tasks import TaskManager
from commandcenter.store import Store

LATIN = re.compile(r"[A-Za-z]")


@pytest.fixture
def escalated_case(store: Store, service: CaseService, clock: Any) -> str:
    """A case registered by the duty chief 张三 (user ``zhang``) and escalated by the SLA sweep."""
    store.write(lambda s: s.add(User(username="zhang", display_name="张三", role="admin", password_hash="-",
                                     created_at=clock.now, updated_at=clock.now)))
    case = service.create_case(NewCase(source="hotline", category="占道经营", lat=30.0001, lon=119.9951,
                                       description="早市占道"), "zhang", register=True).result()
    clock.now += timedelta(minutes=45)  # past the 0.5 h dispatch limit
    assert service.sweep_escalations().result() == [(case.code, "overdue")]
    return case.code


@pytest.fixture
def language(qapp: QCoreApplication, request: pytest.FixtureRequest) -> Iterator[str]:
    install_language(qapp, request.param)
    yield request.param
    install_language(qapp, "en")


def _history(qtbot: Any, service: CaseService, code: str, tasks: TaskManager) -> list[str]:
    from commandcenter.cases.feed import DispatchFeed
    from widgets.dispatch import DispatchScreen

    feed = DispatchFeed(service, tasks)
    screen = DispatchScreen(service, feed)
    feed.start()
    qtbot.addWidget(screen)
    try:
        screen.select_case(code)
        history = screen.case.history
        qtbot.waitUntil(lambda: history.count() == 3, timeout=5000)
        return [history.item(i).text() for i in range(history.count())]
    finally:
        screen.shutdown()
        feed.stop()


def test_events_name_the_person(escalated_case: str, service: CaseService) -> None:
    events = service.events(escalated_case)
    assert [(e["actor"], e["action"], e["actor_role"], e["actor_name"]) for e in events] == [
        ("zhang", "create", "admin", "张三"), ("zhang", "register", "admin", "张三"), ("system", "escalate", "", "")]


@pytest.mark.parametrize("language", ["zh"], indirect=True)
def test_chinese_history_has_no_english(qtbot: Any, language: str, escalated_case: str,
                                        service: CaseService, tasks: TaskManager) -> None:
    lines = _history(qtbot, service, escalated_case, tasks)  # newest first
    assert "系统 超时升级  已超时" in lines[0]
    assert "值班长 张三 立案 → 已立案" in lines[1]
    assert "值班长 张三 上报 → 待立案" in lines[2]
    assert not [line for line in lines if LATIN.search(line)], lines


@pytest.mark.parametrize("language", ["en"], indirect=True)
def test_english_history(qtbot: Any, language: str, escalated_case: str, service: CaseService,
                         tasks: TaskManager) -> None:
    lines = _history(qtbot, service, escalated_case, tasks)
    assert lines[0].endswith("System escalated  overdue")
    assert "Duty chief 张三 registered → Registered" in lines[1]


@pytest.mark.parametrize("language", ["zh"], indirect=True)
def test_chinese_case_timeline_shows_words_not_codes(qtbot: Any, language: str, escalated_case: str,
                                                     service: CaseService, store: Store,
                                                     tasks: TaskManager) -> None:
    from widgets.enforcement import CaseTimeline

    case_id = service.get(escalated_case).id
    timeline = CaseTimeline(store, tasks)
    qtbot.addWidget(timeline)
    timeline.set_case(case_id)
    qtbot.waitUntil(lambda: timeline.tree.topLevelItemCount() > 0, timeout=5000)  # read on the task manager
    rows = [[timeline.tree.topLevelItem(i).text(col) for col in (2, 3)]
            for i in range(timeline.tree.topLevelItemCount())]
    assert ["立案", "待立案 → 已立案"] in rows and ["超时升级", "已超时"] in rows
    assert not [row for row in rows if LATIN.search(" ".join(row))], rows
    assert LATIN.search(timeline.status.text().split("·")[-1]) is None  # "状态 已立案", not "registered"
