"""``data import officers``: the roster as bureaus keep it in Excel (警号, 姓名, 中队, 技能, 责任网格, 终端编号, 手机).

Officers are keyed by 警号: a row whose 警号 is already in the database updates that officer (whatever id the
config gave him), a new 警号 adds one with the 警号 as id unless an 编号 column says otherwise. The rows land in
the ``officers`` table that the dispatch recommendation, the unit board and the map read at start, so an
imported officer is a unit like one typed into the config.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from commandcenter.golive.framework import ImportCounts, RowProblems, upsert
from commandcenter.golive.kinds.common import GridPosts, split_list
from commandcenter.golive.marks import mark_imported
from commandcenter.golive.sheets import Column, SheetRow
from commandcenter.store import utcnow
from commandcenter.store.models import Officer

__all__ = ["OFFICER_COLUMNS", "import_officers"]

OFFICER_COLUMNS = (
    Column("badge", ("警号", "badge", "工号"), required=True),
    Column("name", ("姓名", "name")),
    Column("team", ("中队", "team", "所属中队")),
    Column("skills", ("技能", "skills", "专长")),
    Column("grid", ("责任网格", "grid", "责任区", "网格")),
    Column("device", ("终端编号", "device", "终端")),
    Column("phone", ("手机", "phone", "手机号", "联系电话")),
    Column("id", ("编号", "id")),
)
_PHONE = re.compile(r"^\+?[0-9][0-9 -]{4,19}$")


def import_officers(session: Session, rows: Sequence[SheetRow], problems: RowProblems) -> ImportCounts:
    counts = ImportCounts()
    posts = GridPosts(session)
    by_badge = {badge: oid for oid, badge in session.execute(select(Officer.id, Officer.badge))}
    device_owner = {device: oid for oid, device in session.execute(select(Officer.id, Officer.device)) if device}
    taken: list[str] = []
    seen_badges: dict[str, int] = {}
    seen_devices: dict[str, int] = {}
    for row in rows:
        n = row.number
        badge = row.get("badge")
        if not badge:
            problems.add(n, "警号", "empty (every officer needs a 警号)")
            continue
        if badge in seen_badges:
            problems.add(n, "警号", f"{badge} is already on row {seen_badges[badge]}")
            continue
        seen_badges[badge] = n
        officer_id = row.get("id") or by_badge.get(badge) or badge
        device = row.get("device")
        if device:
            if device in seen_devices:
                problems.add(n, "终端编号", f"{device} is already on row {seen_devices[device]}")
            elif device_owner.get(device, officer_id) != officer_id:
                problems.add(n, "终端编号", f"{device} belongs to officer {device_owner[device]}")
            seen_devices[device] = n
        phone = row.get("phone")
        if phone and not _PHONE.match(phone):
            problems.add(n, "手机", f"{phone!r} is not a phone number")
        grid = posts.resolve(row.get("grid"), n, "责任网格", problems)
        values: dict[str, object] = {"id": officer_id, "badge": badge, "name": row.get("name") or badge,
                                     "team": row.get("team"), "skills": split_list(row.get("skills")),
                                     "duty_grid": grid, "device": device, "phone": phone}
        if session.get(Officer, officer_id) is None:
            values |= {"status": "idle", "status_since": utcnow()}
        counts.count(upsert(session, Officer, officer_id, values))
        taken.append(officer_id)
    mark_imported(session, "officers", taken)
    if not posts.checked and any(r.get("grid") for r in rows):
        counts.notes.append("责任网格 not checked: the database has no grid yet (import the grid or start the "
                            "server once)")
    return counts
