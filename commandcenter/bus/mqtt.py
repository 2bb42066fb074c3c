"""The bus over an MQTT 3.1.1/5 broker (Mosquitto on one machine, an EMQX cluster for a large city), via paho-mqtt.

paho's network thread (``loop_start``) connects, reconnects with backoff (1 s doubling to 30 s), decodes
payloads and queues them; it never calls a handler. A 50 ms timer on the bus object's thread (the GUI thread of a
seat, the main thread of the server) hands the queued messages to the handlers in batches and emits the state
signals, so handlers may touch Qt models directly. A payload that is not a JSON object is refused there and
then: counted, logged with its topic, never raised into the network thread.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import ssl
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode
from paho.mqtt.reasoncodes import ReasonCode
from PySide6.QtCore import QObject, QTimer

from commandcenter.bus.api import Bus, BusMessage, BusState, Handler, JsonObject, JsonValue
from commandcenter.config import BusConfig

log = logging.getLogger(__name__)

DELIVERY_INTERVAL_MS = 50
RECONNECT_MIN_S = 1
RECONNECT_MAX_S = 30
# QoS 1 messages published while the broker is away wait in paho's queue up to this many; later ones are
# dropped (and counted): the database is the truth, a seat re-reads it after the gap.
OFFLINE_QUEUE_LIMIT = 10_000
STOP_FLUSH_S = 2.0  # a clean stop waits this long at most for the broker to acknowledge the last QoS 1 message


@dataclass(frozen=True, slots=True)
class BrokerAddress:
    host: str
    port: int
    tls: bool

    def __str__(self) -> str:
        return f"{'mqtts' if self.tls else 'mqtt'}://{self.host}:{self.port}"


def parse_broker_url(url: str) -> BrokerAddress:
    """``mqtt://HOST[:1883]`` or ``mqtts://HOST[:8883]`` (TLS)."""
    parts = urlsplit(url)
    if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname:
        raise ValueError(f"bus url {url!r}: expected mqtt://HOST:PORT or mqtts://HOST:PORT")
    tls = parts.scheme == "mqtts"
    return BrokerAddress(parts.hostname, parts.port or (8883 if tls else 1883), tls)


def default_client_id(role: str) -> str:
    """Unique per process, readable in the broker's log: ``cc-seat-wallpc-4711``."""
    return f"cc-{role}-{socket.gethostname().split('.')[0] or 'host'}-{os.getpid()}"


def _decode(payload: bytes | bytearray) -> JsonObject:
    """A payload as a JSON object; an empty payload (a cleared retained value) is the empty object."""
    if not payload:
        return {}
    decoded = json.loads(payload.decode("utf-8"))
    if not isinstance(decoded, dict):
        raise ValueError(f"expected a JSON object, got {type(decoded).__name__}")
    return decoded


def _acknowledged(info: paho.MQTTMessageInfo) -> bool:
    """The broker acknowledged a QoS 1 message; one paho did not take (queue full, not connected when published)
    is not waited for."""
    try:
        return info.is_published()
    except (ValueError, RuntimeError):
        return True


