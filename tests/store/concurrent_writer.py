"""One of several processes writing audited case actions to one database at once (run by test_many_writers).

    python tests/store/concurrent_writer.py URL NAME ACTIONS

Upgrades the schema (possibly at the same moment as the other processes: a new database), then performs
ACTIONS audited case actions (create and 立案, alternately) as its own actor, and prints one JSON line:
{"name": …, "codes": [...], "failures": [...]}. Every action waits for its commit before the next.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass


@dataclass(frozen=True)
class _ConsoleUser:
    username: str
    role: str


def main(url: str, name: str, actions: int) -> int:
    from commandcenter.cases.calendar import load_calendar
    from commandcenter.cases.categories import load_categories
    from commandcenter.cases.model import NewCase
    from commandcenter.cases.service import CaseService
    from commandcenter.enforcement.services import EnforcementServices
    from commandcenter.runtime.tasks import TaskManager
    from commandcenter.store import Store

    store = Store(url)
    tasks = TaskManager(name=name)
    codes: list[str] = []
    failures: list[str] = []
    try:
        store.upgrade()
        enforcement = EnforcementServices.create(store, tasks=tasks, config_users=[_ConsoleUser(name, "admin")])
        cases = CaseService(store, load_calendar(), load_categories(), authorize=enforcement.authorize,
                            audit=enforcement.audit_hook, guard=enforcement.guard)
        for i in range(actions):
            try:
                if i % 2 == 0:
                    case = cases.create_case(NewCase(source="patrol", category="BJ0101", lat=32.04 + i * 1e-5,
                                                     lon=118.78, description=f"{name} 第{i}件"), name).result(60)
                    codes.append(case.code)
                else:
                    cases.register(codes[-1], name, note=f"{name} 立案").result(60)
            except Exception as exc:  # every failure is reported, none stops the run
                failures.append(f"action {i}: {type(exc).__name__}: {exc}")
        enforcement.close()
    except Exception as exc:
        failures.append(f"start: {type(exc).__name__}: {exc}")
    finally:
        tasks.stop()
        store.close()
    print(json.dumps({"name": name, "codes": codes, "failures": failures}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
