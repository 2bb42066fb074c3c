"""The photo behind a citizen's Open311 ``media_url``: fetched once, hashed into the evidence store, kept.

A citizen's photo lives on someone else's server and may change or vanish; a case needs the bytes it was
judged on. So right after the request is stored (the POST has already been answered: the fetch runs on a
task lane, never on the HTTP worker), the URL is fetched once with a size and a time limit, only over
http/https, never from an internal address (unless configured), and accepted only when the bytes are a JPEG
or PNG. The copy goes into the content-addressed
evidence tree and becomes a hashed, audited evidence row beside the URL row, so ``audit verify`` re-hashes it.
A failed fetch keeps the case and records why (``extra["media_fetch"]["error"]``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future
from typing import Protocol

from commandcenter.cases.model import CaseView, EvidenceRef
from commandcenter.enforcement.evidence import StoredFile
from devices.open311 import MediaFetchError, fetch_media

__all__ = ["CitizenMediaFetcher", "RecordMedia", "StorePhoto"]

log = logging.getLogger(__name__)


class StorePhoto(Protocol):
    """``EvidenceStore.store_file``: the bytes into the content-addressed evidence tree, hashed."""

    def __call__(self, source: bytes, *, name: str = "", mime: str = "") -> StoredFile:
        ...


class RecordMedia(Protocol):
    """``CaseService.record_media``: the fetch's outcome on the case, in one writer transaction."""

    def __call__(self, code: str, url: str, evidence: EvidenceRef | None, error: str,
                 actor: str) -> Future[CaseView]:
        ...


class CitizenMediaFetcher:
    """Fetches one case's ``media_url`` off the request thread; ``submit`` returns at once."""

    def __init__(self, store_photo: StorePhoto, record: RecordMedia, run: Callable[[Callable[[], None]], Future[None]],
                 *, actor: str = "open311", max_bytes: int = 10 << 20, timeout_s: float = 10.0,
                 allow_private: bool = False) -> None:
        self.store_photo = store_photo
        self.record = record
        self.run = run
        self.actor = actor
        self.max_bytes = max_bytes
        self.timeout_s = timeout_s
        self.allow_private = allow_private  # fetch from internal addresses too (a test host, a closed network)

    def submit(self, code: str, url: str) -> Future[None]:
        """Fetch and record on a worker; the future is done when the outcome is committed."""
        return self.run(lambda: self.fetch(code, url))

    def fetch(self, code: str, url: str) -> None:
        """Blocking: fetch, store, record (a worker thread)."""
        try:
            data, mime = fetch_media(url, max_bytes=self.max_bytes, timeout=self.timeout_s,
                                     allow_private=self.allow_private)
        except MediaFetchError as exc:
            log.warning("case %s: citizen photo not fetched: %s", code, exc)
            self.record(code, url, None, str(exc), self.actor).result(60)
            return
        stored = self.store_photo(data, name="citizen" + (".png" if mime == "image/png" else ".jpg"), mime=mime)
        ref = EvidenceRef(path=stored.relative_path, sha256=stored.sha256, mime=stored.mime, size=stored.size,
                          device="open311", note=f"市民照片（取自 {url}）"[:500])
        self.record(code, url, ref, "", self.actor).result(60)
