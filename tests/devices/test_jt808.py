"""JT/T 808: decoder against published frames, malformed variants, round trips, and the TCP server end to end.

Published frames come from the JT/T 808 examples circulated with open-source platforms (Traccar's protocol test
vectors, the go-jt808 and jt-framework test suites) and are used as *facts*: bytes on the wire and what they
mean. Frames that the tests build themselves use a hand-written XOR/escape below, not the module's encoder, so the
decoder is never checked only against its own mirror image.
"""

from __future__ import annotations

import functools
import operator
import random
import socket
import struct
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
from adapter_support import RunningAdapter
from adapter_support import wait_until as _wait_until

from devices.base import PositionFix, RejectedInput, TerminalEvent
from devices.jt808 import (
    MSG_LOCATION_BATCH,
    MSG_PLATFORM_GENERAL_RESPONSE,
    MSG_REGISTRATION_RESPONSE,
    REG_NO_TERMINAL,
    REG_NO_VEHICLE,
    REG_OK,
    REG_TERMINAL_REGISTERED,
    RESULT_BAD_MESSAGE,
    RESULT_FAIL,
    RESULT_OK,
    Discard,
    FrameDecoder,
    Jt808Error,
    Jt808Server,
    Jt808Terminal,
    Registration,
    SubpackageAssembler,
    TerminalPin,
    TerminalRecord,
    bcd_decode,
    checksum,
    code_digest,
    decode_authentication,
    decode_frame,
    decode_general_response,
    decode_location,
    decode_location_batch,
    decode_registration,
    decode_registration_response,
    encode_authentication,
    encode_frame,
    encode_general_response,
    encode_location,
    encode_location_batch,
    encode_registration,
    encode_registration_response,
    escape,
    unescape,
)

CST = timezone(timedelta(hours=8))

# --- published frames (hex, with flags) ----------------------------------------------------------------------
HEARTBEAT_2013 = "7e0002000001234567890100008a7e"
AUTH_2013 = "7e0102000b01234567890100003137323939383431373338b57e"
AUTH_2019 = ("7e0102402f010000000001729984173800000b3137323939383431373338313233343536373839303132333435332e372e"
             "31350000000000000000000000000000227e")
REG_2013 = ("7e0100002c0123456789010000001f007363640000007777772e3830382e636f6d00000000000000000037363534333231"
            "01b2e24131323334cc7e")
REG_2019 = ("7e0100405301000000000172998417380000001f007363640000000000000000007777772e3830382e636f6d000000000000"
            "0000000000000000000000000037363534333231000000000000000000000000000000000000000000000001b2e241313233"
            "343b7e")
LOC_2019 = ("7e02004026010000000001391234432900000000006f0000001601dc9a0707456246007b0042000325012922334402020064"
            "01040000000c417e")
BATCH_2019 = ("7e0704403f01000000000139123443290000000200001c000000010000000101d907f2073d336c029a002100592410292139"
              "03001c000000010000000101d907f3073d336d03090043005a241029213903f87e")
BATCH_2013_TRACCAR = (
    "7E0704014301356777777707F5000801002600000000000000030159741206CBFD50017200000001160527090624010400"
    "00001D03020000002600000000000000030159746606CBFD50016B0000000116052709065301040000001D030200000026"
    "0000000000000003015975E406CBFE58013F0000000116052709072701040000001D0302000000260000000000000003015976"
    "DE06CBFF10012E0000000116052709075601040000001D0302000000260000000000000003015976BC06CBFED0012D000000"
    "0116052709083001040000001D0302000000260000000000000003015976FE06CBFEC00108000000011605270909000104000000"
    "1D0302000000260000000000000003015976FE06CBFE7800FC0000000116052709093301040000001D030200000026000000000"
    "0000003015977A606CBFF3001080000000116052709100201040000001D030200001F7E")
# Published with a checksum that does not match its bytes (the source decoder never checked it).
LOC_2013_BAD_CHECKSUM = ("7E02000032013511221122000700000000000C000301578CC006CA3A5C004700000000140723172015010400"
                         "00000030011631010BD07E")
# Published with latitude and longitude swapped (latitude field = 119.552894).
LOC_2013_LAT_119 = "7e0200001c0123456789010000000004000000080007203b7d0202633df70138000300632410012359591c7e"
PLATFORM_8100 = "7e8100000e01234567890100000000003132333435363738393031377e"
PLATFORM_8001 = "7e8001000501234567890100007fff0002008e7e"


def _inner(frame_hex: str) -> bytes:
    """Escaped content between the flags, as FrameDecoder hands it over."""
    raw = bytes.fromhex(frame_hex)
    assert raw[0] == 0x7E and raw[-1] == 0x7E
    return raw[1:-1]


def _xor(data: bytes) -> int:
    return functools.reduce(operator.xor, data, 0)


