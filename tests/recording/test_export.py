"""Clips as evidence: cut on key frames without re-encoding across segments and a gap, plays in any player,
says which part of the span is missing; ``commandcenter video export`` prints the SHA-256 last and files the clip
as evidence of a case, in the audit chain."""

from __future__ import annotations

import hashlib
import json
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import av
import pytest
from sqlalchemy import select

from commandcenter.cli import main as cli_main
from commandcenter.config import CameraConfig, RecordingConfig
from commandcenter.demo.testserver import RtspTestServer
from commandcenter.enforcement.audit import verify
from commandcenter.enforcement.tables import AuditRecord
from commandcenter.recording.export import NothingRecorded, export_clip
from commandcenter.recording.index import RecordingIndex, Segment
from commandcenter.recording.recorder import Recorder
from commandcenter.store import Store, utcnow
from commandcenter.store.models import Case, Evidence
from tests.recording.conftest import GOP_S, wait_until

EPOCH, FAR = datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)
FRAME_S = 0.04


@dataclass
class Recorded:
    store: Store
    url: str
    index: RecordingIndex
    segments: list[Segment]
    gap: tuple[datetime, datetime]


@pytest.fixture(scope="module")
def recorded(rtsp_cameras: RtspTestServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Recorded]:
    """About 4 s of cam-1 in 1 s segments, a 2 s drop, then about 3 s more: recorded once for the module."""
    if not rtsp_cameras.running:
        rtsp_cameras.restart()
    base = tmp_path_factory.mktemp("export")
    url = f"sqlite:///{base / 'export.db'}"
    store = Store(url)
    store.upgrade()
    recorder = Recorder([CameraConfig(id="cam-1", url=rtsp_cameras.url(1), record="continuous")],
                        RecordingConfig(path=str(base / "recordings"), segment_s=1.0, min_free_gb=0.0), store)
    index = recorder.index
    recorder.start()
    try:
        assert wait_until(lambda: len(index.segments("cam-1", EPOCH, FAR)) >= 4, 30)
        rtsp_cameras.stop()
        assert wait_until(lambda: recorder.recorders["cam-1"].state == "offline", 15)
        time.sleep(2.0)
        rtsp_cameras.restart()
        assert wait_until(lambda: len(index.spans("cam-1", EPOCH, FAR)) == 2
                          and index.spans("cam-1", EPOCH, FAR)[1].end
                          - index.spans("cam-1", EPOCH, FAR)[1].start > timedelta(seconds=3), 30)
    finally:
        recorder.stop()
    [gap] = index.gaps("cam-1")
    yield Recorded(store, url, index, index.segments("cam-1", EPOCH, FAR), gap)
    store.close()


def _probe_duration(path: Path) -> float:
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "json", str(path)],
                         capture_output=True, text=True, check=True, timeout=30).stdout
    return float(json.loads(out)["format"]["duration"])


def _frames(path: Path) -> list[av.VideoFrame]:
    with av.open(str(path)) as container:
        return list(container.decode(video=0))


def test_a_clip_across_segments_is_cut_on_key_frames_and_plays(recorded: Recorded, tmp_path: Path) -> None:
    first_span_end = recorded.gap[0]
    start = recorded.segments[0].start + timedelta(seconds=0.5)
    end = first_span_end - timedelta(seconds=0.3)
    clip = export_clip(recorded.index, "cam-1", start, end, tmp_path / "clip.mp4")

    assert clip.missing == [] and clip.segments >= 3
    assert clip.start <= start < clip.start + timedelta(seconds=GOP_S + FRAME_S), "starts on the key frame before"
    assert abs((clip.end - end).total_seconds()) <= FRAME_S + 0.01
    assert clip.sha256 == hashlib.sha256(clip.path.read_bytes()).hexdigest()
    frames = _frames(clip.path)
    assert frames[0].key_frame
    span_s = (end - start).total_seconds()
    with av.open(str(clip.path)) as container:
        assert container.duration is not None
        assert abs(container.duration / 1e6 - clip.duration_s) < 0.1
    assert span_s - 0.1 <= clip.duration_s <= span_s + GOP_S + 0.1
    assert abs(_probe_duration(clip.path) - clip.duration_s) < 0.1
    assert abs(len(frames) - clip.duration_s / FRAME_S) <= 3, "every frame of the span, none twice"


