"""``commandcenter data encrypt-parties``: the operator's door to :mod:`commandcenter.enforcement.party_keys`.

Run on the server, against its database, with the server's key (``[security] data_key`` of ``--config``, else
``CC_DATA_KEY``, else ``<data dir>/data.key``): the database's key fingerprint must name that key, so a key of
another machine is refused before anything is written. Exit 0 when done (or nothing to do), 1 on a key or
database error (nothing written), 2 on a configuration error.
"""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from commandcenter.config import ConfigError, load_config
from commandcenter.enforcement.parties import KEY_ENV, DataKeyError, DataVault, load_data_key
from commandcenter.enforcement.party_keys import PartyEncryption, encrypt_parties

__all__ = ["describe_encryption", "encrypt_parties_main"]


def describe_encryption(report: PartyEncryption) -> str:
    what = (f"{report.id_numbers} ID number(s), {report.phones} phone(s) encrypted, {report.credit_codes} "
            f"统一社会信用代码 moved to credit_code, {report.rekeyed} party(ies) re-encrypted under the new key")
    if report.dry_run:
        return f"dry run: would change {report.changed} party(ies): {what.replace('encrypted', 'to encrypt')}; " \
               "nothing written"
    return f"parties: {report.changed} changed: {what}"


def encrypt_parties_main(config_path: str, db: str, *, dry_run: bool, old_key: str) -> int:
    try:
        config = load_config(config_path) if config_path else None
    except ConfigError as exc:
        print(f"commandcenter data encrypt-parties: configuration error: {exc}", file=sys.stderr)
        return 2
    from commandcenter.store import Store, StoreError

    key_file = Path(config.security.data_key) if config is not None and config.security.data_key else None
    try:
        vault = DataVault(load_data_key(key_file))
        old = DataVault(load_data_key(Path(old_key), create=False)) if old_key else None
    except DataKeyError as exc:
        print(f"commandcenter data encrypt-parties: {exc}; nothing written", file=sys.stderr)
        return 1
    source = KEY_ENV if os.environ.get(KEY_ENV, "").strip() else str(key_file or "<data dir>/data.key")
    url = db or (config.database.url if config is not None else "")
    try:
        store = Store(url or None)
    except StoreError as exc:
        print(f"commandcenter data encrypt-parties: {exc}", file=sys.stderr)
        return 1
    try:
        store.upgrade()
        report = encrypt_parties(store, vault, actor=f"cli:{getpass.getuser()}", dry_run=dry_run, old=old)
    except (DataKeyError, StoreError) as exc:
        print(f"commandcenter data encrypt-parties: {exc}", file=sys.stderr)
        return 1
    except SQLAlchemyError as exc:
        print(f"commandcenter data encrypt-parties: the database refused the change ({exc.__class__.__name__}: "
              f"{str(exc).splitlines()[0]}); nothing written", file=sys.stderr)
        return 1
    finally:
        store.close()
    print(f"key: {source} (fingerprint {vault.fingerprint})")
    print(describe_encryption(report))
    return 0
