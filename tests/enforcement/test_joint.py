"""吹哨报到 on the real CaseService: the directory of departments, summoning a task per department, a department's
seat reporting in and finishing only its own tasks, the case leaving 联合执法 when all are done, overdue flags;
walked from the panels with real clicks."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

import commandcenter.cases.service as cases_module
from commandcenter.cases.calendar import load_calendar
from commandcenter.cases.categories import load_categories
from commandcenter.cases.model import NewCase
from commandcenter.demo.database import mark_demo_database
from commandcenter.demo.departments import seed_departments
from commandcenter.demo.users import create_demo_users
from commandcenter.enforcement.joint import JointError, JointService
from commandcenter.enforcement.permissions import PermissionDenied
from commandcenter.enforcement.services import EnforcementServices
from commandcenter.store import utcnow
from widgets.enforcement.joint_panel import DepartmentPanel, JointPanel

POLICE, MARKET, STREET = "区公安分局", "区市场监管局", "兴隆街道办事处"


@pytest.fixture
def world(store, tasks, tmp_path: Path) -> Iterator[tuple[EnforcementServices, cases_module.CaseService]]:  # type: ignore[no-untyped-def]
    mark_demo_database(store)
    create_demo_users(store)
    assert seed_departments(store) == 5 and seed_departments(store) == 0  # seeding twice adds nothing
    enforcement = EnforcementServices.create(store, tasks=tasks, evidence_root=tmp_path / "ev",
                                             documents_dir=tmp_path / "docs", data_key=tmp_path / "data.key")
    svc = cases_module.CaseService(store, load_calendar(), load_categories(), authorize=enforcement.authorize,
                                   audit=enforcement.audit_hook, guard=enforcement.guard)
    enforcement.attach_cases(svc)
    yield enforcement, svc
    enforcement.close()


def _case(svc: cases_module.CaseService) -> tuple[str, int]:
    view = svc.create_case(NewCase(source="dispatcher", category="占道经营", address="江东中路201号",
                                   description="夜市占道，涉及无照经营和噪声"), "dispatcher").result(30)
    svc.register(view.code, "dispatcher").result(30)
    return view.code, view.id


def test_directory_summon_report_and_leave_joint(world) -> None:  # type: ignore[no-untyped-def]
    enforcement, svc = world
    joint = enforcement.joint
    assert isinstance(joint, JointService)
    assert {d.kind for d in joint.departments()} >= {"公安", "市场监管", "住建", "生态环境", "街道"}
    with pytest.raises(PermissionDenied, match=r"department\.manage"):
        joint.save_department(actor="leader", name="区城管局", kind="其他")
    with pytest.raises(JointError, match="类别"):
        joint.save_department(actor="dispatcher", name="区城管局", kind="城管")
    joint.save_department(actor="dispatcher", name=MARKET, kind="市场监管", contact="稽查科 王科长",
                          phone="025-12315", username="market", response_hours=2)
    assert joint.department_of("district").name == STREET  # type: ignore[union-attr]

    code, case_id = _case(svc)
    with pytest.raises(JointError, match="部门名录中没有"):
        joint.summon(code, [("区水务局", "")], actor="dispatcher")
    view = joint.summon(code, [(POLICE, "维持秩序"), (STREET, "劝离摊贩")], actor="dispatcher")
    assert view.status == "joint"
    tasks = {t.department: t for t in joint.tasks(case_id=case_id)}
    assert set(tasks) == {POLICE, STREET} and all(t.status == "summoned" for t in tasks.values())
    assert tasks[POLICE].contact == "治安大队值班室" and not tasks[POLICE].overdue

    # The district's seat sees its own task only, and cannot touch the police's.
    assert [t.department for t in joint.my_tasks("district")] == [STREET]
    assert joint.my_tasks("observer") == []
    with pytest.raises(JointError, match="不是区公安分局的账号"):
        joint.report(tasks[POLICE].id, "reported", actor="district")
    with pytest.raises(PermissionDenied, match=r"joint\.report"):
        joint.report(tasks[STREET].id, "reported", actor="observer")
    with pytest.raises(JointError, match="理由"):
        joint.report(tasks[STREET].id, "refused", actor="district")
    assert joint.report(tasks[STREET].id, "reported", actor="district").status == "reported"
    assert joint.report(tasks[STREET].id, "done", actor="district", note="已劝离").status == "done"
    assert svc.get(code).status == "joint"  # the police are not done yet
    joint.report(tasks[POLICE].id, "done", actor="dispatcher", note="公安已到场")
    assert svc.get(code).status == "handled"  # every department done: the case leaves 联合执法
    audited = enforcement.audit.entries(actor="district", action_prefix="joint.report")
    assert [a.subject for a in audited] == [code, code]


def test_overdue_departments_are_flagged(world) -> None:  # type: ignore[no-untyped-def]
    enforcement, svc = world
    joint = enforcement.joint
    joint.save_department(actor="admin", name=MARKET, kind="市场监管", response_hours=1)
    code, case_id = _case(svc)
    joint.summon(code, [(MARKET, "查验营业执照"), (POLICE, "")], actor="dispatcher")
    later = JointService(enforcement.store, enforcement.audit, enforcement.authorize, enforcement.authorizer.allowed,
                         svc, clock=lambda: utcnow() + timedelta(hours=2))
    flags = {t.department: t.overdue for t in later.tasks(case_id=case_id)}
    assert flags == {MARKET: True, POLICE: False}  # 1 h allowed, 2 h gone; the police have 24 h


def test_joint_walked_from_the_panels(qtbot, world, tasks) -> None:  # type: ignore[no-untyped-def]
    enforcement, svc = world
    code, case_id = _case(svc)
    dispatcher = JointPanel(enforcement.joint, tasks, actor="dispatcher")
    qtbot.addWidget(dispatcher)
    dispatcher.show()
    with qtbot.waitSignal(dispatcher.loaded, timeout=10000):
        dispatcher.set_case(case_id)
    assert dispatcher.directory.count() == 5 and dispatcher.table.rowCount() == 0
    dispatcher.check_department(STREET)
    dispatcher.check_department(POLICE)
    qtbot.keyClicks(dispatcher.task_text, "clear the night market")
    with qtbot.waitSignal(dispatcher.changed, timeout=20000):
        qtbot.mouseClick(dispatcher.summon_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dispatcher.table.rowCount() == 2, timeout=10000)
    assert svc.get(code).status == "joint"

    seat = DepartmentPanel(enforcement.joint, tasks, actor="district",
                           allowed=lambda p: enforcement.authorizer.allowed("district", p))
    qtbot.addWidget(seat)
    seat.show()
    with qtbot.waitSignal(seat.loaded, timeout=10000):
        seat.refresh()
    assert seat.tasks.rowCount() == 1 and seat.tasks.item(0, 1).text() == STREET
    assert not seat.save_button.isEnabled()  # a department cannot edit the directory
    seat.tasks.selectRow(0)
    with qtbot.waitSignal(seat.loaded, timeout=20000):
        qtbot.mouseClick(seat.task_actions.report_button, Qt.MouseButton.LeftButton)
    assert "已报到" in seat.tasks.item(0, 2).text()
    seat.tasks.selectRow(0)
    with qtbot.waitSignal(seat.loaded, timeout=20000):
        qtbot.mouseClick(seat.task_actions.done_button, Qt.MouseButton.LeftButton)
    assert seat.tasks.rowCount() == 0  # nothing open left for the district

    with qtbot.waitSignal(dispatcher.loaded, timeout=10000):
        dispatcher.refresh()
    police_row = next(i for i, t in enumerate(dispatcher.table.rows) if t.department == POLICE)
    dispatcher.table.selectRow(police_row)
    with qtbot.waitSignal(dispatcher.changed, timeout=20000):
        qtbot.mouseClick(dispatcher.task_actions.done_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: svc.get(code).status == "handled", timeout=10000)

    # The directory is edited from the panel by a dispatcher.
    editor = DepartmentPanel(enforcement.joint, tasks, actor="dispatcher",
                             allowed=lambda p: enforcement.authorizer.allowed("dispatcher", p))
    qtbot.addWidget(editor)
    with qtbot.waitSignal(editor.loaded, timeout=10000):
        editor.refresh()
    editor.name.setText("区城市管理局")
    editor.kind.setCurrentText("其他")
    qtbot.keyClicks(editor.phone, "025-12319")
    with qtbot.waitSignal(editor.loaded, timeout=10000):
        qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert editor.directory.rowCount() == 6
