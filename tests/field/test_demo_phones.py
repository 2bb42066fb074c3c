"""The demo's simulated officers are phones speaking the field API: paired by code, on duty, long-polling,
接单 → 到场 → photo → 处置反馈; the simulated desk leaves their cases to them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from commandcenter.demo.desk import SimulatedDesk
from commandcenter.demo.phones import SimulatedPhones, generated_photo
from commandcenter.runtime.compose import Services

from .conftest import dispatched_case, wait_until


def test_a_simulated_phone_works_its_task_through_the_api(field_services: Services, base_url: str) -> None:
    phones = SimulatedPhones(field_services.store, ["o1"], speedup=3000.0)  # a simulated minute is 20 ms
    desk = SimulatedDesk(field_services.cases, actor="system", leave_to_phones=phones.officers)
    try:
        phones.start(base_url)
        assert wait_until(lambda: phones.report()["paired"] == 1)
        assert wait_until(lambda: field_services.store.scalar("SELECT status FROM officers WHERE id = 'o1'") == "idle")
        code = dispatched_case(field_services)
        assert desk.tick(datetime.now(UTC) + timedelta(hours=1)) == 0  # the desk does not press 到场 for a phone
        assert wait_until(lambda: field_services.cases.get(code).status == "handled", 20), phones.report()
    finally:
        phones.stop()
    events = {e["action"]: e for e in field_services.cases.events(code)}
    assert {"accept", "arrive", "evidence", "feedback"} <= set(events)
    assert all(events[a]["actor"] == "o1" for a in ("accept", "arrive", "evidence", "feedback"))
    evidence = field_services.cases.evidence(code)
    assert [e["mime"] for e in evidence] == ["image/png"]
    assert events["feedback"]["data"]["evidence"] == [evidence[0]["sha256"]]


def test_generated_photos_are_valid_pngs_of_their_own() -> None:
    from PySide6.QtGui import QImage

    first, second = generated_photo("AJ1"), generated_photo("AJ2")
    assert first != second
    image = QImage.fromData(first, "PNG")
    assert (image.width(), image.height()) == (64, 48)