def _hand_frame(payload: bytes, bad_checksum: bool = False) -> bytes:
    """Frame built without the module's encoder: checksum by reduce, escaping byte by byte."""
    cs = _xor(payload) ^ (0xFF if bad_checksum else 0)
    out = bytearray(b"\x7e")
    for b in payload + bytes((cs,)):
        if b == 0x7E:
            out += b"\x7d\x02"
        elif b == 0x7D:
            out += b"\x7d\x01"
        else:
            out.append(b)
    out.append(0x7E)
    return bytes(out)


def _hand_location_body(lat_e6: int, lon_e6: int, bcd_time: str, status: int = 0x3, alarm: int = 0,
                        speed: int = 0, heading: int = 0, alt: int = 0, tlvs: bytes = b"") -> bytes:
    return (struct.pack(">IIIIHHH", alarm, status, lat_e6, lon_e6, alt, speed, heading) + bytes.fromhex(bcd_time)
            + tlvs)


def _hand_header_2013(msg_id: int, phone_bcd: str, serial: int, body_len: int) -> bytes:
    return struct.pack(">HH", msg_id, body_len) + bytes.fromhex(phone_bcd) + struct.pack(">H", serial)


# --- published frames --------------------------------------------------------------------------------------


def test_published_heartbeat_2013_header() -> None:
    msg = decode_frame(_inner(HEARTBEAT_2013))
    h = msg.header
    assert (h.msg_id, h.version, h.phone, h.serial, h.body_length, msg.body) == (0x0002, 2013, "012345678901", 0, 0,
                                                                                  b"")


def test_published_registration_2013_and_2019() -> None:
    m13 = decode_frame(_inner(REG_2013))
    reg = decode_registration(m13.body, m13.header.version)
    assert reg == Registration(31, 115, "cd", "www.808.com", "7654321", 1, "测A1234")
    m19 = decode_frame(_inner(REG_2019))
    assert m19.header.version == 2019
    assert m19.header.protocol_version == 1
    assert m19.header.phone == "00000000017299841738"
    assert decode_registration(m19.body, 2019) == Registration(31, 115, "cd", "www.808.com", "7654321", 1, "测A1234")


def test_published_authentication_2013_and_2019() -> None:
    m13 = decode_frame(_inner(AUTH_2013))
    assert decode_authentication(m13.body, 2013).auth_code == "17299841738"
    m19 = decode_frame(_inner(AUTH_2019))
    auth = decode_authentication(m19.body, m19.header.version)
    assert (auth.auth_code, auth.imei, auth.software_version) == ("17299841738", "123456789012345", "3.7.15")


def test_published_location_2019_south_latitude_and_gmt8_time() -> None:
    msg = decode_frame(_inner(LOC_2019))
    assert msg.header.phone == "00000000013912344329"
    loc = decode_location(msg.body)
    assert loc.alarm == 111
    assert loc.status == 0x16  # positioned, south latitude, bit 4
    assert loc.positioned and not loc.acc_on
    assert loc.lat == pytest.approx(-31.234567)
    assert loc.lon == pytest.approx(121.987654)
    assert (loc.altitude, loc.speed_kmh, loc.heading) == (123, 6.6, 3)
    # BCD 25-01-29 22:33:44 is Beijing time.
    assert loc.time == datetime(2025, 1, 29, 14, 33, 44, tzinfo=UTC)
    assert loc.mileage_km == pytest.approx(1.2)
    assert loc.fuel_l == pytest.approx(10.0)


def test_published_batch_2019_and_2013() -> None:
    b19 = decode_location_batch(decode_frame(_inner(BATCH_2019)).body)
    assert b19.kind == 0
    assert [(i.lat, i.lon, i.altitude) for i in b19.items] == [(31.000562, 121.451372, 666),
                                                                (31.000563, 121.451373, 777)]
    assert b19.items[0].time == datetime(2024, 10, 29, 13, 39, 3, tzinfo=UTC)
    msg = decode_frame(_inner(BATCH_2013_TRACCAR))
    assert msg.header.phone == "013567777777"
    b13 = decode_location_batch(msg.body)
    assert b13.kind == 1  # blind-area supplement
    assert len(b13.items) == 8
    first = b13.items[0]
    assert (first.lat, first.lon, first.altitude) == (22.639634, 114.031952, 370)
    assert first.time == datetime(2016, 5, 27, 1, 6, 24, tzinfo=UTC)
    assert first.mileage_km == pytest.approx(2.9)


def test_platform_replies_match_published_bytes() -> None:
    reply_8100 = encode_frame(MSG_REGISTRATION_RESPONSE, "012345678901", 0,
                              encode_registration_response(0, REG_OK, "12345678901"))
    assert reply_8100.hex() == PLATFORM_8100
    reply_8001 = encode_frame(MSG_PLATFORM_GENERAL_RESPONSE, "012345678901", 0,
                              encode_general_response(0x7FFF, 0x0002, RESULT_OK))
    assert reply_8001.hex() == PLATFORM_8001
    assert decode_registration_response(decode_frame(_inner(PLATFORM_8100)).body) == (0, 0, "12345678901")
    assert decode_general_response(decode_frame(_inner(PLATFORM_8001)).body) == (0x7FFF, 2, 0)


