"""The demo's simulated officers are phones speaking the field API: paired by code, on duty, long-polling,
接单 → 到场 → photo → 处置反馈; the simulated desk leaves their cases to them."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from commandcenter.demo.desk import SimulatedDesk
from commandcenter.demo.phones import SimulatedPhones, generated_photo
from commandcenter.runtime.compose import Services

from .conftest import dispatched_case, wait_until


def test_a_simulated_phone_works_its_task_through_the_api(field_services: Services, base_url: str) -> None:
    phones = SimulatedPhones(field_services.store, ["o1"], speedup=3000.0)  # a simulated minute is 20 ms
    desk = SimulatedDesk(field_services.cases, actor="system")
    try:
        phones.start(base_url)
        assert wait_until(lambda: phones.report()["paired"] == 1)
        assert wait_until(lambda: field_services.store.scalar("SELECT status FROM officers WHERE id = 'o1'") == "idle")
        code = dispatched_case(field_services)
        assert desk.tick(datetime.now(UTC) + timedelta(hours=1)) == 0  # the desk does not press 到场 for a phone
        assert wait_until(lambda: field_services.cases.get(code).status == "handled", 20), phones.report()
        assert wait_until(lambda: phones.report()["reported"] == 1)  # the phone has read the answer too
    finally:
        phones.stop()
    report = phones.report()
    assert (report["accepted"], report["arrived"], report["evidence"], report["reported"]) == (1, 1, 1, 1)
    events = {e["action"]: e for e in field_services.cases.events(code)}
    assert {"accept", "arrive", "evidence", "feedback"} <= set(events)
    assert all(events[a]["actor"] == "o1" for a in ("accept", "arrive", "evidence", "feedback"))
    evidence = field_services.cases.evidence(code)
    assert [e["mime"] for e in evidence] == ["image/png"]
    assert events["feedback"]["data"]["evidence"] == [evidence[0]["sha256"]]


def test_every_phone_runs_on_one_thread_over_one_kept_alive_connection(field_services: Services,
                                                                          base_url: str) -> None:
    """The demo's 2,000 officers are all phones: coroutines of one thread, each reusing its connection."""
    import threading

    phones = SimulatedPhones(field_services.store, ["o1", "o2"], speedup=3000.0)
    # (a thread of the previous test's phones may still be ending: count only what this start adds)
    earlier = {t for t in threading.enumerate() if t.name.startswith("sim-phone")}
    try:
        phones.start(base_url)
        assert wait_until(lambda: phones.report()["polling"] == 2)
        added = [t.name for t in threading.enumerate() if t.name.startswith("sim-phone") and t not in earlier]
        assert added == ["sim-phones"]
        code = dispatched_case(field_services)
        assert wait_until(lambda: field_services.cases.get(code).status == "handled", 20), (phones.report(), field_services.cases.get(code).status)
        assert wait_until(lambda: phones.report()["polling"] == 2)
    finally:
        phones.stop()
    report = phones.report()
    assert (report["paired"], report["on_duty"]) == (2, 2)
    assert report["reported"] == 1
    # pair, duty, polls, accept, arrive, evidence, report: one connection per phone (each opened once)
    assert report["connections_opened"] == 2, report


def test_generated_photos_are_valid_pngs_of_their_own() -> None:
    from PySide6.QtGui import QImage

    first, second = generated_photo("AJ1"), generated_photo("AJ2")
    assert first != second
    image = QImage.fromData(first, "PNG")
    assert (image.width(), image.height()) == (64, 48)


def test_phones_keep_their_tokens_between_runs_and_pair_again_when_revoked(field_services: Services,
                                                                           base_url: str, tmp_path: Path) -> None:
    from commandcenter.field.pairing import TOKEN_CACHE_S, revoke

    tokens = tmp_path / "demo-phones.json"

    def run_once() -> dict[str, Any]:
        phones = SimulatedPhones(field_services.store, ["o1", "o2"], speedup=3000.0, tokens_file=tokens)
        try:
            phones.start(base_url)
            assert wait_until(lambda: phones.report()["polling"] == 2)
            assert wait_until(lambda: tokens.is_file() and len(json.loads(tokens.read_text())) == 2, 15)
        finally:
            phones.stop()
        return phones.report()

    def codes() -> int:
        return int(field_services.store.scalar("SELECT COUNT(*) FROM field_pairings"))

    assert run_once()["on_duty"] == 2 and codes() == 2
    run_once()
    assert codes() == 2  # signed in with the kept tokens: no new pairing
    revoke(field_services.store, "o2")
    time.sleep(TOKEN_CACHE_S + 0.2)  # a revocation holds in every process within the token cache's 2 s
    assert run_once()["paired"] == 2
    assert codes() == 3  # o2 paired again with a new code


class _Gate:
    """A loopback TCP relay in front of the field API that hangs up on every connection until it is opened:
    the phones are switched on while the server cannot answer them (a restart, a morning's crowd)."""

    def __init__(self, target_port: int) -> None:
        import socket
        import threading

        self.target_port = target_port
        self.open = False
        self.refused = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, name="gate", daemon=True).start()

    def _accept(self) -> None:
        import socket
        import threading

        while True:
            try:
                phone, _ = self._listener.accept()
            except OSError:
                return
            if not self.open:
                self.refused += 1
                phone.close()
                continue
            server = socket.create_connection(("127.0.0.1", self.target_port))
            for a, b in ((phone, server), (server, phone)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: Any, sink: Any) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                end.close()

    def close(self) -> None:
        self._listener.close()


def test_phones_that_cannot_reach_the_field_api_keep_trying_until_they_are_on_duty(field_services: Services,
                                                                                    base_url: str) -> None:
    """A phone that gave up at its first failure stayed off duty for the whole demo (on a loaded machine 1,585
    of 2,000 did): a phone app tries again, with backoff, until the server answers."""
    gate = _Gate(int(base_url.rsplit(":", 1)[1]))
    phones = SimulatedPhones(field_services.store, ["o1", "o2"], speedup=3000.0)
    try:
        phones.start(f"http://127.0.0.1:{gate.port}")
        assert wait_until(lambda: gate.refused >= 2)
        assert phones.report()["on_duty"] == 0
        gate.open = True
        assert wait_until(lambda: phones.report()["on_duty"] == 2, 20), phones.report()
        assert wait_until(lambda: phones.report()["polling"] == 2)
    finally:
        phones.stop()
        gate.close()
    assert all(p.sign_in_attempts >= 2 for p in phones.phones)
    statuses = {field_services.store.scalar(f"SELECT status FROM officers WHERE id = '{o}'") for o in ("o1", "o2")}
    assert statuses == {"idle"}
