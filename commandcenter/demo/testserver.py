"""Test cameras on loopback: H.264 clips made with ffmpeg and served over RTSP by GStreamer.

The demo and the tests need real RTSP cameras that can be killed and brought back. Debian's ffmpeg cannot serve
RTSP to players, but GStreamer's gst-rtsp-server can; it lives in the system python (python3-gi), so the server is
a script (``gst_rtsp_server.py`` beside this file) run with ``/usr/bin/python3`` as a subprocess. Killing it is
exactly what a dead camera looks like to a client (connections reset), and restarting it on the same port is a
camera coming back.

Clips are encoded once and cached in the user cache dir, keyed by every parameter, so a second run starts in
well under a second. They are encoded with ONE slice per frame: Debian's ffmpeg 5.1 mis-decodes multi-slice
H.264 frames arriving over RTSP from GStreamer, and a single-threaded encoder without sliced threads never
produces them. Each clip carries a burned-in wall clock with the camera name in a CJK font, and a row of
black/white blocks encoding the frame number (``TIMECODE_BITS`` bits, most significant first) that
:func:`read_timecode` decodes — the latency benchmark uses it to find when a frame left the server.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from commandcenter.config import CameraConfig
from commandcenter.demo.hall import free_port
from commandcenter.demo.niceness import niced
from commandcenter.paths import cache_dir

SYSTEM_PYTHON = "/usr/bin/python3"
SERVER_SCRIPT = Path(__file__).with_name("gst_rtsp_server.py")
CJK_FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
)
TIMECODE_BITS = 12
# The live cameras' burned-in clock: drawtext's localtime, the real wall time in the machine's zone, as the
# tiles' and the status bar's clocks show it (':' escaped for drawtext).
LIVE_CLOCK_TEXT = r"%{localtime:%Y-%m-%d %H\:%M\:%S}"
_CLIP_FORMAT_VERSION = 4  # bump when the ffmpeg recipe changes, so cached clips are remade


class TestServerError(RuntimeError):
    """The clip encoder or the RTSP server could not be started; the message says why."""


@dataclass(frozen=True)
class ClipSpec:
    """Everything that determines a clip's bytes (and so its cache key)."""

    label: str = "测试摄像机"
    width: int = 320
    height: int = 180
    fps: int = 25
    seconds: float = 4.0
    gop: int = 10  # keyframe interval in frames: a new client waits at most this long for a picture
    variant: int = 0  # scene variety: hue rotation and pattern per camera
    timecode: bool = True


def clip_cache_dir() -> Path:
    """Where encoded clips live; created on demand."""
    path = cache_dir() / "video-clips"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _font() -> str:
    for candidate in CJK_FONT_CANDIDATES:
        if os.path.exists(candidate):
            return candidate
    raise TestServerError("no CJK font found; install fonts-noto-cjk (.ci/setup.sh does)")