# --- malformed ---------------------------------------------------------------------------------------------


def test_published_frame_with_wrong_checksum_is_rejected_with_both_values() -> None:
    with pytest.raises(Jt808Error, match=r"bad checksum: computed 0xF0, frame has 0xD0") as exc:
        decode_frame(_inner(LOC_2013_BAD_CHECKSUM))
    assert exc.value.header is not None  # header readable: the server can still answer "bad message"
    assert exc.value.header.phone == "013511221122"


def test_latitude_out_of_range_is_rejected() -> None:
    msg = decode_frame(_inner(LOC_2013_LAT_119))  # frame itself (including a 7D 02 escape) is fine
    with pytest.raises(Jt808Error, match=r"latitude 119\.552894 out of range"):
        decode_location(msg.body)
    body = _hand_location_body(91_000_000, 121_000_000, "240101120000")
    with pytest.raises(Jt808Error, match=r"latitude 91\.000000 out of range"):
        decode_location(body)
    with pytest.raises(Jt808Error, match=r"longitude 180\.000001 out of range"):
        decode_location(_hand_location_body(30_000_000, 180_000_001, "240101120000"))
    with pytest.raises(Jt808Error, match=r"heading 360 out of range"):
        decode_location(_hand_location_body(30_000_000, 120_000_000, "240101120000", heading=360))


def test_bad_escape_reports_the_byte_and_offset() -> None:
    inner = bytearray(_inner(HEARTBEAT_2013))
    inner[12:12] = b"\x7d\x05"
    with pytest.raises(Jt808Error, match=r"bad escape 0x7D 0x05 at offset 12"):
        decode_frame(bytes(inner))
    with pytest.raises(Jt808Error, match=r"bad escape: 0x7D at the end"):
        unescape(b"\x00\x01\x7d")


def test_truncated_header() -> None:
    with pytest.raises(Jt808Error, match=r"truncated header"):
        decode_frame(bytes.fromhex("0002000001234567"))
    # 2019 flag set but only a 2013-sized header present
    payload = bytes.fromhex("000240000123456789010000")
    with pytest.raises(Jt808Error, match=r"truncated header: .* 2019 header needs 17"):
        decode_frame(_hand_frame(payload)[1:-1])


def test_body_length_field_mismatch() -> None:
    body = _hand_location_body(31_000_000, 121_000_000, "240101120000")
    payload = _hand_header_2013(0x0200, "013912345678", 7, 28) + body[:25]
    with pytest.raises(Jt808Error, match=r"body length field 28 but 25 bytes present") as exc:
        decode_frame(_hand_frame(payload)[1:-1])
    assert exc.value.header is not None and exc.value.header.serial == 7


def test_bad_bcd_phone_and_time() -> None:
    payload = _hand_header_2013(0x0002, "01391234567A", 1, 0)
    with pytest.raises(Jt808Error, match=r"bad BCD in phone number"):
        decode_frame(_hand_frame(payload)[1:-1])
    with pytest.raises(Jt808Error, match=r"bad BCD in time"):
        decode_location(_hand_location_body(31_000_000, 121_000_000, "24010112000F"))
    with pytest.raises(Jt808Error, match=r"bad time 241301120000"):
        decode_location(_hand_location_body(31_000_000, 121_000_000, "241301120000"))
    with pytest.raises(Jt808Error, match="bad BCD"):
        bcd_decode(b"\x1f")


def test_additional_info_overrun_and_unknown_ids() -> None:
    good = _hand_location_body(31_000_000, 121_000_000, "240101120000",
                               tlvs=bytes.fromhex("30011B" "310109" "2504000000AA" "03020258"))
    loc = decode_location(good)
    assert (loc.signal, loc.satellites, loc.recorder_speed_kmh) == (27, 9, 60.0)
    assert loc.other == {0x25: bytes.fromhex("000000AA")}
    assert loc.extra()["tlv_0x25"] == "000000aa"
    bad = _hand_location_body(31_000_000, 121_000_000, "240101120000", tlvs=bytes.fromhex("010400000A"))
    with pytest.raises(Jt808Error, match=r"additional info 0x01 length 4 overruns"):
        decode_location(bad)
    with pytest.raises(Jt808Error, match=r"location body 20 bytes"):
        decode_location(good[:20])


def test_batch_count_mismatch() -> None:
    item = _hand_location_body(31_000_000, 121_000_000, "240101120000")
    body = struct.pack(">HB", 3, 0) + struct.pack(">H", len(item)) + item
    with pytest.raises(Jt808Error, match=r"says 3 items but body ends after 1"):
        decode_location_batch(body)


