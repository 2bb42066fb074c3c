"""NMEA 0183: sentence parsing on published sentences, epoch merging, and the serial reader over a socat pty pair."""

from __future__ import annotations

import functools
import operator
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import serial
from adapter_support import RunningAdapter
from adapter_support import wait_until as _wait_until

from devices.base import PositionFix, RejectedInput, TerminalEvent
from devices.nmea import NmeaError, NmeaFixAssembler, NmeaSerialReader, parse_sentence

# Published example sentences (NMEA reference examples and receiver manuals), checksums as published.
RMC_1994 = "$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6A"
GGA_1994 = "$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47"
VTG = "$GPVTG,054.7,T,034.4,M,005.5,N,010.2,K*48"
GGA_2011 = "$GPGGA,092750.000,5321.6802,N,00630.3372,W,1,8,1.03,61.7,M,55.2,M,,*76"
RMC_2011 = "$GPRMC,092750.000,A,5321.6802,N,00630.3372,W,0.02,31.66,280511,,,A*43"
GNRMC_2017 = "$GNRMC,001031.00,A,4404.13993,N,12118.86023,W,0.146,,100117,,,A*7B"
GSA = "$GPGSA,A,3,10,07,05,02,29,04,08,13,,,,,1.72,1.03,1.38*0A"


def _cs(body: str) -> str:
    """Independent checksum for sentences the tests compose themselves."""
    return f"${body}*{functools.reduce(operator.xor, body.encode(), 0):02X}"


def test_published_rmc_gga_vtg() -> None:
    rmc = parse_sentence(RMC_1994)
    assert rmc is not None and rmc.kind == "RMC" and rmc.valid
    assert rmc.lat == pytest.approx(48.1173) and rmc.lon == pytest.approx(11.516667)
    assert rmc.speed_kmh == pytest.approx(22.4 * 1.852) and rmc.course == 84.4
    assert rmc.day is not None and rmc.day.isoformat() == "1994-03-23"
    gga = parse_sentence(GGA_1994)
    assert gga is not None and (gga.quality, gga.satellites, gga.hdop, gga.altitude) == (1, 8, 0.9, 545.4)
    vtg = parse_sentence(VTG)
    assert vtg is not None and vtg.speed_kmh == 10.2 and vtg.course == 54.7
    gn = parse_sentence(GNRMC_2017)
    assert gn is not None and gn.talker == "GN" and gn.lon == pytest.approx(-121.3143372)
    assert parse_sentence(GSA) is None  # valid but not used


@pytest.mark.parametrize("talker", ["GP", "GN", "BD", "GB", "GL", "GA"])
def test_talkers_accepted(talker: str) -> None:
    s = parse_sentence(_cs(f"{talker}GGA,010203.00,3114.1234,N,12128.5678,E,1,10,0.8,12.0,M,0,M,,"))
    assert s is not None and s.talker == talker and s.lat == pytest.approx(31 + 14.1234 / 60)


@pytest.mark.parametrize(("line", "reason"), [
    (RMC_1994[:-2] + "6B", "bad checksum: computed 0x6A, sentence has 0x6B"),
    ("$GPRMC,123519,A*ZZ", "bad checksum field 'ZZ'"),
    (_cs("XXGGA,010203,3114.1,N,12128.5,E,1,10,0.8,12.0,M,0,M,,"), "unknown talker 'XX'"),
    (_cs("GPGGA,010203,9100.000,N,12128.5,E,1,10,0.8,12.0,M,0,M,,"), "latitude 91.000000 out of range"),
    (_cs("GPGGA,010203,3114.1,Q,12128.5,E,1,10,0.8,12.0,M,0,M,,"), "bad latitude hemisphere 'Q'"),
    (_cs("GPRMC,123519,X,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W"), "bad RMC status 'X'"),
    (_cs("GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,321394,003.1,W"), "bad date '321394'"),
    (_cs("GPGGA,123519,4807.038,N"), "GGA has 3 fields"),
    ("garbage\x01 line", "not an NMEA sentence"),
])
def test_malformed_sentences_rejected_with_reason(line: str, reason: str) -> None:
    with pytest.raises(NmeaError) as exc:
        parse_sentence(line)
    assert reason in str(exc.value)


