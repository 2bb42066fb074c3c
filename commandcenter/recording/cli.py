"""``commandcenter video export CAMERA --from ISO8601 --to ISO8601 --out FILE.mp4 [--case CODE]``.

Cuts the recording of one camera into an MP4 clip without re-encoding (see ``commandcenter.recording.export``)
and prints the clip's SHA-256 alone on its last line, for scripts. Times without a zone are the bureau's local
time (Asia/Shanghai). With ``--case`` the clip goes into the evidence store attached to the case, which writes
it to the audit chain. It works on the database (``--db URL``, else the config's ``[database] url``, else the
embedded SQLite file) and on the segment files the index names.

Who attaches: with ``--as USER`` (or $CC_USER) the user proves it like every CLI action that changes something
(password or a service token, see ``commandcenter.enforcement.auth``) and needs ``evidence.add``; without one,
like ``field pair``, it is the server's operator, who can already write both database and files, audited as
``cli:<OS user>``.

Exit status: 0 with a clip (a warning on stderr for every part of the span with no recording), 1 when nothing
was recorded in the span (the message names the camera and the span) or the clip cannot be written, 2 for bad
arguments.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import datetime
from typing import TYPE_CHECKING

from commandcenter.config import Config, ConfigError, load_config
from commandcenter.enforcement.auth import CliAuthError, add_credential_arguments
from commandcenter.enforcement.permissions import PermissionDenied
from commandcenter.recording.policy import local_zone

if TYPE_CHECKING:
    from commandcenter.recording.export import ClipExport
    from commandcenter.store import Store

__all__ = ["parse_time", "video_main"]


def parse_time(text: str) -> datetime:
    """ISO 8601 date-time; without an offset it is local time. argparse turns ValueError into a usage error."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO 8601 time (e.g. 2026-12-02T08:30:00+08:00)") from None
    return value if value.tzinfo is not None else value.replace(tzinfo=local_zone())


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="commandcenter video", description="recorded video: export clips")
    sub = parser.add_subparsers(dest="command", required=True)
    export = sub.add_parser("export", help="cut a camera's recording into an MP4 clip (no re-encoding)")
    export.add_argument("camera", help="camera id ([[cameras]] id)")
    export.add_argument("--from", dest="start", required=True, type=parse_time, help="start, ISO 8601")
    export.add_argument("--to", dest="end", required=True, type=parse_time, help="end, ISO 8601")
    export.add_argument("--out", required=True, help="MP4 file to write")
    export.add_argument("--case", default="", help="attach the clip to this case (code) as evidence")
    export.add_argument("--config", default="", help="TOML configuration file ([database] url, [[cameras]])")
    export.add_argument("--db", default="", help="SQLAlchemy database URL (default: the config's, else embedded)")
    add_credential_arguments(export)
    return parser


def video_main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    prog = "commandcenter video export"
    if args.end <= args.start:
        print(f"{prog}: --to {args.end.isoformat()} is not after --from {args.start.isoformat()}", file=sys.stderr)
        return 2
    try:
        config = load_config(args.config) if args.config else None
    except ConfigError as exc:
        print(f"{prog}: configuration error: {exc}", file=sys.stderr)
        return 2
    from commandcenter.recording.export import ExportError, case_id_of, describe_window, export_clip
    from commandcenter.recording.index import RecordingIndex
    from commandcenter.store import Store, StoreError

    url = args.db or (config.database.url if config is not None else "")
    try:
        store = Store(url or None)
    except StoreError as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return 1
    try:
        store.upgrade()
        index = RecordingIndex(store.engine)
        # Before any work: a wrong case code or a refused user changes nothing.
        case_id = case_id_of(index, args.case) if args.case else None
        actor = _actor(store, args, config) if args.case else ""
        clip = export_clip(index, args.camera, args.start, args.end, args.out)
        for window in clip.missing:
            print(f"{prog}: warning: camera {args.camera}: no recording from {describe_window(window)}; "
                  "the clip skips it", file=sys.stderr)
        print(f"camera {clip.camera_id}: {describe_window((clip.start, clip.end))} "
              f"({clip.duration_s:.1f} s from {clip.segments} segment(s), {clip.bytes} bytes) → {clip.path}")
        if case_id is not None:
            evidence_id = _attach(store, case_id, clip, config, actor)
            print(f"attached to case {args.case} as evidence {evidence_id}")
        print(clip.sha256)
        return 0
    except (ExportError, StoreError) as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return 1
    except CliAuthError as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return exc.exit_code
    except PermissionDenied as exc:  # recorded in the audit chain by the authorizer
        print(f"{prog}: {exc}", file=sys.stderr)
        return 1
    finally:
        store.close()


def _actor(store: Store, args: argparse.Namespace, config: Config | None) -> str:
    """Who attaches the clip (see the module docstring): a proven user allowed ``evidence.add``, or the operator."""
    import os

    if not (args.acting_user or os.environ.get("CC_USER", "").strip()):
        return f"cli:{getpass.getuser()}"
    from commandcenter.enforcement.audit import AuditLog
    from commandcenter.enforcement.auth import AuthService, authenticate_cli
    from commandcenter.enforcement.permissions import Authorizer

    users = config.users if config is not None else []
    audit = AuditLog(store)
    actor = authenticate_cli(args, AuthService(store, audit),
                             service_tokens={u.username: u.token_sha256 for u in users if u.token_sha256})
    Authorizer(store, audit, extra_roles={u.username: u.role for u in users}).authorize(actor, "evidence.add")
    return actor


def _attach(store: Store, case_id: int, clip: ClipExport, config: Config | None, actor: str) -> int:
    """The clip into the evidence store (audit chain) as ``actor``; returns the evidence id."""
    from commandcenter.enforcement.audit import AuditLog
    from commandcenter.enforcement.evidence import EvidenceStore
    from commandcenter.recording.export import attach_clip
    from commandcenter.runtime.tasks import TaskManager

    cameras = {c.id: c for c in config.cameras} if config is not None else {}
    camera = cameras.get(clip.camera_id)
    tasks = TaskManager(name="video-export")
    evidence = EvidenceStore(store, AuditLog(store), lambda _actor, _permission: None, tasks)
    try:
        info = attach_clip(evidence, case_id, clip, actor=actor,
                           lat=camera.lat if camera else None, lon=camera.lon if camera else None,
                           camera_name=camera.name if camera else "")
        return info.id
    finally:
        evidence.close()
        tasks.stop()