# --- framing -----------------------------------------------------------------------------------------------


def test_frame_decoder_partial_reads_and_garbage() -> None:
    stream = b"\x13\x37garbage" + bytes.fromhex(HEARTBEAT_2013) + b"noise" + bytes.fromhex(AUTH_2013) + \
        bytes.fromhex(LOC_2013_LAT_119)
    dec = FrameDecoder()
    items: list[bytes | Discard] = []
    for i in range(len(stream)):  # worst case: one byte per read
        items.extend(dec.feed(stream[i:i + 1]))
    discards = [i for i in items if isinstance(i, Discard)]
    frames = [i for i in items if isinstance(i, bytes)]
    assert len(discards) == 1 and "before the first frame flag" in discards[0].reason
    assert discards[0].data == b"\x13\x37garbage"
    # the noise between frames comes out as a candidate frame, which then fails to decode
    assert frames[0] == _inner(HEARTBEAT_2013)
    assert frames[1] == b"noise"
    with pytest.raises(Jt808Error):
        decode_frame(frames[1])
    assert frames[2] == _inner(AUTH_2013)
    assert frames[3] == _inner(LOC_2013_LAT_119)
    assert dec.pending == 0


def test_frame_decoder_shared_flag_and_runaway() -> None:
    dec = FrameDecoder(max_frame=64)
    shared = bytes.fromhex(HEARTBEAT_2013)[:-1] + bytes.fromhex(AUTH_2013)  # one 7E between the two frames
    assert dec.feed(shared) == [_inner(HEARTBEAT_2013), _inner(AUTH_2013)]
    out = dec.feed(b"\x7e" + b"A" * 100)
    assert len(out) == 1 and isinstance(out[0], Discard) and "no frame flag" in out[0].reason
    assert dec.feed(bytes.fromhex(HEARTBEAT_2013)) == [_inner(HEARTBEAT_2013)]


def test_escape_round_trip_and_checksum_against_reduce() -> None:
    rng = random.Random(808)
    for _ in range(200):
        data = bytes(rng.choice((0x7E, 0x7D, 0x01, 0x02, rng.randrange(256))) for _ in range(rng.randrange(1, 80)))
        esc = escape(data)
        assert b"\x7e" not in esc
        assert unescape(esc) == data
        assert checksum(data) == _xor(data)


# --- round trips -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("version", [2013, 2019])
def test_encode_decode_round_trip(version: int) -> None:
    phone = "013912345678" if version == 2013 else "00000000013912345678"
    when = datetime(2024, 1, 1, 3, 0, 0, tzinfo=CST)
    body = encode_location(-22.5, -43.25, 56.7, 270, when, alarm=0x1, altitude=12, mileage_km=1234.5,
                           fuel_l=40.2, signal=20, satellites=11)
    frame = encode_frame(0x0200, phone, 0x7E7D, body, version=version)
    (inner,) = FrameDecoder().feed(frame)
    assert isinstance(inner, bytes)
    msg = decode_frame(inner)
    assert (msg.header.phone, msg.header.serial, msg.header.version) == (phone, 0x7E7D, version)
    loc = decode_location(msg.body)
    assert (loc.lat, loc.lon, loc.speed_kmh, loc.heading, loc.altitude) == (-22.5, -43.25, 56.7, 270, 12)
    assert loc.time == datetime(2023, 12, 31, 19, 0, 0, tzinfo=UTC)
    assert (loc.mileage_km, loc.fuel_l, loc.signal, loc.satellites, loc.alarm) == (1234.5, 40.2, 20, 11, 1)
    reg = Registration(44, 300, "ABCDE", "CC-T1", "T000001", 2, "粤B12345")
    assert decode_registration(encode_registration(reg, version), version) == reg
    auth = decode_authentication(encode_authentication("code1", version, "860000000000001", "2.1"), version)
    assert auth.auth_code == "code1"
    batch = decode_location_batch(encode_location_batch([body, body], 1))
    assert len(batch.items) == 2 and batch.kind == 1


def test_subpackages_reassembled_in_any_order() -> None:
    item = encode_location(31.2, 121.4, 10, 90, datetime(2024, 5, 1, tzinfo=UTC))
    whole = encode_location_batch([item] * 3)
    parts = [whole[:30], whole[30:70], whole[70:]]
    frames = [encode_frame(MSG_LOCATION_BATCH, "013912345678", 100 + i, p, packet=(3, i + 1))
              for i, p in enumerate(parts)]
    asm = SubpackageAssembler()
    results = [asm.add(decode_frame(f[1:-1])) for f in (frames[2], frames[0], frames[1])]
    assert results[0] is None and results[1] is None
    done = results[2]
    assert done is not None and not done.header.subpackage and done.header.serial == 100
    assert done.body == whole
    assert len(decode_location_batch(done.body).items) == 3
    assert asm.pending == 0


