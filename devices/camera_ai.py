"""What an AI camera box reports, whatever its make: one :class:`CameraDetection` per event message.

Frigate (``devices.frigate``) and Hikvision ISAPI alarm pushes (``devices.isapi``) decode into the same shape, so
the core (``commandcenter.ai``) has one path from detection to case: map the rule, deduplicate, open the case with
the picture as evidence, dispatch, raise the wall's alarm. Pictures are checked here, where the bytes arrive: a
box that sends an HTML error page instead of a JPEG is refused at the door, never stored as evidence.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

__all__ = ["CameraDetection", "image_mime"]


@dataclass(frozen=True, slots=True)
class CameraDetection:
    """One event of an AI camera box, already tied to one of our cameras.

    ``box`` is the adapter id (which Frigate or ISAPI listener), ``source`` its make ("frigate" | "isapi"),
    ``event_id`` the box's own id of the event (Frigate's event id; ISAPI: ``ip/channel/type/dateTime``),
    ``kind`` what was detected (Frigate's label, ISAPI's eventType), ``zones`` where in the picture (Frigate's
    current zones, ISAPI's region ids), ``state`` "new" | "update" | "end". ``picture`` holds a checked JPEG or
    PNG (``picture_mime`` says which) or is empty when the box sent none.
    """

    box: str
    source: str
    camera_id: str
    event_id: str
    kind: str
    zones: tuple[str, ...] = ()
    score: float = 1.0
    state: str = "new"
    picture: bytes = field(default=b"", repr=False)
    picture_mime: str = ""
    time: float = field(default_factory=time.time)
    detail: str = ""


def image_mime(data: bytes) -> str:
    """"image/jpeg" or "image/png" by the file's signature, "" when the bytes are neither (or truncated)."""
    if len(data) >= 4 and data[:3] == b"\xff\xd8\xff" and data.rstrip(b"\x00")[-2:] == b"\xff\xd9":
        return "image/jpeg"
    if data[:8] == b"\x89PNG\r\n\x1a\n" and b"IEND" in data[-16:]:
        return "image/png"
    return ""
