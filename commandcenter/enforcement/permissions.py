"""Roles and permissions: the role × permission matrix (data in ``resources/enforcement/roles.toml``) and the
``Authorizer`` every core service calls before acting.

Why the check lives in the core and not in the views: a button that is merely hidden still leaves the action
reachable from the CLI, a script or a future web view. ``Authorizer.authorize`` is the one gate; a refusal
names the missing permission and is itself written to the audit chain (a refused attempt is part of the
执法全过程记录 too).
"""

from __future__ import annotations

import time
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select

from commandcenter import paths

if TYPE_CHECKING:
    from commandcenter.enforcement.audit import AuditLog
    from commandcenter.store import Store

ROLES_FILE = paths.RESOURCES / "enforcement" / "roles.toml"


class Role(StrEnum):
    ADMIN = "admin"  # 值班长
    DISPATCHER = "dispatcher"  # 调度员
    PILOT = "pilot"  # 飞手
    LEADER = "leader"  # 领导
    LEGAL = "legal"  # 法制审核员
    OBSERVER = "observer"  # 观察 (read-only wall)
    INTAKE = "intake"  # 接入通道: Open311, hotline import, camera/sensor events — channels, not people
    FIELD = "field"  # 外勤队员: an officer acting from the 城管通 phone app (bearer token, no seat login)
    DEPARTMENT = "department"  # 联动部门: a summoned department's seat (吹哨报到: report in, finish its tasks)


# Roles a person can hold (log in with); intake channels are not people.
# Officers in the street act through their phones (commandcenter.field), not by logging in at a seat.
PERSON_ROLES: tuple[str, ...] = tuple(r.value for r in Role if r not in (Role.INTAKE, Role.FIELD))

ROLE_ZH: dict[str, str] = {
    Role.ADMIN: "值班长",
    Role.DISPATCHER: "调度员",
    Role.PILOT: "飞手",
    Role.LEADER: "领导",
    Role.LEGAL: "法制审核员",
    Role.OBSERVER: "观察",
    Role.INTAKE: "接入通道",
    Role.FIELD: "外勤队员",
    Role.DEPARTMENT: "联动部门",
}

# The permission names are a contract with commandcenter.cases and the views: extend, never rename.
PERMISSIONS: tuple[str, ...] = (
    "case.create", "case.register", "case.reject", "case.dispatch", "case.handle", "case.feedback",
    "case.verify", "case.close", "case.suspend", "case.approve_extension", "case.return", "case.transfer",
    "case.joint", "case.investigate", "case.decide", "case.legal_review", "case.execute", "case.archive",
    "case.merge", "evidence.add", "unit.status",
    "drone.view", "drone.command", "drone.arm", "wall.view", "wall.layout_edit", "map.view",
    "report.view", "report.export", "disclosure.export", "audit.verify", "audit.anchor", "user.manage",
    "document.issue", "device.manage",
    "party.identity",  # see a party's ID number and phone unmasked (issue 16)
    "joint.report", "department.manage",  # 吹哨报到: a department's own tasks; the directory of departments
    "ptz.case_turn",  # the cases this actor creates or registers turn the nearest PTZ camera toward them
)

# Actors that are the application itself (timers, importers), not people: they hold every permission.
# ``auth.create_user`` refuses these names so nobody can log in as one.
SYSTEM_ACTORS: frozenset[str] = frozenset({"system"})


class PermissionDenied(PermissionError):
    """An actor lacks a permission. ``permission`` names the missing one (shown to the user, audited)."""

    def __init__(self, actor: str, permission: str, role: str | None, reason: str = "") -> None:
        self.actor = actor
        self.permission = permission
        self.role = role
        self.reason = reason or (
            f"role {role!r} does not grant it" if role else "the user is unknown or disabled")
        super().__init__(f"{actor!r} may not do this: missing permission {permission!r} ({self.reason})")

    @property
    def message_zh(self) -> str:
        """The refusal in the bureau's words, for the status bar."""
        who = f"{self.actor}（{ROLE_ZH.get(self.role, self.role)}）" if self.role else self.actor
        return f"无权执行此操作：{who} 缺少权限 {self.permission}"


class MatrixError(ValueError):
    """The role matrix file is invalid (unknown role or permission), with the file and key."""


@dataclass(frozen=True, slots=True)
class RoleMatrix:
    """Which permissions each role holds. Built from roles.toml; immutable."""

    grants: Mapping[str, frozenset[str]]
    names: Mapping[str, str]

    def allows(self, role: str, permission: str) -> bool:
        return permission in self.grants.get(role, frozenset())

    def permissions_of(self, role: str) -> frozenset[str]:
        return self.grants.get(role, frozenset())


def load_matrix(path: Path | None = None) -> RoleMatrix:
    """Parse and validate the role matrix; an unknown role or permission name is an error, not a no-op."""
    path = path or ROLES_FILE
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise MatrixError(f"{path}: cannot read the role matrix: {exc}") from exc
    roles = raw.get("roles")
    if not isinstance(roles, dict):
        raise MatrixError(f"{path}: expected [roles.<role>] tables")
    grants: dict[str, frozenset[str]] = {}
    names: dict[str, str] = {}
    known = set(PERMISSIONS)
    for role, table in roles.items():
        if role not in Role.__members__.values():
            raise MatrixError(f"{path}: roles.{role}: unknown role; expected one of {[r.value for r in Role]}")
        perms = table.get("permissions", [])
        if not isinstance(perms, list) or not all(isinstance(p, str) for p in perms):
            raise MatrixError(f"{path}: roles.{role}.permissions: expected a list of strings")
        if "*" in perms:
            grants[role] = frozenset(PERMISSIONS)
        else:
            unknown = sorted(set(perms) - known)
            if unknown:
                raise MatrixError(f"{path}: roles.{role}.permissions: unknown permission(s) {unknown}")
            grants[role] = frozenset(perms)
        names[role] = str(table.get("name", ROLE_ZH.get(role, role)))
    for role in Role:
        grants.setdefault(role.value, frozenset())
        names.setdefault(role.value, ROLE_ZH[role])
    return RoleMatrix(grants=grants, names=names)