# --- server end to end -------------------------------------------------------------------------------------

KNOWN_2013 = "013912345678"
KNOWN_2019 = "00000000013912344329"


class _Running(RunningAdapter[Jt808Server]):
    def __init__(self, server: Jt808Server) -> None:
        super().__init__(server, listener=True, start=False)

    def terminal(self, phone: str, version: int = 2013) -> Jt808Terminal:
        assert self.server.bound_port is not None
        return Jt808Terminal(phone, "127.0.0.1", self.server.bound_port, version=version)


@pytest.fixture
def running() -> Iterator[_Running]:
    r = _Running(Jt808Server("jt-test", port=0, known_terminals={KNOWN_2013, KNOWN_2019}, max_bad_frames=5))
    r.start()
    assert r.server.ready.wait(5)
    yield r
    r.finish()


def test_terminal_registers_authenticates_reports_gmt8_to_utc(running: _Running) -> None:
    with running.terminal(KNOWN_2013) as t:
        result, code = t.register(plate="粤B12345")
        assert result == REG_OK and code
        assert t.authenticate() == RESULT_OK
        assert t.heartbeat() == RESULT_OK
        when = datetime(2024, 1, 1, 3, 4, 5, tzinfo=CST)
        assert t.report(22.543096, 114.057865, speed_kmh=36.5, heading=123, time=when, alarm=0x2, altitude=15,
                        mileage_km=10234.5, fuel_l=33.3) == RESULT_OK
        fix = _wait_until(lambda: running.of(PositionFix))[0]
    assert fix.device_key == KNOWN_2013 and fix.source == "jt808"
    assert fix.time == datetime(2023, 12, 31, 19, 4, 5, tzinfo=UTC)
    assert (fix.lat, fix.lon, fix.speed_kmh, fix.heading, fix.altitude) == (22.543096, 114.057865, 36.5, 123.0, 15.0)
    assert fix.extra["alarm"] == 2 and fix.extra["acc"] and fix.extra["positioned"]
    assert fix.extra["mileage_km"] == 10234.5 and fix.extra["fuel_l"] == 33.3
    kinds = [e.kind for e in running.of(TerminalEvent)]
    assert kinds[:2] == ["registered", "authenticated"]
    assert "alarm" in kinds
    registered = running.of(TerminalEvent)[0]
    assert "粤B12345" in registered.detail
    _wait_until(lambda: "disconnected" in [e.kind for e in running.of(TerminalEvent)])
    assert running.server.stats.messages >= 4


def test_hand_built_location_frame_time_and_hemispheres(running: _Running) -> None:
    """A raw frame (not from our encoder) with west longitude and a Beijing-time date boundary."""
    with running.terminal(KNOWN_2013) as t:
        t.register()
        assert t.authenticate() == RESULT_OK
        body = _hand_location_body(39_908_692, 116_397_477, "240301070809", status=0x2 | 0x8, speed=605,
                                   heading=359, tlvs=bytes.fromhex("010400002710"))
        t.send_raw(_hand_frame(_hand_header_2013(0x0200, KNOWN_2013, 0x7E, len(body)) + body))
        reply = t.receive()
        assert reply.header.msg_id == MSG_PLATFORM_GENERAL_RESPONSE
        assert decode_general_response(reply.body) == (0x7E, 0x0200, RESULT_OK)
    fix = _wait_until(lambda: running.of(PositionFix))[0]
    assert (fix.lat, fix.lon) == (39.908692, -116.397477)
    assert fix.time == datetime(2024, 2, 29, 23, 8, 9, tzinfo=UTC)  # leap day, previous day in UTC
    assert fix.speed_kmh == pytest.approx(60.5) and fix.heading == 359.0
    assert fix.extra["mileage_km"] == 1000.0 and fix.extra["acc"] is False


def test_2019_terminal_batch_report(running: _Running) -> None:
    with running.terminal(KNOWN_2019, version=2019) as t:
        assert t.register()[0] == REG_OK
        assert t.authenticate(imei="861234567890123", software_version="V2.3") == RESULT_OK
        base = datetime(2024, 6, 1, 8, 0, 0, tzinfo=UTC)
        items = [{"lat": 30.0 + i / 1000, "lon": 120.0, "speed_kmh": 20.0, "heading": 45, "time": base
                  + timedelta(seconds=10 * i)} for i in range(5)]
        assert t.batch_report(items, kind=1) == RESULT_OK
    fixes = _wait_until(lambda: len(running.of(PositionFix)) == 5 and running.of(PositionFix))
    assert [f.device_key for f in fixes] == [KNOWN_2019] * 5
    assert [f.time for f in fixes] == [base + timedelta(seconds=10 * i) for i in range(5)]
    assert fixes[4].lat == pytest.approx(30.004)
    assert all(f.extra["batch_type"] == 1 for f in fixes)
    auth = next(e for e in running.of(TerminalEvent) if e.kind == "authenticated")
    assert "861234567890123" in auth.detail


