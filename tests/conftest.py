"""Shared fixtures: an isolated data dir per test session, a real SQLite store, a Qt app offscreen."""

from __future__ import annotations

import gc
import os
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True, scope="session")
def _isolated_dirs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Never touch the developer's real database, settings or caches."""
    base = tmp_path_factory.mktemp("ccdirs")
    saved = {k: os.environ.get(k) for k in ("CC_DATA_DIR", "CC_CONFIG_DIR", "CC_CACHE_DIR_TESTS")}
    os.environ["CC_DATA_DIR"] = str(base / "data")
    os.environ["CC_CONFIG_DIR"] = str(base / "config")
    # Keep the real cache dir (generated test video clips are expensive to make) unless told otherwise.
    yield
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture(autouse=True, scope="session")
def _collect_garbage_on_the_main_thread() -> Iterator[None]:
    """As in the application (commandcenter.runtime.gcguard): no cyclic GC on worker threads, where freeing a Qt
    object left over from a test can crash the process; collect after every test on the main thread instead."""
    gc.disable()
    yield
    gc.enable()


LEAK_GRACE_S = 2.0


def _delete_closed_widgets() -> None:
    """Finish the teardown pytest-qt started (``deleteLater`` of the test's widgets), so a view's workers that
    end with the view have had their chance to end."""
    qtcore = sys.modules.get("PySide6.QtCore")
    if qtcore is not None and qtcore.QCoreApplication.instance() is not None:
        qtcore.QCoreApplication.sendPostedEvents(None, qtcore.QEvent.Type.DeferredDelete)


@pytest.fixture(autouse=True)
def _no_leaked_threads() -> Iterator[None]:
    """A test that leaves a non-daemon thread running fails, naming the thread: such a thread keeps the
    application from exiting (and the next test from starting clean). Set up before, torn down after every other
    fixture of the test (including the garbage collection below), with a short grace for threads already ending."""
    before = set(threading.enumerate())
    yield
    _delete_closed_widgets()
    deadline = time.monotonic() + LEAK_GRACE_S

    def leaked() -> list[threading.Thread]:
        return [t for t in threading.enumerate() if t not in before and not t.daemon and t.is_alive()]

    while leaked() and time.monotonic() < deadline:
        time.sleep(0.02)
    left = leaked()
    if left:
        pytest.fail("the test left non-daemon threads running: " + ", ".join(sorted(t.name for t in left)),
                    pytrace=False)


@pytest.fixture(autouse=True)
def _collect_after_each_test() -> Iterator[None]:
    yield
    gc.collect()


@pytest.fixture(autouse=True)
def _english_again_after_each_test() -> Iterator[None]:
    """A test that switched the application to Chinese (install_language) leaves it as the next test expects:
    the English sources, which is what a test without a language of its own asserts against."""
    yield
    from PySide6.QtCore import QCoreApplication

    from commandcenter.i18n import current_language, install_language

    app = QCoreApplication.instance()
    if app is not None and current_language() != "en":
        install_language(app, "en")


@pytest.fixture
def store(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A real SQLite file, migrated with Alembic, closed after the test."""
    from commandcenter.store import Store

    s = Store(f"sqlite:///{tmp_path / 'test.db'}")
    s.upgrade()
    yield s
    s.close()


@pytest.fixture
def tasks():  # type: ignore[no-untyped-def]
    """The application's task manager (reads and decodes off the GUI thread), stopped after the test."""
    from commandcenter.runtime.tasks import TaskManager

    manager = TaskManager(name="test-tasks")
    yield manager
    manager.stop()


@pytest.fixture
def pg_url() -> str:
    """URL of the test PostgreSQL server started by .ci/test.sh (skips when there is none)."""
    url = os.environ.get("CC_TEST_PG_URL", "")
    if not url:
        pytest.skip("no PostgreSQL test server (CC_TEST_PG_URL unset)")
    return url


@pytest.fixture
def pg_store(pg_url: str):  # type: ignore[no-untyped-def]
    """An empty PostgreSQL database of the test's own (dropped afterwards), as a Store; the test upgrades it."""
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from commandcenter.store import Store

    name = f"cc_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    store = Store(make_url(pg_url).set(database=name).render_as_string(hide_password=False))
    try:
        yield store
    finally:
        store.close()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()
