"""Several processes (consoles, the CLI, later the server) write to one database at once.

Three processes × 200 audited case actions, started together on a new database (so they also race to create
the schema), on an SQLite file and on PostgreSQL: no action fails, case codes are unique, the audit chain
verifies — the head, case codes and serials come from the database inside the writing transaction.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from commandcenter.enforcement.audit import AuditLog, verify
from commandcenter.store import Store

WORKER = Path(__file__).with_name("concurrent_writer.py")
PROCESSES, ACTIONS = 3, 200


def run_writers(url: str) -> list[dict[str, object]]:
    root = Path(__file__).resolve().parents[2]
    env = {**__import__("os").environ, "PYTHONPATH": str(root)}
    procs = [subprocess.Popen([sys.executable, str(WORKER), url, f"console-{n}", str(ACTIONS)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
             for n in range(PROCESSES)]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err[-2000:]
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


def check(store: Store, results: list[dict[str, object]]) -> None:
    failures = [f for r in results for f in r["failures"]]  # type: ignore[attr-defined]
    assert failures == []
    codes = [c for r in results for c in r["codes"]]  # type: ignore[attr-defined]
    assert len(codes) == PROCESSES * ACTIONS // 2
    assert len(set(codes)) == len(codes)
    result = verify(store, check_evidence=False)
    assert result.ok, result.summary()
    # every create and every 立案 is in the one chain
    actions = [e.action for e in AuditLog(store).entries(limit=100_000)]
    assert actions.count("case.create") == PROCESSES * ACTIONS // 2
    assert result.records >= PROCESSES * ACTIONS


@pytest.mark.slow
def test_three_processes_on_one_sqlite_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    results = run_writers(url)
    store = Store(url)
    try:
        check(store, results)
    finally:
        store.close()
    cli = subprocess.run([sys.executable, "-m", "commandcenter", "audit", "verify", "--db", url, "--no-evidence"],
                         capture_output=True, text=True, timeout=300)
    assert cli.returncode == 0, cli.stdout + cli.stderr
    assert cli.stdout.startswith("OK:")


@pytest.mark.slow
@pytest.mark.postgres
def test_three_processes_on_one_postgresql_database(pg_store: Store) -> None:
    results = run_writers(pg_store.url)
    check(pg_store, results)


def test_a_second_writer_does_not_break_the_first(tmp_path: Path) -> None:
    """The reported defect: with a console running, `user add` (another process's audited write) in between
    made every later audited action of the console fail with a UNIQUE violation on audit_log.seq."""
    url = f"sqlite:///{tmp_path / 'console.db'}"
    console = Store(url)
    try:
        console.upgrade()
        log = AuditLog(console)
        log.record("admin", "case.create", "case:1").result(30)
        other = Store(url)
        AuditLog(other).record("cli:root", "user.add", "user:someone").result(30)
        other.close()
        entry = log.record("admin", "case.register", "case:1").result(30)
        assert entry.seq == 3
        assert verify(console, check_evidence=False).ok
    finally:
        console.close()