def test_unknown_terminal_gets_result_4_and_is_listed(running: _Running) -> None:
    with running.terminal("018888888888") as t:
        result, code = t.register(plate="粤Z99999")
        assert result == REG_NO_TERMINAL and code == ""
        assert t.authenticate("guess") == RESULT_FAIL
        assert t.report(22.5, 114.0) == RESULT_FAIL
    unknown = [e for e in running.of(TerminalEvent) if e.kind == "unknown"]
    assert unknown and unknown[0].device_key == "018888888888" and "粤Z99999" in unknown[0].detail
    rejected = _wait_until(lambda: [r for r in running.of(RejectedInput) if "location" in r.reason])
    assert "018888888888" in rejected[0].reason and "unknown terminal" in rejected[0].reason
    assert running.of(PositionFix) == []


def test_location_before_authentication_and_wrong_code_refused(running: _Running) -> None:
    with running.terminal(KNOWN_2013) as t:
        assert t.report(22.5, 114.0) == RESULT_FAIL
        assert t.authenticate("not-the-code") == RESULT_FAIL
        assert t.report(22.5, 114.0) == RESULT_FAIL
        reasons = [r.reason for r in running.of(RejectedInput)]
        assert any("not authenticated" in r for r in reasons)
        assert any("wrong auth code" in r for r in reasons)
        t.register()
        assert t.authenticate() == RESULT_OK
        assert t.report(22.5, 114.0) == RESULT_OK
    assert len(_wait_until(lambda: running.of(PositionFix))) == 1


def test_bad_frame_with_readable_header_gets_result_2(running: _Running) -> None:
    with running.terminal(KNOWN_2013) as t:
        payload = _hand_header_2013(0x0002, KNOWN_2013, 0x0102, 0)
        t.send_raw(_hand_frame(payload, bad_checksum=True))
        reply = t.receive()
        assert decode_general_response(reply.body) == (0x0102, 0x0002, RESULT_BAD_MESSAGE)
    rej = _wait_until(lambda: running.of(RejectedInput))
    assert "bad checksum" in rej[0].reason and rej[0].raw_hex
    assert running.server.stats.bad_messages >= 1


def test_garbage_connection_is_dropped_without_affecting_another(running: _Running) -> None:
    good = running.terminal(KNOWN_2013)
    good.register()
    assert good.authenticate() == RESULT_OK
    assert running.server.bound_port is not None
    bad = socket.create_connection(("127.0.0.1", running.server.bound_port), timeout=5)
    try:
        bad.sendall(b"GET / HTTP/1.1\r\n\r\n" + b"\x7e\x01\x02\x03\x7e" * 10)
        assert good.report(31.0, 121.0) == RESULT_OK  # interleaved with the garbage
        bad.settimeout(5)
        received = b""
        while True:  # server closes the garbage connection: recv reaches EOF (or a reset)
            try:
                chunk = bad.recv(4096)
            except ConnectionResetError:
                break
            if not chunk:
                break
            received += chunk
        assert received == b""  # unreadable headers: nothing to answer
    finally:
        bad.close()
    assert good.report(31.1, 121.1) == RESULT_OK
    good.close()
    fixes = _wait_until(lambda: len(running.of(PositionFix)) == 2 and running.of(PositionFix))
    assert [f.lat for f in fixes] == [31.0, 31.1]
    assert any("consecutive bad frames" in r.reason for r in running.of(RejectedInput))


def test_subpackaged_batch_over_the_wire(running: _Running) -> None:
    with running.terminal(KNOWN_2013) as t:
        t.register()
        assert t.authenticate() == RESULT_OK
        items = [encode_location(31.0 + i / 100, 121.0, 5, 0, datetime(2024, 5, 1, 0, 0, i, tzinfo=UTC))
                 for i in range(4)]
        whole = encode_location_batch(items)
        half = len(whole) // 2
        for idx, part in enumerate((whole[:half], whole[half:]), start=1):
            serial, data = t.frame(MSG_LOCATION_BATCH, part, serial=500 + idx - 1, packet=(2, idx))
            t.send_raw(data)
            assert decode_general_response(t.receive().body) == (serial, MSG_LOCATION_BATCH, RESULT_OK)
    fixes = _wait_until(lambda: len(running.of(PositionFix)) == 4 and running.of(PositionFix))
    assert [f.lat for f in fixes] == [31.0, 31.01, 31.02, 31.03]


