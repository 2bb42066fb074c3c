"""The 班次 roster: which teams are on shift at a given local time (day, night …), for recommendations.

A team with shifts in the roster is recommended only while one of them runs; a team without any is on shift
around the clock (the bureau's behaviour before rosters, and what a small bureau without a roster wants).
Times are the bureau's wall-clock times (the work calendar's zone); a shift whose end is not after its start
runs past midnight (夜班 20:00–08:00), and one whose start equals its end covers the whole day.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time

__all__ = ["Shift", "ShiftRoster", "parse_clock"]


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

    def on_shift(self, team: str, at: time) -> bool:
        shifts = self._by_team.get(team)
        return shifts is None or any(s.covers(at) for s in shifts)

    def teams_off(self, at: time) -> frozenset[str]:
        """Teams with a roster none of whose shifts runs at ``at``."""
        return frozenset(team for team, shifts in self._by_team.items() if not any(s.covers(at) for s in shifts))
