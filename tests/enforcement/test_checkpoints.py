"""The record is provable: signed checkpoints outside the database, chained case/evidence rows, URL evidence.

Every attack is made directly in the database (a real SQLite file and a real PostgreSQL database), as an insider
who owns the database but not the signing key or the checkpoint file would make it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from commandcenter.cases.calendar import load_calendar
from commandcenter.cases.categories import load_categories
from commandcenter.cases.model import EvidenceRef, NewCase
from commandcenter.cases.service import CaseService
from commandcenter.config import AuditConfig, parse_config
from commandcenter.enforcement import audit as audit_module
from commandcenter.enforcement.audit import (
    AuditLog,
    VerifyResult,
    checkpoint_service,
    verify,
    write_checkpoint,
)
from commandcenter.enforcement.checkpoints import (
    CheckpointError,
    CheckpointFile,
    generate_key,
    load_public_key,
    load_signing_key,
)
from commandcenter.store import Store

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest) -> Iterator[Store]:
    """The same attacks on a real SQLite file and on a real PostgreSQL database."""
    store: Store = request.getfixturevalue("store" if request.param == "sqlite" else "pg_store")
    if request.param == "postgres":
        store.upgrade()
    yield store


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "keys" / "audit.key"
    generate_key(path)
    return path


def _tamper(store: Store, *statements: str) -> None:
    """Edit the database behind the application's back, append-only triggers dropped first."""
    with store.engine.begin() as conn:
        if store.engine.dialect.name == "sqlite":
            conn.execute(text("DROP TRIGGER IF EXISTS audit_log_no_update"))
            conn.execute(text("DROP TRIGGER IF EXISTS audit_log_no_delete"))
        else:
            conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
        for statement in statements:
            conn.execute(text(statement))


def _fill(store: Store, n: int, tag: str = "o") -> AuditLog:
    log = AuditLog(store)
    store.write(lambda s: log.append_many(
        s, [("dispatcher", "case.dispatch", f"case:{i % 3}", {"officer": f"{tag}{i}"}) for i in range(n)]))
    return log


def _verify(store: Store, key_file: Path, checkpoints: CheckpointFile) -> VerifyResult:
    public = load_public_key(str(key_file) + ".pub")
    return verify(store, check_evidence=False, checkpoints=checkpoints.check(public, required=True),
                  public_key=public)


def _kinds(result: VerifyResult) -> list[str]:
    return [p.kind for p in result.problems]


def _signed(store: Store, key_file: Path, tmp_path: Path, n: int = 20) -> CheckpointFile:
    """n records, signed at the head."""
    _fill(store, n)
    checkpoints = CheckpointFile(tmp_path / "checkpoints.jsonl")
    assert write_checkpoint(store, checkpoints, load_signing_key(key_file)) is not None
    return checkpoints


# ------------------------------------------------------------------------------------------------ checkpoints
def test_intact_chain_with_checkpoints_passes(db: Store, key_file: Path, tmp_path: Path) -> None:
    checkpoints = _signed(db, key_file, tmp_path)
    _fill(db, 5, "later")  # appended after the checkpoint: chained, not yet signed, fine
    result = _verify(db, key_file, checkpoints)
    assert result.ok, result.summary()
    assert result.checkpoints_checked == 1 and result.checkpoint_seq == 20 and result.signatures_checked
    assert "5 record(s) after it, chained but not yet signed" in result.summary()


def test_truncated_tail_is_detected(db: Store, key_file: Path, tmp_path: Path) -> None:
    checkpoints = _signed(db, key_file, tmp_path)
    _tamper(db, "DELETE FROM audit_log WHERE seq > 15")
    result = _verify(db, key_file, checkpoints)
    assert not result.ok and result.first_break is None
    assert _kinds(result) == ["truncated"]
    assert "records 16…20 were deleted" in result.summary()


def test_wiped_log_is_detected(db: Store, key_file: Path, tmp_path: Path) -> None:
    checkpoints = _signed(db, key_file, tmp_path)
    _tamper(db, "DELETE FROM audit_log")
    result = _verify(db, key_file, checkpoints)
    assert not result.ok and result.records == 0
    assert _kinds(result) == ["wipe"]
    assert "every record was deleted" in result.summary() and not result.summary().startswith("OK")