def _timecode_strip(spec: ClipSpec) -> list[str]:
    """drawbox filters: a full-width black strip, then one white block per set bit of the frame number ``n``.

    Block edges are expressions of the frame width so the strip scales exactly with the picture: the reader
    samples block centres at ``(i + 0.5) * width / (TIMECODE_BITS + 2)`` whatever size the tile decodes at.
    """
    slots = TIMECODE_BITS + 2
    block_h = max(8, spec.height // 12)
    filters = [f"drawbox=x=0:y=0:w=iw:h={block_h}:color=black:t=fill"]
    for bit in range(TIMECODE_BITS):
        power = 2 ** (TIMECODE_BITS - 1 - bit)  # most significant bit first; one guard block each side
        filters.append(
            f"drawbox=x={bit + 1}*iw/{slots}:y=0:w=iw/{slots}+1:h={block_h}:color=white:t=fill:"
            f"enable='eq(mod(floor(n/{power}),2),1)'"
        )
    return filters


def read_timecode(frame: np.ndarray) -> int | None:
    """Decode the burned-in frame number from an RGB(X) frame of any size; None if the strip is not there.

    Samples the centre of each block; the guard blocks either side must be black, which rejects frames where
    the strip is absent (a clip made without timecode) or garbled by decoding errors.
    """
    height, width = frame.shape[:2]
    block_w = width / (TIMECODE_BITS + 2)
    y = max(1, int(height / 12 / 2))
    luma = frame[y, :, :3].astype(np.int32).sum(axis=1) / 3

    def sample(index: int) -> float:
        return float(luma[min(width - 1, int((index + 0.5) * block_w))])

    if sample(0) > 64 or sample(TIMECODE_BITS + 1) > 64:
        return None
    value = 0
    for bit in range(TIMECODE_BITS):
        value = (value << 1) | (1 if sample(bit + 1) > 128 else 0)
    return value


def make_clip(spec: ClipSpec) -> Path:
    """Encode (or reuse from the cache) an Annex-B H.264 clip for ``spec``; returns its path."""
    key = hashlib.sha256(json.dumps([_CLIP_FORMAT_VERSION, spec.__dict__], sort_keys=True,
                                    ensure_ascii=False).encode()).hexdigest()[:20]
    out = clip_cache_dir() / f"clip-{spec.width}x{spec.height}-{spec.fps}-{key}.h264"
    if out.exists() and out.stat().st_size > 0:
        return out
    if shutil.which("ffmpeg") is None:
        raise TestServerError("ffmpeg not found; install it (.ci/setup.sh does)")
    font = _font()
    text_file = out.with_suffix(f".{os.getpid()}.txt")
    # Burned-in clock: the clip's own time from a fixed epoch (it loops, so it cannot be the live time).
    epoch = 1795269600  # 2026-11-21 22:00:00 in Asia/Shanghai, the zone ffmpeg runs in below
    text_file.write_text(f"{spec.label} %{{pts:localtime:{epoch}}}.%{{eif:mod(t*1000,1000):d:3}}",
                         encoding="utf-8")
    font_size = max(10, spec.height // 16)
    hue = (spec.variant * 47) % 360
    filters = [f"hue=h={hue}"]
    if spec.timecode:
        filters += _timecode_strip(spec)
    filters.append(
        f"drawtext=fontfile={font}:textfile={text_file}:expansion=normal:fontcolor=white:fontsize={font_size}:"
        f"box=1:boxcolor=black@0.55:boxborderw={max(2, font_size // 5)}:x=(w-tw)/2:y=h-th-{font_size}"
    )
    source = f"testsrc2=size={spec.width}x{spec.height}:rate={spec.fps}:duration={spec.seconds}"
    tmp = out.with_suffix(f".{os.getpid()}.tmp")
    command = [
        "ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", source,
        "-vf", ",".join(filters), "-c:v", "libx264", "-preset", "veryfast", "-profile:v", "baseline",
        "-pix_fmt", "yuv420p", "-g", str(spec.gop), "-keyint_min", str(spec.gop), "-sc_threshold", "0",
        "-bf", "0", "-threads", "1", "-x264-params", "slices=1:sliced-threads=0:repeat-headers=1",
        "-b:v", f"{max(200, spec.width * spec.height * spec.fps // 12000)}k", "-f", "h264", str(tmp),
    ]
    env = dict(os.environ, TZ="Asia/Shanghai")
    try:
        result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300, check=False)
    finally:
        text_file.unlink(missing_ok=True)
    if result.returncode != 0 or not tmp.exists():
        tmp.unlink(missing_ok=True)
        raise TestServerError(f"ffmpeg could not encode the test clip: {result.stderr.strip()[-500:]}")
    tmp.replace(out)
    return out


class RtspTestServer:
    """A GStreamer RTSP server on 127.0.0.1 serving ``/cam1`` … ``/camN``, one looping clip each.

    ``stop()`` kills the process, so every client sees its source die; ``restart()`` brings the same mounts back
    on the same port. ``epoch`` is the wall time of frame tick 0 (see ``gst_rtsp_server.py``).
    """

    def __init__(self, clips: list[Path], fps: float = 25.0, port: int = 0, *,
                 live: list[ClipSpec] | None = None, niceness: int = 0) -> None:
        if not clips and not live:
            raise ValueError("RtspTestServer needs at least one clip or live camera")
        self.clips = [Path(c) for c in clips]
        self.live = list(live or [])  # served first: /cam1 … are the live cameras, then the clips
        self.fps = fps
        self.port = port
        self.niceness = niceness  # the demo's cameras run below the command center (demo/niceness.py)
        self.epoch = 0.0
        self._process: subprocess.Popen[str] | None = None
        self._starting: subprocess.Popen[str] | None = None  # launched, not yet known to listen
        self._live_dir: Path | None = None

    @property
    def count(self) -> int:
        return len(self.live) + len(self.clips)

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def url(self, i: int) -> str:
        """RTSP URL of mount ``i`` (1-based, like the mount names)."""
        if not 1 <= i <= self.count:
            raise IndexError(f"mount {i} out of range 1..{self.count}")
        return f"rtsp://127.0.0.1:{self.port}/cam{i}"

    def start(self, timeout: float = 30.0) -> None:
        """Start the server and wait until it listens (the port is fixed by the first start)."""
        self.launch(choose_port=False)
        self.wait_ready(timeout)

    def launch(self, *, choose_port: bool = True) -> None:
        """Start the server's process without waiting for it; :meth:`wait_ready` waits.

        With ``choose_port`` and no port given, a free loopback port is chosen here, so :meth:`url` is known at
        once: the demo writes its config while the server is still starting (a few hundred milliseconds the
        map's first paint need not wait for). The port is free when chosen; the server binds it a moment later.
        """
        if self.running or self._starting is not None:
            return
        if not os.path.exists(SYSTEM_PYTHON):
            raise TestServerError(f"{SYSTEM_PYTHON} not found (the RTSP server needs the system python)")
        if choose_port and not self.port:
            self.port = free_port()
        command = niced([SYSTEM_PYTHON, str(SERVER_SCRIPT), "--port", str(self.port), "--fps", str(self.fps),
                         *self._live_arguments(), *map(str, self.clips)], self.niceness)
        # The system python must not see the venv's site-packages or PYTHONPATH.
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
        # stdin stays open as a lifeline: the server exits when it reads EOF, i.e. when this process dies.
        self._starting = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                          stderr=subprocess.DEVNULL, text=True, env=env)

    def wait_ready(self, timeout: float = 30.0) -> None:
        """Wait until the launched server listens; TestServerError (the process killed) when it does not."""
        process = self._starting
        if process is None:
            if self.running:
                return
            raise TestServerError("RTSP test server was not launched")
        self._starting = None
        deadline = time.monotonic() + timeout
        line = ""
        assert process.stdout is not None
        while time.monotonic() < deadline:
            ready, _, _ = select.select([process.stdout], [], [], 0.2)
            if ready:
                line = process.stdout.readline()
                break
            if process.poll() is not None:
                break
        try:
            info = json.loads(line) if line else {}
        except json.JSONDecodeError:
            info = {}
        if not info.get("ready"):
            process.kill()
            process.wait(timeout=5)
            raise TestServerError(f"RTSP test server did not start: {info.get('error') or 'exited early'}")
        self._process = process
        self.port = int(info["port"])
        self.epoch = float(info["epoch"])

    def _live_arguments(self) -> list[str]:
        """``--live SPECS.json`` for the live cameras: each with a text file of its name and one of the clock
        (drawtext reads both from files: no escaping of the camera name in the filter graph)."""
        if not self.live:
            return []
        if self._live_dir is None:
            self._live_dir = Path(tempfile.mkdtemp(prefix="cc-live-cameras-"))
        font = _font()
        specs = []
        for i, spec in enumerate(self.live):
            label, clock = self._live_dir / f"label{i}.txt", self._live_dir / f"clock{i}.txt"
            label.write_text(spec.label, encoding="utf-8")
            clock.write_text(LIVE_CLOCK_TEXT, encoding="utf-8")
            specs.append({"width": spec.width, "height": spec.height, "fps": spec.fps, "gop": spec.gop,
                          "hue": (spec.variant * 47) % 360, "font": font, "label_file": str(label),
                          "clock_file": str(clock)})
        path = self._live_dir / "live.json"
        path.write_text(json.dumps(specs, ensure_ascii=False), encoding="utf-8")
        return ["--live", str(path)]

    def stop(self) -> None:
        """Kill the server: every connected client loses its source at once."""
        process = self._process or self._starting
        self._process = self._starting = None
        if process is None:
            return
        process.kill()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        for pipe in (process.stdin, process.stdout):
            if pipe is not None:
                pipe.close()

    def restart(self, timeout: float = 30.0) -> None:
        """Stop, then start again on the same port (retrying briefly while the port is released)."""
        self.stop()
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.start(timeout=max(1.0, deadline - time.monotonic()))
                return
            except TestServerError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def __enter__(self) -> RtspTestServer:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def __del__(self) -> None:
        if getattr(self, "_process", None) is not None or getattr(self, "_starting", None) is not None:
            self.stop()


