"""``commandcenter serve``: the command center as a headless, long-running service.

It owns every listener and link (JT/T 808, OsmAnd, NMEA, Open311, drone links), the store writer, geofence,
rules and SLA escalation, audit checkpoints and device health (``build(config, role=Role.SERVER)``), and
publishes live state on the bus. It runs on a QCoreApplication: no display, never QtWidgets or QtGui.

Signals, as a service manager expects them:

- SIGTERM / SIGINT: stop cleanly (listeners closed, "offline" said on the bus, the store's last writes
  committed) and exit 0.
- SIGHUP: nothing is reloaded silently: the log says a restart is needed to apply a changed config.

With ``$NOTIFY_SOCKET`` set (systemd ``Type=notify``) it reports READY=1 once everything has started and
STOPPING=1 when it begins to stop.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
from collections.abc import Callable
from types import FrameType

from PySide6.QtCore import QCoreApplication, QSocketNotifier, QTimer

from commandcenter.bus import Bus, InProcessBus
from commandcenter.bus.bridge import attach_server
from commandcenter.config import Config
from commandcenter.drones.remote import attach_command_server
from commandcenter.ptz.remote import attach_ptz_server
from commandcenter.runtime.compose import Role, Services, build

log = logging.getLogger("commandcenter.server")

# What builds the server's services (the demo hall hands in the simulated city's composition, built as a server).
Compose = Callable[[], Services]


def make_bus(config: Config, role: Role) -> Bus:
    """The process's bus: the MQTT broker of ``[bus]``, else the in-process bus (one process, no seats)."""
    if config.bus is None:
        return InProcessBus(client_id="embedded")
    # The MQTT implementation (paho-mqtt) is loaded only by processes that talk to a broker.
    from commandcenter.bus.mqtt import MqttBus

    return MqttBus(config.bus, role=role.value)


def sd_notify(state: str) -> bool:
    """Tell systemd about our state (``Type=notify``); False when not run by systemd with a notify socket."""
    address = os.environ.get("NOTIFY_SOCKET", "")
    if not address:
        return False
    if address.startswith("@"):  # an abstract socket
        address = "\0" + address[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.connect(address)
            sock.sendall(state.encode("utf-8"))
    except OSError as exc:
        log.warning("could not notify systemd (%s) of %s: %s", os.environ.get("NOTIFY_SOCKET"), state, exc)
        return False
    return True


class SignalRelay:
    """POSIX signals into the Qt event loop: Python runs a signal handler only when the interpreter gets control,
    which a loop waiting in C++ would delay indefinitely; the wakeup fd makes a socket notifier fire at once."""

    def __init__(self, app: QCoreApplication, config_source: str) -> None:
        self.app = app
        self.config_source = config_source
        self.received: list[str] = []
        self._read, self._write = socket.socketpair()
        self._read.setblocking(False)
        self._write.setblocking(False)
        self._previous_fd = signal.set_wakeup_fd(self._write.fileno(), warn_on_full_buffer=False)
        self._previous = {sig: signal.signal(sig, self._handle) for sig in (signal.SIGTERM, signal.SIGINT,
                                                                              signal.SIGHUP)}
        self._notifier = QSocketNotifier(self._read.fileno(), QSocketNotifier.Type.Read)
        self._notifier.activated.connect(self._drain)

    def _drain(self) -> None:
        try:
            while self._read.recv(64):
                pass
        except BlockingIOError:
            pass  # the handlers below have run by now (the interpreter got control for this slot)

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        self.received.append(name)
        if signum == signal.SIGHUP:
            log.warning("SIGHUP: nothing is reloaded while running; restart the service to apply changes to %s "
                        "(systemctl restart commandcenter)", self.config_source or "the config")
            return
        log.info("%s: stopping", name)
        self.app.quit()

    def close(self) -> None:
        self._notifier.setEnabled(False)
        for sig, previous in self._previous.items():
            signal.signal(sig, previous)
        signal.set_wakeup_fd(self._previous_fd)
        self._read.close()
        self._write.close()


def _log_listeners(services: Services) -> None:
    for entry in services.devices.report():
        if "address" in entry:
            log.info("listening: %s (%s) on %s", entry["id"], entry["kind"], entry["address"])
        elif entry.get("kind") in ("mavlink",) or entry["id"] in services.drone_links:
            log.info("drone link: %s %s", entry["id"], entry["state"])


def serve(config: Config, *, compose: Compose | None = None, run_for: float = 0.0) -> int:
    """Run the server until SIGTERM/SIGINT (or ``run_for`` seconds); the exit code (0: a clean stop).

    A bad config raises :class:`commandcenter.config.ConfigError` before anything listens.
    """
    existing = QCoreApplication.instance()
    app = existing if existing is not None else QCoreApplication(["commandcenter-serve"])
    app.setApplicationName("commandcenter")
    if config.bus is None:
        log.warning("no [bus] in %s: serving with the in-process bus; no seat can see this server "
                    "(add [bus] url = \"mqtt://127.0.0.1:1883\" for seats)", config.source or "the config")
    services = compose() if compose is not None else build(config, role=Role.SERVER)
    try:  # publishes what changed; says "offline" (and stops the bus) first when the services stop
        bus = make_bus(config, Role.SERVER)
        attach_server(services, bus)
        # The seats' drone commands: authenticated by their session, checked and audited under the seat's user.
        attach_command_server(services, bus)
        attach_ptz_server(services, bus)  # and their PTZ intents (the server talks to the cameras)
    except BaseException:
        services.stop()
        raise
    relay = SignalRelay(app, config.source)
    try:
        services.start()
        log.info("server up (%s, database %s, bus %s)", config.source or "built-in config",
                 services.store.description, config.bus.url if config.bus is not None else "in-process")
        QTimer.singleShot(1000, lambda: _log_listeners(services))  # listeners bind on their own threads
        sd_notify("READY=1")
        if run_for > 0:
            QTimer.singleShot(int(run_for * 1000), app.quit)
        app.exec()
        sd_notify("STOPPING=1")
        log.info("stopping")
    finally:
        services.stop()
        relay.close()
    log.info("stopped")
    return 0
