"""The hash chain: canonical encoding, appends, and tampering made directly in SQLite detected by verify."""

from __future__ import annotations

import itertools
import json
import sqlite3
from pathlib import Path

import pytest

from commandcenter.enforcement.audit import (
    GENESIS_HASH,
    AuditLog,
    audit_main,
    canonical_json,
    make_anchor,
    verify,
)
from commandcenter.store import Store


def _db_path(store: Store) -> str:
    return store.url.removeprefix("sqlite:///")


def _fill(store: Store, n: int = 20) -> AuditLog:
    log = AuditLog(store)
    store.write(lambda s: log.append_many(
        s, [("dispatcher", "case.dispatch", f"case:{i % 3}", {"officer": f"o{i}", "备注": "派遣"}) for i in range(n)]))
    return log


def _tamper(store: Store, *statements: str) -> None:
    """Edit the database behind the application's back (dropping the append-only triggers first)."""
    conn = sqlite3.connect(_db_path(store))
    conn.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
    conn.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()


def test_canonical_json() -> None:
    assert canonical_json({"b": 1, "a": "张三", "c": [1, 2]}) == '{"a":"张三","b":1,"c":[1,2]}'
    with pytest.raises(ValueError):
        canonical_json({"x": float("nan")})


def test_chain_links_and_verifies(store: Store) -> None:
    log = _fill(store, 5)
    entries = log.entries()
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0].prev_hash == GENESIS_HASH
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(entries))
    assert entries[0].data == canonical_json({"officer": "o0", "备注": "派遣"})
    result = verify(store)
    assert result.ok and result.records == 5 and result.head_seq == 5


def test_rolled_back_append_does_not_poison_the_head(store: Store) -> None:
    log = _fill(store, 3)

    def failing(session):  # type: ignore[no-untyped-def]
        log.append(session, "x", "case.create", "case:9", {})
        raise RuntimeError("the case action failed")

    with pytest.raises(RuntimeError):
        store.write(failing)
    log.record("x", "case.create", "case:9", {}).result(10)
    assert [e.seq for e in log.entries()] == [1, 2, 3, 4]
    assert verify(store).ok


def test_database_refuses_updates_and_deletes(store: Store) -> None:
    _fill(store, 2)
    conn = sqlite3.connect(_db_path(store))
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("UPDATE audit_log SET actor = 'x' WHERE seq = 1")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("DELETE FROM audit_log WHERE seq = 1")
    conn.close()


def test_edited_content_is_a_hash_mismatch(store: Store) -> None:
    _fill(store)
    _tamper(store, """UPDATE audit_log SET data = '{"officer":"someone-else"}' WHERE seq = 7""")
    result = verify(store)
    assert not result.ok
    assert result.first_break is not None
    assert (result.first_break.seq, result.first_break.kind) == (7, "hash")
    assert "hash mismatch" in result.first_break.reason


def test_edited_and_rehashed_record_breaks_the_next_link(store: Store) -> None:
    """An editor who recomputes the edited record's hash still breaks prev_hash of the following one."""
    from commandcenter.enforcement.audit import record_hash

    _fill(store)
    entry = AuditLog(store).entries()[6]
    forged = record_hash(entry.seq, entry.time, "leader", entry.action, entry.subject, entry.data, entry.prev_hash)
    _tamper(store, f"UPDATE audit_log SET actor = 'leader', hash = '{forged}' WHERE seq = 7")
    result = verify(store)
    assert result.first_break is not None
    assert (result.first_break.seq, result.first_break.kind) == (8, "prev_hash")


def test_deleted_row_is_a_gap(store: Store) -> None:
    _fill(store)
    _tamper(store, "DELETE FROM audit_log WHERE seq = 12")
    result = verify(store)
    assert result.first_break is not None
    assert (result.first_break.seq, result.first_break.kind) == (12, "gap")
    assert "deleted" in result.first_break.reason


def test_deleted_first_row(store: Store) -> None:
    _fill(store)
    _tamper(store, "DELETE FROM audit_log WHERE seq = 1")
    result = verify(store)
    assert result.first_break is not None and result.first_break.kind == "start"


