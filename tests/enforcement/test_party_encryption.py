"""``commandcenter data encrypt-parties``: 当事人 recorded before encryption (ID number and phone in clear, no
blind index) are encrypted at rest in one audited transaction, idempotently, with a dry run; and the key rotates.
Run as the operator runs it (a real subprocess) on a real SQLite file and on PostgreSQL."""

from __future__ import annotations

import base64
import json
import secrets
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

from commandcenter.enforcement.audit import AuditLog
from commandcenter.enforcement.parties import DataVault, PartyService, load_data_key
from commandcenter.enforcement.tables import Party
from commandcenter.store import Store, utcnow
from tests.golive.support import run_cli

ID_A = "11010519491231002X"
CREDIT = "91350100M000100Y43"


def _key_file(path: Path) -> Path:
    path.write_text(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode() + "\n", encoding="ascii")
    path.chmod(0o600)
    return path


def _config(tmp_path: Path, url: str, key: Path, name: str) -> Path:
    config = tmp_path / name
    config.write_text(f'[database]\nurl = "{url}"\n\n[security]\ndata_key = "{key}"\n', encoding="utf-8")
    return config


def _legacy_parties(store: Store) -> None:
    """Rows as the form wrote them before revision procedure_parties: values in the clear columns."""
    def job(session: Session) -> None:
        now = utcnow()
        session.add_all([
            Party(kind="person", name="张三", id_number=ID_A.lower(), phone="138 1234 5678", created_at=now),
            Party(kind="shop", name="好运来小吃店", id_number=CREDIT, phone="025-84561234", created_at=now),
            Party(kind="vehicle", name="苏A12345", plate="苏A12345", created_at=now),
        ])
    store.write(job)


def _raw(store: Store) -> list[dict[str, object]]:
    rows = store.frame("SELECT name, id_number, phone, id_cipher, phone_cipher, credit_code FROM parties "
                       "ORDER BY id")
    return rows.to_dict("records")


def _walk(store: Store, tmp_path: Path) -> None:
    url = store.engine.url.render_as_string(hide_password=False)
    key, new_key = _key_file(tmp_path / "data.key"), _key_file(tmp_path / "new.key")
    config = _config(tmp_path, url, key, "cc.toml")
    _legacy_parties(store)
    before = _raw(store)
    dry = run_cli("data", "encrypt-parties", "--config", str(config), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "dry run: would change 2 party(ies): 1 ID number(s), 2 phone(s) to encrypt, 1 统一社会信用代码" in dry.stdout
    assert _raw(store) == before  # nothing written

    done = run_cli("data", "encrypt-parties", "--config", str(config))
    assert done.returncode == 0, done.stderr
    assert "parties: 2 changed: 1 ID number(s), 2 phone(s) encrypted, 1 统一社会信用代码" in done.stdout
    raw = _raw(store)
    dump = json.dumps(raw, ensure_ascii=False)
    for secret in (ID_A, ID_A.lower(), "13812345678", "138 1234 5678", "84561234"):
        assert secret not in dump  # nothing personal left in clear at rest
    assert raw[0]["id_number"] == "110105********002X" and raw[0]["phone"] == "138****5678"
    assert raw[1]["credit_code"] == CREDIT and raw[1]["id_number"] == ""  # public: moved, kept in clear
    assert raw[2]["id_cipher"] == "" and raw[2]["phone_cipher"] == ""  # a vehicle had nothing to hide

    vault = DataVault(load_data_key(key))
    service = PartyService(store, AuditLog(store), lambda _a, _p: None, vault, allowed=lambda _a, _p: True)
    found = service.search(ID_A, actor="chief")  # the blind index finds the old party now
    assert [(p.name, p.id_number, p.phone) for p in found] == [("张三", ID_A, "13812345678")]
    assert [p.name for p in service.search("025-84561234", actor="chief")] == ["好运来小吃店"]

    again = run_cli("data", "encrypt-parties", "--config", str(config))
    assert again.returncode == 0 and "parties: 0 changed" in again.stdout  # idempotent
    entries = [e for e in AuditLog(store).entries() if e.action == "party.encrypt"]
    assert len(entries) == 1
    assert json.loads(entries[0].data)["id_numbers"] == 1 and ID_A not in entries[0].data

    # key rotation: the new key from the config, the old one named; everything re-encrypted in one go
    rotated = run_cli("data", "encrypt-parties", "--config", str(_config(tmp_path, url, new_key, "new.toml")),
                      "--old-key", str(key))
    assert rotated.returncode == 0, rotated.stderr
    assert "2 party(ies) re-encrypted under the new key" in rotated.stdout
    new_service = PartyService(store, AuditLog(store), lambda _a, _p: None, DataVault(load_data_key(new_key)),
                               allowed=lambda _a, _p: True)
    assert [(p.id_number, p.phone) for p in new_service.search(ID_A, actor="chief")] == [(ID_A, "13812345678")]
    assert service.search(ID_A, actor="chief") == []  # the old key's index finds nothing any more
    stale = run_cli("data", "encrypt-parties", "--config", str(config))  # the old key is refused
    assert stale.returncode == 1 and "is not the key the parties" in stale.stderr
    before_wrong = _raw(store)
    stranger = _key_file(tmp_path / "stranger.key")
    wrong = run_cli("data", "encrypt-parties", "--config", str(config), "--old-key", str(stranger))
    assert wrong.returncode == 1 and "the old key given" in wrong.stderr  # must be the key in use
    assert _raw(store) == before_wrong
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM parties WHERE id_cipher <> ''")).scalar_one() == 1


def test_clear_parties_are_encrypted_on_a_sqlite_file(store: Store, tmp_path: Path) -> None:
    _walk(store, tmp_path)


def test_clear_parties_are_encrypted_on_postgresql(pg_store: Store, tmp_path: Path) -> None:
    pg_store.upgrade()
    _walk(pg_store, tmp_path)
