"""群众评价 from its three ways in — Open311 over real HTTP, the 12345 import's 满意度 column, the desk's 回访 — all
recorded by the store's writer with a history row and a hash-chained audit record, and counted by the KPI."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest

import commandcenter.cases.service as cases_module
from commandcenter.cases.calendar import load_calendar
from commandcenter.cases.categories import load_categories
from commandcenter.cases.intake import import_hotline
from commandcenter.cases.model import NewCase
from commandcenter.cases.open311_backend import CaseOpen311Backend
from commandcenter.cases.rating import RatingRefused
from commandcenter.enforcement.audit import verify
from commandcenter.enforcement.permissions import PermissionDenied
from commandcenter.enforcement.services import EnforcementServices
from commandcenter.kpi.figures import Period, cases_behind, compute_kpis, forget_cached
from commandcenter.store import Store, utcnow
from devices.open311 import Open311Server
from tests.cases.conftest import seed
from tests.cases.test_open311 import call
from tests.devices.adapter_support import RunningAdapter

KEY = "rating-key"
World = tuple[EnforcementServices, cases_module.CaseService]


class _Channel:
    def __init__(self, username: str, role: str) -> None:
        self.username, self.role = username, role


@pytest.fixture
def world(store: Store, tasks, tmp_path: Path) -> Iterator[World]:  # type: ignore[no-untyped-def]
    """The case service on the real Authorizer and audit chain, with the intake channels of the application."""
    seed(store)  # grid cells and officers o1–o3
    channels = [_Channel(name, "intake") for name in ("open311", "hotline-12345")]
    channels += [_Channel("dispatcher", "dispatcher"), _Channel("observer", "observer")]
    enforcement = EnforcementServices.create(store, tasks=tasks, config_users=channels,
                                             evidence_root=tmp_path / "ev", documents_dir=tmp_path / "docs",
                                             data_key=tmp_path / "data.key")
    svc = cases_module.CaseService(store, load_calendar(), load_categories(), authorize=enforcement.authorize,
                                   audit=enforcement.audit_hook, guard=enforcement.guard)
    enforcement.attach_cases(svc)
    yield enforcement, svc
    enforcement.close()


def _closed(svc: cases_module.CaseService, source: str = "dispatcher", actor: str = "dispatcher",
            external_id: str | None = None) -> str:
    """A case walked through the whole workflow to 结案 by the dispatcher."""
    code = svc.create_case(NewCase(source=source, category="SJ0401", address="中华路 100 号", lat=30.0001,
                                   lon=119.9951, description="早点摊占用人行道", external_id=external_id),
                           actor).result(30).code
    svc.register(code, "dispatcher").result(30)
    svc.dispatch(code, "o1", "dispatcher").result(30)
    for step in ("arrive", "feedback", "verify", "close"):
        svc.transition(code, step, "dispatcher", reason="测试").result(30)
    return code


def test_desk_callback_rating_refusals(world: World) -> None:
    _, svc = world
    code = svc.create_case(NewCase(source="dispatcher", category="SJ0401", address="中华路 100 号",
                                   description="早点摊"), "dispatcher").result(30).code
    with pytest.raises(RatingRefused, match="尚未结案") as refused:
        svc.rate(code, 4, "callback", "dispatcher").result(30)
    assert refused.value.reason == "not_closed"
    with pytest.raises(ValueError, match="1–5"):
        svc.rate(code, 6, "callback", "dispatcher")
    with pytest.raises(ValueError, match="1–5"):
        svc.rate(code, "很好", "callback", "dispatcher")
    with pytest.raises(PermissionDenied, match=r"case\.close"):
        svc.rate(code, 4, "callback", "observer")

    svc.register(code, "dispatcher").result(30)
    svc.transfer(code, "区市场监管局", "dispatcher", "测试").result(30)
    with pytest.raises(RatingRefused, match="尚未结案"):  # 转办 ends the case but is not 结案
        svc.rate(code, 4, "callback", "dispatcher").result(30)


def test_rating_a_closed_case_once(world: World, store: Store) -> None:
    enforcement, svc = world
    code = _closed(svc)
    assert svc.get(code).status == "closed"
    outcome = svc.rate(code, 4, "callback", "dispatcher", "回访：处理及时").result(30)
    assert outcome.recorded and outcome.score == 4
    case = svc.get(code)
    assert case.extra["rating"] == 4 and case.extra["rating_detail"]["source"] == "callback"
    assert case.extra["rating_detail"]["comment"] == "回访：处理及时"
    again = svc.rate(code, 4, "callback", "dispatcher").result(30)  # the same answer again: nothing written
    assert not again.recorded
    with pytest.raises(RatingRefused, match="已有评价 4 分（调度回访）") as refused:
        svc.rate(code, 1, "open311", "open311").result(30)
    assert refused.value.reason == "already_rated"
    rates = [e for e in svc.events(code) if e["action"] == "rate"]
    assert len(rates) == 1 and "调度回访 4 分" in rates[0]["note"]
    audited = enforcement.audit.entries(subjects=[code], action_prefix="case.rate")
    assert [(a.actor, a.payload["rating"], a.payload["source"]) for a in audited] == [("dispatcher", 4, "callback")]
    assert verify(store, check_evidence=False).ok


def test_open311_rating_over_http(world: World) -> None:
    _, svc = world
    server = Open311Server(CaseOpen311Backend(svc), "127.0.0.1", 0, api_keys=[KEY])
    running = RunningAdapter(server, listener=True)
    try:
        assert server.ready.wait(5)
        base = f"http://127.0.0.1:{server.bound_port}/open311/v2/"
        status, body = call(base + "requests.json", {"api_key": KEY, "service_code": "SJ0401", "lat": "30.0001",
                                                     "long": "119.9951", "description": "占道经营"})
        assert status == 201, body
        code = json.loads(body)[0]["service_request_id"]

        status, body = call(base + f"requests/{code}/rating.json", {"api_key": KEY, "rating": "5"})
        assert status == 409 and "尚未结案" in json.loads(body)[0]["description"]
        status, body = call(base + "requests/AJ_NOPE/rating.json", {"api_key": KEY, "rating": "5"})
        assert status == 404 and "AJ_NOPE" in json.loads(body)[0]["description"]
        status, body = call(base + f"requests/{code}/rating.json", {"api_key": "wrong", "rating": "5"})
        assert status == 403
        for bad in ("0", "6", "4.5", "好", ""):
            status, body = call(base + f"requests/{code}/rating.json", {"api_key": KEY, "rating": bad})
            assert status == 400 and "rating" in json.loads(body)[0]["description"], bad

        assert svc.get(code).status == "registered"  # a citizen's report is registered on intake
        svc.dispatch(code, "o1", "dispatcher").result(30)
        for step in ("arrive", "feedback", "verify", "close"):
            svc.transition(code, step, "dispatcher", reason="测试").result(30)

        status, body = call(base + f"requests/{code}/rating.json",
                            {"api_key": KEY, "rating": "5", "comment": "很快就处理了"}, as_json=True)
        assert status == 201 and json.loads(body) == [{"service_request_id": code, "rating": 5,
                                                       "status": "recorded"}]
        status, body = call(base + f"requests/{code}/rating.json", {"api_key": KEY, "rating": "5"})
        assert status == 200 and json.loads(body)[0]["status"] == "unchanged"  # a retry changes nothing
        status, body = call(base + f"requests/{code}/rating.xml", {"api_key": KEY, "rating": "2"})
        assert status == 409 and b"already_rated" in body
        case = svc.get(code)
        assert case.extra["rating"] == 5 and case.extra["rating_detail"] == {
            **case.extra["rating_detail"], "source": "open311", "comment": "很快就处理了", "by": "open311"}

        # Only requests that came in through Open311 can be rated through it.
        other = _closed(svc)
        status, _ = call(base + f"requests/{other}/rating.json", {"api_key": KEY, "rating": "3"})
        assert status == 404 and "rating" not in svc.get(other).extra
    finally:
        running.finish()


def test_hotline_import_records_callback_satisfaction(world: World, tmp_path: Path) -> None:
    _, svc = world
    closed = _closed(svc, source="hotline", actor="hotline-12345", external_id="RX100")
    rated_before = _closed(svc, source="hotline", actor="hotline-12345", external_id="RX101")
    svc.rate(rated_before, 5, "callback", "dispatcher").result(30)
    header = ["工单编号", "诉求类型", "内容", "事发地址", "坐标", "满意度"]
    rows = [
        ("RX100", "占道经营", "早点摊", "中华路 100 号", "30.0001,119.9951", "基本满意"),  # row 2: recorded, 3
        ("RX101", "占道经营", "早点摊", "中华路 100 号", "30.0001,119.9951", "不满意"),  # row 3: rated otherwise
        ("RX102", "小广告", "电线杆小广告", "长乐路 8 号", "30.0002,120.0050", "满意"),  # row 4: new, not closed
        ("RX103", "小广告", "电线杆小广告", "长乐路 9 号", "30.0002,120.0050", "还行吧"),  # row 5: unknown word
        ("RX104", "小广告", "电线杆小广告", "长乐路 10 号", "30.0002,120.0050", "未回访"),  # row 6: no rating
    ]
    xlsx = tmp_path / "回访.xlsx"
    pd.DataFrame(rows, columns=header).to_excel(xlsx, index=False)
    report = import_hotline(svc, xlsx, actor="hotline-12345")
    assert [r for r, _ in report.duplicates] == [2, 3] and len(report.added) == 3
    assert report.rated == [(2, closed, 3)]
    assert [r for r, _ in report.rating_refused] == [3, 4, 5]
    reasons = dict(report.rating_refused)
    assert "已有评价 5 分" in reasons[3] and "尚未结案" in reasons[4] and "还行吧" in reasons[5]
    assert "满意度: 记录 1 条, 未记录 3 条" in report.summary()
    assert svc.get(closed).extra["rating"] == 3 and svc.get(rated_before).extra["rating"] == 5

    again = import_hotline(svc, xlsx, actor="hotline-12345")  # re-importing the export changes nothing
    assert again.rated == [] and len(again.added) == 0
    assert len([e for e in svc.events(closed) if e["action"] == "rate"]) == 1


def test_public_rating_figure_counts_the_ratings(world: World, store: Store) -> None:
    _, svc = world
    codes = [_closed(svc) for _ in range(3)]
    svc.rate(codes[0], 5, "callback", "dispatcher").result(30)
    svc.rate(codes[1], 2, "callback", "dispatcher").result(30)
    forget_cached()
    today = utcnow() + timedelta(seconds=1)
    period = Period.today(today)
    totals = compute_kpis(store, period, compare=False, now=today).totals
    assert totals.rated == 2 and totals.rating_avg == 3.5
    assert cases_behind(store, period, "rated", now=today) == sorted(codes[:2])


def test_demo_citizens_rate_through_open311(world: World) -> None:
    """The demo's simulated citizens rate closed citizen reports over HTTP; a case rated already is left alone."""
    from commandcenter.demo.citizens import SimulatedRaters

    _, svc = world
    server = Open311Server(CaseOpen311Backend(svc), "127.0.0.1", 0, api_keys=[KEY])
    running = RunningAdapter(server, listener=True)
    try:
        assert server.ready.wait(5)
        codes = [_closed(svc, source="citizen", actor="open311", external_id=f"tok{i}") for i in range(4)]
        svc.rate(codes[0], 2, "callback", "dispatcher").result(30)
        open_code = svc.create_case(NewCase(source="citizen", category="SJ0401", address="长乐路 8 号",
                                            description="还没处理"), "open311").result(30).code
        raters = SimulatedRaters(svc, lambda: server.bound_port, KEY, share=1.0)
        assert raters.tick() == 3 and raters.refused == 0
        ratings = {c: svc.get(c).extra.get("rating") for c in codes}
        assert ratings[codes[0]] == 2 and all(1 <= int(ratings[c]) <= 5 for c in codes[1:])
        assert all(svc.get(c).extra["rating_detail"]["source"] == "open311" for c in codes[1:])
        assert "rating" not in svc.get(open_code).extra
        assert raters.tick() == 0  # each case is rated once
    finally:
        running.finish()
