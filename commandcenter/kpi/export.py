"""Reports a leader hands on: JSON, Excel (one sheet per breakdown, real numbers) and PDF (vector charts).

Writers take the plain results of :mod:`commandcenter.kpi.figures` and :mod:`commandcenter.kpi.assessment`;
they compute nothing. The PDF uses fpdf2 with the system's CJK font (the one the 执法文书 use,
``commandcenter.enforcement.documents.find_cjk_font``) and draws its charts with lines and rectangles — no
raster image, so the print is sharp at any size. Files are written to a temporary name and renamed: a
scheduled report is either complete or absent.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from commandcenter.kpi.assessment import INDICATORS, Assessment, AssessmentRow
from commandcenter.kpi.figures import FIGURES, KpiReport

if TYPE_CHECKING:
    from fpdf import FPDF

__all__ = [
    "BREAKDOWN_TITLES",
    "DEFAULT_BUREAU",
    "ExportError",
    "write_assessment",
    "write_kpi",
]

LOCAL = ZoneInfo("Asia/Shanghai")
DEFAULT_BUREAU = "城市管理综合行政执法局"
BREAKDOWN_TITLES = {"team": "按中队", "grid": "按网格", "area": "按责任区", "category": "按类别", "source": "按来源",
                    "officer": "按队员"}
FORMATS = ("json", "xlsx", "pdf")
TOTALS_ONLY = ("reoffence_rate",)  # a party belongs to no team or grid: the figure exists for the bureau only


class ExportError(RuntimeError):
    """A report could not be written (unknown format, no CJK font, unwritable folder), naming the file."""


@contextmanager
def _atomic(path: Path) -> Iterator[Path]:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


# ----------------------------------------------------------------------------------------------- values
def _kind(name: str) -> str:
    return next(k for n, _, k in FIGURES if n == name)


def _text(value: float | int | None, kind: str) -> str:
    if value is None:
        return "—"
    if kind == "rate":
        return f"{100.0 * float(value):.1f}%"
    if kind in ("minutes", "score"):
        return f"{float(value):.1f}"
    return str(int(value))


def _change_text(now: float | int | None, before: float | int | None, kind: str) -> str:
    if now is None or before is None:
        return "—"
    delta = float(now) - float(before)
    arrow = "▲" if delta > 0 else "▼" if delta < 0 else "＝"
    if kind == "rate":
        return f"{arrow}{abs(delta) * 100:.1f}个百分点"
    if kind in ("minutes", "score"):
        return f"{arrow}{abs(delta):.1f}"
    return f"{arrow}{abs(int(delta))}"


# ----------------------------------------------------------------------------------------------- JSON
def _json(data: Mapping[str, Any], path: Path) -> None:
    with _atomic(path) as tmp:
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")


# ----------------------------------------------------------------------------------------------- Excel
_NUMBER_FORMATS = {"rate": "0.0%", "minutes": "0.0", "score": "0.00", "count": "0"}


def _sheet_rows(ws: Any, header: Sequence[str], rows: Sequence[Sequence[object]], kinds: Sequence[str]) -> None:
    """A header and rows of real numbers (None stays an empty cell), with number formats and widths."""
    from openpyxl.styles import Font

    ws.append(list(header))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(list(row))
    for col, kind in enumerate(kinds, start=1):
        fmt = _NUMBER_FORMATS.get(kind)
        letter = ws.cell(row=1, column=col).column_letter
        ws.column_dimensions[letter].width = max(10, min(30, 2 * len(str(header[col - 1])) + 2))
        if fmt:
            for r in range(2, len(rows) + 2):
                ws.cell(row=r, column=col).number_format = fmt
    ws.freeze_panes = "C2" if len(header) > 2 and kinds[:2] == ["text", "text"] else "B2"


def _kpi_workbook(reports: Mapping[str | None, KpiReport], path: Path, meta: Mapping[str, str]) -> None:
    from openpyxl import Workbook

    first = next(iter(reports.values()))
    wb = Workbook()
    ws = wb.active
    ws.title = "汇总"
    rows: list[list[object]] = []
    for name, label, _ in FIGURES:
        now = first.totals.value(name)
        before = first.previous.value(name) if first.previous is not None else None
        change = (float(now) - float(before)) if now is not None and before is not None else None
        num, den = first.totals.basis.get(name, (None, None))
        rows.append([label, now, before, change, num, den])
    _sheet_rows(ws, ["指标", "本期", "上期", "变化", "分子", "分母"], rows, ["text", "mixed", "mixed", "mixed",
                                                                    "count", "count"])
    for r, (_, _, kind) in enumerate(FIGURES, start=2):  # each figure's own number format, row by row
        for c in (2, 3, 4):
            ws.cell(row=r, column=c).number_format = _NUMBER_FORMATS[kind]
    info = wb.create_sheet("说明")
    for key, value in meta.items():
        info.append([key, value])
    info.column_dimensions["A"].width = 14
    info.column_dimensions["B"].width = 60
    for by, report in reports.items():
        if by is None:
            continue
        sheet = wb.create_sheet(BREAKDOWN_TITLES.get(by, by))
        shown = [f for f in FIGURES if f[0] not in TOTALS_ONLY]
        header = ["编码", "名称", *(label for _, label, _ in shown)]
        kinds = ["text", "text", *(kind for _, _, kind in shown)]
        body = [[r.key, r.label, *(r.figures.value(n) for n, _, _ in shown)] for r in report.rows]
        _sheet_rows(sheet, header, body, kinds)
    wb.move_sheet("说明", offset=len(wb.sheetnames))
    with _atomic(path) as tmp:
        wb.save(tmp)


def _assessment_workbook(result: Assessment, path: Path, meta: Mapping[str, str]) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    indicator_cols = [(name, label) for name, _, label in INDICATORS]

    def people(title: str, rows: list[AssessmentRow], with_team: bool) -> None:
        ws = wb.create_sheet(title)
        header = ["排名", "编码", "名称", *(["中队"] if with_team else []), "得分", "立案数", "结案数",
                  *(label for _, label in indicator_cols)]
        kinds = ["count", "text", "text", *(["text"] if with_team else []), "score", "count", "count",
                 *("score" if n == "rating_avg" else "rate" for n, _ in indicator_cols)]
        body = [[r.rank, r.key, r.label, *([r.team] if with_team else []), r.score, r.figures.registered,
                 r.figures.closed, *(r.figures.value(n) for n, _ in indicator_cols)] for r in rows]
        _sheet_rows(ws, header, body, kinds)

    people("队员考核", result.officers, True)
    people("中队考核", result.teams, False)
    ws = wb.create_sheet("部门考核")
    _sheet_rows(ws, ["部门", "吹哨报到任务", "已完成", "按时完成", "拒绝", "转办案件", "按时完成率"],
                [[d.department, d.tasks, d.done, d.done_on_time, d.refused, d.transferred, d.on_time_rate]
                 for d in result.departments],
                ["text", "count", "count", "count", "count", "count", "rate"])
    info = wb.create_sheet("说明")
    for key, value in meta.items():
        info.append([key, value])
    info.append(["智慧执法之星", f"{result.star.label}（{result.star.score}分）" if result.star else "（无符合条件者）"])
    for name, weight in result.weights.items():
        info.append([name, weight])
    info.column_dimensions["A"].width = 18
    info.column_dimensions["B"].width = 50
    del wb["Sheet"]
    with _atomic(path) as tmp:
        wb.save(tmp)


# ----------------------------------------------------------------------------------------------- PDF
_BLUE = (46, 104, 170)
_GREY = (170, 170, 170)
_LIGHT = (225, 232, 242)
_INK = (30, 30, 30)


class _Pdf:
    """An A4 landscape report: heading, key/value lines, tables and vector bar charts, in the CJK font."""

    def __init__(self, title: str, meta: Mapping[str, str]) -> None:
        from fpdf import FPDF

        from commandcenter.enforcement.documents import DocumentError, find_cjk_font

        try:
            font = find_cjk_font()
        except DocumentError as exc:
            raise ExportError(f"PDF report: {exc}") from None
        self.pdf: FPDF = FPDF(orientation="L", unit="mm", format="A4")
        self.pdf.set_auto_page_break(True, margin=12)
        self.pdf.set_margins(12, 12, 12)
        try:
            self.pdf.add_font("cjk", "", str(font.path), collection_font_number=font.index)
        except Exception as exc:  # fontTools raises various types for unusable fonts
            raise ExportError(f"PDF report: cannot load CJK font {font.path} (face {font.index}): {exc}") from exc
        self.pdf.set_title(title)
        self.pdf.set_creator("commandcenter report")
        self.pdf.add_page()
        self.pdf.set_font("cjk", size=18)
        self.pdf.cell(0, 10, title, new_x="LMARGIN", new_y="NEXT", align="C")
        self.pdf.set_font("cjk", size=10)
        for key, value in meta.items():
            self.pdf.cell(0, 6, f"{key}：{value}", new_x="LMARGIN", new_y="NEXT")
        self.pdf.ln(2)

    @property
    def width(self) -> float:
        return float(self.pdf.w - self.pdf.l_margin - self.pdf.r_margin)

    def heading(self, text: str, room: float = 80.0) -> None:
        """A section title, on a new page unless ``room`` mm (its chart or first rows) still fit below it."""
        if self.pdf.get_y() > self.pdf.h - room:
            self.pdf.add_page()
        self.pdf.set_font("cjk", size=13)
        self.pdf.set_text_color(*_BLUE)
        self.pdf.cell(0, 9, text, new_x="LMARGIN", new_y="NEXT")
        self.pdf.set_text_color(*_INK)

    def table(self, header: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[float],
              size: float = 8.0, text_columns: int = 1) -> None:
        """Bordered rows; the first ``text_columns`` columns are left-aligned text, the rest right-aligned numbers."""
        pdf = self.pdf
        height = size * 0.6

        def head() -> None:
            pdf.set_font("cjk", size=size)
            pdf.set_fill_color(*_LIGHT)
            for text, w in zip(header, widths, strict=True):
                pdf.cell(w, height + 1, text, border=1, align="C", fill=True)
            pdf.ln(height + 1)

        head()
        for row in rows:
            if pdf.get_y() + height > pdf.h - pdf.b_margin:
                pdf.add_page()
                head()
            for i, (text, w) in enumerate(zip(row, widths, strict=True)):
                pdf.cell(w, height, text, border=1, align="L" if i < text_columns else "R")
            pdf.ln(height)
        pdf.ln(3)

    def bars(self, title: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[float | None],
                                                                               tuple[int, int, int]]],
             *, scale_max: float | None = None, fmt: Callable[[float], str] = lambda v: f"{v:g}",
             height: float = 62.0) -> None:
        """A vertical grouped bar chart drawn with rectangles and lines (vector graphics)."""
        pdf = self.pdf
        if pdf.get_y() + height + 14 > pdf.h - pdf.b_margin:
            pdf.add_page()
        pdf.set_font("cjk", size=9)
        pdf.cell(0, 6, title, new_x="LMARGIN", new_y="NEXT")
        x0, y0 = pdf.l_margin + 12, pdf.get_y() + 2
        w, h = self.width - 14, height - 18
        values = [float(v) for _, vs, _ in series for v in vs if v is not None]
        top = scale_max if scale_max is not None else _nice_top(max(values) if values else 1.0)
        pdf.set_draw_color(*_GREY)
        pdf.set_line_width(0.2)
        pdf.set_font("cjk", size=6.5)
        for i in range(5):  # gridlines and scale
            y = y0 + h - h * i / 4
            pdf.line(x0, y, x0 + w, y)
            pdf.text(pdf.l_margin, y + 1, fmt(top * i / 4))
        n = max(1, len(labels))
        slot = w / n
        bar = min(9.0, slot * 0.8 / max(1, len(series)))
        for i, label in enumerate(labels):
            left = x0 + i * slot + (slot - bar * len(series)) / 2
            for j, (_, vs, colour) in enumerate(series):
                v = vs[i]
                if v is None:
                    continue
                bh = h * min(1.0, max(0.0, float(v) / top))
                pdf.set_fill_color(*colour)
                pdf.rect(left + j * bar, y0 + h - bh, bar * 0.92, bh, style="F")
            pdf.set_xy(x0 + i * slot, y0 + h + 0.5)
            pdf.cell(slot, 3.5, label[:8], align="C")
        pdf.set_draw_color(*_INK)
        pdf.line(x0, y0 + h, x0 + w, y0 + h)
        # legend
        pdf.set_xy(x0, y0 + h + 5)
        for name, _, colour in series:
            pdf.set_fill_color(*colour)
            pdf.rect(pdf.get_x(), pdf.get_y() + 0.8, 3, 3, style="F")
            pdf.set_x(pdf.get_x() + 4)
            pdf.cell(28, 4.5, name)
        pdf.set_y(y0 + height - 10)
        pdf.ln(2)

    def save(self, path: Path) -> None:
        with _atomic(path) as tmp:
            self.pdf.output(str(tmp))


_PDF_FIGURES = ("reported", "registered", "closed", "closure_rate", "on_time_rate", "rework_rate",
                "timely_dispatch_rate", "median_response_min", "p90_response_min", "median_handling_min",
                "responded_30min_rate", "handled_24h_rate", "rating_avg", "field_use_rate")
_SHORT = {"reported": "上报", "registered": "立案", "closed": "结案", "closure_rate": "结案率",
          "on_time_rate": "按期率", "rework_rate": "返工率", "timely_dispatch_rate": "及时派遣",
          "median_response_min": "到场中位", "p90_response_min": "到场P90", "median_handling_min": "处置中位",
          "responded_30min_rate": "30分到场", "handled_24h_rate": "24时处置", "rating_avg": "评价",
          "field_use_rate": "城管通", "reoffence_rate": "再犯率"}
_RATES = ("closure_rate", "on_time_rate", "timely_dispatch_rate", "responded_30min_rate", "handled_24h_rate",
          "rework_rate", "field_use_rate")
PDF_MAX_ROWS = 40


def _kpi_pdf(reports: Mapping[str | None, KpiReport], path: Path, bureau: str, meta: Mapping[str, str]) -> None:
    first = next(iter(reports.values()))
    doc = _Pdf(f"{bureau} 绩效报告", meta)
    doc.heading("一、总体指标")
    rows = []
    for name, label, kind in FIGURES:
        now = first.totals.value(name)
        before = first.previous.value(name) if first.previous is not None else None
        num, den = first.totals.basis.get(name, (None, None))
        rows.append([label, _text(now, kind), _text(before, kind), _change_text(now, before, kind),
                     f"{num}/{den}" if den is not None else ""])
    doc.table(["指标", "本期", "上期", "变化", "分子/分母"], rows, [70, 40, 40, 50, 40], size=9)
    doc.bars("主要比率：本期与上期（%）", [_SHORT[n] for n in _RATES],
             [("本期", [_pct(first.totals.value(n)) for n in _RATES], _BLUE),
              ("上期", [_pct(first.previous.value(n)) if first.previous else None for n in _RATES], _GREY)],
             scale_max=100.0, fmt=lambda v: f"{v:.0f}")
    number = 2
    for by, report in reports.items():
        if by is None:
            continue
        title = BREAKDOWN_TITLES.get(by, by)
        doc.heading(f"{_chinese_number(number)}、{title}")
        number += 1
        shown = report.rows[:PDF_MAX_ROWS]
        top = report.rows[:15]
        if top:
            doc.bars(f"{title}：立案与结案（前{len(top)}）", [r.label for r in top],
                     [("立案", [float(r.figures.registered) for r in top], _BLUE),
                      ("结案", [float(r.figures.closed) for r in top], (90, 170, 90))],
                     fmt=lambda v: f"{v:.0f}")
        widths = [37.0] + [(doc.width - 37.0) / len(_PDF_FIGURES)] * len(_PDF_FIGURES)
        body = [[r.label[:14], *(_text(r.figures.value(n), _kind(n)) for n in _PDF_FIGURES)] for r in shown]
        doc.table(["名称", *(_SHORT[n] for n in _PDF_FIGURES)], body, widths, size=7)
        if len(report.rows) > len(shown):
            doc.pdf.set_font("cjk", size=8)
            doc.pdf.cell(0, 5, f"（共 {len(report.rows)} 行，此处列出前 {len(shown)} 行；全部见 Excel）",
                         new_x="LMARGIN", new_y="NEXT")
    doc.save(path)


def _assessment_pdf(result: Assessment, path: Path, bureau: str, meta: Mapping[str, str]) -> None:
    doc = _Pdf(f"{bureau} 月度考核", meta)
    star = result.star
    doc.heading("智慧执法之星")
    doc.pdf.set_font("cjk", size=12)
    doc.pdf.cell(0, 8, f"{star.label}（{star.team}）  得分 {star.score}" if star else "本月无符合条件者",
                 new_x="LMARGIN", new_y="NEXT")
    indicator_cols = [(name, label) for name, _, label in INDICATORS]
    for title, rows in (("队员考核", result.officers), ("中队考核", result.teams)):
        doc.heading(title)
        top = [r for r in rows if r.score is not None][:15]
        if top:
            doc.bars(f"{title}得分（前{len(top)}）", [r.label for r in top],
                     [("得分", [r.score for r in top], _BLUE)], scale_max=100.0, fmt=lambda v: f"{v:.0f}")
        widths = [12.0, 40.0, 18.0, 16.0, 16.0] + [(doc.width - 102.0) / len(indicator_cols)] * len(indicator_cols)
        body = [[str(r.rank or "—"), r.label[:14], _text(r.score, "score"), str(r.figures.registered),
                 str(r.figures.closed),
                 *(_text(r.figures.value(n), "score" if n == "rating_avg" else "rate") for n, _ in indicator_cols)]
                for r in rows[:PDF_MAX_ROWS]]
        doc.table(["排名", "名称", "得分", "立案", "结案", *(label for _, label in indicator_cols)], body, widths, 7.5,
                  text_columns=2)
    doc.heading("部门考核（转办、吹哨报到）")
    doc.table(["部门", "任务", "完成", "按时", "拒绝", "转办", "按时完成率"],
              [[d.department, str(d.tasks), str(d.done), str(d.done_on_time), str(d.refused), str(d.transferred),
                _text(d.on_time_rate, "rate")] for d in result.departments],
              [70, 30, 30, 30, 30, 30, 40], size=9, text_columns=1)
    doc.save(path)


def _nice_top(value: float) -> float:
    """The scale's top: four steps of 1, 2, 2.5 or 5 × 10ⁿ covering ``value`` (3 cases → 4, 37 → 40)."""
    import math

    if value <= 4:
        return 4.0
    step = value / 4.0
    power = 10.0 ** math.floor(math.log10(step))
    return 4.0 * next(f * power for f in (1.0, 2.0, 2.5, 5.0, 10.0) if f * power >= step - 1e-9)