def test_rehashed_suffix_is_detected(db: Store, key_file: Path, tmp_path: Path) -> None:
    checkpoints = _signed(db, key_file, tmp_path)
    # Cut the tail and write a different one with correct hashes: the chain itself is consistent again.
    _tamper(db, "DELETE FROM audit_log WHERE seq > 14")
    _fill(db, 6, "rewritten")
    assert verify(db, check_evidence=False).ok  # what the chain alone says
    result = _verify(db, key_file, checkpoints)
    assert _kinds(result) == ["rehash"]
    assert "at seq 20" in result.summary() and "rewritten and re-hashed" in result.summary()


def test_backdated_forged_append_is_detected(db: Store, key_file: Path, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    checkpoints = _signed(db, key_file, tmp_path)
    an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
    monkeypatch.setattr(audit_module, "utcnow", lambda: an_hour_ago)
    _fill(db, 1, "forged")  # a properly chained record, dated before the checkpoint that did not contain it
    result = _verify(db, key_file, checkpoints)
    assert _kinds(result) == ["backdated"]
    assert "record 21" in result.summary() and "forged" in result.summary()


def test_forged_append_with_a_bad_hash_breaks_the_chain(db: Store, key_file: Path, tmp_path: Path) -> None:
    checkpoints = _signed(db, key_file, tmp_path)
    head = AuditLog(db).head()[1]
    _tamper(db, "INSERT INTO audit_log (seq, time, actor, action, subject, data, prev_hash, hash) VALUES "
                f"(21, '2026-11-24 02:00:00.000000', 'admin', 'case.close', 'case:1', '{{}}', '{head}', "
                f"'{'ab' * 32}')")
    result = _verify(db, key_file, checkpoints)
    assert result.first_break is not None and (result.first_break.seq, result.first_break.kind) == (21, "hash")


def test_tampered_checkpoint_file_is_detected(db: Store, key_file: Path, tmp_path: Path) -> None:
    checkpoints = _signed(db, key_file, tmp_path, 10)
    _fill(db, 10)
    write_checkpoint(db, checkpoints, load_signing_key(key_file))
    lines = checkpoints.path.read_text(encoding="utf-8").splitlines()
    # Lower the second checkpoint's seq to hide a truncation of records 11…20.
    second = json.loads(lines[1])
    second["seq"] = 10
    checkpoints.path.write_text(lines[0] + "\n" + json.dumps(second) + "\n", encoding="utf-8")
    result = _verify(db, key_file, checkpoints)
    assert _kinds(result) == ["checkpoint"]
    assert "line 2: the signature does not verify" in result.summary()
    # Removing the first line breaks the file's own chain.
    checkpoints.path.write_text(lines[1] + "\n", encoding="utf-8")
    assert "line 1: does not follow line 0" in _verify(db, key_file, checkpoints).summary()
    # Re-signing with the insider's own key does not help: the configured public key is another.
    checkpoints.path.unlink()
    insider = tmp_path / "insider.key"
    generate_key(insider)
    write_checkpoint(db, checkpoints, load_signing_key(insider))
    assert "signature does not verify" in _verify(db, key_file, checkpoints).summary()
    # Deleting the file, when a key is configured, is reported too.
    checkpoints.path.unlink()
    assert "is missing although checkpoints are configured" in _verify(db, key_file, checkpoints).summary()


def test_keys_are_private_and_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "audit.key"
    pub_path, ident = generate_key(path)
    assert path.stat().st_mode & 0o777 == 0o600 and len(ident) == 16
    assert len(pub_path.read_text().strip()) == 64
    with pytest.raises(CheckpointError, match="refusing to overwrite"):
        generate_key(path)
    path.chmod(0o644)
    with pytest.raises(CheckpointError, match="accessible by others"):
        load_signing_key(path)


def test_checkpoint_service_signs_on_its_timer_and_at_stop(store: Store, key_file: Path, tmp_path: Path) -> None:
    settings = AuditConfig(signing_key=str(key_file), checkpoint_file=str(tmp_path / "cp.jsonl"),
                           checkpoint_minutes=0.1)
    service = checkpoint_service(settings, store)
    assert service is not None and checkpoint_service(AuditConfig(), store) is None
    _fill(store, 3)
    service.start()
    _fill(store, 2)
    service.stop()  # at least the final checkpoint, of the head as it is at stop
    last = CheckpointFile(tmp_path / "cp.jsonl").last()
    assert last is not None and last["seq"] == 5
    assert service.report()["last_checkpoint_seq"] == 5 and service.report()["last_error"] == ""
    service.checkpoint()  # the head did not move: nothing new is written
    assert len((tmp_path / "cp.jsonl").read_text().splitlines()) == service.written


def test_audit_section_of_the_config() -> None:
    config = parse_config('[audit]\nsigning_key = "/etc/cc/audit.key"\ncheckpoint_minutes = 5\n')
    assert config.audit.signing_key == "/etc/cc/audit.key" and config.audit.checkpoint_minutes == 5
    with pytest.raises(ValueError, match=r"audit\.checkpoint_minutes"):
        parse_config("[audit]\ncheckpoint_minutes = 0\n")


# ------------------------------------------------------------------------------------------- chained rows
@pytest.fixture
def cases(db: Store) -> CaseService:
    log = AuditLog(db)
    return CaseService(db, load_calendar(), load_categories(),
                       audit=lambda session, actor, action, target, data: log.append(
                           session, actor, action, target, data))


def _report(cases: CaseService, evidence: list[EvidenceRef]) -> tuple[int, str]:
    view = cases.create_case(NewCase(source="citizen", category="SJ0401", lat=30.0001, lon=119.9951,
                                     description="小区门口垃圾堆了三天", evidence=evidence), "open311").result()
    row = cases.store.read(lambda s: s.execute(text("SELECT id FROM cases WHERE code = :c"), {"c": view.code}).one())
    return int(row[0]), view.code


def test_deleted_case_row_is_detected(db: Store, cases: CaseService, tmp_path: Path) -> None:
    case_id, code = _report(cases, [])
    _report(cases, [])
    assert verify(db, check_evidence=False).ok
    _tamper(db, f"DELETE FROM case_events WHERE case_id = {case_id}", f"DELETE FROM cases WHERE id = {case_id}")
    result = verify(db, check_evidence=False, chunk=3)  # rows are checked chunk by chunk
    assert _kinds(result) == ["case_deleted"]
    assert f"case {code} (id {case_id}" in result.summary() and "no longer in the database" in result.summary()


def test_swapped_case_code_is_detected(db: Store, cases: CaseService) -> None:
    case_id, _code = _report(cases, [])
    _tamper(db, f"UPDATE cases SET code = 'AJ20990101000001' WHERE id = {case_id}")
    assert _kinds(verify(db, check_evidence=False)) == ["case_changed"]


def test_url_evidence_is_remote_and_its_deleted_row_detected(db: Store, cases: CaseService, tmp_path: Path) -> None:
    photo = EvidenceRef(path="https://img.example.cn/p/123.jpg", note="Open311 media_url")
    _report(cases, [photo])
    result = verify(db, evidence_root=tmp_path)  # evidence checked: a URL is not a missing file
    assert result.ok, result.summary()
    assert result.evidence_remote == 1 and "1 remote (URL) evidence not checked" in result.summary()
    evidence_id = db.read(lambda s: s.execute(text("SELECT id FROM evidence")).scalar_one())
    _tamper(db, f"DELETE FROM evidence WHERE id = {evidence_id}")
    result = verify(db, evidence_root=tmp_path)
    assert _kinds(result) == ["evidence_deleted"]
    assert f"evidence {evidence_id} (added in record" in result.summary()


# ------------------------------------------------------------------------------------------------------ CLI
def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "commandcenter", "audit", *args], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=120)


