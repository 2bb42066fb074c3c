"""The demo's 环卫设施: bins that fill through the day and public toilets whose NH3 rises with use.

They are served the way real ones are, so the application's adapters run their real paths:

* most bins and the toilets hang on simulated RS-485 lines — socat pty pairs with pymodbus RTU slaves on one
  end (:mod:`commandcenter.demo.serial_slaves`), polled by the application's Modbus poller on the other;
* the rest are NB-IoT bins and toilets publishing JSON telemetry to a mosquitto broker the demo starts on a free
  loopback port (when mosquitto is installed), read by the application's MQTT sensor listener.

One bin on the first line is dead from the start (its slave never answers) so that the map shows a grey,
offline bin and the events dock its maintenance alarm. The levels follow the local time of day, sped up like
the rest of the simulated city.
"""

from __future__ import annotations

import json
import logging
import math
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from commandcenter.config import RegisterConfig, SensorConfig, SensorRuleConfig
from commandcenter.demo.serial_slaves import PtyPair, SerialSlaves, SimulatedSlave
from commandcenter.geo.basemap import Basemap
from commandcenter.geo.streets import StreetGraph
from devices.sensor import RegisterSpec

log = logging.getLogger(__name__)

BIN_REGISTERS = [RegisterConfig("fill", 0, "uint16", 1.0, "%"), RegisterConfig("battery", 1, "uint16", 0.01, "V")]
TOILET_REGISTERS = [RegisterConfig("nh3", 0, "uint16", 0.01, "ppm"), RegisterConfig("h2s", 1, "uint16", 0.001, "ppm"),
                    RegisterConfig("occupancy", 2, "uint16", 1.0, "人")]
SLAVES_PER_LINE = 16
MODBUS_PERIOD_S = 5.0
MQTT_PERIOD_S = 15.0
MQTT_TOPIC = "demo/sensors/+/up"
DEMO_RULES = [
    SensorRuleConfig(measure="fill", category="SJ0101", above=80.0, clear_below=60.0, for_s=20.0, kinds=["垃圾桶"]),
    SensorRuleConfig(measure="nh3", category="BJ0301", above=5.0, clear_below=3.0, for_s=60.0, kinds=["公厕"]),
]


def _busy(hour: float, peaks: tuple[float, ...]) -> float:
    """How busy the street is at a local hour: a floor at night and a bump around each peak hour."""
    return 0.1 + sum(math.exp(-((hour - p) ** 2) / 3.0) for p in peaks)


@dataclass
class Bin:
    """A litter bin: fills faster when the street is busy, emptied by the morning and afternoon rounds or once it
    has stood full for a while (the sanitation team came)."""

    id: str
    fill: float
    rate: float  # % per busy hour
    battery: float
    full_for_h: float = 0.0

    def advance(self, hour: float, dt_h: float) -> None:
        self.fill = min(100.0, self.fill + self.rate * _busy(hour, (8.0, 12.5, 18.5)) * dt_h)
        self.battery = max(3.0, self.battery - 0.001 * dt_h)
        self.full_for_h = self.full_for_h + dt_h if self.fill >= 80.0 else 0.0
        if self.full_for_h > 0.75 or (6.0 <= hour < 6.0 + dt_h) or (14.0 <= hour < 14.0 + dt_h):
            self.fill, self.full_for_h = random.uniform(2.0, 8.0), 0.0

    def values(self) -> dict[str, float]:
        return {"fill": round(self.fill, 1), "battery": round(self.battery, 2)}


@dataclass
class Toilet:
    """A public toilet: NH3 rises with visits and falls with ventilation; cleaned twice a day."""

    id: str
    busyness: float
    nh3: float = 0.8
    occupancy: int = 0

    def advance(self, hour: float, dt_h: float) -> None:
        visits_per_h = 40.0 * self.busyness * _busy(hour, (8.0, 12.0, 18.0))
        self.occupancy = max(0, round(visits_per_h / 12.0 + random.uniform(-1, 1)))
        steady = 0.5 + visits_per_h / 9.0  # ppm the ventilation holds at this use
        self.nh3 += (steady - self.nh3) * min(1.0, 1.5 * dt_h)
        if (7.0 <= hour < 7.0 + dt_h) or (15.0 <= hour < 15.0 + dt_h):
            self.nh3 = 0.6

    def values(self) -> dict[str, float]:
        return {"nh3": round(self.nh3, 2), "h2s": round(self.nh3 / 40.0, 3), "occupancy": float(self.occupancy)}


