"""The digital-urban-management workflow as an explicit state machine.

Seven steps (信息收集 → 立案 → 派遣 → 处置 → 处理反馈 → 核查 → 结案) plus the side paths every real centre has:
不予立案, 返工 (verification failed), 缓办 (suspension approved by a leader; the SLA clock stops), 退回 (misrouted,
back to the dispatcher), 转办 (handed to another department), 联合执法 “吹哨报到” (several departments summoned,
each with a task; feedback is only possible when every task is done), merging a duplicate report, and the
enforcement path for cases that need a penalty: 调查取证 → 处理决定 (法制审核) → 执行 → 结案归档.

This module is pure: it knows which action is legal in which status and explains refusals in the words a
dispatcher uses ("案件 AJ… 处于 已派遣，不能直接结案（需先到场处置、处理反馈、核查）"). The service applies the
transitions inside one writer transaction, records them in ``case_events`` and updates the timestamps.
Stored codes are ASCII. What users read comes from :mod:`commandcenter.labels` (translated, so English mode
shows English statuses); ``STATUS_ZH`` is the fixed Chinese wording of the refusal messages and of Open311
status notes, which do not follow the UI language (tests/test_labels.py keeps it equal to the catalogue).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from enum import StrEnum

from commandcenter import labels

__all__ = [
    "ACTIONS",
    "CLOSED_STATUSES",
    "OPEN_STATUSES",
    "STATUS_ZH",
    "Action",
    "CaseStatus",
    "Transition",
    "TransitionError",
    "allowed_actions",
    "check",
    "status_label",
]


class CaseStatus(StrEnum):
    REPORTED = "reported"  # 信息收集 (待立案)
    REGISTERED = "registered"  # 立案
    REJECTED = "rejected"  # 不予立案
    DISPATCHED = "dispatched"  # 派遣
    HANDLING = "handling"  # 处置
    HANDLED = "handled"  # 处理反馈
    VERIFYING = "verifying"  # 核查
    CLOSED = "closed"  # 结案
    SUSPENDED = "suspended"  # 缓办
    RETURNED = "returned"  # 退回
    TRANSFERRED = "transferred"  # 转办
    JOINT = "joint"  # 联合执法 (吹哨报到)
    INVESTIGATING = "investigating"  # 调查取证
    DECIDING = "deciding"  # 处理决定
    EXECUTING = "executing"  # 执行
    ARCHIVED = "archived"  # 结案归档
    MERGED = "merged"  # 已合并 (duplicate report)


STATUS_ZH: dict[str, str] = {
    "reported": "待立案",
    "registered": "已立案",
    "rejected": "不予立案",
    "dispatched": "已派遣",
    "handling": "处置中",
    "handled": "已处置",
    "verifying": "核查中",
    "closed": "已结案",
    "suspended": "缓办",
    "returned": "已退回",
    "transferred": "已转办",
    "joint": "联合执法",
    "investigating": "调查取证",
    "deciding": "处理决定",
    "executing": "执行中",
    "archived": "结案归档",
    "merged": "已合并",
}

CLOSED_STATUSES: frozenset[str] = frozenset({"rejected", "closed", "transferred", "archived", "merged"})
OPEN_STATUSES: frozenset[str] = frozenset(s.value for s in CaseStatus) - CLOSED_STATUSES


def status_label(status: str) -> str:
    """The status in the user's language (see :func:`commandcenter.labels.status_label`)."""
    return labels.status_label(status)


class Action(StrEnum):
    CREATE = "create"
    REGISTER = "register"
    REJECT = "reject"
    DISPATCH = "dispatch"
    ARRIVE = "arrive"
    FEEDBACK = "feedback"
    VERIFY = "verify"
    CLOSE = "close"
    REWORK = "rework"
    SUSPEND = "suspend"
    RESUME = "resume"
    EXTEND = "extend"
    RETURN = "return"
    TRANSFER = "transfer"
    SUMMON = "summon"
    INVESTIGATE = "investigate"
    DECIDE = "decide"
    LEGAL_REVIEW = "legal_review"
    EXECUTE = "execute"
    ARCHIVE = "archive"
    MERGE = "merge"
    SUPERVISE = "supervise"
    URGE = "urge"


@dataclass(frozen=True, slots=True)
class Transition:
    """One action: where it may start, where it leads (None = back to the status before a suspension)."""

    action: str
    label: str  # Chinese verb phrase
    sources: frozenset[str]
    target: str | None
    permission: str
    reason_required: bool = False
    main_path: bool = True  # used when explaining which steps are missing


def _t(action: Action, label: str, sources: set[str], target: str | None, permission: str, *,
       reason: bool = False, main: bool = True) -> Transition:
    return Transition(action.value, label, frozenset(sources), target, permission, reason, main)


_ACTIVE = {"registered", "dispatched", "handling", "joint", "returned"}

