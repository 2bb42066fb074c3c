"""Simplified Chinese is the default UI language: every user-visible string of the views has a translation."""

from __future__ import annotations

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TS_FILES = sorted((ROOT / "resources" / "translations").glob("*_zh_CN.ts"))


def _messages(path: Path) -> list[tuple[str, str, ET.Element]]:
    tree = ET.parse(path)
    return [(ctx.findtext("name") or "", msg.findtext("source") or "", msg.find("translation"))  # type: ignore[misc]
            for ctx in tree.iter("context") for msg in ctx.iter("message")]


def test_every_catalogue_is_complete() -> None:
    assert {p.name for p in TS_FILES} >= {"main_zh_CN.ts", "wall_zh_CN.ts", "map_zh_CN.ts", "dispatch_zh_CN.ts",
                                           "drones_zh_CN.ts", "enforcement_zh_CN.ts", "labels_zh_CN.ts"}
    unfinished = [f"{p.name}: {context}: {source!r}" for p in TS_FILES for context, source, tr in _messages(p)
                  if tr is not None and tr.get("type") not in ("vanished", "obsolete")
                  and (tr.get("type") == "unfinished" or not (tr.text or "").strip())]
    assert not unfinished, "untranslated strings:\n" + "\n".join(unfinished)


def test_no_view_string_is_missing_from_the_catalogues(tmp_path: Path) -> None:
    lupdate = Path(sys.executable).parent / "pyside6-lupdate"
    if not lupdate.exists() and shutil.which("pyside6-lupdate") is None:
        pytest.skip("pyside6-lupdate is not installed")
    # The views, and the core's one module of translated labels (statuses, roles, zone kinds, history verbs).
    sources = [*sorted(str(p) for p in (ROOT / "widgets").rglob("*.py")), str(ROOT / "commandcenter" / "labels.py")]
    fresh = tmp_path / "all.ts"
    subprocess.run([str(lupdate), *sources, "-ts", str(fresh)], check=True, capture_output=True, timeout=120)
    known = {(c, s) for p in TS_FILES for c, s, _tr in _messages(p)}
    missing = sorted({(c, s) for c, s, _tr in _messages(fresh)} - known)
    assert not missing, "strings in widgets/ or commandcenter/labels.py with no entry in any resources/translations/*_zh_CN.ts:\n" + \
        "\n".join(f"{c}: {s!r}" for c, s in missing)
