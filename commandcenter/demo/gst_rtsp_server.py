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

Usage: gst_rtsp_server.py --port PORT --fps 25 CLIP1.h264 [CLIP2.h264 ...]   (mount /camI serves CLIPI)
Prints one JSON line ``{"ready": true, "port": P, "epoch": T}`` to stdout once it listens.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
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
        with self.mount.lock:
            self.mount.sources.append(entry)

        def unprepared(_media: GstRtspServer.RTSPMedia) -> None:
            with self.mount.lock:
                if entry in self.mount.sources:
                    self.mount.sources.remove(entry)

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
    parser.add_argument("clips", nargs="+")
    args = parser.parse_args()
    Gst.init(None)
    cache: dict[str, list[tuple[bytes, bool]]] = {}
    mounts = []
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
