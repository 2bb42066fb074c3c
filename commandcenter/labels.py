"""The one place where stored codes become the words people read: case statuses, workflow actions (history
verbs), roles, zone kinds, unit statuses and case categories.

Why one module: the same status used to be spelled in four dicts, so English mode showed "已派遣" in one panel
and "dispatched" in another, and history lines read "admin register 已立案".  Every label here goes through
Qt's translation system (``QCoreApplication.translate``, QtCore only, so the core may use it): the source
texts are English, the Chinese comes from ``resources/translations/labels_zh_CN.ts`` (compiled to ``.qm`` by
setup and installed by :func:`commandcenter.i18n.install_language`).  With no Chinese catalogue installed the
words are English, which is what ``--lang en`` means.  Category names are bureau data (``categories.csv``, in
Chinese), so their English names come from that file's ``英文名称`` column instead of a catalogue.

The API, for views, reports and services alike::

    status_label("dispatched")           # 已派遣 / Dispatched
    action_label("register")             # 立案 / registered            (history verbs)
    role_label("admin")                  # 值班长 / Duty chief
    unit_status_label("resting")         # 休息 / Resting
    task_status_label("done")            # 已完成 / Done
    zone_kind_label("禁止设摊区")         # 禁止设摊区 / No-vending zone
    category_label("SJ0401", "占道经营")  # 占道经营 / Street vending
    actor_label("zhang", role="admin", name="张三")          # 值班长 张三 / Duty chief 张三
    history_text("zhang", "register", role="admin", name="张三", to_status="registered")
                                         # 值班长 张三 立案 → 已立案 / Duty chief 张三 registered → Registered

Unknown codes are returned as they are (a code added to the data before the catalogue still shows up).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from typing import Protocol

from PySide6.QtCore import QCoreApplication

from commandcenter import i18n

__all__ = [
    "ACTION_LABELS",
    "ESCALATION_LABELS",
    "ROLE_LABELS",
    "STATUS_LABELS",
    "TASK_STATUS_LABELS",
    "UNIT_STATUS_LABELS",
    "ZONE_KIND_LABELS",
    "action_label",
    "actor_label",
    "category_label",
    "history_text",
    "register_categories",
    "role_label",
    "status_label",
    "task_status_label",
    "unit_status_label",
    "zone_kind_label",
]



def QT_TRANSLATE_NOOP(context: str, source: str) -> str:  # the name pyside6-lupdate looks for
    """Mark ``source`` for the catalogue of ``context`` and return it unchanged (PySide6's own is typed
    ``object``); tests/test_i18n.py runs pyside6-lupdate over this file."""
    return source


# Each table maps a stored code to the English source text of its label (context named in each call).
STATUS_LABELS: Mapping[str, str] = {
    "reported": QT_TRANSLATE_NOOP("CaseStatus", "Awaiting registration"),  # 待立案
    "registered": QT_TRANSLATE_NOOP("CaseStatus", "Registered"),  # 已立案
    "rejected": QT_TRANSLATE_NOOP("CaseStatus", "Not registered"),  # 不予立案
    "dispatched": QT_TRANSLATE_NOOP("CaseStatus", "Dispatched"),  # 已派遣
    "handling": QT_TRANSLATE_NOOP("CaseStatus", "Being handled"),  # 处置中
    "handled": QT_TRANSLATE_NOOP("CaseStatus", "Handled"),  # 已处置
    "verifying": QT_TRANSLATE_NOOP("CaseStatus", "Being verified"),  # 核查中
    "closed": QT_TRANSLATE_NOOP("CaseStatus", "Closed"),  # 已结案
    "suspended": QT_TRANSLATE_NOOP("CaseStatus", "Suspended"),  # 缓办
    "returned": QT_TRANSLATE_NOOP("CaseStatus", "Returned"),  # 已退回
    "transferred": QT_TRANSLATE_NOOP("CaseStatus", "Transferred"),  # 已转办
    "joint": QT_TRANSLATE_NOOP("CaseStatus", "Joint enforcement"),  # 联合执法
    "investigating": QT_TRANSLATE_NOOP("CaseStatus", "Investigating"),  # 调查取证
    "deciding": QT_TRANSLATE_NOOP("CaseStatus", "Awaiting decision"),  # 处理决定
    "executing": QT_TRANSLATE_NOOP("CaseStatus", "Executing"),  # 执行中
    "archived": QT_TRANSLATE_NOOP("CaseStatus", "Archived"),  # 结案归档
    "merged": QT_TRANSLATE_NOOP("CaseStatus", "Merged"),  # 已合并
}

ACTION_LABELS: Mapping[str, str] = {
    # workflow.ACTIONS, as verbs of a history line ("<who> <verb>")
    "create": QT_TRANSLATE_NOOP("CaseAction", "reported"),  # 上报
    "register": QT_TRANSLATE_NOOP("CaseAction", "registered"),  # 立案
    "reject": QT_TRANSLATE_NOOP("CaseAction", "declined to register"),  # 不予立案
    "dispatch": QT_TRANSLATE_NOOP("CaseAction", "dispatched"),  # 派遣
    "arrive": QT_TRANSLATE_NOOP("CaseAction", "arrived on scene"),  # 到场处置
    "feedback": QT_TRANSLATE_NOOP("CaseAction", "reported back"),  # 处理反馈
    "verify": QT_TRANSLATE_NOOP("CaseAction", "verified"),  # 核查
    "close": QT_TRANSLATE_NOOP("CaseAction", "closed"),  # 结案
    "rework": QT_TRANSLATE_NOOP("CaseAction", "sent back for rework"),  # 返工
    "suspend": QT_TRANSLATE_NOOP("CaseAction", "suspended"),  # 缓办
    "resume": QT_TRANSLATE_NOOP("CaseAction", "resumed"),  # 恢复办理
    "extend": QT_TRANSLATE_NOOP("CaseAction", "extended the deadline"),  # 延期
    "return": QT_TRANSLATE_NOOP("CaseAction", "returned"),  # 退回
    "transfer": QT_TRANSLATE_NOOP("CaseAction", "transferred"),  # 转办
    "summon": QT_TRANSLATE_NOOP("CaseAction", "summoned departments"),  # 吹哨报到
    "investigate": QT_TRANSLATE_NOOP("CaseAction", "opened an investigation"),  # 调查取证
    "decide": QT_TRANSLATE_NOOP("CaseAction", "proposed a decision"),  # 处理决定
    "legal_review": QT_TRANSLATE_NOOP("CaseAction", "reviewed the legality"),  # 法制审核
    "execute": QT_TRANSLATE_NOOP("CaseAction", "executed the decision"),  # 执行
    "archive": QT_TRANSLATE_NOOP("CaseAction", "archived"),  # 结案归档
    "merge": QT_TRANSLATE_NOOP("CaseAction", "merged into another case"),  # 合并
    "supervise": QT_TRANSLATE_NOOP("CaseAction", "put the case under supervision"),  # 督办
    "urge": QT_TRANSLATE_NOOP("CaseAction", "urged the case on"),  # 催办
    "locate": QT_TRANSLATE_NOOP("CaseAction", "placed the case on the map"),  # 地图定位
    "rate": QT_TRANSLATE_NOOP("CaseAction", "recorded the public's rating"),  # 群众评价
    # events the service records besides the workflow actions
    "absorb": QT_TRANSLATE_NOOP("CaseAction", "merged a duplicate report in"),  # 并入重复案件
    "escalate": QT_TRANSLATE_NOOP("CaseAction", "escalated"),  # 超时升级
    "task": QT_TRANSLATE_NOOP("CaseAction", "updated a department task"),  # 更新联合执法任务
    "evidence": QT_TRANSLATE_NOOP("CaseAction", "added evidence"),  # 添加证据
    "accept": QT_TRANSLATE_NOOP("CaseAction", "accepted the task on the phone"),  # 接单 (城管通)
    "approve": QT_TRANSLATE_NOOP("CaseAction", "approved the request"),  # 批准申请
    "request_suspend": QT_TRANSLATE_NOOP("CaseAction", "asked to suspend"),  # 申请缓办
    "request_extend": QT_TRANSLATE_NOOP("CaseAction", "asked for more time"),  # 申请延期
    "deny_suspend": QT_TRANSLATE_NOOP("CaseAction", "refused the suspension"),  # 驳回缓办
    "deny_extend": QT_TRANSLATE_NOOP("CaseAction", "refused the extension"),  # 驳回延期
}

ROLE_LABELS: Mapping[str, str] = {
    "admin": QT_TRANSLATE_NOOP("Role", "Duty chief"),  # 值班长
    "dispatcher": QT_TRANSLATE_NOOP("Role", "Dispatcher"),  # 调度员
    "pilot": QT_TRANSLATE_NOOP("Role", "Drone pilot"),  # 飞手
    "leader": QT_TRANSLATE_NOOP("Role", "Leader"),  # 领导
    "legal": QT_TRANSLATE_NOOP("Role", "Legal reviewer"),  # 法制审核员
    "observer": QT_TRANSLATE_NOOP("Role", "Observer"),  # 观察
    "intake": QT_TRANSLATE_NOOP("Role", "Intake channel"),  # 接入通道
    "field": QT_TRANSLATE_NOOP("Role", "Field officer"),  # 外勤队员
    "department": QT_TRANSLATE_NOOP("Role", "Partner department"),  # 联动部门
}

UNIT_STATUS_LABELS: Mapping[str, str] = {
    "idle": QT_TRANSLATE_NOOP("UnitStatus", "Available"),  # 空闲
    "dispatched": QT_TRANSLATE_NOOP("UnitStatus", "En route"),  # 出警
    "handling": QT_TRANSLATE_NOOP("UnitStatus", "On scene"),  # 处置中
    "resting": QT_TRANSLATE_NOOP("UnitStatus", "Resting"),  # 休息
    "offline": QT_TRANSLATE_NOOP("UnitStatus", "Offline"),  # 离线
}

TASK_STATUS_LABELS: Mapping[str, str] = {  # a department's task in a joint enforcement (联合执法)
    "summoned": QT_TRANSLATE_NOOP("TaskStatus", "Summoned"),  # 已吹哨
    "reported": QT_TRANSLATE_NOOP("TaskStatus", "Reported in"),  # 已报到
    "done": QT_TRANSLATE_NOOP("TaskStatus", "Done"),  # 已完成
    "refused": QT_TRANSLATE_NOOP("TaskStatus", "Refused"),  # 拒绝
}

# Zone kinds are stored in Chinese (they are the bureau's terms, see commandcenter.domain.ZoneKind).
ZONE_KIND_LABELS: Mapping[str, str] = {
    "疏导点": QT_TRANSLATE_NOOP("ZoneKind", "Designated vending area"),
    "管控点": QT_TRANSLATE_NOOP("ZoneKind", "Control point"),
    "特色点": QT_TRANSLATE_NOOP("ZoneKind", "Feature spot"),
    "禁止设摊区": QT_TRANSLATE_NOOP("ZoneKind", "No-vending zone"),
    "单元网格": QT_TRANSLATE_NOOP("ZoneKind", "Unit grid cell"),
    "责任区": QT_TRANSLATE_NOOP("ZoneKind", "Responsibility area"),
}

# The SLA level an ``escalate`` event records in its data (the stored note is fixed Chinese).
ESCALATION_LABELS: Mapping[str, str] = {
    "warning": QT_TRANSLATE_NOOP("Escalation", "due soon"),  # 即将超时
    "overdue": QT_TRANSLATE_NOOP("Escalation", "overdue"),  # 已超时
}

_SYSTEM_ACTOR = QT_TRANSLATE_NOOP("Actor", "System")  # 系统: timers and importers acting on their own
_STATUS_ARROW = "→"


def _translate(context: str, table: Mapping[str, str], code: str) -> str:
    source = table.get(code)
    return QCoreApplication.translate(context, source) if source is not None else code


def status_label(status: str) -> str:
    """A case status (``workflow.CaseStatus`` value) as the user's language says it."""
    return _translate("CaseStatus", STATUS_LABELS, status)