class SanitationSimulator:
    """Runs the demo's bins and toilets (see the module docstring); ``sensors`` is their config for the demo."""

    def __init__(self, basemap: Basemap, folder: Path, *, bins: int, toilets: int, seed: int = 1,
                 speedup: float = 1.0, broker_url: str = "") -> None:
        self.folder = folder
        self.broker_url = broker_url  # the demo's mosquitto ("" without one: every sensor on a serial line)
        self.speedup = speedup
        self.rng = random.Random(seed)
        graph = StreetGraph.from_basemap(basemap)
        nodes = self.rng.sample(range(graph.node_count), min(graph.node_count, bins + toilets))
        places = [graph.node_latlon(n) for n in nodes]
        self.bins = [Bin(f"bin-{i + 1:03d}", self.rng.uniform(10, 78), self.rng.uniform(8.0, 20.0),
                         self.rng.uniform(3.5, 3.9)) for i in range(min(bins, len(places)))]
        self.toilets = [Toilet(f"wc-{i + 1:02d}", self.rng.uniform(0.4, 1.4))
                        for i in range(min(toilets, len(places) - len(self.bins)))]
        self.places = dict(zip([b.id for b in self.bins] + [t.id for t in self.toilets], places, strict=False))
        self.sensors: list[SensorConfig] = []
        self._lines: list[tuple[PtyPair, SerialSlaves]] = []
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._sim_hour = datetime.now().hour + datetime.now().minute / 60.0
        self._last = time.monotonic()

    # ------------------------------------------------------------------------------------------ the day
    def _advance(self) -> None:
        with self._lock:
            now = time.monotonic()
            dt_h = (now - self._last) / 3600.0 * self.speedup
            self._last = now
            if dt_h <= 0:
                return
            self._sim_hour = (self._sim_hour + dt_h) % 24.0
            facilities: list[Bin | Toilet] = [*self.bins, *self.toilets]
            for facility in facilities:
                facility.advance(self._sim_hour, dt_h)

    def values_of(self, facility: Bin | Toilet) -> dict[str, float]:
        self._advance()
        with self._lock:
            return facility.values()

    # ------------------------------------------------------------------------------------------ serving
    def start(self) -> list[SensorConfig]:
        """Start the serial lines and the publisher; the sensors' config entries (empty when nothing could start)."""
        over_mqtt = self.broker_url
        mqtt_share = (len(self.bins) // 3, len(self.toilets) // 3) if over_mqtt else (0, 0)
        serial_bins = self.bins[:len(self.bins) - mqtt_share[0]]
        serial_toilets = self.toilets[:len(self.toilets) - mqtt_share[1]]
        try:
            self._start_lines(serial_bins, serial_toilets)
        except (OSError, RuntimeError) as exc:  # no socat: the demo runs without serial sensors, and says so
            log.warning("demo serial sensors unavailable: %s", exc)
        if over_mqtt:
            self._start_publisher(over_mqtt, self.bins[len(serial_bins):], self.toilets[len(serial_toilets):])
        return self.sensors

    def _start_lines(self, bins: list[Bin], toilets: list[Toilet]) -> None:
        facilities: list[Bin | Toilet] = [*bins, *toilets]
        for line_no, first in enumerate(range(0, len(facilities), SLAVES_PER_LINE), start=1):
            members = facilities[first:first + SLAVES_PER_LINE]
            pair = PtyPair(self.folder, f"rs485-{line_no}")
            slaves = []
            for unit, facility in enumerate(members, start=1):
                registers = BIN_REGISTERS if isinstance(facility, Bin) else TOILET_REGISTERS
                specs = [RegisterSpec(r.measure, r.address, r.type, r.scale) for r in registers]
                dead = line_no == 1 and unit == 3 and isinstance(facility, Bin)
                slaves.append(SimulatedSlave(unit, specs, self._reader(facility), silent=dead))
                self.sensors.append(self._config(facility, "modbus-rtu", pair.app_end, unit=unit,
                                                 registers=registers))
            try:
                line = SerialSlaves(pair.slave_end, slaves)
            except BaseException:
                pair.close()
                raise
            self._lines.append((pair, line))

    def _reader(self, facility: Bin | Toilet) -> Callable[[], dict[str, float]]:
        return lambda: self.values_of(facility)

    def _config(self, facility: Bin | Toilet, protocol: str, url: str, *, unit: int = 1,
                registers: list[RegisterConfig] | None = None, topic: str = "") -> SensorConfig:
        lat, lon = self.places[facility.id]
        is_bin = isinstance(facility, Bin)
        number = facility.id.split("-")[1]
        return SensorConfig(id=facility.id, kind="垃圾桶" if is_bin else "公厕", lat=lat, lon=lon,
                            name=f"{number}号垃圾桶" if is_bin else f"{number}号公厕", protocol=protocol, url=url,
                            unit=unit, registers=list(registers or []), topic=topic,
                            period_s=MODBUS_PERIOD_S if protocol == "modbus-rtu" else MQTT_PERIOD_S)

    def _start_publisher(self, broker: str, bins: list[Bin], toilets: list[Toilet]) -> None:
        members: list[Bin | Toilet] = [*bins, *toilets]
        self.sensors += [self._config(f, "mqtt", broker, topic=MQTT_TOPIC) for f in members]
        thread = threading.Thread(target=self._publish, args=(broker, members), name="demo-nbiot", daemon=True)
        self._threads.append(thread)
        thread.start()

    def _publish(self, broker: str, members: list[Bin | Toilet]) -> None:
        host, port = broker.removeprefix("mqtt://").split(":")
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="demo-nbiot-sensors")
        try:
            client.connect(host, int(port))
        except OSError as exc:
            log.warning("demo NB-IoT sensors cannot reach %s: %s", broker, exc)
            return
        client.loop_start()
        try:
            step = MQTT_PERIOD_S / max(len(members), 1)
            while not self._stop.is_set():
                for facility in members:
                    payload = {**self.values_of(facility), "ts": round(time.time(), 1)}
                    client.publish(f"demo/sensors/{facility.id}/up", json.dumps(payload), qos=0)
                    if self._stop.wait(step):
                        break
        finally:
            client.loop_stop()
            client.disconnect()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(3.0)
        for pair, line in self._lines:
            line.close()
            pair.close()
