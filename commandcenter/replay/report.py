"""The 复盘 report: the incident's story as a PDF for leadership, with key frames from the recorded video.

One page of facts (case, span, area, units and cameras involved), the events in order (who did what when), and
for each event the picture of the nearest cameras and of the drones overhead that were recording at that moment — the frames a reviewer
would otherwise scrub for. Written with fpdf2 and the system's CJK font (as the 执法文书 are); stills are decoded
from the recordings here, so call it on a worker thread.
"""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace
from PIL import Image

from commandcenter.enforcement.documents import find_cjk_font
from commandcenter.labels import action_label, status_label
from commandcenter.replay.incident import IncidentData, IncidentEvent, track_distance
from commandcenter.video.playback import still_at

MAX_KEY_EVENTS = 8  # key frames for at most this many events (the first ones: the response is what is reviewed)
CAMERAS_PER_EVENT = 2
DRONES_PER_EVENT = 2
DRONE_NEAR_S = 30.0  # a drone's position at an event: its fix within this many seconds of it
STILL_WIDTH = 480


class ReplayReportError(RuntimeError):
    """The report could not be written (font, disk); the message names the file."""


def _clock(when: datetime) -> str:
    return when.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def key_frames(data: IncidentData, event: IncidentEvent) -> list[tuple[str, Image.Image]]:
    """(camera name, picture) of the nearest cameras recorded at the event's time, then of the drones whose
    video was recorded then (nearest to the incident at that moment first)."""
    found: list[tuple[str, Image.Image]] = []
    for camera in data.cameras:
        if len(found) >= CAMERAS_PER_EVENT:
            break
        still = still_at(camera.segments, event.at, STILL_WIDTH)
        if still is not None:
            found.append((f"{camera.name}（{camera.distance_m:.0f} 米）", Image.fromarray(still)))
    scope = data.scope
    drones = []
    for drone in data.drones:
        near = track_distance(data.history, drone.drone_id, scope.lat, scope.lon,
                              event.at - timedelta(seconds=DRONE_NEAR_S), event.at + timedelta(seconds=DRONE_NEAR_S))
        drones.append((near, drone))
    drones.sort(key=lambda pair: pair[0] if pair[0] is not None else float("inf"))
    shown = 0
    for near, drone in drones:
        if shown >= DRONES_PER_EVENT:
            break
        still = still_at(drone.segments, event.at, STILL_WIDTH)
        if still is not None:
            where = f"距 {near:.0f} 米" if near is not None else f"最近 {drone.distance_m:.0f} 米"
            found.append((f"无人机 {drone.name}（{where}）", Image.fromarray(still)))
            shown += 1
    return found


def export_report(data: IncidentData, out: Path, *, author: str = "") -> Path:
    """Write the report to ``out`` (PDF); returns the path."""
    font = find_cjk_font()
    pdf = FPDF(format="A4")
    pdf.set_title(f"事件复盘 {data.case_title}".strip())
    pdf.set_creator("智慧城管指挥中心")
    pdf.set_author(author)
    try:
        pdf.add_font("cjk", "", str(font.path), collection_font_number=font.index)
    except Exception as exc:  # fontTools raises various types for unusable fonts
        raise ReplayReportError(f"cannot load CJK font {font.path} (face {font.index}): {exc}") from exc
    pdf.set_margins(18, 18, 18)
    pdf.add_page()
    pdf.set_font("cjk", size=18)
    pdf.cell(0, 12, "事件复盘报告", new_x="LMARGIN", new_y="NEXT", align="C")
    pdf.set_font("cjk", size=11)
    scope = data.scope
    units = len(data.history.unit_ids)
    recorded = [c for c in data.cameras if c.segments]
    facts = [
        ("案件", data.case_title or "（按时间和区域复盘）"),
        ("时段", f"{_clock(scope.start)} 至 {_clock(scope.end)}"),
        ("区域", f"{scope.lat:.5f}, {scope.lon:.5f} 周边 {scope.radius_m:.0f} 米"),
        ("人员车辆", f"{units} 个单位有轨迹"),
        ("视频", f"周边摄像机 {len(data.cameras)} 路，其中 {len(recorded)} 路有录像"),
        ("无人机", f"{len(data.drones)} 架飞经区域并有录像" + (
            "：" + "、".join(f"{d.name}（最近 {d.distance_m:.0f} 米）" for d in data.drones) if data.drones else "")),
    ]
    for label, value in facts:
        pdf.cell(28, 8, label)
        pdf.multi_cell(0, 8, value, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("cjk", size=13)
    pdf.cell(0, 9, "处置经过", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=10)
    if data.events:
        headings = FontFace(emphasis=None, fill_color=(230, 236, 242))  # the CJK font has no bold face
        with pdf.table(col_widths=(38, 40, 26, 26, 44), text_align="LEFT", headings_style=headings) as table:
            table.row(["时间", "案件", "动作", "状态", "经办 / 说明"])
            for event in data.events:
                table.row([_clock(event.at), event.case_code, action_label(event.action),
                           status_label(event.status) if event.status else "",
                           f"{event.actor} {event.note}".strip()])
    else:
        pdf.cell(0, 7, "时段内区域中没有案件事件。", new_x="LMARGIN", new_y="NEXT")
    for event in data.events[:MAX_KEY_EVENTS]:
        frames = key_frames(data, event)
        if not frames:
            continue
        pdf.add_page()
        pdf.set_font("cjk", size=12)
        pdf.multi_cell(0, 8, f"{_clock(event.at)}  {event.case_code}  {action_label(event.action)}",
                       new_x="LMARGIN", new_y="NEXT")
        for name, picture in frames:
            pdf.set_font("cjk", size=10)
            pdf.cell(0, 7, name, new_x="LMARGIN", new_y="NEXT")
            buffer = io.BytesIO()
            picture.save(buffer, format="JPEG", quality=85)
            pdf.image(buffer, w=150)
            pdf.ln(2)
    try:
        pdf.output(str(out))
    except OSError as exc:
        raise ReplayReportError(f"cannot write the replay report {out}: {exc}") from exc
    return out

