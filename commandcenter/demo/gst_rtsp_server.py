"""Loopback RTSP test server: serves pre-encoded H.264 clips, looped in real time, one clip per mount.

Run with the SYSTEM python (``/usr/bin/python3``), which has python3-gi and gir1.2-gst-rtsp-server-1.0; the
project's venv does not (PyGObject is not pip-installable without a compiler and GLib headers). It is started
and killed by :class:`commandcenter.demo.testserver.RtspTestServer`; it is not imported by the application.

Why this design: plain ffmpeg cannot serve RTSP to players, and re-encoding N live streams would eat the CPU the
benchmarks measure. So each clip is parsed once into access units (AUs), kept in memory, and one pacer thread
pushes the next AU of every active mount into its ``appsrc`` every frame period. All mounts share one epoch:
frame tick ``t`` leaves at wall time ``epoch + t / fps`` and shows clip frame ``t % len(clip)``, which lets the
latency benchmark turn a burned-in frame number back into a send time. A mount that starts (a first client
arrives) waits for the next tick whose clip frame is a keyframe, so decoders never start on a P frame.

The demo's cameras instead run LIVE (``--live SPECS.json``): a clip loops every few seconds, so a clock burned
into it cannot be the wall time, and an operator judges a picture's freshness by its clock. A live mount runs
one ffmpeg (test pattern + drawtext ``localtime`` + x264 ultrafast, paced with ``-re``) only while someone
watches it, and pushes its access units as they come; the tests and benchmarks keep the clip path.

Usage: gst_rtsp_server.py --port PORT --fps 25 CLIP1.h264 [CLIP2.h264 ...]   (mount /camI serves CLIPI)
       gst_rtsp_server.py --port PORT --live SPECS.json                      (mount /camI runs spec I live)
Prints one JSON line ``{"ready": true, "port": P, "epoch": T}`` to stdout once it listens.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


def load_access_units(path: str) -> list[tuple[bytes, bool]]:
    """Split an Annex-B H.264 file into (access unit bytes, is_keyframe) with GStreamer's own parser."""
    pipeline = Gst.parse_launch(
        f'filesrc location="{path}" ! h264parse config-interval=-1 ! '
        "video/x-h264,stream-format=byte-stream,alignment=au ! appsink name=sink sync=false emit-signals=false"
    )
    sink = pipeline.get_by_name("sink")
    pipeline.set_state(Gst.State.PLAYING)
    units: list[tuple[bytes, bool]] = []
    while True:
        sample = sink.emit("pull-sample")
        if sample is None:
            break
        buf = sample.get_buffer()
        ok, info = buf.map(Gst.MapFlags.READ)
        if ok:
            units.append((bytes(info.data), not buf.has_flags(Gst.BufferFlags.DELTA_UNIT)))
            buf.unmap(info)
    pipeline.set_state(Gst.State.NULL)
    if not units:
        raise SystemExit(f"no H.264 access units in {path}")
    return units


class Mount:
    """One mount's clip and the appsrc elements currently fed from it (one per prepared media)."""

    def __init__(self, units: list[tuple[bytes, bool]]) -> None:
        self.units = units
        self.sources: list[tuple[Gst.Element, list[bool]]] = []  # (appsrc, [started])
        self.lock = threading.Lock()


AUD = b"\x00\x00\x00\x01\x09"  # access unit delimiter: x264 (aud=1) starts every access unit with one