def _pct(value: float | int | None) -> float | None:
    return None if value is None else 100.0 * float(value)


def _chinese_number(n: int) -> str:
    return "一二三四五六七八九十"[n - 1] if 1 <= n <= 10 else str(n)


# ----------------------------------------------------------------------------------------------- public
def _meta(period_label: str, previous_label: str | None, bureau: str, prepared_by: str) -> dict[str, str]:
    meta = {"单位": bureau, "统计期间": period_label}
    if previous_label:
        meta["对比期间"] = previous_label
    meta["制表人"] = prepared_by
    meta["生成时间"] = datetime.now(UTC).astimezone(LOCAL).strftime("%Y-%m-%d %H:%M")
    return meta


def _check_format(fmt: str, path: Path) -> None:
    if fmt not in FORMATS:
        raise ExportError(f"{path}: unknown format {fmt!r}; use {', '.join(FORMATS)}")


def write_kpi(reports: Mapping[str | None, KpiReport], path: str | Path, fmt: str, *, bureau: str = "",
              prepared_by: str = "") -> Path:
    """Write period figures: ``reports`` maps each breakdown (None = totals only) to its report, all of one
    period. JSON holds the first report (the contract's ``period``/``totals``/``by``)."""
    out = Path(path)
    _check_format(fmt, out)
    if not reports:
        raise ExportError(f"{out}: nothing to write (no report)")
    first = next(iter(reports.values()))
    bureau = bureau or DEFAULT_BUREAU
    meta = _meta(f"{first.period.label}（含首尾两日）", first.previous_period.label if first.previous_period else None,
                 bureau, prepared_by)
    try:
        if fmt == "json":
            data = first.as_dict()
            data["bureau"], data["prepared_by"] = bureau, prepared_by
            _json(data, out)
        elif fmt == "xlsx":
            _kpi_workbook(reports, out, meta)
        else:
            _kpi_pdf(reports, out, bureau, meta)
    except OSError as exc:
        raise ExportError(f"{out}: cannot write the report: {exc}") from exc
    return out


def write_assessment(result: Assessment, path: str | Path, fmt: str, *, bureau: str = "",
                     prepared_by: str = "") -> Path:
    """Write a month's 考核 as JSON, Excel (officers, teams, departments) or PDF."""
    out = Path(path)
    _check_format(fmt, out)
    bureau = bureau or DEFAULT_BUREAU
    meta = _meta(result.period.label, None, bureau, prepared_by)
    try:
        if fmt == "json":
            data = result.as_dict()
            data["bureau"], data["prepared_by"] = bureau, prepared_by
            _json(data, out)
        elif fmt == "xlsx":
            _assessment_workbook(result, out, meta)
        else:
            _assessment_pdf(result, out, bureau, meta)
    except OSError as exc:
        raise ExportError(f"{out}: cannot write the report: {exc}") from exc
    return out
