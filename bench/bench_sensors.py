"""Sensor benchmark: 1,000 sensors at their polling periods through the whole application.

60 % are Modbus RTU slaves on simulated RS-485 lines (socat pty pairs, 20 slaves a line, pymodbus serving them),
40 % NB-IoT sensors publishing JSON to a mosquitto on loopback. The slaves and publishers run in a child process,
so the figures are the application's own: ``build(config)`` with those sensors polls and listens through its
real adapters into the SensorService, which applies an alarm rule (fill > 80 %, no minimum duration) and opens a
case per alarm.

Measured over the steady window: the application process's CPU (user + system, % of one core), readings per
second, bad reads, and for a tenth of the sensors whose level jumps over the threshold at a known moment, the
latency from the device handing out the first over-threshold value (the slave's answer, the MQTT publish) to the
alarm being raised in the core (p50/p99; Modbus latency includes nothing of the polling wait, it starts at the
answer). ``python -m bench.bench_sensors [--quick]`` prints the dict as JSON.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

LINE_SIZE = 20
FILL_MAP = [("fill", 0, "uint16", 1.0)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(lines: list[tuple[str, list[str]]], broker: str, mqtt_ids: list[str], mqtt_period: float,
           trigger_at: float, triggered: list[str], served: Any, stop: Any) -> None:
    """Child process: the slaves and the publishers; reports when each triggered sensor first served a high value."""
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    from commandcenter.demo.serial_slaves import SerialSlaves, SimulatedSlave
    from devices.sensor import RegisterSpec

    hot = set(triggered)
    first: dict[str, float] = {}

    def level(sensor_id: str) -> dict[str, float]:
        now = time.time()
        if sensor_id in hot and now >= trigger_at:
            if sensor_id not in first:
                first[sensor_id] = now
                served.put((sensor_id, now))
            return {"fill": 95.0}
        return {"fill": 30.0}

    specs = [RegisterSpec(*r) for r in FILL_MAP]
    running = [SerialSlaves(port, [SimulatedSlave(unit, specs, lambda i=sensor_id: level(i))
                                   for unit, sensor_id in enumerate(ids, start=1)], baudrate=38400)
               for port, ids in lines]
    host, port = broker.removeprefix("mqtt://").split(":")
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="bench-publisher")
    client.connect(host, int(port))
    client.loop_start()
    step = mqtt_period / max(len(mqtt_ids), 1)
    try:
        while not stop.is_set():
            for sensor_id in mqtt_ids:
                client.publish(f"bench/{sensor_id}/up", json.dumps(level(sensor_id)), qos=0)
                if stop.wait(step):
                    break
    finally:
        client.loop_stop()
        client.disconnect()
        for slaves in running:
            slaves.close()


def _config(folder: Path, lines: list[tuple[str, list[str]]], broker: str, mqtt_ids: list[str], modbus_period: float,
            mqtt_period: float) -> str:
    parts = [f'[database]\nurl = "sqlite:///{folder / "bench.db"}"\n']
    for port, ids in lines:
        for unit, sensor_id in enumerate(ids, start=1):
            parts.append(f'[[sensors]]\nid = "{sensor_id}"\nkind = "垃圾桶"\nurl = "{port}"\nbaudrate = 38400\n'
                         f'unit = {unit}\nperiod_s = {modbus_period}\ntimeout_s = 0.3\nlat = 32.04\nlon = 118.78\n'
                         'registers = [{ measure = "fill", address = 0 }]\n')
    for sensor_id in mqtt_ids:
        parts.append(f'[[sensors]]\nid = "{sensor_id}"\nkind = "垃圾桶"\nprotocol = "mqtt"\nurl = "{broker}"\n'
                     f'topic = "bench/+/up"\nperiod_s = {mqtt_period}\nlat = 32.04\nlon = 118.78\n')
    parts.append('[[sensor_rules]]\nmeasure = "fill"\nabove = 80\nclear_below = 60\ncategory = "SJ0101"\n')
    return "\n".join(parts)


def bench_sensors(count: int, modbus_period: float, mqtt_period: float, warmup_s: float, window_s: float) -> dict[str, Any]:
    from PySide6.QtCore import QCoreApplication

    from commandcenter.config import parse_config
    from commandcenter.demo.serial_slaves import PtyPair
    from commandcenter.runtime.compose import build
    from devices.sensor import SensorBadRead

    if shutil.which("socat") is None or not Path("/usr/sbin/mosquitto").exists():
        raise RuntimeError("the sensor bench needs socat and mosquitto")
    app = QCoreApplication.instance() or QCoreApplication(sys.argv[:1])
    folder = Path(tempfile.mkdtemp(prefix="bench-sensors-"))
    modbus_count = count * 6 // 10
    ids = [f"bin-{i:04d}" for i in range(count)]
    pairs = [PtyPair(folder / "ttys", f"line{n}") for n in range((modbus_count + LINE_SIZE - 1) // LINE_SIZE)]
    lines = [(pair, ids[n * LINE_SIZE:min((n + 1) * LINE_SIZE, modbus_count)]) for n, pair in enumerate(pairs)]
    mqtt_ids = ids[modbus_count:]
    port = _free_port()
    (folder / "mosquitto.conf").write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\n", encoding="utf-8")
    broker_process = subprocess.Popen(["/usr/sbin/mosquitto", "-c", str(folder / "mosquitto.conf")],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    broker = f"mqtt://127.0.0.1:{port}"
    time.sleep(0.5)
    triggered = ids[::10]
    trigger_at = time.time() + warmup_s + window_s / 3
    ctx = mp.get_context("spawn")
    served, stop = ctx.Queue(), ctx.Event()
    child = ctx.Process(target=_serve, args=([(p.slave_end, i) for p, i in lines], broker, mqtt_ids, mqtt_period,
                                             trigger_at, triggered, served, stop), daemon=True)
    child.start()
    services = build(parse_config(_config(folder, [(p.app_end, i) for p, i in lines], broker, mqtt_ids,
                                          modbus_period, mqtt_period), "bench.toml"))
    raised: dict[str, float] = {}
    bad_reasons: Counter[str] = Counter()
    services.devices.events.connect(lambda batch: bad_reasons.update(
        e.reason for e in batch if isinstance(e, SensorBadRead)))
    services.sensors.alarm.connect(
        lambda sensor_id, severity, text: raised.setdefault(sensor_id, time.time())
        if severity == "alarm" and text.startswith("传感器告警") else None)
    try:
        services.start()
        end_warmup = time.monotonic() + warmup_s
        while time.monotonic() < end_warmup:
            app.processEvents()
            time.sleep(0.005)

        def messages() -> tuple[int, int]:
            report = services.devices.report()
            return sum(d["messages"] for d in report), sum(d["bad_messages"] for d in report)

        before = resource.getrusage(resource.RUSAGE_SELF)
        good0, bad0 = messages()
        start = time.monotonic()
        while time.monotonic() - start < window_s:
            app.processEvents()
            time.sleep(0.005)
        elapsed = time.monotonic() - start
        after = resource.getrusage(resource.RUSAGE_SELF)
        good1, bad1 = messages()
        first_served: dict[str, float] = {}
        while not served.empty():
            sensor_id, when = served.get()
            first_served[sensor_id] = when
        latencies = sorted((raised[s] - first_served[s]) * 1000.0 for s in first_served if s in raised)
        services.store.flush()
        cases = int(services.store.scalar("SELECT COUNT(*) FROM cases WHERE source = 'sensor'"))
        states = [s["state"] for s in services.sensors.report()]
    finally:
        stop.set()
        services.stop()
        child.join(10)
        broker_process.terminate()
        broker_process.wait(5)
        for pair in pairs:
            pair.close()
        shutil.rmtree(folder, ignore_errors=True)
    if len(latencies) != len(triggered):
        raise AssertionError(f"{len(triggered)} sensors went over the threshold, {len(latencies)} alarms measured")
    if cases != len(triggered):
        raise AssertionError(f"{len(triggered)} alarm episodes opened {cases} cases (expected one each)")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {
        "sensors": count, "modbus": modbus_count, "mqtt": len(mqtt_ids), "lines": len(pairs),
        "modbus_period_s": modbus_period, "mqtt_period_s": mqtt_period,
        "readings_per_s": round((good1 - good0) / elapsed, 1), "bad_reads_in_window": bad1 - bad0,
        "bad_reads_by_reason_whole_run": dict(bad_reasons),
        "cpu_percent_of_one_core": round(100.0 * cpu / elapsed, 1),
        "online": states.count("online"),
        "alarm_latency_ms_p50": round(statistics.median(latencies), 1),
        "alarm_latency_ms_p99": round(latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))], 1),
        "alarms": len(latencies), "cases": cases,
    }


def run(quick: bool = False) -> dict[str, Any]:
    if quick:
        return {"sensors_100": bench_sensors(100, 5.0, 10.0, warmup_s=12.0, window_s=24.0)}
    return {"sensors_1000": bench_sensors(1000, 30.0, 60.0, warmup_s=70.0, window_s=180.0)}


if __name__ == "__main__":
    print(json.dumps(run("--quick" in sys.argv), ensure_ascii=False, indent=2))
