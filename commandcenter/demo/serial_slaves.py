"""Simulated RS-485 lines: socat pty pairs with pymodbus RTU slaves on one end (the demo's and tests' sensors).

``PtyPair`` starts ``socat`` joining two pseudo-terminals under stable link names: the slaves open one end, the
application's :class:`~devices.modbus.ModbusPoller` opens the other as any serial port, so the poller runs its
real path (pyserial, RTU framing, CRC, timeouts). ``SerialSlaves`` serves several slave ids on one line with
pymodbus's serial server; each slave answers with the values its ``values`` callable gives at that moment.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pymodbus.constants import ExcCodes
from pymodbus.server import ModbusSerialServer
from pymodbus.simulator import DataType, SimData, SimDevice

from devices.sensor import RegisterSpec, encode_registers, register_span

log = logging.getLogger(__name__)


class PtyPair:
    """Two joined pseudo-terminals ``<folder>/<name>-slave`` and ``<folder>/<name>`` (the application's end)."""

    def __init__(self, folder: Path, name: str) -> None:
        if shutil.which("socat") is None:
            raise RuntimeError("socat is not installed: simulated serial lines need it (apt install socat)")
        folder.mkdir(parents=True, exist_ok=True)
        self.slave_end = str(folder / f"{name}-slave")
        self.app_end = str(folder / name)
        self._process = subprocess.Popen(
            ["socat", f"pty,raw,echo=0,link={self.slave_end}", f"pty,raw,echo=0,link={self.app_end}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 5.0
        while not (Path(self.slave_end).exists() and Path(self.app_end).exists()):
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.close()
                raise RuntimeError(f"socat did not create the pty pair {self.app_end}")
            time.sleep(0.01)

    def close(self) -> None:
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(3.0)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()


@dataclass
class SimulatedSlave:
    """One slave id on a line: its register map and where its current values come from."""

    unit: int
    registers: Sequence[RegisterSpec]
    values: Callable[[], dict[str, float]]
    failing: bool = False  # answer every read with exception 4 (slave device failure)
    silent: bool = False  # answer nothing (a slave whose power or wiring failed)


class SerialSlaves:
    """pymodbus RTU slaves on a serial port (one asyncio loop on its own thread), until :meth:`close`."""

    def __init__(self, port: str, slaves: Sequence[SimulatedSlave], *, baudrate: int = 9600) -> None:
        self.port = port
        self.slaves = {s.unit: s for s in slaves}
        self.baudrate = baudrate
        self._loop = asyncio.new_event_loop()
        self._server: ModbusSerialServer | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"modbus-slaves-{Path(port).name}", daemon=True)
        self._thread.start()
        if not self._ready.wait(5.0):
            raise RuntimeError(f"modbus slaves on {port} did not start")

    def _device(self, slave: SimulatedSlave) -> SimDevice:
        first, count = register_span(slave.registers)

        async def answer(function_code: int, start_address: int, address: int, count_: int,
                         current_registers: list[int], set_values: list[int] | list[bool] | None) -> ExcCodes | None:
            if slave.failing:
                return ExcCodes.DEVICE_FAILURE
            words = encode_registers(slave.registers, slave.values())
            for offset in range(len(current_registers)):
                current_registers[offset] = words.get(start_address + offset, 0)
            return None

        return SimDevice(id=slave.unit, simdata=[SimData(address=first, count=count, values=0,
                                                         datatype=DataType.REGISTERS)], action=answer)

    def _outgoing(self, sending: bool, data: bytes) -> bytes:
        """On RS-485 a slave id nobody has, or a slave that lost power, answers nothing: the master times out."""
        if sending and data:
            slave = self.slaves.get(data[0])
            if slave is None or slave.silent:
                return b""
        return data

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)

        async def main() -> None:
            self._server = ModbusSerialServer([self._device(s) for s in self.slaves.values()],
                                              port=self.port, baudrate=self.baudrate, trace_packet=self._outgoing)
            self._ready.set()
            await self._server.serve_forever()

        try:
            self._loop.run_until_complete(main())
        except Exception:  # the line's simulator ends; the poller on the other end sees timeouts
            log.exception("modbus slaves on %s stopped", self.port)
        finally:
            self._ready.set()

    def close(self) -> None:
        server = self._server
        if server is not None and self._loop.is_running():
            try:
                asyncio.run_coroutine_threadsafe(server.shutdown(), self._loop).result(5.0)
            except Exception as exc:  # best effort at exit: say which line
                log.debug("stopping modbus slaves on %s: %s", self.port, exc)
        self._thread.join(5.0)
        if not self._loop.is_running():
            self._loop.close()