def test_a_span_over_the_gap_keeps_the_gap_in_time_and_names_it(recorded: Recorded, tmp_path: Path) -> None:
    start = recorded.gap[0] - timedelta(seconds=1.0)
    end = recorded.gap[1] + timedelta(seconds=1.0)
    clip = export_clip(recorded.index, "cam-1", start, end, tmp_path / "gap.mp4")
    assert clip.missing == [recorded.gap]
    assert abs(clip.duration_s - (end - start).total_seconds()) <= GOP_S + 0.1
    assert abs(_probe_duration(clip.path) - clip.duration_s) < 0.15
    assert len(_frames(clip.path)) < clip.duration_s / FRAME_S - 40, "the gap holds no invented frames"


def test_nothing_recorded_names_the_span(recorded: Recorded, tmp_path: Path) -> None:
    before = recorded.segments[0].start - timedelta(hours=1)
    with pytest.raises(NothingRecorded, match="camera cam-1: nothing recorded from"):
        export_clip(recorded.index, "cam-1", before, before + timedelta(minutes=5), tmp_path / "none.mp4")
    assert not (tmp_path / "none.mp4").exists()


def test_a_corrupt_segment_is_skipped_and_reported_missing(recorded: Recorded, tmp_path: Path) -> None:
    victim = recorded.segments[1]
    saved = Path(victim.path).read_bytes()
    Path(victim.path).write_bytes(b"not an mp4 at all" * 100)
    try:
        start, end = recorded.segments[0].start, recorded.segments[2].end
        clip = export_clip(recorded.index, "cam-1", start, end, tmp_path / "damaged.mp4")
    finally:
        Path(victim.path).write_bytes(saved)
    assert clip.missing == [(victim.start, victim.end)]
    assert len(_frames(clip.path)) > 0


# ------------------------------------------------------------------------------------------------- the CLI
def _cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli_main(["video", "export", *args])
    out, err = capsys.readouterr()
    return code, out, err


def _insert_case(store: Store, code: str) -> int:
    def job(session) -> int:  # type: ignore[no-untyped-def]
        now = utcnow()
        case = Case(code=code, source="patrol", category="ZDJY", category_name="占道经营", description="摆摊",
                    address="江东中路201号", status="investigating", urgency=2, reporter="巡查", created_at=now,
                    updated_at=now, extra={})
        session.add(case)
        session.flush()
        return int(case.id)

    return store.write(job)