def test_missing_checksum_is_accepted() -> None:
    s = parse_sentence(RMC_1994.split("*")[0])
    assert s is not None and not s.checksum_present and s.lat == pytest.approx(48.1173)


def test_assembler_merges_gga_and_rmc_in_either_order() -> None:
    for order in ((GGA_2011, RMC_2011), (RMC_2011, GGA_2011)):
        asm = NmeaFixAssembler("car-7")
        results: list[Any] = []
        for line in order:
            sentence = parse_sentence(line)
            assert sentence is not None
            results.extend(asm.add(sentence))
        assert len(results) == 1
        fix = results[0]
        assert isinstance(fix, PositionFix)
        assert (fix.device_key, fix.source) == ("car-7", "nmea")
        assert fix.time == datetime(2011, 5, 28, 9, 27, 50, tzinfo=UTC)
        assert fix.lat == pytest.approx(53.3613367) and fix.lon == pytest.approx(-6.50562)
        assert fix.altitude == 61.7 and fix.heading == 31.66
        assert fix.extra["satellites"] == 8 and fix.extra["hdop"] == 1.03 and fix.extra["fix_quality"] == 1


def test_invalid_fixes_are_not_positions() -> None:
    asm = NmeaFixAssembler("u")
    void_rmc = parse_sentence(_cs("GPRMC,101010,V,,,,,,,010524,,,N"))
    assert void_rmc is not None
    assert asm.add(void_rmc) == []
    assert asm.flush() == [None]
    no_fix_gga = parse_sentence(_cs("GPGGA,101011,3114.1234,N,12128.5678,E,0,00,99.9,,M,,M,,"))
    ok_rmc = parse_sentence(_cs("GPRMC,101011,A,3114.1234,N,12128.5678,E,0.0,0.0,010524,,,A"))
    assert no_fix_gga is not None and ok_rmc is not None
    assert asm.add(no_fix_gga) == []
    assert asm.add(ok_rmc) == [None]  # GGA quality 0 vetoes the epoch
    assert asm.valid is False


def test_rmc_only_epochs_and_vtg_speed() -> None:
    asm = NmeaFixAssembler("u")
    rmc1 = parse_sentence(_cs("GNRMC,235959.00,A,3114.1234,N,12128.5678,E,,,311224,,,A"))
    vtg = parse_sentence(_cs("GNVTG,45.0,T,,M,10.0,N,18.5,K,A"))
    rmc2 = parse_sentence(_cs("GNRMC,000000.00,A,3114.1300,N,12128.5700,E,,,010125,,,A"))
    assert rmc1 is not None and vtg is not None and rmc2 is not None
    assert asm.add(rmc1) == [] and asm.add(vtg) == []
    (first,) = asm.add(rmc2)  # the next epoch closes the previous one
    assert first is not None and first.time == datetime(2024, 12, 31, 23, 59, 59, tzinfo=UTC)
    assert first.speed_kmh == 18.5 and first.heading == 45.0
    (second,) = asm.flush()
    assert second is not None and second.time == datetime(2025, 1, 1, tzinfo=UTC)


# --- serial reader -----------------------------------------------------------------------------------------