AuthorizeFn = Callable[[str, str], None]

# Bumped by AuthService on every user change, so every Authorizer of the process drops its cached roles at
# once; other processes' changes are seen within ROLE_CACHE_SECONDS.
_generation = [0]
ROLE_CACHE_SECONDS = 2.0


def users_changed() -> None:
    """Invalidate the role caches of all Authorizers in this process (called by AuthService)."""
    _generation[0] += 1


def _clip(value: str, length: int) -> str:
    """Untrusted names (a typed username) are cut to the audit columns' width instead of failing the insert."""
    return value if len(value) <= length else value[: length - 1] + "…"


class Authorizer:
    """The permission gate. ``authorize(actor, permission)`` returns or raises ``PermissionDenied``.

    The actor's role comes from the ``users`` table at every call (so disabling a user takes effect at once);
    ``extra_roles`` adds users known only from the config file (``[[users]]``). Refusals are appended to the
    audit chain through ``store.submit`` — never waited for, so ``authorize`` is safe on any thread, including
    inside a writer job (the refusal then lands in its own transaction, surviving the job's rollback).
    """

    def __init__(self, store: Store, audit: AuditLog, *, matrix: RoleMatrix | None = None,
                 extra_roles: Mapping[str, str] | None = None) -> None:
        self.store = store
        self.audit = audit
        self.matrix = matrix or load_matrix()
        self.extra_roles = dict(extra_roles or {})
        self._roles: dict[str, tuple[float, int, str | None]] = {}

    def role_of(self, actor: str) -> str | None:
        """The actor's role, or None for an unknown or disabled user.

        Cached for ``ROLE_CACHE_SECONDS`` (views ask on every state change; CaseService asks on the caller's
        thread), and dropped at once when this process changes a user.
        """
        from commandcenter.enforcement.tables import User

        now = time.monotonic()
        cached = self._roles.get(actor)
        if cached is not None and cached[1] == _generation[0] and now - cached[0] < ROLE_CACHE_SECONDS:
            return cached[2]
        row = self.store.read(lambda s: s.execute(
            select(User.role, User.disabled).where(User.username == actor)).first())
        if row is not None:
            role = None if row.disabled else str(row.role)
        else:
            role = self.extra_roles.get(actor)
        self._roles[actor] = (now, _generation[0], role)
        return role

    def grant(self, actor: str, role: str) -> None:
        """Let ``actor`` act with ``role`` without a users row (a paired officer's phone: role ``field``).

        A users row of the same name still wins (``role_of`` reads the table first); the field service refuses
        such an officer rather than let a phone act with a login user's role.
        """
        self.extra_roles[actor] = role
        self._roles.pop(actor, None)

    def allowed(self, actor: str, permission: str) -> bool:
        """Whether the actor holds the permission (for enabling buttons; records nothing)."""
        if actor in SYSTEM_ACTORS:
            return True
        role = self.role_of(actor)
        return role is not None and self.matrix.allows(role, permission)

    def authorize(self, actor: str, permission: str) -> None:
        """Return if allowed; otherwise record the refusal in the audit log and raise PermissionDenied."""
        if actor in SYSTEM_ACTORS:
            return
        role = self.role_of(actor)
        if permission not in PERMISSIONS:
            reason = "no such permission"
        elif role is None:
            reason = "the user is unknown or disabled"
        elif self.matrix.allows(role, permission):
            return
        else:
            reason = f"role {role!r} does not grant it"
        self.audit.record(_clip(actor, 64), "permission.denied", _clip(f"user:{actor}", 128),
                          {"permission": permission, "role": role or "", "reason": reason})
        raise PermissionDenied(actor, permission, role, reason)


# The view permission each screen of a seat needs. The dispatch screen is a work screen without one: each of
# its actions is checked on its own.
SCREEN_VIEW_PERMISSIONS: Mapping[str, str] = {
    "wall": "wall.view", "map": "map.view", "drones": "drone.view", "briefing": "report.view",
    "replay": "report.view",  # 复盘: leadership reviews a response
}


@dataclass(frozen=True, slots=True)
class PermissionGate:
    """The permission check of the person at one seat, for actions that are not service commands with an actor
    argument: saving a wall layout, exporting a report. Models hold a gate and ask it before acting, so the rule
    is enforced in the core whichever view (or script) triggers the action; the Authorizer audits refusals.

    ``authorize`` None is the open gate of tools and tests without an enforcement service: everything allowed.
    """

    actor: str
    authorize: AuthorizeFn | None = None

    def require(self, permission: str) -> None:
        """Return when the seat's user holds ``permission``; otherwise raise PermissionDenied (audited)."""
        if permission not in PERMISSIONS:
            raise ValueError(f"unknown permission {permission!r}; declared ones are in PERMISSIONS")
        if self.authorize is not None:
            self.authorize(self.actor, permission)

    def require_screen(self, screen: str) -> None:
        """Opening a screen (``wall``, ``map``, ``drones``, ``briefing`` …) needs its view permission."""
        permission = SCREEN_VIEW_PERMISSIONS.get(screen)
        if permission is not None:
            self.require(permission)


OPEN_GATE = PermissionGate("system")
