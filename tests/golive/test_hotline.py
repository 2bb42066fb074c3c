"""12345 exports as the platforms write them: real column names, datum per channel, address-only rows placed by
the local gazetteer or flagged, a missing column refusing the whole file — through ``commandcenter cases import``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import create_engine, text

from commandcenter.enforcement.auth import user_main
from commandcenter.geo.coords import wgs84_to_gcj02
from commandcenter.store import Store
from tests.golive.support import audit_actions, run_cli, snapshot

HEADER = ["工单编号", "来电时间", "诉求内容", "事发地址", "诉求类型", "联系人", "联系电话", "纬度", "经度"]
LAT, LON = 32.0200, 118.7850  # inside the bundled district (夫子庙)


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'hotline.db'}"
    Store(url).upgrade()
    for name in ("CC_USER", "CC_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    assert user_main(["add", "boss", "--role", "admin", "--password", "boss-pass-1", "--db", url]) == 0
    return url


def export(path: Path, rows: list[tuple[str, ...]], header: list[str] = HEADER) -> Path:
    pd.DataFrame(rows, columns=header).to_excel(path, index=False)
    return path


def import_cases(path: Path, db: str, config: Path | None = None) -> tuple[int, str, str]:
    extra = ["--config", str(config)] if config else []
    result = run_cli("cases", "import", str(path), "--db", db, "--as", "boss", *extra)
    return result.returncode, result.stdout, result.stderr


def cases(db: str) -> dict[str, tuple[float | None, float | None, str]]:
    engine = create_engine(db)
    try:
        with engine.connect() as conn:
            return {r[0]: (r[1], r[2], str(r[3])) for r in conn.execute(
                text("SELECT external_id, lat, lon, extra FROM cases"))}
    finally:
        engine.dispose()


def test_a_real_export_with_gcj02_coordinates_and_address_only_rows(tmp_path: Path, db: str,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CC_PASSWORD", "boss-pass-1")
    g_lat, g_lon = wgs84_to_gcj02(LAT, LON)
    rows = [("12345-001", "2026-12-01 09:30", "门口占道经营", "", "占道经营", "王女士", "13900000001",
             f"{g_lat}", f"{g_lon}"),
            ("12345-002", "2026-12-01 10:00", "小广告贴满墙", "平江府路 3 号门口", "小广告", "李先生", "", "", ""),
            ("12345-003", "2026-12-01 11:00", "夜间施工", "某某小区后门", "噪音扰民", "", "", "", "")]
    config = tmp_path / "cc.toml"
    config.write_text(f'[database]\nurl = "{db}"\n\n[hotline]\ndatum = "gcj02"\n', encoding="utf-8")
    code, out, err = import_cases(export(tmp_path / "export.xlsx", rows), db, config)
    assert code == 0, err
    assert "新增 3 件" in out
    got = cases(db)
    assert got["12345-001"][0] == pytest.approx(LAT, abs=1e-5) and got["12345-001"][1] == pytest.approx(LON, abs=1e-5)
    assert "13900000001" in got["12345-001"][2]  # 联系电话 kept for the call-back
    assert got["12345-002"][0] is not None and "geocoded" in got["12345-002"][2]  # placed on 平江府路
    assert got["12345-003"][0] is None and "needs_placing" in got["12345-003"][2]  # for the dispatcher
    assert len([a for a in audit_actions(db) if a.startswith("case.")]) >= 3  # every case in the audit chain


def test_a_missing_column_names_it_and_imports_nothing(tmp_path: Path, db: str,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CC_PASSWORD", "boss-pass-1")
    before = {t: rows for t, rows in snapshot(db).items() if t.startswith("case")}  # the login is recorded
    header = [h for h in HEADER if h != "事发地址"]
    code, _out, err = import_cases(export(tmp_path / "no_address.xlsx",
                                          [("12345-009", "2026-12-01 09:30", "占道", "占道经营", "", "", "", "")],
                                          header), db)
    assert code != 0
    assert "事发地址" in err and "nothing imported" in err
    assert {t: rows for t, rows in snapshot(db).items() if t.startswith("case")} == before