@pytest.fixture
def pty_pair(tmp_path: Path) -> Iterator[tuple[str, str, subprocess.Popen[bytes]]]:
    socat = shutil.which("socat")
    if socat is None:
        pytest.skip("socat is not installed (.ci/setup.sh installs it); cannot create a virtual serial pair")
    a, b = tmp_path / "gnss-writer", tmp_path / "gnss-reader"
    proc = subprocess.Popen([socat, "-d", "-d", f"pty,raw,echo=0,link={a}", f"pty,raw,echo=0,link={b}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_until(lambda: a.exists() and b.exists())
        yield str(a), str(b), proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(5)


def test_reader_over_socat_pty(pty_pair: tuple[str, str, subprocess.Popen[bytes]]) -> None:
    writer_path, reader_path, _ = pty_pair
    r = RunningAdapter(NmeaSerialReader("gnss-1", reader_path, baud=9600, unit="command-car-3"))
    try:
        assert r.server.ready.wait(5)
        fd = os.open(writer_path, os.O_RDWR | os.O_NOCTTY)
        try:
            stream = "\r\n".join([GSA, GGA_2011, RMC_2011, VTG[:-2] + "00", "$GPGGA,broken", GGA_1994]) + "\r\n"
            # Split mid-sentence to exercise partial reads.
            os.write(fd, stream[:50].encode())
            time.sleep(0.05)
            os.write(fd, stream[50:].encode())
            fixes = _wait_until(lambda: len(r.of(PositionFix)) == 2 and r.of(PositionFix))
        finally:
            os.close(fd)
        first, second = fixes
        assert first.device_key == "command-car-3" and first.source == "nmea"
        assert first.time == datetime(2011, 5, 28, 9, 27, 50, tzinfo=UTC)
        assert first.lat == pytest.approx(53.3613367) and first.extra["satellites"] == 8
        # GGA-only epoch (flushed when the line went quiet) takes the date of the last RMC
        assert second.time == datetime(2011, 5, 28, 12, 35, 19, tzinfo=UTC)
        assert second.lat == pytest.approx(48.1173) and second.altitude == 545.4
        reasons = [e.reason for e in r.of(RejectedInput)]
        assert any("bad checksum: computed 0x48, sentence has 0x00" in x for x in reasons)
        assert len(reasons) == 2 and r.server.stats.bad_messages == 2
        r.stop_link()
    finally:
        r.close()


def test_reader_reports_lost_fix_and_port_disappearing(pty_pair: tuple[str, str, subprocess.Popen[bytes]]) -> None:
    writer_path, reader_path, proc = pty_pair
    r = RunningAdapter(NmeaSerialReader("gnss-2", reader_path, unit="post-1"))
    try:
        assert r.server.ready.wait(5)
        fd = os.open(writer_path, os.O_RDWR | os.O_NOCTTY)
        try:
            os.write(fd, (RMC_2011 + "\r\n").encode())
            _wait_until(lambda: r.of(PositionFix))
            os.write(fd, (_cs("GPRMC,092751.000,V,,,,,,,280511,,,N") + "\r\n").encode())
            lost = _wait_until(lambda: [e for e in r.of(TerminalEvent) if e.kind == "no_fix"])
            assert lost[0].device_key == "post-1"
        finally:
            os.close(fd)
        proc.terminate()  # the "USB receiver" goes away
        proc.wait(5)
        _wait_until(lambda: r.errors)  # the manager records the failed link (and retries it with backoff)
        assert r.errors[0].startswith(("SerialException", "OSError")), r.errors
        assert r.manager.report()[0]["last_error"] == r.errors[0]
        assert len(r.of(PositionFix)) == 1
    finally:
        r.close()


def test_unopenable_port_raises(tmp_path: Path) -> None:
    reader = NmeaSerialReader("gnss-x", str(tmp_path / "no-such-tty"))
    with pytest.raises(serial.SerialException):
        reader.serve(lambda _e: None, threading.Event())
    assert "cannot open" in reader.stats.last_error


# Values receivers, multiplexers and attackers have been seen to put in fields, all with a valid checksum.
NASTY = ["inf", "-inf", "nan", "NaN", "1e999", "-999", "-9959.0", "+4807.038", "1_000", "9" * 400, "", " ", "٣",
         "0x10", "1e5", "..", "-", "1159inf", "99999999999999999999999", "4807.038.1", "\x00", "-0", "24", "4807,"]
RMC_FIELDS = "123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W".split(",")
GGA_FIELDS = "123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,".split(",")
VTG_FIELDS = "054.7,T,034.4,M,005.5,N,010.2,K".split(",")


def _sane(s: object) -> bool:
    """What a parsed sentence may hold: finite numbers in range, or nothing."""
    lat, lon = getattr(s, "lat", None), getattr(s, "lon", None)
    numbers = [getattr(s, name, None) for name in ("speed_kmh", "course", "hdop", "altitude")]
    return ((lat is None or -90.0 <= lat <= 90.0) and (lon is None or -180.0 <= lon <= 180.0)
            and all(v is None or (v == v and abs(v) != float("inf")) for v in numbers))


@pytest.mark.parametrize("value", NASTY)
@pytest.mark.parametrize(("address", "fields"), [("GPRMC", RMC_FIELDS), ("GNGGA", GGA_FIELDS), ("GPVTG", VTG_FIELDS)])
def test_a_nasty_value_in_any_field_is_refused_or_harmless(address: str, fields: list[str], value: str) -> None:
    for i in range(len(fields)):
        body = ",".join([address, *fields[:i], value, *fields[i + 1:]])
        try:
            s = parse_sentence(_cs(body) if body.isascii() else "$" + body)
        except NmeaError:
            continue  # refused with a reason: what the reader counts and skips
        assert _sane(s), f"{body!r} parsed into {s!r}"


def test_random_garbage_fields_never_raise_anything_but_nmea_error() -> None:
    """A seeded fuzz: random field values from a nasty alphabet in every field of every sentence kind."""
    import random

    rng = random.Random(20261202)
    alphabet = "0123456789.-+eEinfaNAVWSK, \t*$"
    parsed = 0
    for _ in range(6000):
        address, fields = rng.choice([("GPRMC", RMC_FIELDS), ("GNGGA", GGA_FIELDS), ("GPVTG", VTG_FIELDS)])
        mutated = [rng.choice([f, "".join(rng.choices(alphabet, k=rng.randint(0, 12))), rng.choice(NASTY)])
                   if rng.random() < 0.4 else f for f in fields]
        try:
            s = parse_sentence(_cs(",".join([address, *mutated])))
        except NmeaError:
            continue
        assert _sane(s), mutated
        parsed += 1
    assert parsed > 1000, "the fuzz must also reach sentences that parse, not only refusals"


def test_garbage_fields_on_the_wire_cost_only_themselves(pty_pair: tuple[str, str, subprocess.Popen[bytes]]) -> None:
    """The field report: time ``1159inf`` crashed the reader (two good fixes lost), latitude -999 became live."""
    writer_path, reader_path, _ = pty_pair
    r = RunningAdapter(NmeaSerialReader("gnss-3", reader_path, unit="post-2"))
    try:
        assert r.server.ready.wait(5)
        fd = os.open(writer_path, os.O_RDWR | os.O_NOCTTY)
        try:
            lines = [RMC_2011,
                     _cs("GPRMC,1159inf,A,5321.6802,N,00630.3372,W,0.02,31.66,280511,,,A"),
                     _cs("GPRMC,092752.000,A,-9959.000,N,00630.3372,W,0.02,31.66,280511,,,A"),
                     _cs("GPGGA,092753.000,-999,N,00630.3372,W,1,8,1.03,61.7,M,55.2,M,,"),
                     _cs("GPRMC,092754.000,A,5321.6802,N,00630.3372,W,nan,inf,280511,,,A"),
                     _cs("GPRMC,092755.000,A,5321.6900,N,00630.3372,W,0.02,31.66,280511,,,A")]
            os.write(fd, ("\r\n".join(lines) + "\r\n").encode())
            fixes = _wait_until(lambda: len(r.of(PositionFix)) == 2 and r.of(PositionFix))
            reasons = _wait_until(lambda: len(r.of(RejectedInput)) == 4 and [e.reason for e in r.of(RejectedInput)])
        finally:
            os.close(fd)
        assert [f.time.second for f in fixes] == [50, 55]
        assert all(-90.0 <= f.lat <= 90.0 for f in fixes) and fixes[1].lat == pytest.approx(53 + 21.69 / 60)
        assert reasons[0] == "bad UTC time '1159inf'" and reasons[1] == "bad latitude '-9959.000'"
        assert reasons[2] == "bad latitude '-999'" and reasons[3] == "bad speed 'nan'"
        assert r.server.stats.bad_messages == 4 and r.errors == [] and r.state == "online"
        r.stop_link()
    finally:
        r.close()
