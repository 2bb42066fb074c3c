"""Smart dispatch on a hand-built street graph: the river makes the nearest officer the slowest one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest

from commandcenter.cases.dispatch import Dispatcher, OfficerInfo, StreetRouter, grid_router, router_for
from commandcenter.cases.model import NewCase
from commandcenter.cases.service import CaseService
from commandcenter.domain import UnitPosition
from commandcenter.geo.district import load_default_basemap
from commandcenter.geo.streets import StreetGraph

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
D = 0.001  # ≈ 111 m of latitude


RESIDENTIAL_EBIKE_MPS = 16 / 3.6  # StreetGraph's e-bike speed on a residential street


def river_town() -> StreetRouter:
    """Two east-west streets either side of a river (lat 30.0005), joined only by a bridge 1 km to the east.

    South street: nodes every ~96 m along lat 30.000; north street along lat 30.001; the bridge joins their
    east ends.
    """
    south = [(30.000, 120.0 + i * D) for i in range(11)]
    north = [(30.001, 120.0 + i * D) for i in range(11)]
    lines = [(south, "南岸路", "residential", 0, None), (north, "北岸路", "residential", 0, None),
             ([south[-1], north[-1]], "东桥", "residential", 0, None)]
    router = router_for(StreetGraph.from_lines(lines, densify_m=None))
    assert router is not None
    return router


def pos(uid: str, lat: float, lon: float, age_s: float = 5) -> UnitPosition:
    return UnitPosition(uid, "officer", uid, lat, lon, NOW - timedelta(seconds=age_s))


def make(router: Any, positions: dict[str, UnitPosition], officers: list[OfficerInfo],
         load: dict[str, int] | None = None) -> Dispatcher:
    d = Dispatcher(lambda: positions, router, clock=lambda: NOW.timestamp())
    d.set_roster(officers, load or {})
    return d


OFFICERS = [OfficerInfo("across", "河对岸", "执法中队", ("市容执法",), "G1"),
            OfficerInfo("same", "同岸", "执法中队", ("市容执法",), "G1"),
            OfficerInfo("busy", "忙碌", "执法中队", ("市容执法",), "G1", status="dispatched")]
POSITIONS = {"across": pos("across", 30.001, 120.000),  # 111 m north, but across the river
             "same": pos("same", 30.000, 120.004),  # 385 m east on the same bank
             "busy": pos("busy", 30.000, 120.0001)}


def test_street_network_beats_straight_line() -> None:
    case = (30.000, 120.000)
    by_street = make(river_town(), POSITIONS, OFFICERS).recommend(*case, skills=["市容执法"], grid_code="G1")
    assert [r.officer_id for r in by_street] == ["same", "across"]  # busy is never proposed
    same, across = by_street
    assert same.route == "street" and across.route == "street"
    assert across.eta_s > 2000 / RESIDENTIAL_EBIKE_MPS * 0.99  # 1 km east, bridge, 1 km back
    assert same.eta_s == pytest.approx(same.distance_m / RESIDENTIAL_EBIKE_MPS, rel=0.02)
    assert "本网格" in same.reasons and "技能匹配" in same.reasons and same.summary.startswith("距离")
    straight = make(None, POSITIONS, OFFICERS).recommend(*case, skills=["市容执法"], grid_code="G1")
    assert [r.officer_id for r in straight] == ["across", "same"]
    assert straight[0].route == "straight"


def test_penalties_skill_grid_load_and_stale() -> None:
    officers = [OfficerInfo("a", "甲", "环卫队", ("环卫保洁",), "G1"), OfficerInfo("b", "乙", "执法中队", ("市容执法",), "G1"),
                OfficerInfo("c", "丙", "执法中队", ("市容执法",), "G2"), OfficerInfo("e", "戊", "执法中队", ("市容执法",), "G1")]
    positions = {"a": pos("a", 30.000, 120.001), "b": pos("b", 30.000, 120.002), "c": pos("c", 30.000, 120.0015),
                 "e": pos("e", 30.000, 120.0012, age_s=3600)}
    d = make(river_town(), positions, officers)
    ranked = d.recommend(30.000, 120.000, skills=["市容执法"], grid_code="G1", k=4)
    assert [r.officer_id for r in ranked] == ["b", "c", "e", "a"]
    assert ranked[2].stale and "位置过期" in ranked[2].reasons
    assert not ranked[3].skill_match
    d.note_load("b", +2)
    assert d.recommend(30.000, 120.000, skills=["市容执法"], grid_code="G1")[0].officer_id == "c"
    d.note_status("c", "resting")
    assert "c" not in [r.officer_id for r in d.recommend(30.000, 120.000, skills=["市容执法"], grid_code="G1")]


def test_exactness_of_pruning_against_brute_force() -> None:
    rng = np.random.default_rng(7)
    g = grid_router(30.0, 120.0, 25, 25, spacing_m=100)
    officers = [OfficerInfo(f"o{i}", f"o{i}", "执法中队", ("市容执法",), f"G{i % 3}") for i in range(300)]
    lats = 30.0 + rng.uniform(0, 24 * 100 / 111_320, 300)
    lons = 120.0 + rng.uniform(0, 24 * 100 / 96_000, 300)
    positions = {f"o{i}": pos(f"o{i}", float(lats[i]), float(lons[i])) for i in range(300)}
    load = {f"o{i}": int(rng.integers(0, 3)) for i in range(300)}
    d = make(g, positions, officers, load)
    for _ in range(10):
        lat, lon = 30.0 + rng.uniform(0, 0.02), 120.0 + rng.uniform(0, 0.024)
        fast = d.recommend(lat, lon, skills=["市容执法"], grid_code="G1")
        brute = make(g, positions, officers, load)
        brute.cutoff_s = 1e9
        every = brute.recommend(lat, lon, skills=["市容执法"], grid_code="G1", k=300)
        assert [r.officer_id for r in fast] == [r.officer_id for r in every[:3]]


def test_top_three_among_5000_officers_are_free_and_nearest_first() -> None:
    """With a bureau-sized roster the recommendation still offers free officers only, nearest by street first.
    (How fast it is, is measured in bench/bench_cases.py, not here.)"""
    g = grid_router(30.0, 120.0, 40, 50, spacing_m=100)
    rng = np.random.default_rng(1)
    officers = [OfficerInfo(f"o{i}", f"o{i}", "执法中队", ("市容执法",), "G1",
                            status="idle" if i % 3 else "dispatched") for i in range(5000)]
    positions = {o.id: pos(o.id, 30.0 + rng.uniform(0, 0.035), 120.0 + rng.uniform(0, 0.05)) for o in officers}
    busy = {o.id for o in officers if o.status != "idle"}
    d = make(g, positions, officers)
    for _ in range(10):
        top = d.recommend(30.0 + rng.uniform(0, 0.035), 120.0 + rng.uniform(0, 0.05), skills=["市容执法"])
        assert len(top) == 3
        assert not {r.officer_id for r in top} & busy
        assert [r.eta_s for r in top] == sorted(r.eta_s for r in top)


def test_router_for_district_street_graph() -> None:
    graph = StreetGraph.from_basemap(load_default_basemap())
    router = router_for(graph)
    assert router is not None
    lat, lon = graph.node_latlon(100)
    officers = [OfficerInfo("x", "x"), OfficerInfo("y", "y")]
    near = graph.node_latlon(101)
    positions = {"x": pos("x", near[0], near[1]), "y": pos("y", lat + 0.01, lon + 0.01)}
    ranked = make(router, positions, officers).recommend(lat, lon)
    assert ranked[0].officer_id == "x" and ranked[0].route == "street"


def test_one_click_assign_and_auto_dispatch(service: CaseService) -> None:
    service.refresh_roster()
    case = service.create_case(NewCase(source="dispatcher", category="占道经营", lat=30.0001, lon=119.9951),
                               "d1", register=True).result()
    top = service.recommend(case.code)
    assert top[0].officer_id == "o1"  # in the west cell, 执法中队, closest
    assert service.dispatch(case.code, top[0].officer_id, "d1").result().assigned_officer == "o1"
    board = {u.id: u for u in service.unit_board()}
    assert board["o1"].status == "dispatched" and board["o1"].current_case == case.code
    assert board["v1"].stale  # no position at all
    # An urgent sensor event of an auto-dispatch category goes straight to the best available officer.
    auto = service.intake_event("sensor", "道路积水", 30.0004, 120.0012, "积水 30 cm", urgency=1).result()
    assert auto.status == "dispatched" and auto.assigned_officer in ("o2", "o3")
    actions = [e["action"] for e in service.events(auto.code)]
    assert actions == ["create", "register", "dispatch"]
    # A non-urgent camera event waits for a human.
    waiting = service.intake_event("camera", "暴露垃圾", 30.0003, 120.0011, "垃圾堆", camera_id="cam7").result()
    assert waiting.status == "reported" and waiting.extra["camera_id"] == "cam7"
