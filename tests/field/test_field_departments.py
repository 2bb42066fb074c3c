"""吹哨报到 from a department contact's phone: ``field pair --department`` (the officers' ``field pair OFFICER_ID``
unchanged), the department's task list and 报到/完成/拒绝 over real HTTP on the composed command center; the case
leaves 联合执法 when every department is done, exactly as from a department's seat."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path
from typing import Any

import pytest

from commandcenter.cases.model import NewCase
from commandcenter.cli import main
from commandcenter.demo.departments import seed_departments
from commandcenter.runtime.compose import Services

from .conftest import Phone, pair_phone, wait_until
from .test_field_browser import browser  # noqa: F401  (the chromium fixture)

POLICE, STREET = "区公安分局", "兴隆街道办事处"
OUT = Path(__file__).resolve().parents[2] / "out" / "field"


def summoned_case(services: Services) -> str:
    """A registered 占道经营 case summoned to the police and the street office; its code."""
    seed_departments(services.store)
    view = services.cases.create_case(NewCase(source="dispatcher", category="SJ0401", description="夜市占道经营",
                                              address="江东中路 201 号"), "system", register=True).result(10)
    joint = services.enforcement.joint
    assert joint is not None
    joint.summon(view.code, [(POLICE, "维持秩序"), (STREET, "劝离摊贩")], actor="system")
    return view.code


def pair_department(services: Services, base: str, department: str, name: str = "") -> Phone:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["field", "pair", "--department", department, "--db", services.config.database.url]) == 0
    assert "pairing code for department" in out.getvalue()
    code = out.getvalue().strip().splitlines()[-1]
    reply = Phone(base).call("POST", "/field/v1/department/pair", {"code": code, "device": "dept-phone"})
    assert reply.status == 200, reply.body
    assert reply.body["department"]["name"] == (name or department)
    return Phone(base, reply.body["token"])


def test_departments_report_in_and_finish_from_their_phones(field_services: Services, base_url: str) -> None:
    code = summoned_case(field_services)
    assert field_services.cases.get(code).status == "joint"
    street = pair_department(field_services, base_url, STREET)
    police_id = field_services.store.scalar(f"SELECT id FROM departments WHERE name = '{POLICE}'")
    police = pair_department(field_services, base_url, str(police_id), POLICE)  # by id works too

    listing = street.call("GET", "/field/v1/department/tasks")
    assert listing.status == 200
    assert [(t["case_code"], t["task"], t["status_zh"], t["address"], t["open"]) for t in listing.body["tasks"]] == [
        (code, "劝离摊贩", "已吹哨", "江东中路 201 号", True)]  # only its own task
    mine = listing.body["tasks"][0]["id"]
    police_task = police.call("GET", "/field/v1/department/tasks").body["tasks"][0]["id"]

    # a department cannot touch another's task, nor refuse without a reason
    other = street.call("POST", f"/field/v1/department/tasks/{police_task}/done", {"note": "替公安办结"})
    assert other.status == 400 and "不是兴隆街道办事处的任务" in other.body["error"]
    assert street.call("POST", f"/field/v1/department/tasks/{mine}/refuse", {}).body["error"] == "拒绝任务须说明理由"

    reported = street.call("POST", f"/field/v1/department/tasks/{mine}/report", {"note": "已到场"})
    assert reported.status == 200 and reported.body["task"]["status_zh"] == "已报到"
    done = street.call("POST", f"/field/v1/department/tasks/{mine}/done", {"note": "摊贩已劝离"})
    assert done.status == 200 and done.body["task"]["status"] == "done"
    assert field_services.cases.get(code).status == "joint"  # the police are not done yet
    again = street.call("POST", f"/field/v1/department/tasks/{mine}/done", {})
    assert again.status == 409  # a finished task stays finished

    assert police.call("POST", f"/field/v1/department/tasks/{police_task}/done", {"note": "秩序已恢复"}).status == 200
    assert field_services.cases.get(code).status == "handled"  # every department done: out of 联合执法
    tasks = street.call("GET", "/field/v1/department/tasks").body["tasks"]
    assert [(t["status"], t["open"]) for t in tasks] == [("done", False)]
    audited = field_services.store.frame("SELECT actor, action FROM audit_log WHERE action = 'joint.report' "
                                         "ORDER BY seq").to_dict("records")
    street_id = field_services.store.scalar(f"SELECT id FROM departments WHERE name = '{STREET}'")
    assert [a["actor"] for a in audited] == [f"field-department:{street_id}"] * 2 + [f"field-department:{police_id}"]


def test_department_and_officer_tokens_never_mix(field_services: Services, base_url: str) -> None:
    summoned_case(field_services)
    street = pair_department(field_services, base_url, STREET)
    officer = pair_phone(field_services, base_url)  # `field pair OFFICER_ID` as before
    assert officer.call("GET", "/field/v1/me").status == 200
    assert street.call("GET", "/field/v1/me").status == 401  # a department's token is not an officer's
    assert officer.call("GET", "/field/v1/department/tasks").status == 401  # nor the other way round
    # a department code is refused by the officers' pairing and stays usable for the department's
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["field", "pair", "--department", STREET, "--db", field_services.config.database.url]) == 0
    code = out.getvalue().strip().splitlines()[-1]
    assert Phone(base_url).call("POST", "/field/v1/pair", {"code": code}).status == 401
    assert Phone(base_url).call("POST", "/field/v1/department/pair", {"code": code}).status == 200
    assert Phone(base_url).call("POST", "/field/v1/department/pair", {"code": code}).status == 401  # used once
    # revoke ends the department's phones (within the two-second token cache)
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["field", "revoke", "--department", STREET, "--db", field_services.config.database.url]) == 0
    assert wait_until(lambda: street.call("GET", "/field/v1/department/tasks").status == 401, timeout=10)
    with contextlib.redirect_stderr(io.StringIO()) as err:
        assert main(["field", "pair", "--department", "区水务局", "--db", field_services.config.database.url]) == 1
    assert "not found" in err.getvalue()


@pytest.mark.slow
def test_a_department_contact_reports_in_and_finishes_in_chromium(field_services: Services, base_url: str,
                                                                  browser: Any) -> None:  # noqa: F811
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    OUT.mkdir(parents=True, exist_ok=True)
    # the app re-renders a view when a long poll brings news: an element found a moment ago may be replaced
    # between finding and checking it, so every wait looks again instead of failing on a stale reference
    wait = WebDriverWait(browser, 20, ignored_exceptions=(StaleElementReferenceException,))
    code = summoned_case(field_services)
    joint = field_services.enforcement.joint
    assert joint is not None
    police_task = next(t for t in joint.tasks() if t.department == POLICE)
    joint.report(police_task.id, "done", actor="system", note="秩序已恢复")  # the police finished at their seat
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["field", "pair", "--department", STREET, "--db", field_services.config.database.url]) == 0
    pairing = out.getvalue().strip().splitlines()[-1]

    def see(css: str, text: str) -> None:
        wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, css), text))

    def click(css: str) -> None:
        wait.until(ec.element_to_be_clickable((By.CSS_SELECTOR, css))).click()

    browser.get(base_url + "/field/")
    wait.until(ec.visibility_of_element_located((By.ID, "code"))).send_keys(pairing)  # typed like an officer's
    click("#pair")
    see("#who", STREET)
    see("main h2", "联合执法任务（1）")
    for text in ("劝离摊贩", "江东中路 201 号", "待报到", code):
        see(".dept-task", text)
    browser.save_screenshot(str(OUT / "dept-1-tasks.png"))
    click('.dept-task button[data-act="report"]')
    wait.until(ec.visibility_of_element_located((By.ID, "dept-note"))).send_keys("已到场")
    click("#dept-confirm")
    see(".dept-task", "已报到")
    assert wait_until(lambda: next(t for t in joint.tasks() if t.department == STREET).status == "reported")
    browser.save_screenshot(str(OUT / "dept-2-reported.png"))
    click('.dept-task button[data-act="done"]')
    wait.until(ec.visibility_of_element_located((By.ID, "dept-note"))).send_keys("摊贩已劝离，现场恢复")
    browser.save_screenshot(str(OUT / "dept-3-done-sheet.png"))
    click("#dept-confirm")
    see("main", "暂无待办任务")
    see("main", "已办结")
    assert wait_until(lambda: field_services.cases.get(code).status == "handled")  # out of 联合执法
    browser.save_screenshot(str(OUT / "dept-4-finished.png"))
    # reloading keeps the department's view (its token is remembered), never the officers' pairing screen
    browser.refresh()
    see("main h2", "联合执法任务（0）")
    assert browser.execute_script("return localStorage.getItem('cgt.token')") is None