def test_cli_keygen_checkpoint_verify(store: Store, tmp_path: Path) -> None:
    _fill(store, 12)
    config = tmp_path / "cc.toml"
    config.write_text(f'[database]\nurl = "{store.url}"\n[audit]\nsigning_key = "{tmp_path / "audit.key"}"\n'
                      f'checkpoint_file = "{tmp_path / "cp.jsonl"}"\n', encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CC_DATA_DIR": str(tmp_path / "data")}
    keygen = _cli("keygen", "--config", str(config), env=env)
    assert keygen.returncode == 0, keygen.stderr
    assert (tmp_path / "audit.key").stat().st_mode & 0o777 == 0o600
    signed = _cli("checkpoint", "--config", str(config), env=env)
    assert signed.returncode == 0 and "checkpoint of seq 12" in signed.stdout, signed.stderr
    anchor = _cli("anchor", "--config", str(config), "--sign", "--out", str(tmp_path / "anchor.json"), env=env)
    assert anchor.returncode == 0, anchor.stderr
    ok = _cli("verify", "--config", str(config), "--no-evidence", "--anchor", str(tmp_path / "anchor.json"),
              env=env)
    assert ok.returncode == 0 and ok.stdout.startswith("OK: 13 records"), ok.stdout + ok.stderr
    assert "signatures verified" in ok.stdout
    _tamper(store, "DELETE FROM audit_log WHERE seq > 10")
    truncated = _cli("verify", "--config", str(config), "--no-evidence", env=env)
    assert truncated.returncode == 1 and "TRUNCATED: the chain ends at seq 10" in truncated.stdout
    document = json.loads((tmp_path / "anchor.json").read_text(encoding="utf-8"))
    document["seq"] = 9
    (tmp_path / "anchor.json").write_text(json.dumps(document), encoding="utf-8")
    forged = _cli("verify", "--config", str(config), "--no-evidence", "--anchor", str(tmp_path / "anchor.json"),
                  env=env)
    assert forged.returncode == 1 and "ANCHOR_SIGNATURE" in forged.stdout
    unsigned = _cli("checkpoint", "--db", store.url, "--checkpoints", str(tmp_path / "x.jsonl"), env=env)
    assert unsigned.returncode == 2 and "no signing key" in unsigned.stderr


def test_deleted_decision_and_file_evidence_rows_are_detected(services, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    case_id = services.make_case()
    party = services.decisions.identify_party(case_id, actor="dispatcher", kind="person", name="李四海",
                                              id_number="320105198807071239", phone="13912345678")
    decision = services.decisions.record_decision(case_id, actor="leader", violation_code="ZDJY", party_id=party.id,
                                                  circumstances=["small_area"], findings={})
    photo = tmp_path / "scene.jpg"
    photo.write_bytes(b"\xff\xd8 scene")
    evidence = services.evidence.add(case_id, photo, actor="dispatcher")
    assert verify(services.store, evidence_root=services.evidence.root).ok
    _tamper(services.store, f"DELETE FROM enforcement_decisions WHERE id = {decision.id}",
            f"DELETE FROM evidence WHERE id = {evidence.id}")
    result = verify(services.store, evidence_root=services.evidence.root)
    assert sorted(_kinds(result)) == ["decision_deleted", "evidence_deleted"]
    assert f"decision {decision.id} (recorded in record" in result.summary()
    assert f"evidence {evidence.id} (added in record" in result.summary()


def test_a_line_cut_off_by_a_crash_stays_reported_and_later_lines_still_count(store: Store, key_file: Path,
                                                                              tmp_path: Path) -> None:
    checkpoints = _signed(store, key_file, tmp_path, 5)
    with checkpoints.path.open("ab") as handle:
        handle.write(b'{"format": "commandcenter-audit-checkp')  # the power went out mid-line
    _fill(store, 5)
    document = write_checkpoint(store, checkpoints, load_signing_key(key_file))
    assert document is not None and document["line"] == 3
    report = checkpoints.check(load_public_key(str(key_file) + ".pub"))
    assert [c.seq for c in report.checkpoints] == [5, 10]
    assert len(report.problems) == 1 and "line 2: not a checkpoint" in report.problems[0]
