"""Recording benchmark: what it costs to record 16 and 32 cameras, and how long a 10-minute clip takes to export.

Everything runs on loopback against the GStreamer RTSP test server (H.264 clips of 1280×720 and 1920×1080 at
25 fps, a key frame every 2 s, at the bitrates the test clips are made with), so numbers compare between
machines of the same kind. Parts:

* ``record``: for 720p and 1080p and N = 16, 32 cameras, the Recorder (one thread per camera, remux to segmented
  MP4, no decoding; 10 s segments so files are closed and indexed during the run) on a fresh SQLite index:
  process CPU % (100 = one core) and per camera, RSS, disk write rate (MB/s of segment files), the streams'
  bitrate, and ``coverage`` (recorded seconds per camera per second of run: 1.0 = keeping up). Then the same
  N streams copied by ``ffmpeg -c copy`` processes (the least any remuxer can cost) as the baseline.
* ``export``: ten 60 s segments of 720p (made by remuxing a looped clip through the recorder's own segment
  writer, so no real-time wait) indexed, then ``export_clip`` of the whole 10 minutes: seconds, MB/s; and
  ``seek``: 40 seeks to random times of those 10 minutes through the tile's PlaybackSource, from ``seek(t)`` to
  the first decoded frame at t (key frame, then decode forward): p50/p99/max in ms.

The machine is shared: the load average is reported with the numbers. ``python -m bench.bench_recording
[--quick]`` prints the result as JSON (quick: shorter runs).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import av

from commandcenter.config import CameraConfig, RecordingConfig
from commandcenter.demo.testserver import ClipSpec, RtspTestServer, make_clip
from commandcenter.recording.export import export_clip
from commandcenter.recording.index import RecordingIndex, Segment, add_segment
from commandcenter.recording.recorder import Recorder
from commandcenter.recording.segments import SegmentWriter, segment_path
from commandcenter.store import Store
from commandcenter.video.playback import PlaybackSource

FPS = 25
GOP = 50  # frames: a key frame every 2 s, as many cameras are set
RESOLUTIONS = {"720p": (1280, 720), "1080p": (1920, 1080)}
SEGMENT_S = 10.0


def _clip(resolution: str) -> Path:
    width, height = RESOLUTIONS[resolution]
    return make_clip(ClipSpec(label=f"录像基准 {resolution}", width=width, height=height, fps=FPS, seconds=8.0,
                              gop=GOP))


def _bitrate_mbit(clip: Path, seconds: float = 8.0) -> float:
    return clip.stat().st_size * 8 / seconds / 1e6


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _proc_cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def _recorded_bytes(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


def measure_record(resolution: str, cameras: int, seconds: float, warmup: float) -> dict[str, Any]:
    clip = _clip(resolution)
    server = RtspTestServer([clip] * cameras, fps=FPS)
    server.start()
    work = Path(tempfile.mkdtemp(prefix="bench-rec-"))
    store = Store(f"sqlite:///{work / 'index.db'}")
    store.upgrade()
    configs = [CameraConfig(id=f"cam-{i:02d}", url=server.url(i), record="continuous")
               for i in range(1, cameras + 1)]
    recorder = Recorder(configs, RecordingConfig(path=str(work / "rec"), segment_s=SEGMENT_S, min_free_gb=0.5),
                        store)
    try:
        recorder.start()
        time.sleep(warmup)
        bytes0, cpu0, t0 = _recorded_bytes(work / "rec"), time.process_time(), time.monotonic()
        seconds0 = _recorded_seconds(recorder)
        time.sleep(seconds)
        elapsed = time.monotonic() - t0
        cpu = 100.0 * (time.process_time() - cpu0) / elapsed
        written = _recorded_bytes(work / "rec") - bytes0
        coverage = [(after - before) / elapsed for before, after in
                    zip(seconds0, _recorded_seconds(recorder), strict=True)]
        states = [e["state"] for e in recorder.report()]
        rss = _rss_mb()
    finally:
        recorder.stop()
        store.close()
    segments = sum(1 for _ in (work / "rec").rglob("*.mp4"))
    baseline = _ffmpeg_copy_cpu(server, cameras, min(seconds, 10.0), warmup)
    server.stop()
    shutil.rmtree(work, ignore_errors=True)
    return {
        "resolution": resolution, "cameras": cameras, "duration_s": round(elapsed, 1),
        "stream_mbit_s_each": round(_bitrate_mbit(clip), 2),
        "cpu_percent": round(cpu, 1), "cpu_percent_per_camera": round(cpu / cameras, 2),
        "ffmpeg_copy_cpu_percent": baseline,
        "cpu_ratio_to_ffmpeg_copy": round(cpu / baseline, 2) if baseline else None,
        "rss_mb": round(rss, 1), "write_mb_s": round(written / elapsed / 1e6, 2),
        "coverage_min": round(min(coverage), 3), "coverage_mean": round(sum(coverage) / len(coverage), 3),
        "recording_cameras": states.count("recording"), "segments_closed": segments,
        "loadavg": os.getloadavg(),
    }


def _recorded_seconds(recorder: Recorder) -> list[float]:
    """Per camera: seconds in the index plus the open segment."""
    far = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))
    out = []
    for camera_id, camera in sorted(recorder.recorders.items()):
        total = sum(s.duration_s for s in recorder.index.segments(camera_id, *far))
        current = camera.open_segment()
        out.append(total + (current.duration_s if current is not None else 0.0))
    return out


def _ffmpeg_copy_cpu(server: RtspTestServer, cameras: int, seconds: float, warmup: float) -> float | None:
    """CPU % of ``ffmpeg -c copy`` into fragmented MP4 on /dev/null for the same streams (the floor)."""
    if shutil.which("ffmpeg") is None:
        return None
    procs = [subprocess.Popen(["ffmpeg", "-nostdin", "-loglevel", "error", "-rtsp_transport", "tcp",
                               "-i", server.url(i), "-c", "copy", "-f", "mp4", "-movflags",
                               "frag_keyframe+empty_moov", "-y", "/dev/null"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
             for i in range(1, cameras + 1)]
    try:
        time.sleep(warmup)
        cpu0 = sum(_proc_cpu_seconds(p.pid) for p in procs)
        t0 = time.monotonic()
        time.sleep(seconds)
        cpu = sum(_proc_cpu_seconds(p.pid) for p in procs) - cpu0
        return round(100.0 * cpu / (time.monotonic() - t0), 1)
    finally:
        for p in procs:
            p.kill()
        for p in procs:
            p.wait(10)


def measure_export(minutes: int = 10) -> dict[str, Any]:
    """Ten minutes of 720p in 60 s segments (made without waiting), then one export of all of it."""
    clip = _clip("720p")
    work = Path(tempfile.mkdtemp(prefix="bench-export-"))
    loops = int(minutes * 60 / 8.0)
    one, long = work / "one.mp4", work / "long.mp4"
    # A raw H.264 file cannot be looped (no seeking back): first into MP4, then looped.
    for command in (["-framerate", str(FPS), "-i", str(clip)], ["-stream_loop", str(loops - 1), "-i", str(one)]):
        subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", *command, "-c", "copy", "-y",
                        str(one if "-framerate" in command else long)], check=True, timeout=600)
    store = Store(f"sqlite:///{work / 'index.db'}")
    store.upgrade()
    start = datetime(2026, 12, 2, 0, 0, tzinfo=UTC)
    try:
        made = _split(long, work / "rec", start, store)
        index = RecordingIndex(store.engine)
        t0 = time.perf_counter()
        result = export_clip(index, "bench", start, start + timedelta(minutes=minutes), work / "clip.mp4")
        seconds = time.perf_counter() - t0
        seek = measure_seek(index.segments("bench", start, start + timedelta(minutes=minutes)), start, minutes)
    finally:
        store.close()
    if abs(result.duration_s - minutes * 60) > 10:
        raise RuntimeError(f"export bench: the clip is {result.duration_s:.0f} s, not {minutes} minutes")
    shutil.rmtree(work, ignore_errors=True)
    return {"resolution": "720p", "clip_s": round(result.duration_s, 1), "segments": made,
            "bytes": result.bytes, "export_s": round(seconds, 2),
            "export_mb_s": round(result.bytes / seconds / 1e6, 1), "seek": seek, "loadavg": os.getloadavg()}


def measure_seek(segments: list[Segment], start: datetime, minutes: int, seeks: int = 40) -> dict[str, Any]:
    """Playback seek latency: from ``seek(t)`` to the first decoded frame at t (key frame, then decode forward),
    through the tile's PlaybackSource on the recorded segments; targets spread over the whole recording."""
    rng = random.Random(17)
    source = PlaybackSource("bench", segments, (640, 360))
    source.start()
    source.pause()  # the position then stays on the frame a seek landed on
    latencies: list[float] = []
    missed: list[str] = []
    try:
        deadline = time.monotonic() + 20
        while source.position() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        for _ in range(seeks):
            target = start + timedelta(seconds=rng.uniform(5, minutes * 60 - 5))
            t0 = time.perf_counter()
            source.seek(target)
            while time.perf_counter() - t0 < 20:
                position = source.position()
                if position is not None and -0.002 <= (position - target).total_seconds() < 0.1:  # ms-rounded
                    latencies.append(time.perf_counter() - t0)
                    break
                time.sleep(0.002)
            else:
                missed.append(f"{target.isoformat()} → {position.isoformat() if position else None}")
    finally:
        source.stop()
    latencies.sort()
    if len(latencies) < seeks:
        raise RuntimeError(f"seek bench: {seeks - len(latencies)} of {seeks} seeks never landed: {missed}")
    return {"seeks": seeks, "p50_ms": round(1000 * statistics.median(latencies), 1),
            "p99_ms": round(1000 * latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))], 1),
            "max_ms": round(1000 * latencies[-1], 1)}


