"""群众评价: the public's rating of how a closed case was handled, from every channel that hears it.

A rating is the citizen's word, 1 (不满意) … 5 (非常满意), about a case that is 结案 (closed or archived). It
reaches the bureau three ways, each named as the rating's ``source``:

* ``open311`` — the citizen rates their own request in the app (``POST /open311/v2/requests/{id}/rating``);
* ``hotline`` — the 12345 platform's 回访 result, a 满意度 column of a later export (``cases import``);
* ``callback`` — the dispatch desk's own 回访: a dispatcher phones the reporter after closing and records it.

One case, one rating: the first recorded stands. Recording the same score again (a retried HTTP call, a
re-imported export) changes nothing and is not an error; a different score is refused with the rating already
held, so a second channel cannot silently overwrite the citizen's first answer. A case not 结案 (still open,
转办, 不予立案, 合并) is refused: there is nothing handled to rate yet.

What is kept: ``cases.extra["rating"]`` (the number the KPI 群众评价 figure averages, docs/kpis.md) and
``cases.extra["rating_detail"]`` (source, comment, who, when); a ``rate`` row in the case's history; an audit
record ``case.rate`` — all written in one transaction on the store's writer. Permissions: the intake channels
record what the public said under ``case.create`` (what they hold); the desk's 回访 needs ``case.close``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from commandcenter.cases.changes import Operation, collector_of
from commandcenter.cases.core import CaseCore, case_row, view_of
from commandcenter.cases.model import CaseView
from commandcenter.store.models import Case, CaseEvent

__all__ = [
    "MAX_COMMENT",
    "RATED_STATUSES",
    "RATING_SOURCES",
    "RatingCommands",
    "RatingOutcome",
    "RatingRefused",
    "check_score",
    "rating_of",
]

RATING_SOURCES: dict[str, str] = {"open311": "市民评价", "hotline": "12345回访", "callback": "调度回访"}
RATED_STATUSES = ("closed", "archived")  # 结案 and 结案归档: the cases whose handling the public can judge
MAX_COMMENT = 500
_PERMISSION = {"open311": "case.create", "hotline": "case.create", "callback": "case.close"}


class RatingRefused(ValueError):
    """A rating that cannot be recorded on this case (not 结案, or already rated otherwise), saying why.

    ``reason`` is ``not_closed`` or ``already_rated`` (HTTP 409 for the Open311 client)."""

    def __init__(self, message: str, *, code: str, reason: str) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason


@dataclass(frozen=True, slots=True)
class RatingOutcome:
    """What recording a rating did: ``recorded`` False when the same score was already held (nothing written)."""

    case: CaseView
    score: int
    source: str
    recorded: bool


def check_score(value: object, what: str = "rating") -> int:
    """The score as an int 1–5, or ValueError naming ``what`` and the value (a bad value, not a refusal)."""
    if isinstance(value, bool):
        raise ValueError(f"{what} must be a whole number 1–5, not {value!r}")
    try:
        number = float(str(value).strip()) if not isinstance(value, int | float) else float(value)
    except ValueError:
        raise ValueError(f"{what} must be a whole number 1–5, not {value!r}") from None
    if number != int(number) or not 1 <= number <= 5:
        raise ValueError(f"{what} must be a whole number 1–5, not {value!r}")
    return int(number)


def rating_of(extra: dict[str, Any] | None) -> tuple[int, dict[str, Any]] | None:
    """(score, detail) held in a case's ``extra``, or None when the case is not rated."""
    score = (extra or {}).get("rating")
    if score is None:
        return None
    detail = (extra or {}).get("rating_detail")
    return int(score), dict(detail) if isinstance(detail, dict) else {}


class RatingCommands:
    """Records ratings on the writer, with their history row and audit record (see the module docstring)."""

    def __init__(self, core: CaseCore) -> None:
        self.core = core

    def rate(self, code: str, score: object, source: str, actor: str, comment: str = "") -> Operation[RatingOutcome]:
        """Record ``score`` (1–5) on case ``code``. Bad values raise ValueError at once; the future raises
        :class:`RatingRefused` (not 结案 / rated differently) or KeyError (unknown case)."""
        value, note = self._checked(score, source, comment)
        self.core.authorize(actor, _PERMISSION[source])

        def job(session: Session) -> RatingOutcome:
            row = case_row(session, code)
            recorded = self.rate_in(session, row, value, source, actor, note)
            return RatingOutcome(view_of(session, row), value, source, recorded)

        return self.core.submit("rate", job)

    @staticmethod
    def _checked(score: object, source: str, comment: str) -> tuple[int, str]:
        if source not in RATING_SOURCES:
            raise ValueError(f"rating source {source!r} unknown; one of {', '.join(RATING_SOURCES)}")
        note = (comment or "").strip()
        if len(note) > MAX_COMMENT:
            raise ValueError(f"comment is {len(note)} characters; the limit is {MAX_COMMENT}")
        return check_score(score), note

    def rate_in(self, session: Session, row: Case, score: int, source: str, actor: str, comment: str = "") -> bool:
        """Record inside a running writer job (the hotline import's transaction). True when written, False when
        the same score was already held; raises :class:`RatingRefused` otherwise."""
        score, comment = self._checked(score, source, comment)
        held = rating_of(row.extra)
        if held is not None:
            if held[0] == score:
                return False
            by = RATING_SOURCES.get(str(held[1].get("source", "")), str(held[1].get("source", "")) or "评价")
            raise RatingRefused(f"案件 {row.code} 已有评价 {held[0]} 分（{by}），不能改为 {score} 分",
                                code=row.code, reason="already_rated")
        if row.status not in RATED_STATUSES:
            raise RatingRefused(f"案件 {row.code} 尚未结案（当前状态 {row.status}），不能评价",
                                code=row.code, reason="not_closed")
        now = self.core.clock()
        detail = {"source": source, "comment": comment, "by": actor, "at": now.isoformat()}
        row.extra = {**(row.extra or {}), "rating": score, "rating_detail": detail}
        data = {"rating": score, "source": source, "comment": comment}
        session.add(CaseEvent(case_id=row.id, time=now, actor=actor, action="rate", from_status=row.status,
                              to_status=row.status, note=f"{RATING_SOURCES[source]} {score} 分"
                              + (f"：{comment}" if comment else ""), data=data))
        self.core.audit(session, actor, "case.rate", row.code, data)
        collector_of(session).case(row.id, row.code)
        return True
