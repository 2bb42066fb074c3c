"""Modbus RTU sensors on one serial line: a poller adapter over pymodbus and any pyserial URL.

One :class:`ModbusPoller` owns one RS-485 line (``/dev/ttyUSB0``, ``rfc2217://host:port``, a socat pty …) and the
sensors wired to it, each a slave id with a register map. A line carries one request at a time, so the sensors
are polled one after the other, each at its own period, by the adapter's single worker thread.

Every poll reads the one block of holding registers (function 0x03) that covers the sensor's map and decodes it
into a :class:`~devices.sensor.SensorReading`. A poll that gives no values is a :class:`SensorBadRead` with its
reason: ``timeout`` (nothing came back in ``timeout_s``), ``crc`` (an answer came back whose CRC does not check:
noise on the line, two slaves with one id), ``garbled`` (a partial answer), ``modbus_exception`` (the slave
refused: illegal address, device failure …) or ``decode`` (registers that are no number). Bad reads are counted,
never raised; only a line that cannot be opened raises (the DeviceManager reopens it with backoff).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from devices.base import LinkStats, Sink
from devices.sensor import (
    RegisterSpec,
    SensorBadRead,
    SensorReading,
    crc16_modbus,
    decode_registers,
    register_span,
)

if TYPE_CHECKING:
    from pymodbus.client import ModbusSerialClient

log = logging.getLogger(__name__)
# pymodbus logs every unanswered request at ERROR; the poller reports them as counted bad reads instead.
logging.getLogger("pymodbus").setLevel(logging.CRITICAL)

MODBUS_EXCEPTIONS = {1: "illegal function", 2: "illegal data address", 3: "illegal data value",
                     4: "slave device failure", 5: "acknowledge", 6: "slave device busy",
                     8: "memory parity error", 10: "gateway path unavailable", 11: "gateway target failed to respond"}


@dataclass(frozen=True, slots=True)
class ModbusSensorSpec:
    """One slave on the line: its id, how often to poll it and its register map."""

    sensor_id: str
    unit: int
    period_s: float
    registers: tuple[RegisterSpec, ...]


class ModbusPoller:
    """Adapter: polls every sensor of one serial line at its period (see the module docstring)."""

    kind = "modbus-rtu"

    def __init__(self, id: str, url: str, sensors: Sequence[ModbusSensorSpec], *, baudrate: int = 9600,
                 timeout_s: float = 1.0) -> None:
        if not sensors:
            raise ValueError(f"modbus line {url!r}: no sensors to poll")
        for spec in sensors:
            register_span(spec.registers)  # refuse a map one read cannot cover before the line is opened
        self.id = id
        self.url = url
        self.sensors = list(sensors)
        self.baudrate = baudrate
        self.timeout_s = timeout_s
        self.stats = LinkStats()
        self.bad_reads: dict[str, int] = {s.sensor_id: 0 for s in sensors}
        self._received = b""  # the answer bytes of the request in flight (to tell a CRC error from silence)

    def _trace(self, sending: bool, data: bytes) -> bytes:
        if sending:
            self._received = b""
        else:
            self._received = data
        return data

    def serve(self, sink: Sink, stop: threading.Event) -> None:
        # pymodbus (and its simulator and datastore modules) loads on the line's own thread, when it first opens:
        # the application's start-up imports none of it.
        from pymodbus.client import ModbusSerialClient

        client = ModbusSerialClient(self.url, baudrate=self.baudrate, timeout=self.timeout_s, retries=0,
                                    trace_packet=self._trace)
        if not client.connect():
            raise ConnectionError(f"modbus line {self.url!r}: cannot open the serial port")
        self.stats.clients = len(self.sensors)
        try:
            start = time.monotonic()
            # Spread the first polls over the shortest period so that a line of many sensors is not read in bursts.
            step = min(s.period_s for s in self.sensors) / max(len(self.sensors), 1)
            due = {s.sensor_id: start + i * step for i, s in enumerate(self.sensors)}
            while not stop.is_set():
                now = time.monotonic()
                for spec in self.sensors:
                    if stop.is_set():
                        break
                    if due[spec.sensor_id] <= now:
                        due[spec.sensor_id] = max(due[spec.sensor_id] + spec.period_s, time.monotonic())
                        sink(self.poll(client, spec))
                        if client.socket is None:
                            raise ConnectionError(f"modbus line {self.url!r}: the serial port closed")
                stop.wait(max(0.0, min(due.values()) - time.monotonic()))
        finally:
            client.close()

    def poll(self, client: ModbusSerialClient, spec: ModbusSensorSpec) -> SensorReading | SensorBadRead:
        """One read of one sensor's register block: its reading, or a bad read with the reason."""
        from pymodbus.exceptions import ModbusException

        first, count = register_span(spec.registers)
        try:
            response = client.read_holding_registers(first, count=count, device_id=spec.unit)
        except ModbusException as exc:
            return self._bad(spec, *self._silence_reason(exc))
        if response.isError():
            code = int(getattr(response, "exception_code", 0))
            return self._bad(spec, "modbus_exception",
                             f"exception {code} ({MODBUS_EXCEPTIONS.get(code, 'unknown')}) reading {count} registers "
                             f"at {first} of slave {spec.unit}")
        try:
            values = decode_registers(spec.registers, first, response.registers)
        except ValueError as exc:
            return self._bad(spec, "decode", str(exc))
        self.stats.good()
        return SensorReading(spec.sensor_id, "modbus", values)

    def _silence_reason(self, exc: Exception) -> tuple[str, str]:
        answer = self._received
        if not answer:
            return "timeout", f"no answer within {self.timeout_s:g} s"
        if len(answer) >= 4 and crc16_modbus(answer[:-2]) != int.from_bytes(answer[-2:], "little"):
            return "crc", f"CRC does not check in the answer {answer.hex()}"
        return "garbled", f"incomplete answer {answer.hex()} ({exc})"

    def _bad(self, spec: ModbusSensorSpec, reason: str, detail: str) -> SensorBadRead:
        self.bad_reads[spec.sensor_id] = self.bad_reads.get(spec.sensor_id, 0) + 1
        self.stats.bad(f"{spec.sensor_id}: {reason} {detail}")
        return SensorBadRead(spec.sensor_id, "modbus", reason, detail)
