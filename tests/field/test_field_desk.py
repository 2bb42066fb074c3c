"""The desk sees what the phones do: the queue's status says 已接单 / 到场 / 已反馈, a refusal is red with its
reason, and the case detail shows the photo the officer took in the street."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from commandcenter.runtime.compose import Services

from .conftest import OFFICER_AT, dispatched_case, pair_phone

OUT = Path(__file__).resolve().parents[2] / "out" / "field"


@pytest.fixture
def screen(qtbot: Any, field_services: Services) -> Any:
    from widgets.dispatch import DispatchScreen

    widget = DispatchScreen(field_services.cases, field_services.dispatch_feed,
                            resolve_evidence=field_services.enforcement.evidence.resolve)
    field_services.dispatch_feed.start()
    qtbot.addWidget(widget)
    widget.resize(1500, 850)
    widget.show()
    yield widget
    widget.shutdown()


def _jpeg(tmp_path: Path) -> bytes:
    from PySide6.QtGui import QColor, QImage

    image = QImage(320, 240, QImage.Format.Format_RGB32)
    image.fill(QColor("#2e7d32"))
    path = tmp_path / "street.jpg"
    assert image.save(str(path), "JPEG")
    return path.read_bytes()


def test_the_queue_follows_the_phone_and_the_detail_shows_its_photo(qtbot: Any, screen: Any, field_services: Services,
                                                                    base_url: str, tmp_path: Path) -> None:
    from PySide6.QtGui import QBrush

    from widgets import theme

    phone = pair_phone(field_services, base_url)
    code = dispatched_case(field_services)
    model = screen.queue.model

    def status_cell() -> str:
        rows = [i for i, r in enumerate(model.rows) if r.code == code]
        return str(model.data(model.index(rows[0], model.STATUS_COLUMN))) if rows else ""

    qtbot.waitUntil(lambda: status_cell() != "", timeout=5000)
    assert "·" not in status_cell()  # 已派遣: nothing from the phone yet
    assert phone.call("POST", f"/field/v1/tasks/{code}/accept", {}).status == 200
    qtbot.waitUntil(lambda: status_cell().endswith(("accepted", "已接单")), timeout=5000)
    assert phone.call("POST", f"/field/v1/tasks/{code}/arrive", {"lat": OFFICER_AT[0], "lon": OFFICER_AT[1]}).status == 200
    qtbot.waitUntil(lambda: status_cell().endswith(("on scene", "到场")), timeout=5000)
    assert phone.upload(f"/field/v1/tasks/{code}/evidence", {}, ("street.jpg", _jpeg(tmp_path), "image/jpeg")).status == 201
    screen.select_case(code)
    photos = screen.case.photos
    from PySide6.QtWidgets import QLabel

    def thumbnails() -> list[QLabel]:
        return [label for label in photos.findChildren(QLabel) if not label.pixmap().isNull()]

    qtbot.waitUntil(lambda: photos.isVisible() and len(thumbnails()) == 1, timeout=5000)
    assert thumbnails()[0].pixmap().width() == 96  # decoded and scaled off the GUI thread
    assert phone.call("POST", f"/field/v1/tasks/{code}/report", {"text": "已处置"}).status == 200
    qtbot.waitUntil(lambda: status_cell().endswith(("reported back", "已反馈")), timeout=5000)
    OUT.mkdir(parents=True, exist_ok=True)
    screen.grab().save(str(OUT / "desk-dispatch.png"))

    refused_code = dispatched_case(field_services)
    assert phone.call("POST", f"/field/v1/tasks/{refused_code}/refuse", {"reason": "不在本人责任区"}).status == 200
    qtbot.waitUntil(lambda: any(r.code == refused_code and r.field_state == "refused" for r in model.rows),
                    timeout=5000)
    row = next(i for i, r in enumerate(model.rows) if r.code == refused_code)
    assert str(model.data(model.index(row, model.STATUS_COLUMN))).endswith(("refused by officer", "退单"))
    brush = model.data(model.index(row, model.STATUS_COLUMN), 9)  # Qt.ForegroundRole
    assert isinstance(brush, QBrush) and brush.color() == theme.qcolour("alarm")
    assert "不在本人责任区" in model.data(model.index(row, 0), 3)  # Qt.ToolTipRole
    screen.select_case(refused_code)
    qtbot.waitUntil(lambda: "不在本人责任区" in screen.case.detail.text(), timeout=5000)