def test_clients_counter_and_stop_closes_connections() -> None:
    r = _Running(Jt808Server("jt-stop", port=0, accept_unknown=True))
    r.start()
    assert r.server.ready.wait(5)
    terms = [r.terminal(f"0139000000{i:02d}") for i in range(5)]
    for t in terms:
        assert t.register()[0] == REG_OK  # accept_unknown: anyone may register
    assert r.server.stats.clients == 5
    r.stop_link()
    for t in terms:
        assert t.sock is not None
        t.sock.settimeout(5)
        assert t.sock.recv(100) == b""
        t.close()
    assert r.server.stats.clients == 0
    r.finish()


def test_known_terminals_predicate_and_bind_failure() -> None:
    r = _Running(Jt808Server("jt-pred", port=0, known_terminals=lambda phone: phone.endswith("77")))
    r.start()
    assert r.server.ready.wait(5)
    try:
        with r.terminal("013900000077") as t:
            assert t.register()[0] == REG_OK
        with r.terminal("013900000078") as t:
            assert t.register()[0] == REG_NO_TERMINAL
        clash = Jt808Server("jt-clash", port=r.server.bound_port or 0)
        with pytest.raises(OSError):
            clash.serve(lambda _e: None, threading.Event())
    finally:
        r.finish()


def test_unsupported_encrypted_and_logout(running: _Running) -> None:
    with running.terminal(KNOWN_2019, version=2019) as t:
        assert t.register()[0] == REG_OK
        assert t.authenticate() == RESULT_OK
        serial, data = t.frame(0x0900, b"\x41hello")  # data uplink: not handled by this platform
        t.send_raw(data)
        reply = t.receive()
        assert reply.header.version == 2019 and reply.header.phone == KNOWN_2019  # answered in the 2019 format
        assert decode_general_response(reply.body) == (serial, 0x0900, 3)
        enc = encode_frame(0x0200, KNOWN_2019, 77, b"\x00" * 28, version=2019, encryption=1)
        t.send_raw(enc)
        assert decode_general_response(t.receive().body) == (77, 0x0200, 3)
        assert t.logout() == RESULT_OK
        assert t.report(30.0, 120.0) == RESULT_FAIL
    kinds = [e.kind for e in running.of(TerminalEvent)]
    assert "logout" in kinds
    assert any("encrypted body" in r.reason for r in running.of(RejectedInput))
    assert running.of(PositionFix) == []


# --- registration rules (JT/T 808-2013/2019 0x8100 results) ---------------------------------------------------


def test_a_second_registration_from_another_connection_gets_no_code(running: _Running) -> None:
    """Knowing the phone number is not enough: the hijacker gets result 3 and cannot report positions."""
    with running.terminal(KNOWN_2013) as vehicle:
        result, code = vehicle.register(plate="粤B12345")
        assert result == REG_OK and vehicle.authenticate() == RESULT_OK
        assert vehicle.register(plate="粤B12345") == (REG_OK, code)  # its own reply was lost: asked again
        with running.terminal(KNOWN_2013) as thief:
            assert thief.register(plate="粤B12345") == (REG_TERMINAL_REGISTERED, "")
            assert thief.authenticate("") == RESULT_BAD_MESSAGE  # an empty code is not even an attempt
            assert thief.authenticate("0123456789abcdef") == RESULT_FAIL
            assert thief.report(30.0, 120.0) == RESULT_FAIL
        assert vehicle.report(23.1, 113.3) == RESULT_OK  # the real terminal is undisturbed
    with running.terminal(KNOWN_2013) as reconnected:  # the real terminal after a reconnect: code only
        assert reconnected.authenticate(code) == RESULT_OK
        assert reconnected.report(23.1, 113.3) == RESULT_OK
    fixes = running.of(PositionFix)
    assert len(fixes) == 2 and all(f.lat == pytest.approx(23.1) for f in fixes)
    refused = [e for e in running.of(TerminalEvent) if e.kind == "registration_refused"]
    assert len(refused) == 1 and "already registered" in refused[0].detail
    assert any("already registered" in r.reason for r in running.of(RejectedInput))
    assert running.server.is_registered(KNOWN_2013)


def test_logout_or_an_operator_ends_a_registration_and_its_code(running: _Running) -> None:
    with running.terminal(KNOWN_2013) as old:
        _, old_code = old.register()
        assert old.authenticate() == RESULT_OK
        assert old.logout() == RESULT_OK  # 0x0003 注销 from the authenticated session
    with running.terminal(KNOWN_2013) as new:
        result, new_code = new.register()
        assert result == REG_OK and new_code and new_code != old_code
        assert new.authenticate(old_code) == RESULT_FAIL
        assert new.authenticate() == RESULT_OK
        assert new.report(23.1, 113.3) == RESULT_OK
        with running.terminal(KNOWN_2013) as replacement:  # a new box for the vehicle: refused until deregistered
            assert replacement.register()[0] == REG_TERMINAL_REGISTERED
            assert running.server.deregister(KNOWN_2013) is True
            assert new.report(23.1, 113.3) == RESULT_FAIL  # the session of the old code ends with it
            assert new.heartbeat() == RESULT_FAIL
            result, code = replacement.register()
            assert result == REG_OK and code not in (old_code, new_code)
            assert replacement.authenticate(new_code) == RESULT_FAIL and replacement.authenticate() == RESULT_OK
            assert replacement.report(23.2, 113.3) == RESULT_OK
    assert not running.server.deregister("013900000000")