def test_cli_prints_the_sha256_last_and_attaches_the_clip_to_a_case(recorded: Recorded, tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    case_id = _insert_case(recorded.store, "AJ20261202900001")
    start = recorded.segments[0].start + timedelta(seconds=0.2)
    end = start + timedelta(seconds=2)
    out_file = tmp_path / "evidence.mp4"
    code, out, err = _cli(["cam-1", "--from", start.isoformat(), "--to", end.isoformat(), "--out", str(out_file),
                           "--case", "AJ20261202900001", "--db", recorded.url], capsys)
    assert code == 0, err
    sha = out.strip().splitlines()[-1]
    assert sha == hashlib.sha256(out_file.read_bytes()).hexdigest()
    assert "attached to case AJ20261202900001" in out

    def evidence_of_case(session):  # type: ignore[no-untyped-def]
        return [(e.sha256, e.mime, e.device) for e in session.scalars(select(Evidence).where(Evidence.case_id == case_id))]

    assert recorded.store.read(evidence_of_case) == [(sha, "video/mp4", "cam-1")]
    records = recorded.store.read(lambda s: [(r.actor, json.loads(r.data)) for r in s.scalars(
        select(AuditRecord).where(AuditRecord.action == "evidence.add"))])
    assert [(actor.startswith("cli:"), data["case_id"]) for actor, data in records if data["sha256"] == sha] == [
        (True, case_id)]
    result = verify(recorded.store)  # the audit chain re-hashes the evidence copy of the clip
    assert result.first_break is None and result.evidence_problems == [] and result.evidence_checked >= 1


def test_cli_exit_codes_and_messages(recorded: Recorded, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    hour_before = recorded.segments[0].start - timedelta(hours=1)
    code, out, err = _cli(["cam-1", "--from", hour_before.isoformat(), "--to",
                           (hour_before + timedelta(minutes=1)).isoformat(), "--out", str(tmp_path / "a.mp4"),
                           "--db", recorded.url], capsys)
    assert code == 1 and out == ""
    assert "camera cam-1: nothing recorded from" in err and "+08:00" in err  # the span, in local time

    start, end = recorded.gap[0] - timedelta(seconds=0.5), recorded.gap[1] + timedelta(seconds=0.5)
    code, out, err = _cli(["cam-1", "--from", start.isoformat(), "--to", end.isoformat(), "--out",
                           str(tmp_path / "b.mp4"), "--db", recorded.url], capsys)
    assert code == 0
    gap_from = recorded.gap[0].astimezone(timezone(timedelta(hours=8))).isoformat(timespec="seconds")
    assert f"warning: camera cam-1: no recording from {gap_from}" in err and err.count("no recording from") == 1
    assert len(out.strip().splitlines()[-1]) == 64  # the hash alone on the last line

    code, _out, err = _cli(["cam-1", "--from", start.isoformat(), "--to", end.isoformat(), "--out",
                            str(tmp_path / "c.mp4"), "--case", "AJ-NO-SUCH", "--db", recorded.url], capsys)
    assert code == 1 and "no case 'AJ-NO-SUCH'" in err and not (tmp_path / "c.mp4").exists()

    with pytest.raises(SystemExit) as usage:
        cli_main(["video", "export", "cam-1", "--from", "yesterday", "--to", end.isoformat(), "--out", "x.mp4"])
    assert usage.value.code == 2
    assert "is not an ISO 8601 time" in capsys.readouterr().err
    code, _out, err = _cli(["cam-1", "--from", end.isoformat(), "--to", start.isoformat(), "--out", "x.mp4",
                            "--db", recorded.url], capsys)
    assert code == 2 and "is not after --from" in err


def test_cli_with_a_named_user_checks_evidence_add(recorded: Recorded, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """``--as`` makes the user prove it and need ``evidence.add``: an observer is refused (and nothing is written),
    a dispatcher's clip is filed under the dispatcher's name."""
    _insert_case(recorded.store, "AJ20261202900002")
    token = tmp_path / "token"
    token.write_text("s3cret-token\n", encoding="utf-8")
    digest = hashlib.sha256(b"s3cret-token").hexdigest()
    config = tmp_path / "cc.toml"
    config.write_text(f"""
[database]
url = "{recorded.url}"
[[users]]
username = "watcher"
role = "observer"
token_sha256 = "{digest}"
[[users]]
username = "duty"
role = "dispatcher"
token_sha256 = "{digest}"
""", encoding="utf-8")
    start = recorded.segments[0].start + timedelta(seconds=0.2)
    common = ["cam-1", "--from", start.isoformat(), "--to", (start + timedelta(seconds=1)).isoformat(),
              "--case", "AJ20261202900002", "--config", str(config), "--token-file", str(token)]
    code, _out, err = _cli([*common, "--out", str(tmp_path / "refused.mp4"), "--as", "watcher"], capsys)
    assert code == 1 and "evidence.add" in err and not (tmp_path / "refused.mp4").exists()

    code, out, err = _cli([*common, "--out", str(tmp_path / "filed.mp4"), "--as", "duty"], capsys)
    assert code == 0, err
    sha = out.strip().splitlines()[-1]
    records = recorded.store.read(lambda s: [(r.actor, json.loads(r.data)["sha256"]) for r in s.scalars(
        select(AuditRecord).where(AuditRecord.action == "evidence.add"))])
    assert ("duty", sha) in records
