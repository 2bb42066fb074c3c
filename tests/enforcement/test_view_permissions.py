"""Declared view/export permissions enforced in the core: an observer may watch the wall, not save its layouts,
and may not export the leadership report; each refusal is a clear error and lands in the audit chain."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from commandcenter.config import CameraConfig
from commandcenter.enforcement.permissions import SCREEN_VIEW_PERMISSIONS, PermissionDenied, PermissionGate
from commandcenter.video.layout import WallLayout, WallModel, list_layouts
from tests.enforcement.conftest import Services
from widgets.briefing import BriefingScreen

CAMERAS = [CameraConfig(id=f"c{i}", name=f"摄像机{i}", url=f"rtsp://127.0.0.1:1/cam{i}") for i in range(1, 5)]


def _refusals(services: Services, actor: str, permission: str) -> list[Any]:
    services.store.flush()  # the refusal is appended through the single writer
    return [e for e in services.audit.entries(actor=actor, action_prefix="permission.denied")
            if e.payload["permission"] == permission]


def test_observer_cannot_save_a_wall_layout(services: Services, tmp_path: Path, qtbot: Any) -> None:
    wall = WallModel(CAMERAS, None, WallLayout.uniform(2),
                     gate=PermissionGate("observer", services.authorizer.authorize))
    wall.swap(0, 1)
    with pytest.raises(PermissionDenied, match=r"wall\.layout_edit") as refused:
        wall.save_as("观察墙", tmp_path)
    assert refused.value.role == "observer" and "缺少权限 wall.layout_edit" in refused.value.message_zh
    assert list_layouts(user_dir=tmp_path, builtin_dir=tmp_path / "none") == {}, "nothing was written"
    assert len(_refusals(services, "observer", "wall.layout_edit")) == 1


def test_leader_saves_a_wall_layout(services: Services, tmp_path: Path, qtbot: Any) -> None:
    wall = WallModel(CAMERAS, None, WallLayout.uniform(2),
                     gate=PermissionGate("leader", services.authorizer.authorize))
    path = wall.save_as("值班墙", tmp_path)
    assert list_layouts(user_dir=tmp_path, builtin_dir=tmp_path / "none") == {"值班墙": path}
    assert _refusals(services, "leader", "wall.layout_edit") == []


def test_observer_cannot_export_the_briefing(services: Services, tmp_path: Path, qtbot: Any) -> None:
    screen = BriefingScreen(gate=PermissionGate("observer", services.authorizer.authorize))
    qtbot.addWidget(screen)
    out = tmp_path / "briefing.pdf"
    with pytest.raises(PermissionDenied, match=r"report\.export"):
        screen.export_pdf(str(out))
    assert not out.exists()
    assert len(_refusals(services, "observer", "report.export")) == 1


def test_dispatcher_exports_the_briefing(services: Services, tmp_path: Path, qtbot: Any) -> None:
    screen = BriefingScreen(gate=PermissionGate("dispatcher", services.authorizer.authorize))
    qtbot.addWidget(screen)
    out = tmp_path / "briefing.pdf"
    screen.export_pdf(str(out))
    assert out.read_bytes().startswith(b"%PDF")
    assert _refusals(services, "dispatcher", "report.export") == []


def test_a_gate_refuses_an_undeclared_permission() -> None:
    with pytest.raises(ValueError, match=r"unknown permission 'wall\.paint'"):
        PermissionGate("admin", None).require("wall.paint")


@pytest.mark.parametrize(("user", "refused"), [
    ("observer", {"briefing"}),  # watches the wall, the map and the drones; no leadership figures
    ("pilot", {"briefing"}),
    ("legal", {"drones"}),
    ("admin", set()),
])
def test_screens_need_their_view_permission(services: Services, user: str, refused: set[str]) -> None:
    gate = PermissionGate(user, services.authorizer.authorize)
    denied: dict[str, str] = {}
    for screen in ("wall", "map", "dispatch", "drones", "briefing"):
        try:
            gate.require_screen(screen)
        except PermissionDenied as exc:
            denied[screen] = exc.permission
    assert denied == {s: SCREEN_VIEW_PERMISSIONS[s] for s in refused}
    services.store.flush()  # refusals are appended through the single writer
    audited = services.audit.entries(actor=user, action_prefix="permission.denied")
    assert {e.payload["permission"] for e in audited} == {SCREEN_VIEW_PERMISSIONS[s] for s in refused}


def test_a_refused_screen_says_which_permission_is_missing(services: Services, qtbot: Any) -> None:
    from widgets.screens import screen_refused

    with pytest.raises(PermissionDenied) as refused:
        PermissionGate("observer", services.authorizer.authorize).require_screen("briefing")
    tab = screen_refused(refused.value)
    qtbot.addWidget(tab)
    assert "report.view" in tab.text()