def test_pinned_terminals_must_match_their_registered_plate_and_maker() -> None:
    pins = {KNOWN_2013: TerminalPin(plate="苏AH0001", maker_id="CCTST", model="CC-T1", terminal_id="1234567")}
    r = _Running(Jt808Server("jt-pins", port=0, known_terminals={KNOWN_2013}, pins=pins))
    r.start()
    assert r.server.ready.wait(5)
    try:
        with r.terminal(KNOWN_2013) as t:
            assert t.register(plate="苏AH9999", terminal_id="1234567") == (REG_NO_VEHICLE, "")
            assert t.register(plate="苏AH0001", maker_id="EVIL1", terminal_id="1234567") == (REG_NO_TERMINAL, "")
            assert t.register(plate="苏AH0001", model="X-9", terminal_id="1234567") == (REG_NO_TERMINAL, "")
            assert t.register(plate="苏AH0001", terminal_id="7654321") == (REG_NO_TERMINAL, "")
            assert t.authenticate("guess") == RESULT_FAIL
            result, code = t.register(plate="苏AH0001", terminal_id="1234567")
            assert result == REG_OK and code and t.authenticate() == RESULT_OK
        reasons = [e.reason for e in r.of(RejectedInput)]
        assert any("plate '苏AH9999' is not the registered '苏AH0001'" in x for x in reasons)
        assert any("maker 'EVIL1' is not the registered 'CCTST'" in x for x in reasons)
        assert r.server.stats.bad_messages >= 5
    finally:
        r.finish()


class _DictRegistrations:
    """A RegistrationStore kept in a dict: what a database would hold between two servers (two processes)."""

    def __init__(self) -> None:
        self.rows: dict[str, TerminalRecord] = {}
        self.revoked: dict[str, tuple[str, str]] = {}

    def load(self) -> dict[str, TerminalRecord]:
        return dict(self.rows)

    def save(self, record: TerminalRecord) -> None:
        self.rows[record.phone] = record
        self.revoked.pop(record.phone, None)

    def revoke(self, phone: str, code_sha256: str, reason: str) -> None:
        if phone in self.rows and self.rows[phone].code_sha256 == code_sha256:
            del self.rows[phone]
            self.revoked[phone] = (code_sha256, reason)


def test_registrations_in_a_store_outlive_the_server_and_a_late_revocation_spares_a_newer_code() -> None:
    store = _DictRegistrations()
    first = _Running(Jt808Server("jt-a", port=0, known_terminals={KNOWN_2013}, registrations=store))
    first.start()
    assert first.server.ready.wait(5)
    try:
        with first.terminal(KNOWN_2013) as t:
            _result, code = t.register(plate="粤B12345", terminal_id="7654321")
            assert t.authenticate() == RESULT_OK
    finally:
        first.finish()
    kept = store.rows[KNOWN_2013]
    assert kept.code_sha256 == code_digest(code) and code not in repr(kept)  # the code itself is not kept
    assert (kept.plate, kept.terminal_id) == ("粤B12345", "7654321")

    second = _Running(Jt808Server("jt-b", port=0, known_terminals={KNOWN_2013}, registrations=store))
    second.start()
    assert second.server.ready.wait(5)
    try:
        with second.terminal(KNOWN_2013) as t:  # a new server (a restart): the code from before works
            assert t.authenticate(code) == RESULT_OK and t.report(23.1, 113.3) == RESULT_OK
            with second.terminal(KNOWN_2013) as thief:
                assert thief.register() == (REG_TERMINAL_REGISTERED, "")
            assert second.server.apply_revocations({KNOWN_2013: code_digest("some older code")}) == []
            assert t.report(23.1, 113.3) == RESULT_OK  # a revocation of another code ends nothing
            assert second.server.apply_revocations({KNOWN_2013: code_digest(code)}) == [KNOWN_2013]
            assert t.report(23.1, 113.3) == RESULT_FAIL and not second.server.is_registered(KNOWN_2013)
            result, new_code = t.register()
            assert result == REG_OK and store.rows[KNOWN_2013].code_sha256 == code_digest(new_code)
            assert second.server.apply_revocations({KNOWN_2013: code_digest(code)}) == []  # read late: spared
            assert t.authenticate() == RESULT_OK and t.logout() == RESULT_OK
        assert store.revoked[KNOWN_2013] == (code_digest(new_code), "logout")
        deregistered = [e for e in second.of(TerminalEvent) if e.kind == "deregistered"]
        assert len(deregistered) == 1 and "operator" in deregistered[0].detail
    finally:
        second.finish()
