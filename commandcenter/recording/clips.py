"""Clips the wall operator cuts from a tile's timeline: exported like ``commandcenter video export`` and, with a
case code, filed as that case's evidence (hashed copy, evidence row, audit record) under the operator's name.

The GUI hands over the span it selected and gets a Future back; everything here runs on the task manager,
never on the GUI thread (the cut reads and writes whole segments).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from commandcenter.enforcement.evidence import EvidenceStore
from commandcenter.recording.export import ExportError, attach_clip, case_id_of, describe_window, export_clip
from commandcenter.recording.index import RecordingIndex
from commandcenter.runtime.tasks import TaskManager

__all__ = ["ClipSaver", "SavedClip"]


@dataclass(frozen=True)
class SavedClip:
    path: Path
    sha256: str
    missing: tuple[str, ...]  # parts of the span with no recording, as operators read them
    case_code: str  # "" when not filed as evidence


class ClipSaver:
    """Cuts ``camera`` from ``start`` to ``end`` into ``folder`` and optionally attaches it to a case."""

    def __init__(self, index: RecordingIndex, tasks: TaskManager, folder: Path, *,
                 evidence: EvidenceStore | None, actor: Callable[[], str],
                 camera_places: dict[str, tuple[float, float]] | None = None) -> None:
        self.index = index
        self.tasks = tasks
        self.folder = folder
        self.evidence = evidence
        self.actor = actor  # the operator at the console when the clip is filed
        self.places = dict(camera_places or {})

    def save(self, camera_id: str, start: datetime, end: datetime, case_code: str = "") -> Future[SavedClip]:
        return self.tasks.run(lambda: self.save_now(camera_id, start, end, case_code.strip()))

    def save_now(self, camera_id: str, start: datetime, end: datetime, case_code: str) -> SavedClip:
        """Blocking: the clip file, and the evidence when ``case_code`` names a case (ExportError otherwise)."""
        if end <= start:
            raise ExportError(f"camera {camera_id}: the span {describe_window((start, end))} is empty")
        if case_code and self.evidence is None:
            raise ExportError("this seat has no evidence store: the clip can only be saved as a file")
        case_id = case_id_of(self.index, case_code) if case_code else None  # before cutting: a typo costs nothing
        self.folder.mkdir(parents=True, exist_ok=True)
        stamp = start.astimezone().strftime("%Y%m%d-%H%M%S")
        clip = export_clip(self.index, camera_id, start, end, self.folder / f"{camera_id}-{stamp}.mp4")
        if case_id is not None and self.evidence is not None:
            place = self.places.get(camera_id)
            attach_clip(self.evidence, case_id, clip, actor=self.actor(), lat=place[0] if place else None,
                        lon=place[1] if place else None)
        return SavedClip(clip.path, clip.sha256, tuple(describe_window(w) for w in clip.missing), case_code)
