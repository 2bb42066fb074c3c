"""The 班次 roster: which teams are on shift at a given local time (day, night …), for recommendations.

A team with shifts in the roster is recommended only while one of them runs; a team without any is on shift
around the clock (the bureau's behaviour before rosters, and what a small bureau without a roster wants).
Times are the bureau's wall-clock times (the work calendar's zone); a shift whose end is not after its start
runs past midnight (夜班 20:00–08:00), and one whose start equals its end covers the whole day.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time
from typing import Protocol

from sqlalchemy import select

from commandcenter.cases.tables import ShiftRow
from commandcenter.store import Store

__all__ = ["OFF_DUTY_STATUSES", "Shift", "ShiftRoster", "TeamDuty", "duty_board", "load_roster", "parse_clock",
           "stored_shifts"]

# An officer in one of these statuses is off duty (下班 on the phone, or no longer reporting); any other status
# (空闲, 出警, 处置中 …) is on duty. Only on-duty officers of a team on shift are recommended (and only 空闲 ones).
OFF_DUTY_STATUSES = frozenset({"resting", "offline"})


def parse_clock(text: str) -> time:
    """ "08:00" → 08:00; ValueError saying what is wrong otherwise (config validation names the key)."""
    try:
        return datetime.strptime(text.strip(), "%H:%M").time()
    except ValueError:
        raise ValueError(f"{text!r} is not a time of day as HH:MM (e.g. \"08:00\")") from None


@dataclass(frozen=True, slots=True)
class Shift:
    team: str
    name: str  # 早班, 夜班 …
    start: time
    end: time

    def covers(self, at: time) -> bool:
        """Whether the shift runs at local wall-clock time ``at`` (start inclusive, end exclusive)."""
        if self.start == self.end:
            return True
        if self.start < self.end:
            return self.start <= at < self.end
        return at >= self.start or at < self.end  # past midnight


class ShiftRoster:
    """Shifts by team; ``teams_off(at)`` is what a recommendation leaves out."""

    def __init__(self, shifts: Iterable[Shift] = ()) -> None:
        self._by_team: dict[str, list[Shift]] = {}
        for shift in shifts:
            self._by_team.setdefault(shift.team, []).append(shift)

    def __bool__(self) -> bool:
        return bool(self._by_team)

    def shifts_of(self, team: str) -> list[Shift]:
        return list(self._by_team.get(team, ()))

    def running(self, team: str, at: time) -> list[Shift]:
        """The team's shifts that run at ``at`` (empty for a team without a roster: see :meth:`on_shift`)."""
        return [s for s in self._by_team.get(team, ()) if s.covers(at)]

    def on_shift(self, team: str, at: time) -> bool:
        shifts = self._by_team.get(team)
        return shifts is None or any(s.covers(at) for s in shifts)

    def teams_off(self, at: time) -> frozenset[str]:
        """Teams with a roster none of whose shifts runs at ``at``."""
        return frozenset(team for team, shifts in self._by_team.items() if not any(s.covers(at) for s in shifts))


def load_roster(config_shifts: Iterable[Shift], stored: Iterable[Shift]) -> ShiftRoster:
    """One roster from the config's ``[[shifts]]`` and the imported ones; for a team named in both, the config's
    shifts are the team's roster (as the config's values win for an officer named in both)."""
    configured = list(config_shifts)
    teams = {s.team for s in configured}
    return ShiftRoster([*configured, *(s for s in stored if s.team not in teams)])


def stored_shifts(store: Store) -> list[Shift]:
    """The imported roster (``shift_roster``, ``data import roster``); empty before the table exists."""
    if "shift_roster" not in store.table_names():
        return []
    rows = store.read(lambda s: [(r.team, r.name, r.start, r.end)
                                 for r in s.scalars(select(ShiftRow).order_by(ShiftRow.team, ShiftRow.start))])
    return [Shift(team, name, parse_clock(start), parse_clock(end)) for team, name, start, end in rows]


class _Unit(Protocol):
    """What the duty board reads of a unit board row (:class:`commandcenter.cases.queries.UnitRow`)."""

    @property
    def kind(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def team(self) -> str: ...
    @property
    def status(self) -> str: ...


@dataclass(frozen=True, slots=True)
class TeamDuty:
    """One team now: its running 班次 (or the next one), and its officers on shift on duty, on shift off duty,
    and off shift. ``on_duty`` are the ones a recommendation may pick (when 空闲)."""

    team: str
    on_shift: bool
    shifts: tuple[Shift, ...]  # the running ones when on shift, else all of the team's (empty: no roster)
    on_duty: tuple[tuple[str, str], ...]  # (name, status) of officers on shift and on duty
    off_duty: tuple[tuple[str, str], ...]  # on shift, but 下班 or not reporting
    off_shift: tuple[tuple[str, str], ...]  # the team's 班次 is not running

    @property
    def officers(self) -> int:
        return len(self.on_duty) + len(self.off_duty) + len(self.off_shift)


def duty_board(units: Sequence[_Unit], roster: ShiftRoster, at: time) -> list[TeamDuty]:
    """Who is on shift and on duty at local time ``at``, per team (officers only): teams on shift first, each
    group in name order."""
    by_team: dict[str, list[_Unit]] = {}
    for unit in units:
        if unit.kind == "officer":
            by_team.setdefault(unit.team, []).append(unit)
    board: list[TeamDuty] = []
    for team in sorted(by_team):
        members = sorted(by_team[team], key=lambda u: u.name)
        on_shift = roster.on_shift(team, at)
        running = roster.running(team, at)
        people = [(u.name, u.status) for u in members]
        if not on_shift:
            board.append(TeamDuty(team, False, tuple(roster.shifts_of(team)), (), (), tuple(people)))
            continue
        board.append(TeamDuty(team, True, tuple(running),
                              tuple(p for p in people if p[1] not in OFF_DUTY_STATUSES),
                              tuple(p for p in people if p[1] in OFF_DUTY_STATUSES), ()))
    board.sort(key=lambda t: not t.on_shift)  # stable: name order within each group
    return board
