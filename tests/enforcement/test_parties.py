"""当事人: validation, encryption at rest with a blind index, masking by role, history, re-offence rate, and the
party panel walked with real clicks."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from commandcenter.enforcement.decisions import DecisionError
from commandcenter.enforcement.parties import (
    CHINA,
    DataKeyError,
    DataVault,
    PartyError,
    PartyService,
    id_check_digit,
    load_data_key,
    normalize_credit_code,
    normalize_id_number,
    reoffence_rate,
)
from commandcenter.enforcement.rules import FINDING_CONDITIONS
from commandcenter.store import utcnow
from widgets.enforcement.party_panel import PartyPanel

ID_A = "11010519491231002X"  # GB 11643 example
ID_B = "110101199003074477"
CREDIT = "91350100M000100Y43"  # GB 32100 example
MINOR = dict.fromkeys(FINDING_CONDITIONS, True)


@pytest.fixture
def parties(services, tmp_path: Path) -> PartyService:  # type: ignore[no-untyped-def]
    vault = DataVault(load_data_key(tmp_path / "data.key"))
    return PartyService(services.store, services.audit, services.authorizer.authorize, vault,
                        allowed=services.authorizer.allowed)


def test_validation_refuses_mistyped_numbers() -> None:
    assert normalize_id_number(ID_A.lower()) == ID_A
    with pytest.raises(PartyError, match="校验位"):
        normalize_id_number(ID_A[:17] + "1")
    with pytest.raises(PartyError, match="出生日期"):
        first17 = "11010519490231002"  # 31 February
        normalize_id_number(first17 + id_check_digit(first17))
    assert normalize_credit_code(CREDIT.lower()) == CREDIT
    with pytest.raises(PartyError, match="校验位"):
        normalize_credit_code(CREDIT[:17] + "4")
    with pytest.raises(PartyError, match="不含 I O S V Z"):
        normalize_credit_code("91350100M00010OY43")


def test_key_file_is_private_and_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "k" / "data.key"
    key = load_data_key(path)
    assert len(key) == 32 and path.stat().st_mode & 0o077 == 0
    assert load_data_key(path) == key  # the same key on the next start
    path.write_text("c2hvcnQ=\n")
    with pytest.raises(DataKeyError, match="32 bytes"):
        load_data_key(path)
    monkeypatch.setenv("CC_DATA_KEY", "not base64 !")
    with pytest.raises(DataKeyError, match="CC_DATA_KEY"):
        load_data_key(path)


def test_identity_encrypted_at_rest_found_again_and_masked_by_role(services, parties, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    first, second = services.make_case(), services.make_case()
    parties.record(first, actor="dispatcher", kind="person", name="张三", id_number=ID_A, phone="13812345678")
    # The same person in another case, typed with a lower-case x: one party, found by the blind index.
    again = parties.record(second, actor="dispatcher", kind="person", name="张三", id_number=ID_A.lower())
    assert [p.id for p in parties.of_case(first, actor="leader")] == [again.id]

    db = Path(services.store.url.split("///", 1)[1])
    assert db.exists()
    raw = sqlite3.connect(db).execute("SELECT id_number, phone, id_cipher, phone_cipher FROM parties").fetchall()
    dump = repr(raw)
    assert ID_A not in dump and "13812345678" not in dump  # nowhere in clear
    assert raw[0][0] == "110105********002X" and raw[0][1] == "138****5678"

    leader = parties.search("13812345678", actor="leader")  # by phone, exact
    assert [(p.id_number, p.phone, p.masked, p.case_count) for p in leader] == [(ID_A, "13812345678", False, 2)]
    observer = parties.search(ID_A, actor="observer")  # by ID number; shown masked to a role without the right
    assert [(p.id_number, p.phone, p.masked) for p in observer] == [("110105********002X", "138****5678", True)]
    assert {c.case_id for c in parties.cases_of(again.id)} == {first, second}

    # Without the key the identity cannot be read back, and a process with another key may not add parties.
    other = DataVault(load_data_key(tmp_path / "other.key"))
    with pytest.raises(DataKeyError, match="does not decrypt"):
        other.decrypt(raw[0][2])
    stranger = PartyService(services.store, services.audit, services.authorizer.authorize, other)
    with pytest.raises(DataKeyError, match="not the one the parties"):
        stranger.record(first, actor="dispatcher", kind="person", name="李四", id_number=ID_B)


def test_business_by_credit_code_and_refusals(services, parties) -> None:  # type: ignore[no-untyped-def]
    case_id = services.make_case()
    shop = parties.record(case_id, actor="dispatcher", kind="shop", name="鸿运水果店", credit_code=CREDIT,
                          licence="JY13201050012345", phone="025-86661234")
    assert shop.credit_code == CREDIT and shop.licence == "JY13201050012345"
    assert [p.name for p in parties.search(CREDIT.lower(), actor="observer")] == ["鸿运水果店"]
    with pytest.raises(PartyError, match="统一社会信用代码"):
        parties.record(case_id, actor="dispatcher", kind="shop", name="无证摊点")
    with pytest.raises(PartyError, match="身份证号码"):
        parties.record(case_id, actor="dispatcher", kind="person", name="李四", id_number="110101199003074478")
    with pytest.raises(PartyError, match="联系电话"):
        parties.record(case_id, actor="dispatcher", kind="person", name="李四", id_number=ID_B, phone="12345")
    with pytest.raises(PermissionError):
        parties.record(case_id, actor="observer", kind="person", name="李四", id_number=ID_B)
    with pytest.raises(DecisionError, match="校验位"):  # the decision service's door validates too
        services.decisions.identify_party(case_id, actor="dispatcher", kind="person", name="李四",
                                          id_number="110101199003074478")


def test_first_violation_runs_on_history_and_reoffence_rate(services) -> None:  # type: ignore[no-untyped-def]
    decisions = services.decisions
    first, second, other = services.make_case(), services.make_case(), services.make_case()
    party = decisions.identify_party(first, actor="dispatcher", kind="person", name="王五", id_number=ID_B)
    proposal = decisions.propose(first, party.id, "ZDJY", circumstances=["small_area"], findings=MINOR)
    assert proposal.outcome == "no_penalty"  # no history: 首违不罚
    decisions.record_decision(first, actor="leader", violation_code="ZDJY", party_id=party.id,
                              circumstances=["small_area"], findings=MINOR)
    lenient = decisions.identify_party(other, actor="dispatcher", kind="person", name="赵六", id_number=ID_A)
    decisions.record_decision(other, actor="leader", violation_code="ZDJY", party_id=lenient.id,
                              circumstances=["small_area"], findings=MINOR)
    today = utcnow().astimezone(CHINA).date()  # the rate takes Shanghai days: after 16:00 UTC it is tomorrow there
    assert reoffence_rate(services.store, today - timedelta(days=1), today).let_off == 2
    assert reoffence_rate(services.store, today - timedelta(days=1), today).reoffended == 0

    # 王五 again, typed in another case: the history finds the earlier case, no second leniency.
    again = decisions.identify_party(second, actor="dispatcher", kind="person", name="王五", id_number=ID_B)
    assert again.id == party.id
    proposal = decisions.propose(second, party.id, "ZDJY", circumstances=["small_area"], findings=MINOR)
    assert proposal.outcome == "mitigated"  # at most 减轻, never a second 不予处罚
    proposal = decisions.propose(second, party.id, "ZDJY", circumstances=["small_area"])
    assert proposal.outcome == "penalty" and "同类违法" in proposal.first_violation.reason
    decisions.record_decision(second, actor="leader", violation_code="ZDJY", party_id=party.id,
                              circumstances=["small_area"])
    rate = reoffence_rate(services.store.engine, today, today)
    assert (rate.let_off, rate.reoffended, rate.party_ids, rate.rate) == (2, 1, (party.id,), 0.5)
    assert reoffence_rate(services.store, date(2020, 1, 1), date(2020, 12, 31)).let_off == 0
    recorded = services.audit.entries(subjects=[f"case:{second}"], action_prefix="decision.record")
    assert '"reoffence_of":["' in recorded[-1].data.replace(" ", "")


def test_party_panel_records_finds_and_picks(qtbot, services, parties, tasks) -> None:  # type: ignore[no-untyped-def]
    first, second = services.make_case(), services.make_case()
    panel = PartyPanel(parties, tasks, actor="dispatcher")
    qtbot.addWidget(panel)
    panel.resize(900, 1000)
    panel.show()
    with qtbot.waitSignal(panel.loaded, timeout=10000):
        panel.set_case(first)
    assert panel.case_table.rowCount() == 0
    panel.name.setText("张三")  # typed through the input method (keyClicks is ASCII only)
    qtbot.keyClicks(panel.id_number, ID_A[:17] + "1")  # a wrong check digit
    with qtbot.waitSignal(panel.loaded, timeout=10000):
        qtbot.mouseClick(panel.record_button, Qt.MouseButton.LeftButton)
    assert "校验位" in panel.message.text() and panel.case_table.rowCount() == 0
    panel.id_number.clear()
    qtbot.keyClicks(panel.id_number, ID_A)
    qtbot.keyClicks(panel.phone, "13812345678")
    with qtbot.waitSignal(panel.changed, timeout=10000):
        qtbot.mouseClick(panel.record_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.case_table.rowCount() == 1, timeout=10000)
    assert panel.case_table.item(0, 2).text() == ID_A  # a dispatcher holds party.identity

    # Another case: find the same person by phone and pick them.
    with qtbot.waitSignal(panel.loaded, timeout=10000):
        panel.set_case(second)
    qtbot.keyClicks(panel.search_edit, "138 1234 5678")
    with qtbot.waitSignal(panel.loaded, timeout=10000):
        qtbot.mouseClick(panel.search_button, Qt.MouseButton.LeftButton)
    assert panel.results.rowCount() == 1
    with qtbot.waitSignal(panel.loaded, timeout=10000):
        panel.results.selectRow(0)  # the history of the selected party
    assert panel.history.count() == 1 and panel.history.item(0).text().split()[1].startswith("AJ")
    with qtbot.waitSignal(panel.changed, timeout=10000):
        qtbot.mouseClick(panel.pick_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.case_table.rowCount() == 1, timeout=10000)

    masked = PartyPanel(parties, tasks, actor="observer")  # a role without party.identity
    qtbot.addWidget(masked)
    with qtbot.waitSignal(masked.loaded, timeout=10000):
        masked.set_case(second)
    assert masked.case_table.item(0, 2).text() == "110105********002X"
    assert masked.case_table.item(0, 3).text() == "138****5678"
