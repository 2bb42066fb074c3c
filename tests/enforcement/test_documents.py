"""执法文书: PDF text extractable with pdftotext, numbers gapless under concurrent issuing, guards."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

from commandcenter.enforcement.documents import DocumentError, amount_in_words, find_cjk_font
from commandcenter.enforcement.permissions import PermissionDenied

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) missing")


def _text(path: Path) -> str:
    """The PDF's text with all whitespace removed (lines wrap anywhere inside Chinese words)."""
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    return re.sub(r"\s+", "", out.stdout)


def _decided_case(services, *, violation: str = "ZDJY", circumstances=("small_area",), findings=None):  # type: ignore[no-untyped-def]
    case_id = services.make_case()
    party = services.decisions.identify_party(case_id, actor="dispatcher", kind="person", name="李四海",
                                              id_number="320105198807071239", phone="13912345678")
    services.decisions.record_decision(case_id, actor="leader", violation_code=violation, party_id=party.id,
                                       circumstances=list(circumstances), findings=findings or {})
    return case_id


@pytest.mark.parametrize(("value", "words"), [
    (0, "零元整"), (50, "伍拾元整"), (200, "贰佰元整"), (1050, "壹仟零伍拾元整"), (100500, "壹拾万零伍佰元整"),
    (1000.5, "壹仟元伍角"), (20000.08, "贰万元零捌分"),
])
def test_amount_in_words(value: float, words: str) -> None:
    assert amount_in_words(value) == words


def test_cjk_font_found() -> None:
    font = find_cjk_font()
    assert font.path.is_file()


def test_penalty_decision_pdf(services) -> None:  # type: ignore[no-untyped-def]
    case_id = _decided_case(services)
    doc = services.documents.issue(case_id, "penalty_decision", actor="leader")
    assert doc.doc_no.startswith("宁城管罚决字〔") and doc.doc_no.endswith("第0001号")
    assert hashlib.sha256(doc.path.read_bytes()).hexdigest() == doc.sha256
    text = _text(doc.path)
    for expected in ("行政处罚决定书", doc.doc_no, "李四海", "130", "壹佰叁拾元整", "占道经营", "一般"):
        assert expected in text, expected
    record = services.audit.entries(action_prefix="document.issue")[-1]
    assert record.payload["sha256"] == doc.sha256 and record.payload["doc_no"] == doc.doc_no


def test_no_penalty_decision_pdf(services) -> None:  # type: ignore[no-untyped-def]
    case_id = _decided_case(services, findings={"harm_minor": True, "corrected_promptly": True})
    with pytest.raises(DocumentError, match="不予行政处罚"):
        services.documents.issue(case_id, "penalty_decision", actor="leader")
    doc = services.documents.issue(case_id, "no_penalty_decision", actor="leader")
    text = _text(doc.path)
    for expected in ("不予行政处罚决定书", "宁城管不罚字", "李四海", "第三十三条", "批评教育"):
        assert expected in text, expected


def test_inspection_record_with_extra_fields(services) -> None:  # type: ignore[no-untyped-def]
    case_id = services.make_case()
    doc = services.documents.issue(case_id, "inspection_record", actor="dispatcher",
                                   extra={"inspection_findings": "当事人在人行道摆放水果摊约3平方米", "witness": "王五"})
    text = _text(doc.path)
    assert "现场检查笔录" in text and "约3平方米" in text and "王五" in text


def test_guards(services) -> None:  # type: ignore[no-untyped-def]
    case_id = services.make_case()
    with pytest.raises(DocumentError, match="尚未形成处理决定"):
        services.documents.issue(case_id, "penalty_decision", actor="leader")
    with pytest.raises(PermissionDenied, match=r"document\.issue"):
        services.documents.issue(case_id, "order_correction", actor="observer")
    with pytest.raises(PermissionDenied, match=r"case\.decide"):
        services.documents.issue(case_id, "penalty_decision", actor="dispatcher")
    major = _decided_case(services, violation="QDLJ", circumstances=("under_10m3",))
    with pytest.raises(DocumentError, match="法制审核"):
        services.documents.issue(major, "penalty_decision", actor="leader")
    with pytest.raises(DocumentError, match="unknown document type"):
        services.documents.issue(case_id, "love_letter", actor="leader")
    # None of the refused attempts took a number.
    first = services.documents.issue(case_id, "order_correction", actor="dispatcher")
    assert first.number == 1


def test_numbers_gapless_under_concurrent_issuing(services) -> None:  # type: ignore[no-untyped-def]
    cases = [services.make_case() for _ in range(3)]
    bad_case = services.make_case()  # penalty decision without a decision: fails inside the writer job
    results: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def issue(case_id: int, doc_type: str, actor: str) -> None:
        try:
            doc = services.documents.issue(case_id, doc_type, actor=actor)
            with lock:
                results.append(doc.number)
        except DocumentError as exc:
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=issue, args=(cases[i % 3], "order_correction", "dispatcher"))
               for i in range(6)]
    threads.insert(3, threading.Thread(target=issue, args=(bad_case, "penalty_decision", "leader")))
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert sorted(results) == [1, 2, 3, 4, 5, 6]
    assert len(errors) == 1
    nos = [d.doc_no for c in cases for d in services.documents.for_case(c)]
    assert len(set(nos)) == 6 and all("宁城管责改字" in n for n in nos)


def test_orphan_file_of_a_rolled_back_number_is_set_aside(services) -> None:  # type: ignore[no-untyped-def]
    """A PDF left behind by a failed commit must neither block the register nor be overwritten."""
    from commandcenter.enforcement.documents import CHINA
    from commandcenter.store import utcnow

    case_id = services.make_case()
    year = utcnow().astimezone(CHINA).year
    orphan = services.documents.out_dir / str(year) / f"order_correction-{year}-0001.pdf"
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(b"%PDF- left over")
    doc = services.documents.issue(case_id, "order_correction", actor="dispatcher")
    assert doc.number == 1 and doc.path == orphan and doc.path.read_bytes().startswith(b"%PDF-1")
    voided = list(orphan.parent.glob("order_correction-*-0001.void-*.pdf"))
    assert len(voided) == 1 and voided[0].read_bytes() == b"%PDF- left over"
