"""12345 hotline import (Excel with bad rows, re-import idempotence, CLI) and the snapshot report section."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from commandcenter.cases.intake import cases_main, import_hotline, load_mapping, save_mapping
from commandcenter.cases.model import NewCase
from commandcenter.cases.report import cad_summary, cad_times, cases_report
from commandcenter.cases.service import CaseService

ROWS = [
    # 工单编号, 诉求类型, 内容, 事发地址, 坐标, 办理时限, 来电人
    ("RX001", "占道经营", "早点摊占用人行道", "中华路 100 号", "30.0001,119.9951", "3个工作日", "王先生"),
    ("RX002", "噪音扰民", "夜间施工", "长乐路 8 号", "30.0002,120.0050", "24小时", "李女士"),
    ("RX003", "外星人", "无法归类", "某处", "30.0,120.0", "", ""),  # row 4: unknown category
    ("RX004", "小广告", "电线杆小广告", "", "", "", ""),  # row 5: no address, no coordinates
    ("", "小广告", "缺工单号", "瞻园路", "", "", ""),  # row 6: empty 工单编号
    ("RX006", "井盖缺失", "井盖丢失", "建康路口", "91,120", "", ""),  # row 7: coordinates out of range
    ("RX001", "占道经营", "同一工单重复", "中华路 100 号", "30.0001,119.9951", "", ""),  # row 8: repeated
    ("RX008", "违章搭建", "屋顶加盖", "平江府路 3 号", "", "2026-12-01 17:00", "赵先生"),
    ("RX009", "道路破损", "坑洼", "贡院街", "30.0003,119.9960", "下周", ""),  # row 10: unreadable 办理时限
]
HEADER = ["工单编号", "诉求类型", "内容", "事发地址", "坐标", "办理时限", "来电人"]


def write_xlsx(path: Path, rows: list[tuple[str, ...]] = ROWS) -> Path:
    pd.DataFrame(rows, columns=HEADER).to_excel(path, index=False)
    return path


def test_excel_import_bad_rows_and_idempotence(service: CaseService, tmp_path: Path) -> None:
    xlsx = write_xlsx(tmp_path / "12345.xlsx")
    report = import_hotline(service, xlsx)
    assert report.rows == 9
    assert len(report.added) == 3
    bad = dict(report.bad_rows)
    assert sorted(bad) == [4, 5, 6, 7, 10]
    assert "外星人" in bad[4] and "缺少事发地址和坐标" in bad[5] and "工单编号 为空" in bad[6]
    assert "超出范围" in bad[7] and "办理时限" in bad[10]
    assert report.duplicates == [(8, "RX001")]
    first = service.queue()
    by_ticket = {c.external_id: c for c in first}
    rx1 = by_ticket["RX001"]
    assert rx1.source == "hotline" and rx1.grid_code == "G001" and rx1.category == "SJ0401"
    assert rx1.extra["external_deadline"]  # 3 working days kept as the external limit
    assert by_ticket["RX008"].lat is None and by_ticket["RX008"].address == "平江府路 3 号"
    again = import_hotline(service, xlsx)
    assert again.added == [] and sorted(t for _, t in again.duplicates) == ["RX001", "RX001", "RX002", "RX008"]
    assert cases_report(service.store)["total"] == 3


def test_mapping_round_trip_and_custom_columns(service: CaseService, tmp_path: Path) -> None:
    mapping = load_mapping()
    mapping.columns["external_id"] = "单号"
    saved = tmp_path / "mapping.json"
    save_mapping(mapping, saved)
    frame = pd.DataFrame([("H1", "小广告", "贴在墙上", "中华路", "30.0001,119.9951")],
                         columns=["单号", "诉求类型", "内容", "事发地址", "坐标"])
    csv = tmp_path / "export.csv"
    frame.to_csv(csv, index=False, encoding="utf-8-sig")
    report = import_hotline(service, csv, load_mapping(saved))
    assert len(report.added) == 1 and not report.bad_rows


def test_cli(store: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from commandcenter.enforcement.auth import user_main

    from .conftest import seed

    seed(store)
    url = store.url
    store.close()
    assert user_main(["add", "boss", "--role", "admin", "--password", "boss-pass-1", "--db", url]) == 0
    monkeypatch.setenv("CC_USER", "boss")  # an import changes the world: it runs as a proven user
    monkeypatch.setenv("CC_PASSWORD", "boss-pass-1")
    xlsx = write_xlsx(tmp_path / "cli.xlsx")
    assert cases_main(["import", str(xlsx), "--db", url]) == 0
    out = capsys.readouterr().out
    assert "新增 3 件" in out and "第 4 行" in out and "第 10 行" in out
    assert cases_main(["import", str(xlsx), "--db", url]) == 0
    assert "新增 0 件" in capsys.readouterr().out
    assert cases_main(["import", str(tmp_path / "missing.xlsx"), "--db", url]) == 2
    assert "file not found" in capsys.readouterr().err
    garbage = tmp_path / "garbage.xlsx"
    garbage.write_bytes(b"not a workbook")
    assert cases_main(["import", str(garbage), "--db", url]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_cli_import_is_authenticated_and_audited(store: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """``--actor observer`` no longer creates cases unrecorded: who imports proves it, needs case.create, and every
    case is in the audit chain under that user; a service account proves itself with its token."""
    import hashlib

    from commandcenter.enforcement.audit import AuditLog
    from commandcenter.enforcement.auth import user_main
    from commandcenter.store import Store

    from .conftest import seed

    seed(store)
    url = store.url
    store.close()
    for name in ("CC_USER", "CC_PASSWORD", "CC_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    assert user_main(["add", "boss", "--role", "admin", "--password", "boss-pass-1", "--db", url]) == 0
    monkeypatch.setenv("CC_PASSWORD", "boss-pass-1")
    assert user_main(["add", "watcher", "--role", "observer", "--password", "watch-pass-1", "--db", url,
                      "--as", "boss"]) == 0
    xlsx = write_xlsx(tmp_path / "cli.xlsx")
    assert cases_main(["import", str(xlsx), "--db", url]) == 2  # nobody named
    assert "--as USER" in capsys.readouterr().err
    monkeypatch.setenv("CC_PASSWORD", "watch-pass-1")
    assert cases_main(["import", str(xlsx), "--db", url, "--actor", "observer"]) == 1  # claims a name, no proof
    assert cases_main(["import", str(xlsx), "--db", url, "--actor", "watcher"]) == 1  # proven, but no right
    assert "case.create" in capsys.readouterr().err
    config = tmp_path / "cc.toml"
    config.write_text(f'[database]\nurl = "{url}"\n\n[[users]]\nusername = "hotline-bot"\nrole = "dispatcher"\n'
                      f'token_sha256 = "{hashlib.sha256(b"bot-token-1").hexdigest()}"\n', encoding="utf-8")
    (tmp_path / "token").write_text("bot-token-1\n", encoding="utf-8")
    assert cases_main(["import", str(xlsx), "--config", str(config), "--actor", "hotline-bot",
                       "--token-file", str(tmp_path / "token")]) == 0
    assert "新增 3 件" in capsys.readouterr().out
    audit_store = Store(url)
    try:
        entries = [(e.actor, e.action) for e in AuditLog(audit_store).entries()]
    finally:
        audit_store.close()
    assert ("observer", "login.failure") in entries and ("watcher", "permission.denied") in entries
    assert ("hotline-bot", "login.success") in entries
    assert entries.count(("hotline-bot", "case.create")) == 3
    assert not any(action == "case.create" and actor != "hotline-bot" for actor, action in entries)


def test_report_and_cad_figures(service: CaseService, clock: Any) -> None:
    codes = []
    for i in range(3):
        codes.append(service.create_case(NewCase(source="dispatcher" if i else "citizen", category="占道经营",
                                                 lat=30.0001 + i * 0.002, lon=119.9951), "d1").result().code)
    service.register(codes[0], "d1").result()
    clock.now += timedelta(minutes=4)
    service.dispatch(codes[0], "o1", "d1").result()
    clock.now += timedelta(minutes=6)
    service.arrive(codes[0], "o1").result()
    clock.now += timedelta(minutes=20)
    service.feedback(codes[0], "o1").result()
    service.reject(codes[2], "d1", "重复上报").result()
    report = cases_report(service.store, now=clock.now + timedelta(days=3))
    assert set(report) == {"total", "open", "overdue", "by_status", "by_source"}
    assert report["total"] == 3 and report["open"] == 2 and report["overdue"] == 2
    assert report["by_status"] == {"handled": 1, "rejected": 1, "reported": 1}
    assert report["by_source"] == {"citizen": 1, "dispatcher": 2}
    assert cases_report(service.store, now=clock.now)["overdue"] == 0
    times = cad_times(service.store, clock.now - timedelta(days=1), clock.now + timedelta(days=1))
    row = times.set_index("code").loc[codes[0]]
    assert row["queue_s"] == 240 and row["travel_s"] == 360 and row["response_s"] == 600 and row["on_scene_s"] == 1200
    summary = cad_summary(times)
    assert summary.loc[0, "queue_s_median"] == 240 and summary.loc[0, "queue_s_n"] == 1


def test_sla_levels_and_leader_list(service: CaseService, clock: Any) -> None:
    case = service.create_case(NewCase(source="dispatcher", category="占道经营", lat=30.0001, lon=119.9951),
                               "d1", register=True).result()  # 派遣时限 0.5 h → due 10:30
    assert service.sla(case).level == "ok"
    assert service.sla(case, clock.now + timedelta(minutes=25)).level == "warning"
    late = service.sla(case, clock.now + timedelta(minutes=45))
    assert late.level == "overdue" and late.remaining_hours == pytest.approx(-0.25)
    clock.now += timedelta(hours=1)
    assert [c.code for c, _ in service.leader_list()] == [case.code]


def test_escalation_sweep_flags_once_per_level(service: CaseService, clock: Any) -> None:
    case = service.create_case(NewCase(source="dispatcher", category="占道经营", lat=30.0001, lon=119.9951),
                               "d1", register=True).result()
    assert service.sweep_escalations().result() == []
    clock.now += timedelta(minutes=25)
    assert service.sweep_escalations().result() == [(case.code, "warning")]
    assert service.sweep_escalations().result() == []
    clock.now += timedelta(minutes=20)
    assert service.sweep_escalations().result() == [(case.code, "overdue")]
    assert service.get(case.code).extra["escalation"] == "overdue"
    assert [e["action"] for e in service.events(case.code)].count("escalate") == 2
    service.dispatch(case.code, "o1", "d1").result()  # a new step, a new clock: the flag is cleared
    assert "escalation" not in service.get(case.code).extra


def test_report_counts_stay_right_after_the_closed_counts_are_cached(service: CaseService) -> None:
    a = service.create_case(NewCase(source="citizen", category="占道经营", lat=30.0001, lon=119.9951), "d1").result()
    b = service.create_case(NewCase(source="hotline", category="非法小广告", lat=30.0061, lon=120.0051), "d1").result()
    service.reject(b.code, "d1", "不属实").result()
    first = cases_report(service.store)
    assert first["by_status"] == {"rejected": 1, "reported": 1} and first["open"] == 1
    service.reject(a.code, "d1", "重复").result()  # open at the watermark, closed since
    c = service.create_case(NewCase(source="patrol", category="暴露垃圾", lat=30.0003, lon=120.0011), "d1").result()
    service.reject(c.code, "d1", "已处理").result()  # added after the watermark, closed
    service.create_case(NewCase(source="camera", category="暴露垃圾", lat=30.0081, lon=120.0081), "d1").result()
    again = cases_report(service.store)
    assert again["total"] == 4 and again["open"] == 1
    assert again["by_status"] == {"rejected": 3, "reported": 1}
    assert again["by_source"] == {"camera": 1, "citizen": 1, "hotline": 1, "patrol": 1}


def test_a_row_failing_inside_the_transaction_is_reported_alone(service: CaseService, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    real = service.insert_case

    def picky(session: Any, spec: Any, actor: str) -> Any:
        if spec.external_id == "RX002":
            real(session, spec, actor)  # writes, then fails: the savepoint must undo this row only
            raise ValueError("网格编码无效")
        return real(session, spec, actor)

    monkeypatch.setattr(service, "insert_case", picky)
    report = import_hotline(service, write_xlsx(tmp_path / "x.xlsx"))
    assert len(report.added) == 2 and (3, "网格编码无效") in report.bad_rows
    assert sorted(c.external_id or "" for c in service.queue()) == ["RX001", "RX008"]


IMPLAUSIBLE = [
    # 工单编号, 诉求类型, 内容, 事发地址, 坐标, 办理时限, 来电人, 受理时间
    ("RY001", "小广告", "正常工单", "中华路", "30.0001,119.9951", "3个工作日", "", "2026-11-23 09:00"),
    ("RY002", "小广告", "占位日期+时限", "中华路", "", "3个工作日", "", "9999-12-31"),  # row 3
    ("RY003", "小广告", "占位日期无时限", "中华路", "", "", "", "9999-12-31"),  # row 4
    ("RY004", "小广告", "时限占位", "中华路", "", "9999-12-31 23:59", "", ""),  # row 5
    ("RY005", "小广告", "1900 年", "中华路", "", "", "", "1900-01-01"),  # row 6
    ("RY006", "小广告", "明天之后", "中华路", "", "", "", "2030-01-01 10:00"),  # row 7: years ahead
    ("RY007", "小广告", "一万个工作日", "中华路", "", "10000个工作日", "", ""),  # row 8
]


def write_implausible(path: Path) -> Path:
    pd.DataFrame(IMPLAUSIBLE, columns=[*HEADER, "受理时间"]).to_excel(path, index=False)
    return path


def test_rows_dated_9999_or_1900_are_refused_with_row_and_column(service: CaseService, tmp_path: Path) -> None:
    report = import_hotline(service, write_implausible(tmp_path / "dates.xlsx"))
    bad = dict(report.bad_rows)
    assert sorted(bad) == [3, 4, 5, 6, 7, 8]
    assert all("受理时间" in bad[row] and "超出可接受的日期范围" in bad[row] for row in (3, 4, 6, 7))
    assert "办理时限" in bad[5] and "9999-12-31 23:59" in bad[5] and "办理时限" in bad[8]
    cases = service.queue()
    assert [c.external_id for c in cases] == ["RY001"]
    assert all(c.created_at.year < 2100 and (c.deadline_at is None or c.deadline_at.year < 2100) for c in cases)


def test_cli_reports_the_9999_row_without_a_traceback(store: Any, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    from commandcenter.enforcement.auth import user_main

    from .conftest import seed

    seed(store)
    url = store.url
    store.close()
    assert user_main(["add", "boss", "--role", "admin", "--password", "boss-pass-1", "--db", url]) == 0
    xlsx = write_implausible(tmp_path / "cli-dates.xlsx")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2]), "CC_PASSWORD": "boss-pass-1"}
    env.pop("CC_TOKEN", None)
    done = subprocess.run([sys.executable, "-m", "commandcenter.cases.intake", "import", str(xlsx), "--db", url,
                           "--as", "boss"], capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert "第 3 行: 受理时间 '9999-12-31'" in done.stdout and "第 5 行: 办理时限" in done.stdout
    assert "新增 1 件" in done.stdout
