"""Statuses, history verbs, roles, zone kinds, unit statuses and categories come from one translated source:
English in English mode, Chinese (and no English at all) in Chinese mode."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication

from commandcenter import labels
from commandcenter.cases.categories import load_categories
from commandcenter.cases.workflow import ACTIONS, STATUS_ZH, CaseStatus
from commandcenter.domain import OfficerStatus, ZoneKind
from commandcenter.enforcement.permissions import ROLE_ZH, Role
from commandcenter.i18n import TRANSLATIONS, current_language, install_language

LATIN = re.compile(r"[A-Za-z]")


@pytest.fixture
def chinese(qapp: QCoreApplication) -> Iterator[None]:
    assert (TRANSLATIONS / "labels_zh_CN.qm").exists(), "compile the catalogues first (make setup)"
    install_language(qapp, "zh")
    yield
    install_language(qapp, "en")


@pytest.fixture
def english(qapp: QCoreApplication) -> Iterator[None]:
    install_language(qapp, "en")
    yield


def test_english_labels(english: None) -> None:
    assert current_language() == "en"
    assert labels.status_label("dispatched") == "Dispatched"
    assert labels.status_label("reported") == "Awaiting registration"
    assert labels.action_label("register") == "registered"
    assert labels.role_label("admin") == "Duty chief"
    assert labels.unit_status_label("resting") == "Resting"
    assert labels.zone_kind_label("禁止设摊区") == "No-vending zone"
    assert labels.zone_kind_label("单元网格") == "Unit grid cell"
    assert labels.category_label("SJ0401", "占道经营") == "Street vending"
    assert labels.history_text("system", "escalate", note="已超时", data={"level": "overdue"}) == \
        "System escalated  overdue"
    assert labels.history_text("system", "escalate", note="即将超时", data={"level": "warning"}) == \
        "System escalated  due soon"
    assert labels.history_text("zhang", "register", role="admin", name="张三", to_status="registered") == \
        "Duty chief 张三 registered → Registered"


def test_chinese_labels(chinese: None) -> None:
    assert current_language() == "zh"
    assert labels.status_label("dispatched") == "已派遣"
    assert labels.action_label("register") == "立案"
    assert labels.role_label("admin") == "值班长"
    assert labels.unit_status_label("resting") == "休息"
    assert labels.zone_kind_label("禁止设摊区") == "禁止设摊区"
    assert labels.category_label("SJ0401", "占道经营") == "占道经营"
    assert labels.history_text("system", "escalate", note="已超时", data={"level": "overdue"}) == "系统 超时升级  已超时"
    assert labels.history_text("system", "escalate", data={"level": "warning"}) == "系统 超时升级  即将超时"
    assert labels.history_text("zhang", "register", role="admin", name="张三", to_status="registered") == \
        "值班长 张三 立案 → 已立案"


def test_every_label_is_chinese_in_chinese_mode(chinese: None) -> None:
    shown = {
        **{f"status {s}": labels.status_label(s) for s in CaseStatus},
        **{f"action {a}": labels.action_label(a) for a in labels.ACTION_LABELS},
        **{f"role {r}": labels.role_label(r) for r in Role},
        **{f"unit status {s}": labels.unit_status_label(s) for s in labels.UNIT_STATUS_LABELS},
        **{f"task status {s}": labels.task_status_label(s) for s in labels.TASK_STATUS_LABELS},
        **{f"zone kind {k}": labels.zone_kind_label(k) for k in ZoneKind},
        **{f"category {c.code}": labels.category_label(c.code, c.name) for c in load_categories()},
        "system": labels.actor_label("system"),
        **{f"escalation {lv}": labels.history_text("system", "escalate", data={"level": lv})
           for lv in labels.ESCALATION_LABELS},
    }
    english = {what: text for what, text in shown.items() if LATIN.search(text)}
    assert not english, f"English in Chinese mode: {english}"


def test_every_code_has_a_label_and_the_fixed_chinese_tables_agree(chinese: None) -> None:
    """The Chinese-only tables (refusal messages, Open311 notes, permission messages) say what the UI says."""
    assert set(labels.STATUS_LABELS) == {s.value for s in CaseStatus}
    assert set(ACTIONS) <= set(labels.ACTION_LABELS)
    assert set(labels.ROLE_LABELS) == {r.value for r in Role}
    assert set(labels.ZONE_KIND_LABELS) == {k.value for k in ZoneKind}
    assert {s: labels.status_label(s) for s in STATUS_ZH} == STATUS_ZH
    assert {r: labels.role_label(r) for r in ROLE_ZH} == {str(r): zh for r, zh in ROLE_ZH.items()}
    assert [labels.unit_status_label(s) for s in OfficerStatus] == ["空闲", "出警", "处置中", "休息", "离线"]
    assert set(labels.UNIT_STATUS_LABELS) == {s.value for s in OfficerStatus}
    assert all(labels.action_label(a) == t.label for a, t in ACTIONS.items())  # history verb = button word


def test_every_bundled_category_has_an_english_name(english: None) -> None:
    for category in load_categories():
        shown = labels.category_label(category.code, category.name)
        assert shown == category.name_en and not re.search(r"[\u4e00-\u9fff]", shown), category.code


def test_a_bureau_table_brings_its_own_english_names(english: None, tmp_path: Path) -> None:
    bundled = (Path(load_categories.__code__.co_filename).parents[2] / "resources" / "cases" / "categories.csv")
    header = bundled.read_text(encoding="utf-8-sig").splitlines()[0]
    row = "ZZ0101,事件,街面秩序,夜市噪声,Night market noise,3,1,1,4,2,噪声消除,市容执法,执法中队,否"
    (tmp_path / "own.csv").write_text(f"{header}\n{row}\n", encoding="utf-8")
    assert labels.category_label("ZZ0101", "夜市噪声") == "夜市噪声"  # not known yet: the stored name
    labels.register_categories(load_categories(tmp_path / "own.csv"))
    assert labels.category_label("ZZ0101", "夜市噪声") == "Night market noise"


def test_unknown_codes_show_as_they_are(english: None) -> None:
    assert labels.status_label("brand_new") == "brand_new"
    assert labels.category_label("XX9999", "新类别") == "新类别"  # no English name yet: the stored name
    assert labels.actor_label("cli:root") == "cli:root"
