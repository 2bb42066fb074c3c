"""Evidence: content-addressed storage, dedup, audit, integrity on open and in verify."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from commandcenter.enforcement.audit import verify
from commandcenter.enforcement.evidence import EvidenceError, EvidenceIntegrityError
from commandcenter.enforcement.permissions import PermissionDenied


def _make_photo(tmp_path: Path, name: str = "scene.jpg", content: bytes = b"\xff\xd8\xff\xe0 fake jpeg 1") -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def test_add_stores_content_addressed_and_audits(services, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    case_id = services.make_case()
    captured = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)
    info = services.evidence.add(case_id, _make_photo(tmp_path), actor="dispatcher", captured_at=captured,
                                 device="BWC-0007", officer="O-1001", lat=32.0, lon=118.7)
    sha = info.sha256
    assert info.path == services.evidence.root / sha[:2] / sha[2:4] / f"{sha}.jpg"
    assert info.path.read_bytes() == b"\xff\xd8\xff\xe0 fake jpeg 1"
    assert info.mime == "image/jpeg" and info.kind == "photo" and info.captured_at == captured
    assert not os.stat(info.path).st_mode & stat.S_IWUSR  # stored read-only
    records = services.audit.entries(action_prefix="evidence.add")
    assert records[-1].subject == f"case:{case_id}" and records[-1].payload["sha256"] == sha
    assert verify(services.store, evidence_root=services.evidence.root).ok


def test_identical_content_is_stored_once(services, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    a, b = services.make_case(), services.make_case()
    first = services.evidence.add(a, _make_photo(tmp_path, "a.jpg"), actor="dispatcher")
    second = services.evidence.add(b, _make_photo(tmp_path, "b.jpeg"), actor="pilot")
    snapshot = services.evidence.add(b, b"\x89PNG wall snapshot", actor="dispatcher", name="wall.png")
    assert first.id != second.id and first.path == second.path
    files = [p for p in services.evidence.root.rglob("*") if p.is_file()]
    assert len(files) == 2 and snapshot.mime == "image/png"
    assert [e.id for e in services.evidence.for_case(b)] == [second.id, snapshot.id]


def test_permission_and_bad_input(services, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    case_id = services.make_case()
    with pytest.raises(PermissionDenied, match=r"evidence\.add"):
        services.evidence.add(case_id, _make_photo(tmp_path), actor="observer")
    with pytest.raises(EvidenceError, match="no such case"):
        services.evidence.add(999999, _make_photo(tmp_path), actor="dispatcher")
    with pytest.raises(EvidenceError, match="cannot read"):
        services.evidence.add(case_id, tmp_path / "missing.mp4", actor="dispatcher")
    with pytest.raises(EvidenceError, match="timezone-aware"):
        services.evidence.add(case_id, _make_photo(tmp_path), actor="dispatcher", captured_at=datetime(2026, 1, 1))


def test_modified_file_is_detected_on_open_and_by_verify(services, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    case_id = services.make_case()
    info = services.evidence.add(case_id, _make_photo(tmp_path, "clip.mp4", b"video bytes"), actor="dispatcher")
    assert services.evidence.open_evidence(info.id).intact
    os.chmod(info.path, 0o644)
    info.path.write_bytes(b"doctored video bytes")
    with pytest.raises(EvidenceIntegrityError, match=f"evidence {info.id}"):
        services.evidence.open_evidence(info.id)
    flagged = services.evidence.open_evidence(info.id, strict=False)
    assert not flagged.intact
    result = verify(services.store, evidence_root=services.evidence.root)
    assert not result.ok and result.first_break is None
    assert result.evidence_problems[0].evidence_id == info.id
    assert "modified" in result.evidence_problems[0].reason
    services.store.flush()
    assert services.audit.entries(action_prefix="evidence.integrity_failed")


def test_missing_file_and_edited_row_are_detected(services, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import sqlite3

    case_id = services.make_case()
    gone = services.evidence.add(case_id, _make_photo(tmp_path, "x.wav", b"audio"), actor="dispatcher")
    kept = services.evidence.add(case_id, _make_photo(tmp_path, "y.jpg", b"photo"), actor="dispatcher")
    os.chmod(gone.path, 0o644)
    gone.path.unlink()
    conn = sqlite3.connect(services.store.url.removeprefix("sqlite:///"))
    fake = "0" * 64
    conn.execute("UPDATE evidence SET sha256 = ? WHERE id = ?", (fake, kept.id))
    conn.commit()
    conn.close()
    problems = {p.evidence_id: p.reason for p in verify(services.store, evidence_root=services.evidence.root)
                .evidence_problems}
    assert "missing" in problems[gone.id]
    assert "row was edited" in problems[kept.id]