ACTIONS: dict[str, Transition] = {t.action: t for t in (
    _t(Action.CREATE, "上报", set(), "reported", "case.create"),
    _t(Action.REGISTER, "立案", {"reported"}, "registered", "case.register"),
    _t(Action.REJECT, "不予立案", {"reported"}, "rejected", "case.reject", reason=True, main=False),
    _t(Action.DISPATCH, "派遣", {"registered", "returned", "dispatched"}, "dispatched", "case.dispatch"),
    _t(Action.ARRIVE, "到场处置", {"dispatched"}, "handling", "case.handle"),
    _t(Action.FEEDBACK, "处理反馈", {"handling", "joint"}, "handled", "case.feedback"),
    _t(Action.VERIFY, "核查", {"handled"}, "verifying", "case.verify"),
    _t(Action.CLOSE, "结案", {"verifying"}, "closed", "case.close"),
    _t(Action.REWORK, "返工", {"verifying"}, "dispatched", "case.verify", reason=True, main=False),
    _t(Action.SUSPEND, "缓办", set(_ACTIVE), "suspended", "case.suspend", reason=True, main=False),
    _t(Action.RESUME, "恢复办理", {"suspended"}, None, "case.suspend", main=False),
    _t(Action.EXTEND, "延期", set(_ACTIVE) | {"reported", "handled", "verifying"}, "", "case.approve_extension",
       reason=True, main=False),
    _t(Action.RETURN, "退回", {"dispatched", "handling"}, "returned", "case.return", reason=True, main=False),
    _t(Action.TRANSFER, "转办", {"reported", "registered", "returned"}, "transferred", "case.transfer",
       reason=True, main=False),
    _t(Action.SUMMON, "吹哨报到", {"registered", "dispatched", "handling"}, "joint", "case.joint", main=False),
    _t(Action.INVESTIGATE, "调查取证", {"registered", "handling"}, "investigating", "case.investigate", main=False),
    _t(Action.DECIDE, "处理决定", {"investigating"}, "deciding", "case.decide"),
    _t(Action.LEGAL_REVIEW, "法制审核", {"deciding"}, "", "case.legal_review", main=False),
    _t(Action.EXECUTE, "执行", {"deciding"}, "executing", "case.execute"),
    _t(Action.ARCHIVE, "结案归档", {"executing", "deciding"}, "archived", "case.archive"),
    _t(Action.MERGE, "合并", {"reported", "registered"}, "merged", "case.merge", reason=False, main=False),
    # 督办 (the desk puts a case under supervision) and 催办 (presses whoever holds it): recorded events on an
    # open case, from the 督办预警 list; the status and the clock do not change.
    _t(Action.SUPERVISE, "督办", set(OPEN_STATUSES), "", "case.dispatch", main=False),
    _t(Action.URGE, "催办", set(OPEN_STATUSES), "", "case.dispatch", main=False),
)}
"""Every action. A target of "" means the status does not change (recorded event only)."""

NUDGES = frozenset({Action.SUPERVISE.value, Action.URGE.value})
"""督办 / 催办: legal on any open case, never what moves it on (left out of "当前可执行" hints)."""


class TransitionError(ValueError):
    """An action refused in the current state (or missing a required reason), with the dispatcher's wording."""

    def __init__(self, message: str, *, code: str = "", status: str = "", action: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.status = status
        self.action = action


def allowed_actions(status: str) -> list[str]:
    """Actions legal in ``status``, main path first (the order the detail panel shows its buttons in)."""
    legal = [t for t in ACTIONS.values() if status in t.sources]
    return [t.action for t in sorted(legal, key=lambda t: not t.main_path)]


def _missing_steps(status: str, action: str) -> list[str] | None:
    """Labels of the shortest chain of main-path actions leading from ``status`` to where ``action`` is legal."""
    goal = ACTIONS[action].sources
    queue: deque[tuple[str, list[str]]] = deque([(status, [])])
    seen = {status}
    while queue:
        here, path = queue.popleft()
        if here in goal:
            return path
        for t in ACTIONS.values():
            if t.main_path and here in t.sources and t.target and t.target not in seen:
                seen.add(t.target)
                queue.append((t.target, [*path, t.label]))
    return None


def check(code: str, status: str, action: str, *, reason: str = "") -> Transition:
    """The transition for ``action`` from ``status``, or a TransitionError explaining why not."""
    transition = ACTIONS.get(action)
    if transition is None:
        raise TransitionError(f"案件 {code}: 未知操作 {action!r}", code=code, status=status, action=action)
    if status not in transition.sources:
        here = STATUS_ZH.get(status, status)
        if status in CLOSED_STATUSES:
            message = f"案件 {code} 已{here.removeprefix('已')}，不能再{transition.label}"
        else:
            steps = _missing_steps(status, action)
            if steps:
                message = f"案件 {code} 处于 {here}，不能直接{transition.label}（需先{'、'.join(steps)}）"
            else:
                legal = "、".join(ACTIONS[a].label for a in allowed_actions(status) if a not in NUDGES) or "无"
                message = f"案件 {code} 处于 {here}，不能{transition.label}（当前可执行：{legal}）"
        raise TransitionError(message, code=code, status=status, action=action)
    if transition.reason_required and not reason.strip():
        raise TransitionError(f"案件 {code}: {transition.label}必须填写原因", code=code, status=status, action=action)
    return transition