class LiveMount(Mount):
    """A mount fed by a live ffmpeg encoder that runs while at least one client watches it."""

    def __init__(self, spec: dict) -> None:
        super().__init__([])
        self.spec = spec
        self.process: subprocess.Popen[bytes] | None = None

    def attach(self, entry: tuple[Gst.Element, list[bool]]) -> None:
        with self.lock:
            self.sources.append(entry)
            if self.process is None:
                # The machine's own zone (inherited): the burned-in clock reads like the tile's and the status
                # bar's clocks beside it.
                self.process = subprocess.Popen(live_command(self.spec), stdin=subprocess.DEVNULL,
                                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
                threading.Thread(target=self._read, args=(self.process,), daemon=True, name="live").start()

    def detach(self, entry: tuple[Gst.Element, list[bool]]) -> None:
        with self.lock:
            if entry in self.sources:
                self.sources.remove(entry)
            process = self.process if not self.sources else None
            if process is not None:
                self.process = None
        if process is not None:
            process.kill()
            process.wait()

    def _read(self, process: subprocess.Popen[bytes]) -> None:
        """Split ffmpeg's Annex-B output at the delimiters and push each access unit to every source."""
        assert process.stdout is not None
        pending = b""
        while True:
            chunk = os.read(process.stdout.fileno(), 65536)
            if not chunk:
                return
            pending += chunk
            start = pending.find(AUD)
            while start >= 0:
                end = pending.find(AUD, start + len(AUD))
                if end < 0:
                    break
                self._push(pending[start:end])
                start = end
            pending = pending[start:] if start >= 0 else pending

    def _push(self, unit: bytes) -> None:
        key = b"\x00\x00\x01\x65" in unit or b"\x00\x00\x00\x01\x65" in unit  # an IDR slice (NAL type 5)
        with self.lock:
            sources = list(self.sources)
        for src, started in sources:
            if not started[0]:
                if not key:
                    continue
                started[0] = True
            src.emit("push-buffer", Gst.Buffer.new_wrapped(unit))


def live_command(spec: dict) -> list[str]:
    """ffmpeg: the test pattern in the camera's hue, the real local time top left (over the pattern's own
    counter) and the camera name at the bottom, encoded like the clips (one slice, baseline, no B frames)."""
    width, height, fps, gop = int(spec["width"]), int(spec["height"]), int(spec["fps"]), int(spec["gop"])
    size = max(10, height // 16)
    style = (f"fontfile={spec['font']}:expansion=normal:fontcolor=white:fontsize={size}:box=1:"
             f"boxcolor=black@0.6:boxborderw={max(2, size // 5)}")
    filters = (f"hue=h={int(spec['hue'])},drawbox=x=0:y=0:w=iw*0.38:h=ih*0.12:color=black:t=fill,"
               f"drawtext={style}:textfile={spec['clock_file']}:x={size // 2}:y={size // 2},"
               f"drawtext={style}:textfile={spec['label_file']}:x=(w-tw)/2:y=h-th-{size}")
    return ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi",
            "-i", f"testsrc2=size={width}x{height}:rate={fps}", "-vf", filters, "-c:v", "libx264",
            "-preset", "ultrafast", "-tune", "zerolatency", "-profile:v", "baseline", "-pix_fmt", "yuv420p",
            "-g", str(gop), "-keyint_min", str(gop), "-sc_threshold", "0", "-bf", "0", "-threads", "1",
            "-x264-params", "slices=1:sliced-threads=0:repeat-headers=1:aud=1",
            "-b:v", f"{max(200, width * height * fps // 12000)}k", "-f", "h264", "-"]


class Pacer(threading.Thread):
    """Pushes one AU per mount per frame period, on a fixed grid anchored at ``epoch``."""

    def __init__(self, mounts: list[Mount], fps: float, epoch: float) -> None:
        super().__init__(daemon=True, name="pacer")
        self.mounts, self.period, self.epoch = mounts, 1.0 / fps, epoch

    def run(self) -> None:
        tick = 0
        while True:
            due = self.epoch + tick * self.period
            delay = due - time.time()
            if delay > 0:
                time.sleep(delay)
            elif delay < -1.0:  # fell far behind (machine paused): skip ahead instead of bursting
                tick = int((time.time() - self.epoch) / self.period)
                continue
            for mount in self.mounts:
                if not mount.units:  # a live mount pushes by itself
                    continue
                index = tick % len(mount.units)
                data, key = mount.units[index]
                with mount.lock:
                    sources = list(mount.sources)
                for src, started in sources:
                    if not started[0]:
                        if not key:
                            continue
                        started[0] = True
                    buf = Gst.Buffer.new_wrapped(data)
                    src.emit("push-buffer", buf)
            tick += 1


class Factory(GstRtspServer.RTSPMediaFactory):
    """A shared media factory whose appsrc is registered with its mount when the media is configured."""

    def __init__(self, mount: Mount) -> None:
        super().__init__()
        self.mount = mount
        self.set_shared(True)
        self.set_launch(
            "( appsrc name=src is-live=true do-timestamp=true format=time min-latency=0 "
            'caps="video/x-h264,stream-format=byte-stream,alignment=au" ! '
            "h264parse config-interval=-1 ! rtph264pay name=pay0 pt=96 config-interval=-1 )"
        )
        self.connect("media-configure", self._configure)

    def _configure(self, _factory: GstRtspServer.RTSPMediaFactory, media: GstRtspServer.RTSPMedia) -> None:
        src = media.get_element().get_child_by_name("src")
        entry = (src, [False])
        mount = self.mount
        if isinstance(mount, LiveMount):
            mount.attach(entry)
        else:
            with mount.lock:
                mount.sources.append(entry)

        def unprepared(_media: GstRtspServer.RTSPMedia) -> None:
            if isinstance(mount, LiveMount):
                mount.detach(entry)
                return
            with mount.lock:
                if entry in mount.sources:
                    mount.sources.remove(entry)

        media.connect("unprepared", unprepared)


def _exit_with_parent() -> None:
    """The parent holds our stdin open; EOF means it died (even by SIGKILL): never outlive it as an orphan."""
    try:
        while sys.stdin.buffer.read(4096):
            pass
    finally:
        os._exit(0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--fps", type=float, default=25.0)
    parser.add_argument("--live", default="", help="JSON file: one live camera spec per mount")
    parser.add_argument("clips", nargs="*")
    args = parser.parse_args()
    Gst.init(None)
    cache: dict[str, list[tuple[bytes, bool]]] = {}
    mounts: list[Mount] = []
    if args.live:
        with open(args.live, encoding="utf-8") as specs:
            mounts.extend(LiveMount(spec) for spec in json.load(specs))
    for clip in args.clips:
        if clip not in cache:
            cache[clip] = load_access_units(clip)
        mounts.append(Mount(cache[clip]))
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(args.port))
    # Each client in its own thread: preparing a live mount blocks until its next keyframe, and with the default
    # single context N clients connecting at once would wait for each other (N × GOP) and time out.
    server.get_thread_pool().set_max_threads(max(16, 4 * len(mounts)))
    points = server.get_mount_points()
    for i, mount in enumerate(mounts, start=1):
        points.add_factory(f"/cam{i}", Factory(mount))
    if server.attach(None) == 0:
        print(json.dumps({"ready": False, "error": f"cannot listen on port {args.port}"}), flush=True)
        sys.exit(1)
    epoch = time.time() + 0.1
    Pacer(mounts, args.fps, epoch).start()
    loop = GLib.MainLoop()
    signal.signal(signal.SIGTERM, lambda *_: loop.quit())
    threading.Thread(target=_exit_with_parent, daemon=True).start()
    print(json.dumps({"ready": True, "port": server.get_bound_port(), "epoch": epoch}), flush=True)
    loop.run()


if __name__ == "__main__":
    main()