# Places around a city centre, used as camera names by the demo; groups are the districts.
_DEMO_PLACES = [
    ("新街口东", "玄武区"), ("鼓楼广场", "鼓楼区"), ("中山路北", "鼓楼区"), ("夫子庙西", "秦淮区"),
    ("长江路口", "玄武区"), ("湖南路步行街", "鼓楼区"), ("珠江路南", "玄武区"), ("大行宫", "秦淮区"),
    ("汉中门", "秦淮区"), ("北京西路", "鼓楼区"), ("太平南路", "秦淮区"), ("玄武门", "玄武区"),
    ("云南路", "鼓楼区"), ("升州路", "秦淮区"), ("龙蟠中路", "玄武区"), ("莫愁路", "秦淮区"),
    ("广州路", "鼓楼区"), ("中央门", "鼓楼区"), ("光华门", "秦淮区"), ("太平门", "玄武区"),
    ("建宁路", "鼓楼区"), ("瑞金路", "秦淮区"), ("后宰门", "玄武区"), ("三山街", "秦淮区"),
    ("草场门", "鼓楼区"), ("中华门", "秦淮区"), ("锁金村", "玄武区"), ("水西门", "秦淮区"),
    ("山西路", "鼓楼区"), ("孝陵卫", "玄武区"), ("长白街", "秦淮区"), ("定淮门", "鼓楼区"),
    ("西安门", "秦淮区"), ("樱驼村", "玄武区"), ("五台山", "鼓楼区"), ("武定门", "秦淮区"),
]