def _split(long: Path, root: Path, start: datetime, store: Store) -> int:
    """Cut ``long`` into 60 s segments on key frames with the recorder's writer, indexed as if recorded."""
    made = 0
    with av.open(str(long)) as container:
        stream = container.streams.video[0]
        tb = stream.time_base
        assert tb is not None
        writer: SegmentWriter | None = None
        first: int | None = None
        for packet in container.demux(stream):
            if packet.pts is None or packet.size == 0:
                continue
            first = packet.pts if first is None else first
            at = start + timedelta(seconds=float((packet.pts - first) * tb))
            if packet.is_keyframe and (writer is None or writer.duration_s >= 60.0):
                if writer is not None and (segment := writer.close()) is not None:
                    store.write(add_segment("bench", segment))
                    made += 1
                writer = SegmentWriter(segment_path(root, "bench", at), stream, "bench", at)
            if writer is not None:
                writer.write(packet)
        if writer is not None and (segment := writer.close()) is not None:
            store.write(add_segment("bench", segment))
            made += 1
    return made


def run(quick: bool = False) -> dict[str, Any]:
    """Run the benchmark and return its results (see the module docstring for what each number means)."""
    seconds, warmup = (6.0, 3.0) if quick else (30.0, 5.0)
    result: dict[str, Any] = {"machine": {"cpus": os.cpu_count(), "loadavg_before": os.getloadavg()},
                              "streams": f"H.264 {FPS} fps over RTSP/TCP, key frame every {GOP // FPS} s"}
    result["record"] = [measure_record(res, n, seconds, warmup) for res in ("720p", "1080p") for n in (16, 32)]
    result["export"] = measure_export(10)
    result["machine"]["loadavg_after"] = os.getloadavg()
    return result


if __name__ == "__main__":
    print(json.dumps(run(quick="--quick" in sys.argv[1:]), ensure_ascii=False, indent=2))
