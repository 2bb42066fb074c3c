"""Smart dispatch: the best three available officers for a case, with the reasons a dispatcher can check.

Ranking (lower is better, in seconds-equivalent so that the terms add up honestly):

* travel time from the officer's live position to the case along the street network (one reverse search from
  the case node, bounded in time; straight-line distance × a detour factor at e-bike speed when there is no
  network or no path), plus
* penalties: no matching skill/team for the category (+15 min), outside the case's 责任区/单元网格 (+3 min),
  each open case already assigned (+5 min), a stale position fix (+10 min, the position is a guess).

Only officers whose status is idle (空闲) and who have a position are considered. To stay within a few
milliseconds among thousands of officers, everything before the street search is vectorised numpy, and the
street search is pruned with a lower bound (straight-line distance at the network's top speed plus the exact
penalties): candidates are examined in lower-bound order and the scan stops as soon as the next lower bound
cannot beat the third-best exact score.
"""

from __future__ import annotations

import heapq
import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, runtime_checkable

import numpy as np

from commandcenter.domain import OfficerStatus, UnitPosition
from commandcenter.geo.coords import haversine_m, haversine_m_array
from commandcenter.geo.streets import ACCESS_SPEED_KMH, SPEED_KMH, StreetGraph

__all__ = [
    "EBIKE_SPEED_MPS",
    "Dispatcher",
    "OfficerInfo",
    "Recommendation",
    "StreetRouter",
    "grid_router",
    "is_sanitation_team",
    "officer_kind",
    "router_for",
    "team_serves",
]

EBIKE_SPEED_MPS = 15 / 3.6  # patrol e-bike in city traffic
DETOUR_FACTOR = 1.3
PENALTY_NO_SKILL_S = 900.0
PENALTY_OTHER_GRID_S = 180.0
PENALTY_PER_CASE_S = 300.0
PENALTY_STALE_S = 600.0


_UNIT_NUMBERING = str.maketrans("", "", "一二三四五六七八九十第0123456789机动")


def team_serves(officer_team: str, category_team: str) -> bool:
    """Whether an officer's team is the kind of team a category names as its 处置队伍.

    Categories name a kind (执法中队, 环卫队); rosters name units (一中队, 机动中队, 环卫一队). A unit serves
    the kind when, numbering taken out, the kind ends with it: 一中队 → 中队 ⊂ 执法中队, 环卫一队 → 环卫队.
    """
    if not officer_team or not category_team:
        return False
    if officer_team == category_team:
        return True
    unit = officer_team.translate(_UNIT_NUMBERING)
    return len(unit) >= 2 and category_team.translate(_UNIT_NUMBERING).endswith(unit)


def is_sanitation_team(team: str) -> bool:
    """A 处置队伍 whose work sanitation workers and vehicles do (环卫队, 环卫一队 …)."""
    return "环卫" in team


def officer_kind(team: str) -> str:
    """What a person on the roster is as an assignee: a sanitation worker (环卫工人) or an officer (执法队员)."""
    return "worker" if is_sanitation_team(team) else "officer"


@runtime_checkable
class StreetRouter(Protocol):
    """What dispatch needs from a street network (``commandcenter.geo.streets`` is adapted by :func:`router_for`)."""

    max_speed_mps: float

    def nearest_node(self, lat: float, lon: float) -> int | None:
        """The network node closest to a point (None when the network is empty or the point is far off it)."""
        ...

    def node_latlon(self, node: int) -> tuple[float, float]: ...

    def reverse_times(self, node: int, cutoff_s: float) -> Mapping[int, float] | np.ndarray:
        """Seconds from every node that reaches ``node`` within ``cutoff_s`` to ``node``: a mapping of the
        reached nodes, or an array over all nodes with ``inf`` for the others."""
        ...


@dataclass(frozen=True, slots=True)
class OfficerInfo:
    """Roster data of one officer (from the officers table)."""

    id: str
    name: str
    team: str = ""
    skills: tuple[str, ...] = ()
    duty_grid: str = ""
    status: str = OfficerStatus.IDLE.value
    status_since: datetime | None = None