def _demo_name(i: int, names: list[str] | None) -> str:
    if names and i < len(names) and names[i]:
        return names[i]
    name = _DEMO_PLACES[i % len(_DEMO_PLACES)][0]
    return name if i < len(_DEMO_PLACES) else f"{name}{i // len(_DEMO_PLACES) + 1}"


def demo_clip_specs(n: int, width: int = 640, height: int = 360, seconds: float = 10.0,
                    names: list[str] | None = None) -> list[ClipSpec]:
    """One clip spec per demo camera, each with its own name burned in and its own hue."""
    return [ClipSpec(label=_demo_name(i, names), width=width, height=height, fps=25, seconds=seconds, gop=25,
                     variant=i, timecode=False) for i in range(n)]


def start_demo_cameras(n: int, center_lat: float, center_lon: float, width: int = 640, height: int = 360,
                       names: list[str] | None = None, *, live_clock: bool = False,
                       niceness: int = 0, wait: bool = True) -> tuple[RtspTestServer, list[CameraConfig]]:
    """Start a loopback RTSP server with ``n`` cameras placed on a ring around the centre.

    Returns the running server (the caller stops it on exit) and camera configs ``cam01`` … with Chinese names
    and district groups, in the same order as the mounts. ``names`` (optional) overrides the camera names and
    is what gets burned into the pictures, so a demo that names cameras after its map's sites shows the same
    name on the tile and in the video. The first start encodes the clips (under a second each at the default
    size); later starts reuse the cache. ``live_clock``: live cameras instead, burning in the real local time
    (encoded only while watched), so the operator can judge a picture's freshness as on a real wall.
    ``wait=False``: the server is launched on a port chosen here and the caller waits (``server.wait_ready()``).
    """
    specs = demo_clip_specs(n, width, height, names=names)
    # live_clock (the demo): encoded live while watched, burning in the real time; else looping clips (cheap).
    server = RtspTestServer([], live=specs, niceness=niceness) if live_clock else \
        RtspTestServer([make_clip(spec) for spec in specs], niceness=niceness)
    if wait:
        server.start()
    else:
        server.launch()
    cameras = []
    for i in range(n):
        group = _DEMO_PLACES[i % len(_DEMO_PLACES)][1]
        name = _demo_name(i, names)
        angle = 2 * math.pi * i / max(1, n)
        radius = 0.004 + 0.002 * (i % 3)
        cameras.append(CameraConfig(
            id=f"cam{i + 1:02d}", name=name, url=server.url(i + 1), group=group, transport="tcp",
            lat=center_lat + radius * math.sin(angle), lon=center_lon + radius * math.cos(angle),
        ))
    return server, cameras


def main() -> None:
    """``python -m commandcenter.demo.testserver N``: serve N demo cameras until interrupted."""
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 4
    server, cameras = start_demo_cameras(count, 32.0415, 118.7781)
    for camera in cameras:
        print(camera.id, camera.name, camera.url, flush=True)
    try:
        while server.running:
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":
    main()
