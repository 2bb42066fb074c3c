"""考核 of the hand-made month: scores with the bureau's weights, ranking, 智慧执法之星, departments."""

from __future__ import annotations

from pathlib import Path

import pytest

from commandcenter.config import KpiConfig, parse_config
from commandcenter.kpi.assessment import DepartmentRow, assess, parse_month
from commandcenter.kpi.figures import KpiError
from commandcenter.store import Store

from .dataset import NOW, seed_kpi_dataset


@pytest.fixture
def seeded(tmp_path: Path):  # type: ignore[no-untyped-def]
    store = Store(f"sqlite:///{tmp_path / 'kpi.db'}")
    store.upgrade()
    seed_kpi_dataset(store)
    yield store
    store.close()


def test_officers_and_teams_ranked_with_the_default_weights(seeded: Store) -> None:
    result = assess(seeded, parse_month("2026-11"), KpiConfig(star_min_cases=2), now=NOW)
    assert [(r.key, r.team, r.rank, r.score) for r in result.officers] == [
        ("o1", "一中队", 1, 68.0), ("o3", "二中队", 2, 41.67), ("o2", "一中队", 3, 11.11)]
    assert [(r.key, r.rank, r.score) for r in result.teams] == [("一中队", 1, 51.33), ("二中队", 2, 41.67)]
    assert result.star is not None and result.star.label == "张三"


def test_weights_from_the_config_change_the_ranking(seeded: Store) -> None:
    config = parse_config("[kpi]\nweight_closure = 0\nweight_on_time = 1\nweight_response = 0\n"
                          "weight_handling = 0\nweight_rework = 0\nweight_field_use = 0\nweight_rating = 0\n"
                          "star_min_cases = 3\n")
    result = assess(seeded, parse_month("2026-11"), config.kpi, now=NOW)
    # only 按期结案率 counts: 张三 and 王五 both 50 (tie: more cases, then id), 李四 0
    assert [(r.key, r.score) for r in result.officers] == [("o1", 50.0), ("o3", 50.0), ("o2", 0.0)]
    assert result.star is None  # nobody has 3 registered cases


def test_departments_for_joint_and_transferred_work(seeded: Store) -> None:
    result = assess(seeded, parse_month("2026-11"), now=NOW)
    assert result.departments == [
        DepartmentRow("市场监管局", tasks=1, done=1, done_on_time=1, refused=0, transferred=0, on_time_rate=1.0),
        DepartmentRow("住建局", tasks=1, done=1, done_on_time=0, refused=0, transferred=1, on_time_rate=0.0),
    ]


def test_bad_month_and_bad_weights_are_refused() -> None:
    with pytest.raises(KpiError, match="YYYY-MM"):
        parse_month("2026/11")
    from commandcenter.config import ConfigError

    with pytest.raises(ConfigError, match="weight"):
        parse_config("[kpi]\nweight_closure = -1\n")
    with pytest.raises(ConfigError, match="report_formats"):
        parse_config('[kpi]\nreport_formats = ["doc"]\n')