@dataclass(frozen=True, slots=True)
class Recommendation:
    officer_id: str
    name: str
    team: str
    eta_s: float
    distance_m: float  # straight line
    route: str  # "street" | "straight"
    load: int  # open cases assigned
    grid_match: bool
    skill_match: bool
    stale: bool
    score: float
    reasons: tuple[str, ...] = field(default=())
    # What is recommended (the case's assignee kind): officer (执法队员), worker (环卫工人) or vehicle (环卫车 …);
    # a vehicle's ``name`` is its plate and ``vehicle_kind`` its type.
    kind: str = "officer"
    vehicle_kind: str = ""

    @property
    def summary(self) -> str:
        """One line for the dispatcher: 距离 420 m · 约 2.1 分钟 · 在办 0 件 · 本网格 · 技能匹配."""
        return " · ".join(self.reasons)

    @property
    def plate(self) -> str:
        """A vehicle's number plate ("" for a person)."""
        return self.name if self.kind == "vehicle" else ""


class Dispatcher:
    """Ranks available officers for a case. Thread-safe for readers; the roster is replaced atomically."""

    def __init__(
        self,
        positions: Callable[[], Mapping[str, UnitPosition]],
        router: StreetRouter | None = None,
        *,
        speed_mps: float = EBIKE_SPEED_MPS,
        detour: float = DETOUR_FACTOR,
        cutoff_s: float = 1800.0,
        stale_after_s: float = 300.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.positions = positions
        self.router = router
        self.speed = speed_mps
        self.detour = detour
        self.cutoff_s = cutoff_s
        self.stale_after_s = stale_after_s
        self.clock = clock
        self.set_roster([], {})

    # ------------------------------------------------------------------------------------------- roster
    def set_roster(self, officers: Sequence[OfficerInfo], workload: Mapping[str, int]) -> None:
        """Replace the roster (officers table) and the open-case counts per officer."""
        ids = [o.id for o in officers]
        self._officers = list(officers)
        self._ids = ids
        self._index = {oid: i for i, oid in enumerate(ids)}
        self._idle = np.array([o.status == OfficerStatus.IDLE for o in officers], dtype=bool)
        self._load = np.array([int(workload.get(oid, 0)) for oid in ids], dtype=np.int32)
        self._teams = [o.team for o in officers]
        self._skills = [frozenset(o.skills) for o in officers]
        self._grids = [o.duty_grid for o in officers]
        self._mask_cache: dict[tuple[object, ...], np.ndarray] = {}

    def note_status(self, officer_id: str, status: str) -> None:
        """Reflect a status change at once (the roster is refreshed from the database only every few seconds)."""
        i = self._index.get(officer_id)
        if i is not None:
            self._idle[i] = status == OfficerStatus.IDLE

    def note_load(self, officer_id: str, delta: int) -> None:
        i = self._index.get(officer_id)
        if i is not None:
            self._load[i] = max(0, int(self._load[i]) + delta)

    @property
    def officer_count(self) -> int:
        return len(self._ids)

    # ------------------------------------------------------------------------------------------- ranking
    def recommend(
        self,
        lat: float,
        lon: float,
        *,
        skills: Iterable[str] = (),
        team: str = "",
        grid_code: str = "",
        area_code: str = "",
        k: int = 3,
        exclude: Iterable[str] = (),
        teams_off: frozenset[str] = frozenset(),
    ) -> list[Recommendation]:
        """The ``k`` best available officers for a case at (lat, lon), best first.

        ``teams_off``: teams whose 班次 is not running now (:class:`commandcenter.cases.shifts.ShiftRoster`);
        their officers are not available whatever their status.
        """
        n = len(self._ids)
        if n == 0 or k <= 0:
            return []
        positions = self.positions()
        idle = self._idle.copy()
        if teams_off:
            idle &= ~self._team_mask(teams_off)
        for oid in exclude:
            i = self._index.get(oid)
            if i is not None:
                idle[i] = False
        ids = self._ids
        cand_all = np.nonzero(idle)[0].tolist()
        found = [positions.get(ids[i]) for i in cand_all]
        has = [p is not None for p in found]
        located: list[UnitPosition] = [p for p in found if p is not None]
        if not located:
            return []
        cand = np.array([i for i, h in zip(cand_all, has, strict=True) if h], dtype=np.int64)
        lats = np.fromiter((p.lat for p in located), dtype=float, count=len(located))
        lons = np.fromiter((p.lon for p in located), dtype=float, count=len(located))
        dist = haversine_m_array(lat, lon, lats, lons)
        skill_ok = self._skill_mask(frozenset(skills), team)[cand]
        grid_ok = self._grid_mask(grid_code, area_code)[cand]
        static = (np.where(skill_ok, 0.0, PENALTY_NO_SKILL_S) + np.where(grid_ok, 0.0, PENALTY_OTHER_GRID_S)
                  + self._load[cand] * PENALTY_PER_CASE_S)
        straight_eta = dist * self.detour / self.speed
        now = self.clock()
        router = self.router
        case_node = router.nearest_node(lat, lon) if router is not None else None
        if router is None or case_node is None:
            lower = straight_eta + static  # exact apart from the stale penalty, which only adds
            timer: _StreetTimer | None = None
        else:
            lower = dist / max(router.max_speed_mps, self.speed) + static
            kth = min(k, lower.size) - 1
            est = float(np.partition(straight_eta + static, kth)[kth])
            timer = _StreetTimer(router, case_node, lat, lon, self.speed, min(self.cutoff_s, max(300.0, 2.0 * est)),
                                 self.cutoff_s)
        # Examine candidates in lower-bound order; stop when the next bound cannot beat the k-th exact score.
        head = min(lower.size, max(4 * k, 32))
        order = np.argpartition(lower, head - 1)[:head] if head < lower.size else np.arange(lower.size)
        order = order[np.argsort(lower[order], kind="stable")]
        best: list[tuple[float, int, float, str, bool]] = []  # max-heap on score (negated)
        examined = 0
        while True:
            for j in order.tolist():
                if len(best) >= k and lower[j] >= -best[0][0]:
                    break
                examined += 1
                stale = now - located[j].fix_time.timestamp() > self.stale_after_s
                if timer is None:
                    eta, route = float(straight_eta[j]), "straight"
                else:
                    eta, route = timer.eta(float(lats[j]), float(lons[j]), float(straight_eta[j]))
                score = eta + float(static[j]) + (PENALTY_STALE_S if stale else 0.0)
                item = (-score, j, eta, route, stale)
                if len(best) < k:
                    heapq.heappush(best, item)
                elif score < -best[0][0]:
                    heapq.heapreplace(best, item)
            else:
                if order.size < lower.size:  # the head ran out before the bound stopped us: take the rest
                    rest = np.setdiff1d(np.arange(lower.size), order, assume_unique=True)
                    order = rest[np.argsort(lower[rest], kind="stable")]
                    continue
            break
        out: list[Recommendation] = []
        for neg, j, eta, route, stale in sorted(best, key=lambda b: (-b[0], b[1])):
            i = int(cand[j])
            o = self._officers[i]
            reasons = [f"距离 {dist[j]:.0f} m", f"约 {eta / 60:.1f} 分钟" + ("" if route == "street" else "（直线估算）"),
                       f"在办 {int(self._load[i])} 件", "本网格" if grid_ok[j] else "非本网格",
                       "技能匹配" if skill_ok[j] else "技能不符"]
            if stale:
                reasons.append("位置过期")
            out.append(Recommendation(o.id, o.name, o.team, eta, float(dist[j]), route, int(self._load[i]),
                                      bool(grid_ok[j]), bool(skill_ok[j]), stale, -neg, tuple(reasons)))
        return out

    def _skill_mask(self, wanted: frozenset[str], team: str) -> np.ndarray:
        """Officers able to handle a category (skill or team), cached per category for the roster's lifetime."""
        key = (wanted, team)
        mask = self._mask_cache.get(key)
        if mask is None:
            if not wanted and not team:
                mask = np.ones(len(self._ids), dtype=bool)
            else:
                mask = np.array([bool(sk & wanted) or team_serves(tm, team)
                                 for sk, tm in zip(self._skills, self._teams, strict=True)], dtype=bool)
            self._mask_cache[key] = mask
        return mask

    def _team_mask(self, teams: frozenset[str]) -> np.ndarray:
        """Officers of the given teams, cached per set of teams for the roster's lifetime."""
        key = ("teams", teams)
        mask = self._mask_cache.get(key)
        if mask is None:
            mask = np.array([tm in teams for tm in self._teams], dtype=bool)
            self._mask_cache[key] = mask
        return mask

    def _grid_mask(self, grid_code: str, area_code: str) -> np.ndarray:
        key = ("grid", grid_code, area_code)
        mask = self._mask_cache.get(key)
        if mask is None:
            if not grid_code and not area_code:
                mask = np.ones(len(self._ids), dtype=bool)
            else:
                mask = np.array([g in (grid_code, area_code) and bool(g) for g in self._grids], dtype=bool)
            self._mask_cache[key] = mask
        return mask


class _StreetTimer:
    """Street travel times to one case: one bounded reverse search, widened once if a contender is beyond it."""

    def __init__(self, router: StreetRouter, node: int, lat: float, lon: float, speed: float, cutoff: float,
                 max_cutoff: float) -> None:
        self.router = router
        self.node = node
        self.speed = speed
        self.cutoff = cutoff
        self.max_cutoff = max_cutoff
        n_lat, n_lon = router.node_latlon(node)
        self.case_snap_s = haversine_m(lat, lon, n_lat, n_lon) / speed
        self.times = router.reverse_times(node, cutoff)

    def eta(self, lat: float, lon: float, straight_eta: float) -> tuple[float, str]:
        node = self.router.nearest_node(lat, lon)
        if node is None:
            return straight_eta, "straight"
        t = _time_at(self.times, node)
        if t is None and self.cutoff < self.max_cutoff:
            self.cutoff = self.max_cutoff
            self.times = self.router.reverse_times(self.node, self.cutoff)
            t = _time_at(self.times, node)
        if t is None:  # no path within the cutoff: at least the cutoff, never less than the estimate
            return max(straight_eta, self.cutoff), "straight"
        n_lat, n_lon = self.router.node_latlon(node)
        return t + haversine_m(lat, lon, n_lat, n_lon) / self.speed + self.case_snap_s, "street"


def _time_at(times: Mapping[int, float] | np.ndarray, node: int | None) -> float | None:
    if node is None:
        return None
    if isinstance(times, np.ndarray):
        t = float(times[node]) if 0 <= node < times.size else math.inf
        return t if math.isfinite(t) else None
    return times.get(node)


def grid_router(lat0: float, lon0: float, rows: int, cols: int, spacing_m: float = 120.0,
                arterial_every: int = 5) -> StreetRouter:
    """A generated Manhattan street grid (:meth:`StreetGraph.grid`) as a router: tests and benchmarks."""
    router = router_for(StreetGraph.grid(lat0, lon0, rows, cols, spacing_m, arterial_every))
    assert router is not None
    return router


def router_for(graph: StreetGraph | StreetRouter | None, mode: str = "ebike") -> StreetRouter | None:
    """The project's one street graph (:class:`StreetGraph`) seen as a :class:`StreetRouter` for ``mode``.

    A router is used as it is; None means "no network": dispatch then uses the straight-line estimate.
    """
    if graph is None:
        return None
    if isinstance(graph, StreetGraph):
        return _StreetGraphAdapter(graph, mode)
    if isinstance(graph, StreetRouter):
        return graph
    raise TypeError(f"{type(graph).__name__} is not a StreetGraph or a StreetRouter")


class _StreetGraphAdapter:
    """``commandcenter.geo.streets.StreetGraph`` seen as a :class:`StreetRouter` for one travel mode."""

    def __init__(self, graph: StreetGraph, mode: str) -> None:
        self._g = graph
        self._mode = mode
        top = max([s.get(mode, 0.0) for s in SPEED_KMH.values()] + [ACCESS_SPEED_KMH.get(mode, 0.0)])
        self.max_speed_mps = max(top / 3.6, EBIKE_SPEED_MPS)

    def nearest_node(self, lat: float, lon: float) -> int | None:
        node = int(self._g.nearest_node(lat, lon, self._mode))
        return node if node >= 0 else None

    def node_latlon(self, node: int) -> tuple[float, float]:
        lat, lon = self._g.node_latlon(node)
        return float(lat), float(lon)

    def reverse_times(self, node: int, cutoff_s: float) -> np.ndarray:
        return np.asarray(self._g.many_to_one_times(node, cutoff_s, self._mode), dtype=float)