def action_label(action: str) -> str:
    """A case history verb (``workflow.ACTIONS`` key or a recorded event such as ``escalate``)."""
    return _translate("CaseAction", ACTION_LABELS, action)


def role_label(role: str) -> str:
    """A role of the role matrix (``enforcement.permissions.Role`` value)."""
    return _translate("Role", ROLE_LABELS, role)


def unit_status_label(status: str) -> str:
    """An officer's or vehicle's status (``domain.OfficerStatus`` value)."""
    return _translate("UnitStatus", UNIT_STATUS_LABELS, status)


def task_status_label(status: str) -> str:
    """A joint-enforcement task's status (``cases.model.TaskView.status``)."""
    return _translate("TaskStatus", TASK_STATUS_LABELS, status)


def zone_kind_label(kind: str) -> str:
    """A zone kind (``domain.ZoneKind`` value: 疏导点, 单元网格 …)."""
    return _translate("ZoneKind", ZONE_KIND_LABELS, kind)


def actor_label(actor: str, *, role: str = "", name: str = "") -> str:
    """Who did something, as a history line names them: role and display name (值班长 张三).

    ``system`` is the application itself; an actor without a known user (an intake channel, ``cli:…``) is
    shown by role (when known) and its account name.
    """
    if actor == "system":
        return QCoreApplication.translate("Actor", _SYSTEM_ACTOR)
    who = name or actor
    return f"{role_label(role)} {who}" if role else who


