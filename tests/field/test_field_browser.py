"""The officers' web app in a real browser: Debian's chromium, headless, driven by selenium at 360 px wide.

An officer pairs by typing the code, goes on duty, receives a task the desk dispatches (long poll), opens it,
接单, 到场, takes a photo through the file input, sends 处置反馈 — and the command center has the case handled,
with the photo hashed in the evidence store under the officer. Screenshots are saved under out/field/.
"""

from __future__ import annotations

import contextlib
import io
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from commandcenter.cli import main
from commandcenter.runtime.compose import Services

from .conftest import OFFICER_AT, dispatched_case, wait_until

pytestmark = pytest.mark.slow
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
OUT = Path(__file__).resolve().parents[2] / "out" / "field"


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        pytest.skip("Debian's chromium and chromium-driver are not installed (.ci/setup.sh installs them)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                f"--user-data-dir={tmp_path / 'chromium-profile'}", "--window-size=360,780", "--lang=zh-CN"):
        options.add_argument(arg)
    options.add_experimental_option("mobileEmulation", {
        "deviceMetrics": {"width": 360, "height": 780, "pixelRatio": 1.0, "touch": True},
        "userAgent": "Mozilla/5.0 (Linux; Android 14; field-test) AppleWebKit/537.36 Chrome/156 Mobile Safari/537.36"})
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()


def _photo(path: Path) -> bytes:
    """A real JPEG (a 640×480 picture with a drawn manhole cover) as a phone camera would hand it over."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QColor, QImage, QPainter

    image = QImage(640, 480, QImage.Format.Format_RGB32)
    image.fill(QColor("#7a8288"))
    painter = QPainter(image)
    painter.setBrush(QColor("#3b3f42"))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawEllipse(220, 140, 200, 200)
    painter.end()
    assert image.save(str(path), "JPEG", 85)
    return path.read_bytes()


def test_an_officer_walks_a_task_from_accept_to_feedback_in_chromium(field_services: Services, base_url: str,
                                                                     browser: Any, tmp_path: Path, qapp) -> None:  # type: ignore[no-untyped-def]
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    # the app re-renders a view when a long poll brings news: an element found a moment ago may be replaced
    # between finding and checking it, so every wait looks again instead of failing on a stale reference
    wait = WebDriverWait(browser, 20, ignored_exceptions=(StaleElementReferenceException,))

    def shot(name: str) -> None:
        browser.save_screenshot(str(OUT / f"{name}.png"))

    def click(css: str) -> None:
        """Click once the element is there; the app re-renders a view when a long poll brings news, so an
        element found a moment ago may have been replaced: find it again then."""
        def attempt(driver: Any) -> bool:
            try:
                element = ec.element_to_be_clickable((By.CSS_SELECTOR, css))(driver)
                if not element:
                    return False
                element.click()
                return True
            except StaleElementReferenceException:
                return False

        wait.until(attempt)

    def type_into(css: str, keys: str) -> None:
        """Type into an element once it is there, finding it again if a re-render replaced it meanwhile."""
        def attempt(driver: Any) -> bool:
            try:
                element = ec.presence_of_element_located((By.CSS_SELECTOR, css))(driver)
                if not element:
                    return False
                element.send_keys(keys)
                return True
            except StaleElementReferenceException:
                return False

        wait.until(attempt)

    def see(css: str, text: str) -> None:
        wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, css), text))

    browser.execute_cdp_cmd("Browser.grantPermissions", {"origin": base_url, "permissions": ["geolocation"]})
    browser.execute_cdp_cmd("Emulation.setGeolocationOverride",
                            {"latitude": OFFICER_AT[0], "longitude": OFFICER_AT[1], "accuracy": 8})
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["field", "pair", "o1", "--db", field_services.config.database.url]) == 0
    code = out.getvalue().strip().splitlines()[-1]

    browser.get(base_url + "/field/")
    assert browser.execute_script("return document.documentElement.clientWidth") == 360
    wait.until(ec.visibility_of_element_located((By.ID, "code"))).send_keys(code)
    shot("1-pair")
    click("#pair")
    see("main h2", "我的任务（0）")
    click("#duty-on")
    see("#duty-state", "上班中")
    assert field_services.store.scalar("SELECT status FROM officers WHERE id = 'o1'") == "idle"
    # on duty, the phone's location goes through the fix chain: the officer is on the desk's map
    assert wait_until(lambda: field_services.store.scalar(
        "SELECT COUNT(*) FROM position_fixes WHERE unit_id = 'o1' AND source = 'field'") >= 1)
    here = field_services.tracker.get("o1")
    assert here is not None and abs(here.lat - OFFICER_AT[0]) < 1e-6 and abs(here.lon - OFFICER_AT[1]) < 1e-6
    # the app's shell is cached by its service worker (works offline)
    assert browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "navigator.serviceWorker.ready.then(r => done(!!r.active)).catch(() => done(false));")

    case_code = dispatched_case(field_services)  # the desk dispatches; the phone's long poll brings it
    card = f'.task[data-code="{case_code}"]'
    for text in ("延安路 100 号", "上水井盖", "待接单"):
        see(card, text)
    shot("2-task-list")
    click(card)
    see("main", "井盖松动，有异响")
    shot("3-task")
    click("#accept")
    wait.until(ec.element_to_be_clickable((By.ID, "arrive")))
    assert field_services.cases.get(case_code).extra["field"]["state"] == "accepted"
    click("#arrive")
    wait.until(ec.presence_of_element_located((By.ID, "photo")))
    assert field_services.cases.get(case_code).status == "handling"
    jpeg = _photo(tmp_path / "scene.jpg")
    type_into("#photo", str(tmp_path / "scene.jpg"))
    wait.until(lambda d: d.execute_script(
        "const i = document.querySelector('#photos img'); return !!(i && i.complete && i.naturalWidth > 0);"))
    evidence = field_services.enforcement.evidence.for_case(field_services.cases.get(case_code).id)
    assert [(e.officer, e.size, e.mime) for e in evidence] == [("o1", len(jpeg), "image/jpeg")]
    shot("4-evidence")
    click("#report")
    wait.until(ec.visibility_of_element_located((By.ID, "report-text")))
    type_into("#report-text", "井盖已更换并固定，现场已清理")
    see("#sheet", "附现场取证 1 件")
    shot("5-feedback")
    click("#confirm-report")
    assert wait_until(lambda: field_services.cases.get(case_code).status == "handled")
    see("main h2", "我的任务（0）")
    events = field_services.cases.events(case_code)
    feedback = [e for e in events if e["action"] == "feedback"]
    assert feedback and feedback[0]["actor"] == "o1" and "井盖已更换" in feedback[0]["note"]
    assert feedback[0]["data"]["evidence"] == [evidence[0].sha256]

    click("#tab-report")
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#category option")) > 10)
    shot("6-patrol-report")
    click("#sos")
    see("#sheet", "紧急求助")
    shot("7-sos")
    click("#confirm-sos")
    assert wait_until(lambda: field_services.store.scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'field.sos'") == 1)

    # the QR code's link (<public_url>/field/?code=CODE) pairs a phone without typing
    click("#tab-me")
    click("#unpair")
    wait.until(ec.visibility_of_element_located((By.ID, "code")))
    assert browser.execute_script("return localStorage.getItem('cgt.token')") is None
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["field", "pair", "o1", "--db", field_services.config.database.url]) == 0
    browser.get(f"{base_url}/field/?code={out.getvalue().strip().splitlines()[-1]}")
    see("#who", "张三")
    see("main h2", "我的任务（0）")
    assert "code=" not in browser.current_url  # the used code does not stay in the address bar
