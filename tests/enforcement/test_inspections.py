"""综合查一次: one visit to one business by several departments with each one's check items, results recorded
once; planned and recorded from the panel with real clicks."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt

from commandcenter.demo.departments import seed_departments
from commandcenter.enforcement.inspections import InspectionError, InspectionService
from commandcenter.enforcement.joint import JointService
from widgets.enforcement.inspection_panel import InspectionPanel

CREDIT = "91350100M000100Y43"
MARKET, ECO, STREET = "区市场监管局", "区生态环境局", "兴隆街道办事处"


@pytest.fixture
def world(services):  # type: ignore[no-untyped-def]
    seed_departments(services.store)
    case_id = services.make_case()
    shop = services.decisions.identify_party(case_id, actor="dispatcher", kind="shop", name="鸿运餐馆",
                                             credit_code=CREDIT)
    person = services.decisions.identify_party(case_id, actor="dispatcher", kind="person", name="张三",
                                               id_number="11010519491231002X")
    return services, InspectionService(services.store, services.audit, services.authorizer.authorize), shop, person


def test_one_visit_results_once(world) -> None:  # type: ignore[no-untyped-def]
    services, inspections, shop, person = world
    day = date(2026, 12, 8)
    items = [(MARKET, "营业执照、食品经营许可证"), (ECO, "油烟净化设施运行"), (STREET, "门前三包")]
    with pytest.raises(InspectionError, match="至少两个部门"):
        inspections.plan(actor="dispatcher", party_id=shop.id, planned_for=day, place="", items=items[:1])
    with pytest.raises(InspectionError, match="经营主体"):
        inspections.plan(actor="dispatcher", party_id=person.id, planned_for=day, place="", items=items)
    with pytest.raises(InspectionError, match="部门名录中没有"):
        inspections.plan(actor="dispatcher", party_id=shop.id, planned_for=day, place="",
                         items=[*items, ("区消防救援大队", "消防通道")])
    with pytest.raises(PermissionError):
        inspections.plan(actor="observer", party_id=shop.id, planned_for=day, place="", items=items)
    plan = inspections.plan(actor="dispatcher", party_id=shop.id, planned_for=day, place="江东中路88号",
                            items=items)
    assert plan.departments == (MARKET, ECO, STREET) and plan.business == "鸿运餐馆" and plan.status == "planned"
    with pytest.raises(InspectionError, match="一次上门只查一次"):
        inspections.plan(actor="dispatcher", party_id=shop.id, planned_for=day, place="", items=items)

    ids = [i.id for i in plan.items]
    with pytest.raises(InspectionError, match="缺"):  # every item at once
        inspections.record(plan.id, actor="dispatcher", results={ids[0]: ("pass", "")})
    with pytest.raises(InspectionError, match="须写明"):
        inspections.record(plan.id, actor="dispatcher", results={ids[0]: ("pass", ""), ids[1]: ("fail", ""),
                                                                  ids[2]: ("pass", "")})
    done = inspections.record(plan.id, actor="dispatcher", summary="油烟问题限期整改",
                              results={ids[0]: ("pass", ""), ids[1]: ("fail", "净化器未开启"), ids[2]: ("na", "")})
    assert done.status == "done" and [i.department for i in done.failed] == [ECO]
    with pytest.raises(InspectionError, match="不能重复记录"):
        inspections.record(plan.id, actor="dispatcher", results={i: ("pass", "") for i in ids})
    actions = [e.action for e in services.audit.entries(subjects=[f"inspection:{plan.id}"])]
    assert actions == ["inspection.plan", "inspection.record"]


def test_inspection_planned_and_recorded_from_the_panel(qtbot, world, tasks) -> None:  # type: ignore[no-untyped-def]
    services, inspections, shop, _person = world
    joint = JointService(services.store, services.audit, services.authorizer.authorize,
                         services.authorizer.allowed, cases=None)  # type: ignore[arg-type]  # directory only
    panel = InspectionPanel(inspections, joint, tasks, actor="dispatcher")
    qtbot.addWidget(panel)
    panel.show()
    with qtbot.waitSignal(panel.loaded, timeout=10000):
        panel.refresh()
    assert panel.business.count() == 1 and panel.business.currentData() == shop.id
    for department, item in ((MARKET, "licence"), (ECO, "fume purifier")):
        panel.department.setCurrentText(department)
        qtbot.keyClicks(panel.item_text, item)
        qtbot.mouseClick(panel.add_button, Qt.MouseButton.LeftButton)
    assert panel.item_list.count() == 2
    with qtbot.waitSignal(panel.saved, timeout=10000):
        qtbot.mouseClick(panel.plan_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.table.rowCount() == 1, timeout=10000)
    panel.table.selectRow(0)
    assert panel.items.rowCount() == 2 and panel.record_button.isEnabled()
    panel.set_result(0, "pass")
    panel.set_result(1, "fail", "purifier off")
    with qtbot.waitSignal(panel.saved, timeout=10000):
        qtbot.mouseClick(panel.record_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.table.item(0, 3).text() == "recorded", timeout=10000)
    [recorded] = inspections.inspections(party_id=shop.id)
    assert recorded.status == "done" and [(i.result, i.note) for i in recorded.items] == [
        ("pass", ""), ("fail", "purifier off")]
    panel.table.selectRow(0)
    assert not panel.record_button.isEnabled()  # recorded once
