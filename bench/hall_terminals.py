"""The 10,000 JT/T 808 terminals of bench/bench_hall.py, in a process of their own (so their CPU is measured
apart from the server's and the seats') on one asyncio loop.

    PYTHONPATH=. python bench/hall_terminals.py PORT UNITS ROUNDS OUT_JSON

Each terminal is one TCP connection with an ``asyncio.Protocol`` (no stream objects: a report costs the
encoding and one ``write``). They register and authenticate at most ``IN_FLIGHT`` at a time (a city's
terminals come up over minutes, not in one millisecond; the pace is what the server takes), then report once a
second for ``ROUNDS`` rounds. A round is spread over the second in ``SLICES`` slices, as independent terminals
are: unit i reports at offset (i mod SLICES) / SLICES of each second. Latitude carries the round (``STEP`` per
round), so a seat's recorded position names the report it came from.

Writes OUT_JSON: when each report was sent (``sent[round][unit]``, unix seconds), acknowledged counts, the
largest wait for an acknowledgement, rounds that could not be sent on time, and this process's own CPU seconds
while reporting. Exits 1 (after writing) when a terminal waited more than ``ACK_TIMEOUT_S`` for an answer.
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from devices.jt808 import (
    MSG_AUTHENTICATION,
    MSG_LOCATION,
    MSG_PLATFORM_GENERAL_RESPONSE,
    MSG_REGISTRATION,
    MSG_REGISTRATION_RESPONSE,
    REG_OK,
    RESULT_OK,
    Discard,
    FrameDecoder,
    Registration,
    decode_frame,
    decode_general_response,
    decode_registration_response,
    encode_authentication,
    encode_frame,
    encode_location,
    encode_registration,
)

STEP = 1e-5  # degrees of latitude per round
SLICES = 20  # a round's reports spread over the second in this many slices
IN_FLIGHT = 200  # registrations + authentications under way at once
ACK_TIMEOUT_S = 30.0


def base(i: int) -> tuple[float, float]:
    return 32.02 + (i % 200) * 1e-4, 118.76 + (i // 200) * 1e-4


def phone(i: int) -> str:
    return f"0138{i:08d}"


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


ANSWERED = [0]  # answers to reports, all terminals (the round waits on this, not on a sum over 10,000)


class Terminal(asyncio.Protocol):
    """One terminal: answers are decoded on arrival; reports wait for nothing (the round checks the count)."""

    def __init__(self, index: int) -> None:
        self.index = index
        self.phone = phone(index)
        self.serial = 0
        self.decoder = FrameDecoder()
        self.transport: asyncio.Transport | None = None
        self.answer: asyncio.Future[tuple[int, int, str]] | None = None  # (msg id, result, auth code)
        self.acked = 0  # 0x8001 OK to reports
        self.failed = 0
        self.lost = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        if self.answer is not None and not self.answer.done():
            self.answer.set_exception(ConnectionError(f"terminal {self.phone}: platform closed the connection"))

    def data_received(self, data: bytes) -> None:
        for item in self.decoder.feed(data):
            if isinstance(item, Discard):
                continue
            msg = decode_frame(item)
            if msg.header.msg_id == MSG_REGISTRATION_RESPONSE:
                _, result, code = decode_registration_response(msg.body)
                answer: tuple[int, int, str] = (msg.header.msg_id, result, code)
            elif msg.header.msg_id == MSG_PLATFORM_GENERAL_RESPONSE:
                _, reply_to, result = decode_general_response(msg.body)
                if reply_to == MSG_LOCATION:
                    ANSWERED[0] += 1
                    if result == RESULT_OK:
                        self.acked += 1
                    else:
                        self.failed += 1
                    continue
                answer = (msg.header.msg_id, result, "")
            else:
                continue
            if self.answer is not None and not self.answer.done():
                self.answer.set_result(answer)

    def send(self, msg_id: int, body: bytes) -> None:
        assert self.transport is not None
        self.transport.write(encode_frame(msg_id, self.phone, self.serial, body))
        self.serial = (self.serial + 1) & 0xFFFF

    async def ask(self, msg_id: int, body: bytes) -> tuple[int, int, str]:
        self.answer = asyncio.get_running_loop().create_future()
        self.send(msg_id, body)
        return await asyncio.wait_for(self.answer, ACK_TIMEOUT_S)

    async def log_in(self) -> None:
        reg = Registration(44, 300, "CCTST", "CC-T1", self.phone[-7:], 1, f"苏A{self.index:05d}")
        _, result, code = await self.ask(MSG_REGISTRATION, encode_registration(reg))
        if result != REG_OK:
            raise RuntimeError(f"terminal {self.phone}: registration answered {result}")
        _, result, _ = await self.ask(MSG_AUTHENTICATION, encode_authentication(code, 2013, "860000000000001",
                                                                                 "1.0.0"))
        if result != RESULT_OK:
            raise RuntimeError(f"terminal {self.phone}: authentication answered {result}")


async def main(port: int, units: int, rounds: int, out: Path) -> int:
    loop = asyncio.get_running_loop()
    terminals: list[Terminal] = []
    gate = asyncio.Semaphore(IN_FLIGHT)

    async def bring_up(i: int) -> Terminal:
        async with gate:
            _, terminal = await loop.create_connection(lambda: Terminal(i), "127.0.0.1", port)
            await terminal.log_in()
            return terminal

    started = time.perf_counter()
    terminals = list(await asyncio.gather(*(bring_up(i) for i in range(units))))
    setup_s = time.perf_counter() - started
    print(f"terminals up: {units} in {setup_s:.1f} s", flush=True)

    sent: list[list[float]] = []
    waits: list[float] = []  # per round: how long the answers of the round before were waited for
    late_slices = 0
    worst_wait = 0.0
    timed_out = False
    cpu_before, wall_before = cpu_seconds(), time.monotonic()
    first_tick = time.monotonic() + 0.5
    slices = [terminals[k::SLICES] for k in range(SLICES)]
    for r in range(1, rounds + 1):
        times = [0.0] * units
        when = datetime.now(UTC).replace(microsecond=0)
        for k, group in enumerate(slices):
            due = first_tick + (r - 1) + k / SLICES
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            elif delay < -0.5 / SLICES:
                late_slices += 1
            for t in group:
                lat, lon = base(t.index)
                times[t.index] = time.time()
                t.send(MSG_LOCATION, encode_location(lat + r * STEP, lon, 20.0, 90.0, when))
        sent.append(times)
        # The answers of the round before this one must all be in by now (one second later): else wait, up
        # to the timeout, for them.
        wait_from = time.monotonic()
        while ANSWERED[0] < units * (r - 1):
            if time.monotonic() - wait_from > ACK_TIMEOUT_S:
                timed_out = True
                break
            await asyncio.sleep(0.01)
        waits.append(round(time.monotonic() - wait_from, 3))
        worst_wait = max(worst_wait, waits[-1])
        if timed_out or any(t.lost for t in terminals):
            break
    deadline = time.monotonic() + ACK_TIMEOUT_S
    while not timed_out and ANSWERED[0] < units * len(sent):
        if time.monotonic() > deadline:
            timed_out = True
            break
        await asyncio.sleep(0.01)
    cpu_s = cpu_seconds() - cpu_before
    wall_s = time.monotonic() - wall_before
    result = {
        "units": units, "rounds": len(sent), "setup_s": round(setup_s, 1), "sent": sent,
        "acknowledged": sum(t.acked for t in terminals), "refused": sum(t.failed for t in terminals),
        "connections_lost": sum(t.lost for t in terminals), "late_slices": late_slices,
        "worst_wait_for_previous_round_s": round(worst_wait, 2), "waits": waits, "timed_out": timed_out,
        "cpu_s_per_s": round(cpu_s / wall_s, 3),
    }
    out.write_text(json.dumps(result), encoding="utf-8")
    for t in terminals:
        if t.transport is not None:
            t.transport.close()
    return 1 if timed_out else 0


if __name__ == "__main__":
    port_, units_, rounds_, out_ = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4])
    raise SystemExit(asyncio.run(main(port_, units_, rounds_, out_)))
