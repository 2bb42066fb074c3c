"""Bureau details from [bureau] on the 执法文书, and each intake channel's datum converted on entry."""

from __future__ import annotations

import pytest

from commandcenter.cases.calendar import load_calendar
from commandcenter.cases.categories import load_categories
from commandcenter.cases.open311_backend import CaseOpen311Backend
from commandcenter.cases.service import CaseService
from commandcenter.config import parse_config
from commandcenter.enforcement.audit import AuditLog
from commandcenter.enforcement.documents import DocumentService, load_template
from commandcenter.geo.coords import wgs84_to_bd09
from commandcenter.golive.catalog import bureau_report
from commandcenter.store import Store

CHENGDU = """
[bureau]
name = "成都市锦江区城市管理和综合执法局"
doc_prefix = "蓉锦城管"
review_authority = "成都市锦江区人民政府"
court = "成都市锦江区人民法院"

[open311]
datum = "bd09"
"""


def test_the_bureau_of_the_config_issues_the_documents(store: Store) -> None:
    config = parse_config(CHENGDU, "chengdu.toml")
    documents = DocumentService(store, AuditLog(store), lambda _a, _p: None, bureau=config.bureau.document_fields())
    values = documents.bureau_values()
    assert values["authority"] == "成都市锦江区城市管理和综合执法局" and values["court"] == "成都市锦江区人民法院"
    number = load_template("penalty_decision").number_format.format(year=2027, number=1,
                                                                    doc_prefix=values["doc_prefix"])
    assert number == "蓉锦城管罚决字〔2027〕第0001号"
    assert bureau_report(config.bureau)["warning"] == ""
    assert "court" in bureau_report(parse_config("", "empty.toml").bureau)["warning"]  # said until configured


def test_an_open311_report_in_bd09_is_stored_in_wgs84(store: Store) -> None:
    config = parse_config(CHENGDU, "chengdu.toml")
    assert config.open311 is not None
    service = CaseService(store, load_calendar(), load_categories())
    backend = CaseOpen311Backend(service, datum=config.open311.datum)
    lat, lon = 30.6550, 104.0830
    b_lat, b_lon = wgs84_to_bd09(lat, lon)
    code, _token = backend.create_request({"service_code": "SJ0401", "description": "占道", "lat": b_lat,
                                           "long": b_lon})
    stored = store.scalar(f"SELECT lat FROM cases WHERE code = '{code}'"), \
        store.scalar(f"SELECT lon FROM cases WHERE code = '{code}'")
    assert stored == pytest.approx((lat, lon), abs=1e-5)
    answered = backend.get_request(code)
    assert answered is not None and (answered["lat"], answered["long"]) == pytest.approx((b_lat, b_lon), abs=1e-5)