class MqttBus(Bus):
    """:class:`~commandcenter.bus.api.Bus` over an MQTT broker. Create, subscribe, ``set_last_will``, then
    ``start`` on the thread that should run the handlers; ``stop`` before the process ends."""

    def __init__(self, config: BusConfig, role: str = "seat", parent: QObject | None = None) -> None:
        super().__init__(config.client_id or default_client_id(role), parent)
        self.config = config
        self.role = role
        self.address = parse_broker_url(config.url)
        self._client = self._make_client()
        self._inbox: list[BusMessage] = []
        self._transitions: list[BusState] = []  # from the network thread, emitted by the timer
        self._inbox_lock = threading.Lock()
        self._state = BusState.OFFLINE
        self._seen_offline = False  # a CONNECTED after OFFLINE is a reconnect: subscribers resync
        self._started = False
        self._counts = {"published": 0, "received": 0, "refused": 0, "dropped": 0, "reconnects": 0}
        self._counts_lock = threading.Lock()
        self._last_error = ""
        self._link_up = False  # the network thread's view: a CONNACK accepted and no disconnect since
        self._last_qos1: paho.MQTTMessageInfo | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(DELIVERY_INTERVAL_MS)
        self._timer.timeout.connect(self._pump)

    # -- setup ----------------------------------------------------------------------------------------------
    def _make_client(self) -> paho.Client:
        protocol = paho.MQTTv5 if self.config.protocol == "5" else paho.MQTTv311
        client = paho.Client(CallbackAPIVersion.VERSION2, client_id=self.client_id, protocol=protocol,
                             clean_session=None if protocol == paho.MQTTv5 else True)
        if self.config.username:
            client.username_pw_set(self.config.username, self.config.password or None)
        if self.address.tls:
            client.tls_set(ca_certs=self.config.tls_ca or None, certfile=self.config.tls_cert or None,
                           keyfile=self.config.tls_key or None, cert_reqs=ssl.CERT_REQUIRED)
            client.tls_insecure_set(self.config.tls_insecure)
        client.reconnect_delay_set(RECONNECT_MIN_S, RECONNECT_MAX_S)
        client.max_queued_messages_set(OFFLINE_QUEUE_LIMIT)
        client.on_connect = self._on_connect
        client.on_connect_fail = self._on_connect_fail
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        return client

    def set_last_will(self, topic: str, payload: Mapping[str, JsonValue], *, retain: bool = True) -> None:
        if self._started:
            raise RuntimeError(f"bus {self.client_id}: the last will must be set before start()")
        self._client.will_set(topic, json.dumps(payload, ensure_ascii=False), qos=1, retain=retain)

    # -- the contract ---------------------------------------------------------------------------------------
    def start(self) -> None:
        if self._started:
            return
        self._started = True
        self._set_state(BusState.CONNECTING)
        self._timer.start()
        self._client.connect_async(self.address.host, self.address.port, keepalive=self.config.keepalive_s)
        self._client.loop_start()
        log.info("bus %s: connecting to %s as %s", self.role, self.address, self.client_id)

    def stop(self) -> None:
        """Let the broker acknowledge what was just published (a server's "offline" status), then disconnect
        cleanly (no last will) and end the network thread."""
        if not self._started:
            return
        self._started = False
        last = self._last_qos1
        if last is not None and self._state is BusState.CONNECTED:
            deadline = time.monotonic() + STOP_FLUSH_S
            while not _acknowledged(last) and time.monotonic() < deadline:
                time.sleep(0.01)
        self._client.disconnect()
        self._client.loop_stop()
        self._timer.stop()
        with self._inbox_lock:
            self._inbox.clear()
            self._transitions.clear()
        self._set_state(BusState.OFFLINE)
        log.info("bus %s: disconnected from %s", self.role, self.address)

    @property
    def state(self) -> BusState:
        return self._state

    def publish(self, topic: str, payload: Mapping[str, JsonValue], *, retain: bool = False, qos: int = 0) -> None:
        """Never blocks on the network. Offline, QoS 0 is dropped (a newer value follows) and QoS 1 waits in a
        bounded queue for the reconnect."""
        data = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8") if payload else b""
        if qos == 0 and self._state is not BusState.CONNECTED:
            self._count("dropped")
            return
        info = self._client.publish(topic, data, qos=qos, retain=retain)
        if info.rc == MQTTErrorCode.MQTT_ERR_QUEUE_SIZE:
            self._count("dropped")
            log.warning("bus %s: offline queue full (%d), dropped %s", self.role, OFFLINE_QUEUE_LIMIT, topic)
            return
        if qos == 0 and info.rc != MQTTErrorCode.MQTT_ERR_SUCCESS:
            self._count("dropped")
            return
        if qos > 0:
            self._last_qos1 = info
        self._count("published")

    def health(self) -> dict[str, JsonValue]:
        """The report's ``bus`` section."""
        with self._counts_lock:
            counts: dict[str, JsonValue] = dict(self._counts)
        return {"state": self._state.value, "broker": str(self.address), "client_id": self.client_id,
                "role": self.role, **counts, "last_error": self._last_error}

    # -- subscriptions --------------------------------------------------------------------------------------
    def _subscribed(self, pattern: str, handler: Handler) -> None:
        if self._state is BusState.CONNECTED:
            self._client.subscribe(pattern, qos=1)
        # otherwise _on_connect subscribes to every pattern (again after every reconnect: clean sessions)

    # -- paho's network thread: record, never call handlers ----------------------------------------------------
    def _on_connect(self, client: paho.Client, _userdata: object, _flags: object, reason: ReasonCode,
                    _properties: object) -> None:
        if reason.is_failure:
            self._last_error = f"broker {self.address} refused the connection: {reason}"
            log.warning("bus %s: %s", self.role, self._last_error)
            self._queue_transition(BusState.OFFLINE)
            return
        for pattern in self._patterns():
            client.subscribe(pattern, qos=1)
        self._link_up = True
        self._last_error = ""
        self._queue_transition(BusState.CONNECTED)

    def _on_connect_fail(self, _client: paho.Client, _userdata: object) -> None:
        # paho calls this inside its ``except OSError``: the exception says why (refused, TLS, DNS …)
        reason = sys.exc_info()[1]
        detail = f": {type(reason).__name__}: {reason}" if reason is not None else ""
        if self._last_error != f"cannot reach broker {self.address}{detail}":
            log.warning("bus %s: cannot reach broker %s%s", self.role, self.address, detail)
        self._last_error = f"cannot reach broker {self.address}{detail}"
        self._queue_transition(BusState.OFFLINE)

    def _on_disconnect(self, _client: paho.Client, _userdata: object, _flags: object, reason: ReasonCode,
                       _properties: object) -> None:
        was_up, self._link_up = self._link_up, False
        if not self._started:
            return  # our own clean stop
        if not was_up:  # the broker refused the connection: _on_connect said why
            self._queue_transition(BusState.OFFLINE)
            return
        self._last_error = f"lost broker {self.address}: {reason}"
        log.warning("bus %s: %s; reconnecting (backoff %d–%d s)", self.role, self._last_error,
                    RECONNECT_MIN_S, RECONNECT_MAX_S)
        self._queue_transition(BusState.OFFLINE)

    def _on_message(self, _client: paho.Client, _userdata: object, message: paho.MQTTMessage) -> None:
        try:
            payload = _decode(message.payload)
        except (ValueError, UnicodeDecodeError) as exc:
            self._count("refused")
            log.warning("bus %s: refused a payload on %s (%d bytes): %s", self.role, message.topic,
                        len(message.payload), exc)
            return
        self._count("received")
        with self._inbox_lock:
            self._inbox.append(BusMessage(message.topic, payload, retained=bool(message.retain)))

    def _queue_transition(self, state: BusState) -> None:
        with self._inbox_lock:
            self._transitions.append(state)

    def _count(self, name: str) -> None:
        with self._counts_lock:
            self._counts[name] += 1

    # -- the bus object's thread -----------------------------------------------------------------------------
    def _pump(self) -> None:
        """Every 50 ms: emit the state changes, then hand the messages received meanwhile to the handlers."""
        with self._inbox_lock:
            transitions, self._transitions = self._transitions, []
            batch, self._inbox = self._inbox, []
        for state in transitions:
            self._set_state(state)
        if batch:
            self._deliver(batch)

    def _set_state(self, state: BusState) -> None:
        if state is self._state:
            return
        previous, self._state = self._state, state
        if state is BusState.OFFLINE:
            self._seen_offline = True
        self.state_changed.emit(state)
        if state is BusState.CONNECTED and previous is not BusState.CONNECTED and self._seen_offline:
            self._count("reconnects")
            log.info("bus %s: reconnected to %s", self.role, self.address)
            self.resynced.emit()
        elif state is BusState.CONNECTED:
            log.info("bus %s: connected to %s", self.role, self.address)

    def flush(self) -> None:
        """Deliver what has been received so far (the timer calls this; tests may too)."""
        self._pump()
