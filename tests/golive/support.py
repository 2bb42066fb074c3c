"""Running ``commandcenter data …`` as the operator does (a real subprocess) and looking at the database after."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, inspect, text

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str, timeout: float = 120.0) -> subprocess.CompletedProcess[str]:
    """``python -m commandcenter ARGS`` with this checkout first on the path; output captured as text."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, "-m", "commandcenter", *args], capture_output=True, text=True,
                          timeout=timeout, env=env, cwd=ROOT, check=False)


def import_file(kind: str, path: Path, db_url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return run_cli("data", "import", kind, str(path), "--db", db_url, *extra)


def snapshot(db_url: str) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table (the audit chain too), to prove a refused import or a dry run changed nothing."""
    engine = create_engine(db_url)
    try:
        out: dict[str, list[tuple[object, ...]]] = {}
        with engine.connect() as conn:
            for table in sorted(inspect(conn).get_table_names()):
                rows = conn.execute(text(f'SELECT * FROM "{table}"')).all()
                out[table] = sorted((tuple(r) for r in rows), key=repr)
        return out
    finally:
        engine.dispose()


def audit_actions(db_url: str) -> list[str]:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return [r[0] for r in conn.execute(text("SELECT action FROM audit_log ORDER BY seq"))]
    finally:
        engine.dispose()


def write_csv(path: Path, text_: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text_.encode(encoding))
    return path
