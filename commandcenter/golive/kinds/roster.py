"""``data import roster``: the 班次 roster per team (中队, 班次, 开始, 结束), e.g. 日班 08:00–20:00, 夜班 20:00–08:00.

Rows go to ``shift_roster``, which the case service reads at start beside the config's ``[[shifts]]`` (for a
team named in both, the config wins): an officer is recommended only while one of his team's shifts runs and he
is on duty, and the dispatch screen's 在班 panel shows who is on shift now. A team without a roster is on shift
around the clock.

Rows are keyed by (中队, 班次). The file is the roster of the teams it names: a shift of such a team that the
file no longer lists is removed (and said so); teams the file does not name keep theirs.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from commandcenter.cases.shifts import parse_clock
from commandcenter.cases.tables import ShiftRow
from commandcenter.golive.framework import ImportCounts, RowProblems, upsert
from commandcenter.golive.sheets import Column, SheetRow
from commandcenter.store.models import Officer

__all__ = ["ROSTER_COLUMNS", "import_roster"]

ROSTER_COLUMNS = (
    Column("team", ("中队", "team", "所属中队", "班组"), required=True),
    Column("name", ("班次", "shift", "name", "班次名称"), required=True),
    Column("start", ("开始", "start", "开始时间", "上班时间"), required=True),
    Column("end", ("结束", "end", "结束时间", "下班时间"), required=True),
)
MAX_TEAM = 64
MAX_NAME = 32


def import_roster(session: Session, rows: Sequence[SheetRow], problems: RowProblems) -> ImportCounts:
    counts = ImportCounts()
    seen: dict[tuple[str, str], int] = {}
    kept: set[str] = set()
    for row in rows:
        n = row.number
        team, name = row.get("team"), row.get("name")
        bad = False
        if not team or len(team) > MAX_TEAM:
            problems.add(n, "中队", "empty" if not team else f"longer than {MAX_TEAM} characters")
            bad = True
        if not name or len(name) > MAX_NAME:
            problems.add(n, "班次", "empty (e.g. 日班, 夜班)" if not name else f"longer than {MAX_NAME} characters")
            bad = True
        times: dict[str, str] = {}
        for key, label in (("start", "开始"), ("end", "结束")):
            try:
                times[key] = parse_clock(row.get(key)).strftime("%H:%M")
            except ValueError as exc:
                problems.add(n, label, str(exc))
                bad = True
        if bad:
            continue
        earlier = seen.get((team, name))
        if earlier is not None:
            problems.add(n, "班次", f"{team} {name} is already on row {earlier}")
            continue
        seen[(team, name)] = n
        key = f"{team}|{name}"
        kept.add(key)
        counts.count(upsert(session, ShiftRow, key, {"id": key, "team": team, "name": name, **times}))
    teams = {team for team, _name in seen}
    if teams:
        stale = [key for key in session.scalars(select(ShiftRow.id).where(ShiftRow.team.in_(teams)))
                 if key not in kept]
        if stale:
            session.execute(delete(ShiftRow).where(ShiftRow.id.in_(stale)))
            counts.notes.append(f"{len(stale)} shift(s) of these teams not in the file removed: "
                                + "、".join(k.replace("|", " ") for k in sorted(stale)))
        known = set(session.scalars(select(Officer.team).where(Officer.team.in_(teams))))
        unknown = sorted(teams - known)
        if unknown:
            counts.notes.append("no officer is in team " + "、".join(unknown)
                                + " yet (check the spelling against the officers' 中队)")
    return counts
