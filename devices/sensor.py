"""What sensor adapters emit, and the register decoding they share: plain data, no Qt, no database.

A sensor adapter (Modbus RTU poller, MQTT listener) turns a sensor's answer into one :class:`SensorReading`
(every measure of one poll or message, already scaled) or, when the answer is missing or unusable, one
:class:`SensorBadRead` naming the sensor and the reason (timeout, CRC error, a Modbus exception, malformed JSON).
The core's SensorService counts bad reads per sensor, judges online/offline by the readings' arrival and applies
the alarm rules; an adapter knows nothing about thresholds.
"""

from __future__ import annotations

import struct
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

REGISTER_WIDTH = {"uint16": 1, "int16": 1, "uint32": 2, "int32": 2, "float32": 2}
_FORMATS = {"uint16": ">H", "int16": ">h", "uint32": ">I", "int32": ">i", "float32": ">f"}
_INT_RANGES = {"uint16": (0, 0xFFFF), "int16": (-0x8000, 0x7FFF), "uint32": (0, 0xFFFFFFFF),
               "int32": (-0x80000000, 0x7FFFFFFF)}


@dataclass(frozen=True, slots=True)
class SensorReading:
    """Every measure one sensor reported at one time, scaled to its unit (``{"fill": 85.0, "battery": 3.61}``)."""

    sensor_id: str
    source: str  # "modbus" | "mqtt" | "sim"
    values: dict[str, float]
    time: float = field(default_factory=time.time)  # unix seconds of the reading (the device's own when it sent one)


@dataclass(frozen=True, slots=True)
class SensorBadRead:
    """A poll or message of a known sensor that gave no usable values, with the reason a technician can act on."""

    sensor_id: str
    source: str
    reason: str  # "timeout" | "crc" | "modbus_exception" | "malformed" | "decode"
    detail: str = ""
    time: float = field(default_factory=time.time)


@dataclass(frozen=True, slots=True)
class RegisterSpec:
    """One value of a register map (the devices-side copy of the config's ``registers`` entry)."""

    measure: str
    address: int
    type: str = "uint16"
    scale: float = 1.0

    @property
    def width(self) -> int:
        return REGISTER_WIDTH[self.type]


def register_span(registers: Sequence[RegisterSpec]) -> tuple[int, int]:
    """(first address, count) of the one block read that covers every register of a map."""
    if not registers:
        raise ValueError("an empty register map has nothing to read")
    first = min(r.address for r in registers)
    end = max(r.address + r.width for r in registers)
    if end - first > 125:
        raise ValueError(f"register map spans {end - first} registers; one Modbus read takes at most 125")
    return first, end - first


def decode_registers(registers: Sequence[RegisterSpec], first: int, words: Sequence[int]) -> dict[str, float]:
    """The measures of a register map from the block read at ``first`` (32-bit values high word first)."""
    values: dict[str, float] = {}
    for reg in registers:
        offset = reg.address - first
        chunk = words[offset:offset + reg.width]
        if len(chunk) != reg.width:
            raise ValueError(f"{reg.measure}: register {reg.address} not in the {len(words)} registers read")
        raw = struct.unpack(_FORMATS[reg.type], b"".join(int(w).to_bytes(2, "big") for w in chunk))[0]
        value = float(raw) * reg.scale
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"{reg.measure}: register {reg.address} holds no number ({raw!r})")
        values[reg.measure] = round(value, 6)
    return values


def encode_registers(registers: Sequence[RegisterSpec], values: dict[str, float]) -> dict[int, int]:
    """Register address → word for ``values`` (what a slave answers; the simulator's and tests' side)."""
    words: dict[int, int] = {}
    for reg in registers:
        raw_value = values.get(reg.measure, 0.0) / (reg.scale or 1.0)
        if reg.type == "float32":
            data = struct.pack(">f", raw_value)
        else:
            low, high = _INT_RANGES[reg.type]
            data = struct.pack(_FORMATS[reg.type], min(high, max(low, round(raw_value))))
        for i in range(reg.width):
            words[reg.address + i] = int.from_bytes(data[2 * i:2 * i + 2], "big")
    return words


def crc16_modbus(data: bytes) -> int:
    """The Modbus RTU CRC-16 (polynomial 0xA001 reflected, initial 0xFFFF), sent low byte first."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc
