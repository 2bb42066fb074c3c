"""Public disclosure: masking rules and the CSV/JSON export of closed decisions."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import update

from commandcenter.enforcement.disclosure import (
    export_disclosure,
    mask_address,
    mask_id_number,
    mask_name,
    mask_phone,
    mask_plate,
)
from commandcenter.enforcement.parties import id_check_digit
from commandcenter.enforcement.permissions import PermissionDenied
from commandcenter.store.models import Case


@pytest.mark.parametrize(("name", "masked"), [
    ("张三", "张*"), ("张小明", "张**"), ("欧阳娜娜", "欧阳**"), ("欧阳", "欧*"), ("诸葛亮", "诸葛*"),
    ("司马相如", "司马**"), ("王", "王"), (" 李四 ", "李*"), ("单于飞", "单于*"),
])
def test_mask_name(name: str, masked: str) -> None:
    assert mask_name(name) == masked


@pytest.mark.parametrize(("func", "value", "masked"), [
    (mask_id_number, "110101199003071234", "110101********1234"),
    (mask_id_number, "11010119900307123X", "110101********123X"),
    (mask_id_number, "110101900307123", "110101*****7123"),  # old 15-digit ID
    (mask_id_number, "12345", "*****"),
    (mask_phone, "13812345678", "138****5678"),
    (mask_phone, "138 1234 5678", "138****5678"),
    (mask_phone, "025-12345678", "025-****5678"),
    (mask_plate, "苏A12345", "苏A***45"),
    (mask_plate, "苏AD12345", "苏A****45"),
    (mask_plate, "苏A·12345", "苏A***45"),
    (mask_address, "南京市建邺区江东中路201号3栋", "南京市建邺区江东中路附近"),
])
def test_masks(func, value: str, masked: str) -> None:  # type: ignore[no-untyped-def]
    assert func(value) == masked


def _id_number(case_id: int) -> str:
    first17 = f"11010119900307{case_id:03d}"
    return first17 + id_check_digit(first17)


@pytest.mark.skipif(shutil.which("fc-match") is None and not Path("/usr/share/fonts/opentype/noto").exists(),
                    reason="no CJK font")
def test_export_closed_decisions_masked(services, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    closed, still_open = services.make_case(), services.make_case()
    for case_id, name in ((closed, "欧阳娜娜"), (still_open, "赵六")):
        party = services.decisions.identify_party(case_id, actor="dispatcher", kind="person", name=name,
                                                  id_number=_id_number(case_id), phone="13812345678")
        services.decisions.record_decision(case_id, actor="leader", violation_code="ZDJY", party_id=party.id,
                                           circumstances=["small_area"])
        services.documents.issue(case_id, "penalty_decision", actor="leader")
    services.store.write(lambda s: s.execute(update(Case).where(Case.id == closed).values(status="archived")))

    with pytest.raises(PermissionDenied, match=r"disclosure\.export"):
        export_disclosure(services.store, tmp_path / "pub", actor="dispatcher", authorize=services.authorizer.authorize)
    result = export_disclosure(services.store, tmp_path / "pub", actor="legal",
                               authorize=services.authorizer.authorize)
    assert result.count == 1
    with result.csv_path.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert rows[0]["当事人"] == "欧阳**"
    assert rows[0]["证件号码"] == f"110101********{_id_number(closed)[-4:]}"
    assert rows[0]["联系电话"] == "138****5678"
    assert rows[0]["罚款金额（元）"] == "130"
    raw = result.csv_path.read_text(encoding="utf-8-sig") + result.json_path.read_text(encoding="utf-8")
    assert "欧阳娜娜" not in raw and "13812345678" not in raw and "赵六" not in raw
    data = json.loads(result.json_path.read_text(encoding="utf-8"))
    assert data["records"][0]["doc_no"].startswith("宁城管罚决字")
    assert services.audit.entries(action_prefix="disclosure.export")[-1].payload["count"] == 1