def test_reordered_rows_are_a_prev_hash_mismatch(store: Store) -> None:
    _fill(store)
    _tamper(store,
            "UPDATE audit_log SET seq = -1 WHERE seq = 5",
            "UPDATE audit_log SET seq = 5 WHERE seq = 6",
            "UPDATE audit_log SET seq = 6 WHERE seq = -1")
    result = verify(store)
    assert result.first_break is not None
    assert (result.first_break.seq, result.first_break.kind) == (5, "prev_hash")


def test_verify_streams_in_chunks(store: Store) -> None:
    _fill(store, 95)
    _tamper(store, "UPDATE audit_log SET subject = 'case:x' WHERE seq = 77")
    result = verify(store, chunk=10)
    assert result.records == 95 and result.first_break is not None and result.first_break.seq == 77


def test_anchor_detects_a_rewritten_or_truncated_chain(store: Store, tmp_path: Path) -> None:
    _fill(store, 10)
    anchor = make_anchor(store)
    assert anchor["seq"] == 10
    assert verify(store, anchor=anchor).ok
    # Rewrite the tail consistently (every hash recomputed): only the anchor can tell.
    _tamper(store, "DELETE FROM audit_log WHERE seq > 8")
    result = verify(store, anchor=anchor)
    assert result.first_break is not None and result.first_break.kind == "anchor"
    assert "truncated" in result.first_break.reason


def test_audit_cli(store: Store, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    _fill(store, 10)
    url = store.url
    anchor_file = tmp_path / "anchor.json"
    assert audit_main(["anchor", "--db", url, "--out", str(anchor_file)]) == 0
    assert json.loads(anchor_file.read_text(encoding="utf-8"))["seq"] == 10
    assert audit_main(["verify", "--db", url, "--anchor", str(anchor_file)]) == 0
    assert "OK" in capsys.readouterr().out
    _tamper(store, "UPDATE audit_log SET action = 'case.close' WHERE seq = 3")
    assert audit_main(["verify", "--db", url]) == 1
    assert "BROKEN at seq 3" in capsys.readouterr().out


def test_savepoint_rollback_keeps_the_chain_gapless(store: Store) -> None:
    """A case action that appends inside a SAVEPOINT which is rolled back must not leave a gap in seq."""
    log = _fill(store, 2)

    def job(session):  # type: ignore[no-untyped-def]
        log.append(session, "a", "case.create", "case:1", {})
        nested = session.begin_nested()
        log.append(session, "a", "case.dispatch", "case:1", {"lost": True})
        nested.rollback()
        log.append(session, "a", "case.register", "case:1", {})

    store.write(job)
    log.record("a", "case.close", "case:1", {}).result(10)
    assert [(e.seq, e.action) for e in log.entries()][2:] == [
        (3, "case.create"), (4, "case.register"), (5, "case.close")]
    assert verify(store).ok


def test_cli_entry_points_are_delegated(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """``commandcenter audit|user`` reach this package through commandcenter.enforcement.cli."""
    from commandcenter.enforcement import cli

    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    assert cli.audit_main(["verify", "--db", url]) == 2  # no schema yet: a clear error, not a traceback
    assert "db upgrade" in capsys.readouterr().err
    assert cli.user_main(["add", "li", "--role", "admin", "--password", "long-enough", "--db", url]) == 0
    assert cli.audit_main(["verify", "--db", url, "--evidence-dir", str(tmp_path / "ev")]) == 0


def test_record_hash_is_sha256_of_the_canonical_encoding() -> None:
    """The fast path of record_hash must equal the documented definition byte for byte."""
    import hashlib
    from datetime import UTC, datetime, timedelta, timezone

    from commandcenter.enforcement.audit import record_hash

    moment = datetime(2026, 11, 21, 22, 10, 0, 5, tzinfo=UTC)
    for when in (moment, moment.astimezone(timezone(timedelta(hours=8)))):
        fields = [7, "2026-11-21T22:10:00.000005Z", "张三\"\\", "case.dispatch", "case:1", '{"a":"\\n派遣"}', "ab" * 32]
        expected = hashlib.sha256(canonical_json(fields).encode("utf-8")).hexdigest()
        assert record_hash(7, when, *fields[2:]) == expected
    assert moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ") == "2026-11-21T22:10:00.000005Z"