def history_text(actor: str, action: str, *, role: str = "", name: str = "", to_status: str = "",
                 note: str = "", data: Mapping[str, object] | None = None) -> str:
    """One case history line without its time: "值班长 张三 立案 → 已立案  自动立案".

    ``data`` is the event's data: an escalation's SLA level there replaces its stored (Chinese) note.
    """
    level = str((data or {}).get("level", "")) if action == "escalate" else ""
    if level in ESCALATION_LABELS:
        note = QCoreApplication.translate("Escalation", ESCALATION_LABELS[level])
    parts = [actor_label(actor, role=role, name=name), action_label(action)]
    if to_status:
        parts.append(f"{_STATUS_ARROW} {status_label(to_status)}")
    text = " ".join(parts)
    return f"{text}  {note}" if note else text


# ------------------------------------------------------------------------------------------- categories


class _NamedCategory(Protocol):
    """What labels need of a ``cases.categories.Category`` (read-only, as the frozen dataclass is)."""

    @property
    def code(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def name_en(self) -> str: ...


_category_lock = threading.Lock()
_category_names: dict[str, tuple[str, str]] = {}  # code → (Chinese 小类 name, English name)
_defaults_loaded = False


def register_categories(categories: Iterable[_NamedCategory]) -> None:
    """Make a category table's names known (the composition registers the table it loaded; the bundled
    ``categories.csv`` is known without registering)."""
    with _category_lock:
        for c in categories:
            _category_names[c.code] = (c.name, c.name_en)


def _load_default_categories() -> None:
    global _defaults_loaded
    if _defaults_loaded:
        return
    from commandcenter.cases.categories import CategoryError, load_categories

    try:
        table = load_categories()
    except CategoryError:
        table = None
    with _category_lock:
        if table is not None:
            for c in table:
                _category_names.setdefault(c.code, (c.name, c.name_en))
        _defaults_loaded = True


def category_label(code: str, name: str = "") -> str:
    """A case category (code such as ``SJ0401``; ``name`` is the stored Chinese 小类 name).

    English mode shows the table's English name and falls back to the stored name when the bureau left the
    column empty; Chinese mode shows the Chinese name.
    """
    _load_default_categories()
    zh, en = _category_names.get(code, (name, ""))
    if i18n.current_language() == "en" and en:
        return en
    return name or zh or code
