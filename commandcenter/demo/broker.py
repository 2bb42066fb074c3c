"""The demo's one MQTT broker: Debian's mosquitto on a free loopback port, shared by every simulated box.

A bureau has one broker its NB-IoT sensors and its Frigate NVR both publish to, so the demo has one too: the
sanitation sensors' telemetry and the Frigate box's events travel through the same mosquitto, started on first
use and stopped with the demo.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def mosquitto_binary() -> str:
    """Path of Debian's mosquitto ("" when it is not installed)."""
    return shutil.which("mosquitto") or ("/usr/sbin/mosquitto" if Path("/usr/sbin/mosquitto").exists() else "")


class DemoBroker:
    """A mosquitto of the demo bound to 127.0.0.1; raises FileNotFoundError when mosquitto is not installed and
    RuntimeError when it does not accept connections within ``start_timeout_s``."""

    def __init__(self, start_timeout_s: float = 10.0) -> None:
        binary = mosquitto_binary()
        if not binary:
            raise FileNotFoundError("mosquitto is not installed (apt install mosquitto): the demo's NB-IoT sensors "
                                    "and camera detections need a broker")
        self._dir = tempfile.TemporaryDirectory(prefix="cc-demo-broker-")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = int(s.getsockname()[1])
        conf = Path(self._dir.name) / "mosquitto.conf"
        conf.write_text(f"listener {self.port} 127.0.0.1\nallow_anonymous true\npersistence false\n",
                        encoding="utf-8")
        self._process = subprocess.Popen([binary, "-c", str(conf)], stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + start_timeout_s
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                if time.monotonic() > deadline or self._process.poll() is not None:
                    self.stop()
                    raise RuntimeError(f"demo mosquitto did not start on 127.0.0.1:{self.port}") from None
                time.sleep(0.01)  # mosquitto listens within milliseconds: poll finely

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._dir.cleanup()
