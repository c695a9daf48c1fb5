"""The one-click leadership briefing: the same figures as a PowerPoint deck and an Excel workbook.

The caller (a page) gathers the frames and writes the summary; this module only lays them out.
Everything in the deck is native (text boxes, tables, charts, rectangles), never a picture, so
staff can edit it and PowerPoint renders the Chinese itself. Every slide and every table sheet
states the scope and the filters, because a slide copied into another deck loses its context.
"""
from __future__ import annotations

import datetime as dt
import io
import math
from dataclasses import dataclass, field, replace

import pandas as pd
from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.oxml.xmlchemy import OxmlElement
from pptx.util import Inches, Pt

from core.contract import clock
from core.engine import detectors, risk, rules
from core.export import cells, xlsx
from core.insight import accountability as accountability_insight
from core.insight import headline
from core.insight.changes import Changes
from core.words import accountability as accountability_words
from core.words import agencies as agency_words
from core.words import cases as case_words
from core.words import changes as change_words
from core.words import colour_key, i18n, labels
from core.words import headline as headline_words
from core.words.headline import fmt_change, fmt_value
from core.words.i18n import t

METHOD_LINES = 6  # i18n keys overview.method.1 ... 6
BANDS = tuple(name for name, _ in risk.BANDS)  # critical, high, medium, low
TOP_ROWS = 10  # rows a slide table can hold legibly; the workbook keeps them all
# The columns each frame must have; a frame that lacks some (e.g. a bare pd.DataFrame() for "no
# rows") gets them empty, so the no-data path never trips over a missing column.
COLUMNS = {
    "headline": ("label", "value", "previous", "kind", "note"),
    "trend": ("year", "emissions_t", "flagged_enterprises", "months", "first_month", "last_month"),
    "provinces": ("province_code", "name", "label", "tile_row", "tile_col", "enterprises", "assessed", "flagged",
                  "max_risk", "band", "emissions_t"),
    "top_risks": ("rank", "enterprise_id", "name", "province", "risk_score", "band", "reason", "emissions_t"),
    "intermediaries": ("kind", "agency_id", "name", "score", "stands_out", "clients", "flagged_clients",
                       "flagged_share", "base_rate"),
    "market": ("month", "vwap_cny", "volume_t", "turnover_cny"),
    "accountability": ("province_code", "name", "cases", "open", "overdue", "confirmed", "dismissed", "median_days",
                       "rectifications_ordered", "rectifications_done", "rectification_share", "fines_cny",
                       "allowance_adjustment_t", "agencies_open"),
    "accountability_figures": ("key", "label", "value", "text"),
}


@dataclass(frozen=True)
class Briefing:
    """Everything one briefing shows, already filtered to the user's scope and in one language."""
    lang: str                 # one of core.words.i18n.LANGS
    generated_at: dt.datetime  # time-zone aware, or naive meaning Beijing wall-clock time; shown in Beijing time
    data_as_of: str           # the last month of reports, in lang, e.g. "Jul 2026" / "2026年7月"
    scope_text: str           # in lang, e.g. "Scope: national"
    filters_text: str         # in lang, e.g. "Filters: none"
    summary: str              # two sentences in lang, written from the data by the caller
    headline: pd.DataFrame    # label, value, previous, kind (tonnes|cny|pct|int|price), note
    # year, emissions_t, flagged_enterprises; months, first_month, last_month (reports in view that
    # year: a partial year is marked, as on the screen)
    trend: pd.DataFrame
    # province_code, name, label (the tile's short name, as the app's map shows it), tile_row, tile_col,
    # enterprises, assessed, flagged, max_risk, band (of the highest-risk enterprise), emissions_t
    provinces: pd.DataFrame
    top_risks: pd.DataFrame   # rank, enterprise_id, name, province, risk_score, band, reason, emissions_t
    intermediaries: pd.DataFrame  # core.insight.agencies.leading in words: COLUMNS["intermediaries"]
    market: pd.DataFrame      # month, vwap_cny, volume_t, turnover_cny
    method: tuple[str, ...]   # method and caveats, one line each
    market_as_of: str = ""    # the last month of market data, in lang; "" when there is none
    # What changed since the previous briefing (core.words.changes, as the Overview's panel shows it):
    # the baseline in words, the lines (new, resolved, movers) and the suggested actions; empty without a run
    changes_basis: str = ""
    changes: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()
    # How the cases of the view are handled (core.store.cases.accountability, in words by
    # core.words.accountability): a row per province (COLUMNS["accountability"], most open first), the
    # headline figures (key, label, value, text) and the sentence naming the slowest province and the
    # overdue cases; empty frames when no case is open in the view
    accountability: pd.DataFrame = field(default_factory=pd.DataFrame)
    accountability_figures: pd.DataFrame = field(default_factory=pd.DataFrame)
    accountability_summary: str = ""


def _complete(b: Briefing) -> Briefing:
    """`b` with every frame holding at least its COLUMNS."""
    frames = {name: getattr(b, name) for name in COLUMNS}
    fixed = {name: df.reindex(columns=[*df.columns, *(c for c in COLUMNS[name] if c not in df.columns)])
             for name, df in frames.items() if not set(COLUMNS[name]) <= set(df.columns)}
    return replace(b, **fixed) if fixed else b


def file_stem(b: Briefing) -> str:
    """The download name without extension: carbonwatch-briefing-2026-11-24 (the Beijing date)."""
    return f"carbonwatch-briefing-{_beijing(b.generated_at):%Y-%m-%d}"


def _beijing(when: dt.datetime) -> dt.datetime:
    """`when` as naive Beijing wall-clock time (a naive `when` already is)."""
    return clock.wall_clock(when)


def _generated_text(b: Briefing) -> str:
    """24 Nov 2026 09:30 (Beijing time) / 2026年11月24日 09:30（北京时间）: as every time the app shows."""
    return i18n.fmt_datetime(b.generated_at, b.lang)


# --- values ------------------------------------------------------------------------------

def _missing(v) -> bool:
    return v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and math.isnan(v))


def _plain(v):
    """A cell value as a plain Python object (numpy scalars and NaN are not what a sheet or a
    chart wants): None for missing, datetime for timestamps."""
    if _missing(v):
        return None
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    return v.item() if hasattr(v, "item") else v


def _text_of(v) -> str:
    """A string column's value; pandas 3 gives NaN, not None, for a missing string."""
    return "" if _missing(v) else str(v)


def _fmt_change(value, previous, kind: str, lang: str) -> str:
    """As the Overview shows it (core.insight.headline), with a dash where there is nothing to compare."""
    return fmt_change(value, previous, kind, lang) or i18n.MISSING


def _fmt_score(v) -> str:
    return i18n.MISSING if _missing(v) else f"{float(v):.1f}"


def _band_label(band, lang: str) -> str:
    band = _text_of(band)
    return t(f"band.{band}", lang) if band in BANDS else t("briefing.legend.no_data", lang)


def _footer_text(b: Briefing) -> str:
    """Scope, filters and as-of: the reports' month and, where there is one, the market's, each
    named, so a later price is not read as later reports."""
    key = "briefing.footer.market" if b.market_as_of else "briefing.footer"
    return t(key, b.lang, scope=b.scope_text, filters=b.filters_text, date=b.data_as_of, market=b.market_as_of)


# Widths of characters in ems, bounded by the widest sans serif a deck may be shown in (DejaVu Sans
# Bold, LibreOffice's fallback for Calibri; Calibri itself is narrower), so a name sized to fit with
# them fits in any renderer. A CJK glyph is one em.
_NARROW, _SEMI, _WIDE = set("'ijlIJ|/\\,.:; "), set("-f!()[]tr_`\"*"), set("mwMW@%")


def _char_ems(ch: str) -> float:
    if ord(ch) > 0x2E80:
        return 1.0
    if ch in _NARROW:
        return 0.40
    if ch in _SEMI:
        return 0.52
    if ch in _WIDE:
        return 1.1
    if ch.isupper() or ch.isdigit() or ch in "#+<=>^~&":
        return 0.87
    return 0.72


def _ems(text: str) -> float:
    """Width of `text` in ems (see _char_ems)."""
    return sum(map(_char_ems, text))


def _line_ems(width_in: float, pt: float) -> float:
    """Ems one line of a frame or cell `width_in` wide holds at `pt`."""
    return width_in * 72 / pt


def _fit_pt(text: str, width_in: float, largest: float, smallest: float = 6) -> float:
    """The largest size up to `largest`, in half points, at which no word of `text` is wider than
    `width_in`, so a renderer wraps it only between words. A name without spaces (every Chinese
    name) is one word: it is never broken."""
    ems = max((_ems(w) for w in text.split()), default=0) or 1
    return max(smallest, min(largest, math.floor(width_in * 72 / ems * 2) / 2))


def _short(text: str, ems: float) -> str:
    """`text` cut to about `ems` wide, so one long name or reason cannot push a table off the slide;
    Latin text is cut between words, not inside one."""
    if _ems(text) <= ems:
        return text
    cut = text
    while cut and _ems(cut) > ems - 1:
        cut = cut[:-1]
    if cut and not text[len(cut)].isspace() and " " in cut.strip() and ord(text[len(cut)]) <= 0x2E80:
        cut = cut[:cut.rstrip().rfind(" ")]
    return cut.rstrip(" ,;:") + "…"


# --- PowerPoint: geometry, fonts, colours ------------------------------------------------------

SLIDE_W, SLIDE_H = 13.333, 7.5  # inches, 16:9
MARGIN = 0.5
BODY_TOP, BODY_BOTTOM = 1.25, 6.85
CONTENT_W = SLIDE_W - 2 * MARGIN
# PowerPoint picks the East Asian typeface (a:ea) for CJK characters, the Latin one for the rest;
# without an East Asian typeface Chinese may fall back to a font without the glyphs.
EA_FONT = "Microsoft YaHei"
LATIN_FONT = {"en": "Calibri", "zh": "Microsoft YaHei"}
LANG_TAG = {"en": "en-US", "zh": "zh-CN"}

INK = RGBColor(0x1A, 0x1A, 0x1A)
GREY = RGBColor(0x59, 0x59, 0x59)
WHITE = RGBColor(0xFF, 0xFF, 0xFF)
SERIES_FILL = (RGBColor(0x1F, 0x4E, 0x79), RGBColor(0x9F, 0xB7, 0xCF))
PARTIAL_FILL = RGBColor(0x9F, 0xB7, 0xCF)  # a partial year's bar: the series colour made light, as the app draws it


def _rgb(colour: str) -> RGBColor:
    """A #rrggbb colour of core.words.colour_key as python-pptx wants it."""
    return RGBColor.from_string(colour.lstrip("#").upper())


def _style(font, lang: str, size: float | None = None, bold: bool | None = None, color=None) -> None:
    """Font, East Asian typeface and language of one run (or a chart's default text)."""
    font.name = LATIN_FONT[lang]
    rpr = font._rPr  # python-pptx has no API for a:ea; the latin element it just made is its anchor
    ea = rpr.find(qn("a:ea"))
    if ea is None:
        ea = OxmlElement("a:ea")
        rpr.find(qn("a:latin")).addnext(ea)
    ea.set("typeface", EA_FONT)
    rpr.set("lang", LANG_TAG[lang])
    if size is not None:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    if color is not None:
        font.color.rgb = color


def _style_frame(tf, lang: str, size: float, bold: bool | None = None, color=None) -> None:
    for p in tf.paragraphs:
        for r in p.runs:
            _style(r.font, lang, size, bold, color)


def _write(tf, lines, lang: str, size: float, bold: bool = False, color=INK, align=None) -> None:
    """Replace a text frame's text with `lines`, one paragraph each."""
    tf.word_wrap = True
    for i, line in enumerate(lines):
        p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
        p.text = cells.printable(line)
        if align is not None:
            p.alignment = align
    _style_frame(tf, lang, size, bold, color)


def _textbox(slide, box, lines, lang: str, size: float = 12, **kw):
    left, top, width, height = box
    shape = slide.shapes.add_textbox(Inches(left), Inches(top), Inches(width), Inches(height))
    _write(shape.text_frame, lines, lang, size, **kw)
    return shape


def _no_data(slide, box, lang: str):
    return _textbox(slide, box, [t("briefing.no_data", lang)], lang, size=16, color=GREY)


def _new_slide(prs, title: str, lang: str, layout: int = 5):
    """A slide from the default template's layout ("Title Only" by default), its title placeholder
    moved to the 16:9 grid: a real title keeps the outline view and screen readers working."""
    slide = prs.slides.add_slide(prs.slide_layouts[layout])
    title_shape = slide.shapes.title
    title_shape.left, title_shape.top = Inches(MARGIN), Inches(0.3)
    title_shape.width, title_shape.height = Inches(CONTENT_W), Inches(0.85)
    tf = title_shape.text_frame
    tf.text = cells.printable(title)
    tf.paragraphs[0].alignment = PP_ALIGN.LEFT
    _style_frame(tf, lang, 28, bold=True, color=INK)
    return slide


def _add_footer(slide, b: Briefing, n: int, total: int) -> None:
    top = SLIDE_H - 0.5
    _textbox(slide, (MARGIN, top, CONTENT_W - 1.6, 0.35), [_footer_text(b)], b.lang, size=9, color=GREY)
    _textbox(slide, (SLIDE_W - MARGIN - 1.5, top, 1.5, 0.35), [t("briefing.page", b.lang, n=n, total=total)],
             b.lang, size=9, color=GREY, align=PP_ALIGN.RIGHT)


CELL_MARGIN = 0.06  # inches, left and right of a table cell's text
MIN_NAME_PT = 7     # a name smaller than this is cut ("…") instead


def _name_cell(text: str, width_in: float, size: float, lines: int = 2) -> tuple[str, float]:
    """A name as a cell `width_in` wide shows it: at `size`, or smaller so that no word (a whole
    Chinese name is one) is wider than the cell, and cut between words to about `lines` lines."""
    inner = _cell_width(width_in)
    pt = _fit_pt(text, inner, size, smallest=MIN_NAME_PT)
    line = _line_ems(inner, pt)
    if max((_ems(w) for w in text.split()), default=0) > line:
        return _short(text, line), pt  # a word too wide even at the smallest size: one line of it
    return _short(text, lines * line), pt


def _cell_width(width_in: float) -> float:
    """The width a cell's text has: the column less its margins and a little air."""
    return width_in - 2 * CELL_MARGIN - 0.02


def _table(slide, box, header: list[str], rows: list[list[str]], widths: list[float], lang: str,
           numeric: set[int] = frozenset(), size: float = 11, names: set[int] = frozenset(),
           fills: dict[tuple[int, int], str] | None = None):
    """A native table; `numeric` columns are right-aligned so digits line up; `names` columns are
    fitted so a name never breaks inside a word (_name_cell); `fills` colours cells, by (row of
    `rows`, column), with a colour_key colour and the text colour that reads on it."""
    left, top, width, _ = box
    row_h = 0.3 + size / 72 * 0.4
    shape = slide.shapes.add_table(len(rows) + 1, len(header), Inches(left), Inches(top),
                                   Inches(width), Inches(row_h * (len(rows) + 1)))
    table = shape.table
    for j, w in enumerate(widths):
        table.columns[j].width = Inches(w)
    fills = fills or {}
    for i, values in enumerate([header, *rows]):
        for j, value in enumerate(values):
            cell = table.cell(i, j)
            cell.margin_left = cell.margin_right = Inches(CELL_MARGIN)
            pt = size
            if i and j in names:
                value, pt = _name_cell(value, widths[j], size)
            cell.text = cells.printable(value)
            if j in numeric:
                cell.text_frame.paragraphs[0].alignment = PP_ALIGN.RIGHT
            ink = WHITE if i == 0 else INK
            if i and (i - 1, j) in fills:
                colour = fills[(i - 1, j)]
                cell.fill.solid()
                cell.fill.fore_color.rgb = _rgb(colour)
                ink = _rgb(colour_key.ink_on(colour))
            _style_frame(cell.text_frame, lang, pt, bold=(i == 0), color=ink)
    return shape


def _chart(slide, box, kind, categories, series, lang: str, title: str, number_format: str = "General",
           category_format: str | None = None):
    """A native chart: `series` is [(name, values)]; missing values stay gaps, not zeros."""
    data = CategoryChartData(number_format=number_format)
    data.categories = [cells.printable(c) if isinstance(c, str) else c for c in categories]
    if category_format:
        data.categories.number_format = category_format
    for name, values in series:
        data.add_series(cells.printable(name), [_plain(v) for v in values])
    left, top, width, height = box
    chart = slide.shapes.add_chart(kind, Inches(left), Inches(top), Inches(width), Inches(height), data).chart
    _style(chart.font, lang, 10, color=INK)
    chart.has_title = True
    chart.chart_title.text_frame.text = cells.printable(title)
    _style_frame(chart.chart_title.text_frame, lang, 12, bold=True, color=INK)
    chart.has_legend = len(series) > 1
    if chart.has_legend:
        chart.legend.position = XL_LEGEND_POSITION.BOTTOM
        chart.legend.include_in_layout = False
    for plot_series, color in zip(chart.plots[0].series, SERIES_FILL):
        fmt = plot_series.format
        if kind == XL_CHART_TYPE.LINE:
            fmt.line.color.rgb = color
            fmt.line.width = Pt(2.25)
            plot_series.smooth = False
        else:
            fmt.fill.solid()
            fmt.fill.fore_color.rgb = color
    if kind != XL_CHART_TYPE.LINE:
        chart.value_axis.minimum_scale = 0  # bars measure from zero; a cut axis exaggerates change
    return chart


# --- PowerPoint: the slides ---------------------------------------------------------------------

def _title_slide(prs, b: Briefing) -> None:
    slide = _new_slide(prs, t("briefing.title", b.lang), b.lang)
    slide.shapes.title.top, slide.shapes.title.height = Inches(1.4), Inches(1.1)
    _style_frame(slide.shapes.title.text_frame, b.lang, 36, bold=True, color=INK)
    _textbox(slide, (MARGIN, 2.7, CONTENT_W, 2.2), [b.summary], b.lang, size=20)
    lines = [t("briefing.data_as_of", b.lang, date=b.data_as_of)]
    if b.market_as_of:
        lines.append(t("briefing.market_as_of", b.lang, date=b.market_as_of))
    lines.append(t("briefing.generated", b.lang, when=_generated_text(b)))
    _textbox(slide, (MARGIN, 4.9, CONTENT_W, 1.3), lines, b.lang, size=14, color=GREY)


def _changes_slide(prs, b: Briefing) -> None:
    """What changed since the previous briefing and the suggested actions, as the Overview opens."""
    slide = _new_slide(prs, t("changes.title", b.lang), b.lang)
    if not b.changes:  # no assessment to compare
        _no_data(slide, (MARGIN, BODY_TOP, CONTENT_W, 1.0), b.lang)
        return
    _textbox(slide, (MARGIN, BODY_TOP, CONTENT_W, 0.4), [b.changes_basis], b.lang, 12, color=GREY)
    _textbox(slide, (MARGIN, BODY_TOP + 0.5, CONTENT_W, 2.0), [f"• {line}" for line in b.changes], b.lang, 15)
    if b.actions:
        _textbox(slide, (MARGIN, BODY_TOP + 2.7, CONTENT_W, 0.45), [t("changes.actions", b.lang)], b.lang, 16,
                 bold=True)
        _textbox(slide, (MARGIN, BODY_TOP + 3.2, CONTENT_W, 2.2),
                 [f"{i}. {a}" for i, a in enumerate(b.actions, start=1)], b.lang, 14)
    _textbox(slide, (MARGIN, BODY_BOTTOM - 0.45, CONTENT_W, 0.4), [t("changes.caption", b.lang)], b.lang, 10,
             color=GREY)


def _headline_rows(b: Briefing) -> list[list[str]]:
    return [[_text_of(r.label), fmt_value(r.value, r.kind, b.lang), fmt_value(r.previous, r.kind, b.lang),
             _fmt_change(r.value, r.previous, r.kind, b.lang), _text_of(r.note)]
            for r in b.headline.itertuples(index=False)]


def _headline_slide(prs, b: Briefing) -> None:
    slide = _new_slide(prs, t("briefing.slide.headline", b.lang), b.lang)
    table_box = (MARGIN, BODY_TOP, 7.6, 5.0)
    if b.headline.empty:
        _no_data(slide, table_box, b.lang)
    else:
        header = [t(f"briefing.col.{c}", b.lang) for c in ("indicator", "value", "previous", "change", "note")]
        _table(slide, table_box, header, _headline_rows(b), [2.5, 1.3, 1.3, 1.0, 1.5], b.lang, numeric={1, 2, 3})
    chart_box = (8.4, BODY_TOP, SLIDE_W - MARGIN - 8.4, 5.0)
    if b.trend.empty:
        _no_data(slide, chart_box, b.lang)
        return
    divisor, unit = i18n.tonnes_unit(b.trend.emissions_t.max(), b.lang)
    partial = _partial_years(b)
    chart = _chart(slide, chart_box, XL_CHART_TYPE.COLUMN_CLUSTERED,
                   [f"{int(y)}*" if p else str(int(y)) for y, p in zip(b.trend.year, partial)],
                   [(t("briefing.col.emissions", b.lang), b.trend.emissions_t / divisor)], b.lang,
                   t("briefing.chart.emissions", b.lang, unit=unit), number_format="#,##0.0")
    # a partial year as on the screen: lighter, marked *, its months named under the chart
    for i in (i for i, p in enumerate(partial) if p):
        point = chart.plots[0].series[0].points[i]
        point.format.fill.solid()
        point.format.fill.fore_color.rgb = PARTIAL_FILL
    notes = [t("briefing.partial_year", b.lang, year=int(r.year),
               coverage=i18n.fmt_coverage(r.months, r.first_month, r.last_month, b.lang))
             for r, p in zip(b.trend.itertuples(index=False), partial) if p]
    if notes:
        box = _textbox(slide, (chart_box[0], BODY_TOP + 5.05, chart_box[2], 0.5), [t("sep.clause", b.lang).join(notes)],
                       b.lang, 10, color=GREY)
        box.name = "partial years"


def _partial_years(b: Briefing) -> list[bool]:
    """Which trend years are partial (some but not all months reported in view), as the app marks them."""
    return [headline.is_partial(None if _missing(m) else m) for m in b.trend.months]


def _coverage(b: Briefing) -> list[str]:
    """What each trend year covers, in words: All 12 months / Jun–Dec, 7 of 12 months."""
    out = []
    for r in b.trend.itertuples(index=False):
        if _missing(r.months):
            out.append("")
        elif int(r.months) == 0:
            out.append(t("coverage.none", b.lang))
        elif headline.is_partial(r.months):
            out.append(i18n.fmt_coverage(r.months, r.first_month, r.last_month, b.lang))
        else:
            out.append(t("coverage.full", b.lang))
    return out


TILE_GAP = 0.06        # inches between tiles
TILE_LABEL_PT = {"zh": 16}  # a tile's name at most (a one-character 简称 reads larger); else 12
TILE_ASPECT = 1.7      # a tile at most this much wider than tall (the app's tiles are wider than tall)


def _tile_label(row) -> str:
    """The tile's short name, as the app's map writes it (core.words.labels.province_tile_labels);
    the name where a frame has no label."""
    return _text_of(row.label) or _text_of(row.name)


def _tile(slide, box, row, entry: colour_key.Entry, pt: float, lang: str):
    """One province: a rectangle in its key class's colour, its short name (at `pt`) over
    "flagged/enterprises"."""
    left, top, w, h = box
    shape = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, Inches(left), Inches(top), Inches(w), Inches(h))
    shape.name = f"tile {_text_of(row.province_code)}"
    shape.fill.solid()
    shape.fill.fore_color.rgb = _rgb(entry.colour)
    shape.line.fill.background()
    shape.shadow.inherit = False  # the default theme's shadow would blur the grid
    tf = shape.text_frame
    tf.margin_left = tf.margin_right = tf.margin_top = tf.margin_bottom = Inches(0.03)
    tf.vertical_anchor = MSO_ANCHOR.MIDDLE
    label = _tile_label(row)
    counts = f"{i18n.fmt_int(row.flagged, lang)}/{i18n.fmt_int(row.enterprises, lang)}"
    _write(tf, [label, counts], lang, pt, color=_rgb(entry.ink), align=PP_ALIGN.CENTER)
    tf.paragraphs[0].runs[0].font.bold = True
    tf.paragraphs[1].runs[0].font.size = Pt(min(pt, 11))
    return shape


def _legend(slide, b: Briefing, legend: tuple[colour_key.Entry, ...], left: float) -> None:
    """The map's key, entry for entry the one under the app's map (core.words.colour_key)."""
    width = SLIDE_W - MARGIN - left
    title = _textbox(slide, (left, BODY_TOP, width, 0.6), [colour_key.map_title(b.lang)], b.lang, 12, bold=True)
    title.name = "legend title"
    for i, entry in enumerate(legend):
        top = BODY_TOP + 0.8 + i * 0.42
        swatch = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, Inches(left), Inches(top), Inches(0.3), Inches(0.3))
        swatch.name = f"legend swatch {i}"
        swatch.fill.solid()
        swatch.fill.fore_color.rgb = _rgb(entry.colour)
        swatch.line.fill.background()
        swatch.shadow.inherit = False
        text = _textbox(slide, (left + 0.4, top - 0.03, width - 0.4, 0.35), [entry.label], b.lang, 11)
        text.name = f"legend label {i}"
    _textbox(slide, (left, BODY_TOP + 0.9 + len(legend) * 0.42, width, 0.9), [t("briefing.legend.label", b.lang)],
             b.lang, 10, color=GREY)


def _province_slide(prs, b: Briefing) -> None:
    """A tile grid (one equal tile per province, placed roughly geographically, as on the Overview):
    no basemap or boundary file is needed, and each tile stays an editable shape."""
    slide = _new_slide(prs, t("briefing.slide.provinces", b.lang), b.lang)
    placed = b.provinces.dropna(subset=["tile_row", "tile_col"])
    area_w, area_h = 9.0, BODY_BOTTOM - BODY_TOP - 0.1
    legend = colour_key.map_legend(b.provinces, b.lang)
    if placed.empty:
        _no_data(slide, (MARGIN, BODY_TOP, area_w, 1.0), b.lang)
    else:
        r0, c0 = int(placed.tile_row.min()), int(placed.tile_col.min())
        n_rows, n_cols = int(placed.tile_row.max()) - r0 + 1, int(placed.tile_col.max()) - c0 + 1
        pitch_y = min(area_h / n_rows, 1.0)
        pitch_x = min(area_w / n_cols, pitch_y * TILE_ASPECT)
        x0 = MARGIN + (area_w - n_cols * pitch_x) / 2
        # one size for every name, the largest at which each fits its tile (less the text margins)
        pt = min(_fit_pt(_tile_label(row), pitch_x - TILE_GAP - 0.1, TILE_LABEL_PT.get(b.lang, 12))
                 for row in placed.itertuples(index=False))
        for row, entry in zip(placed.itertuples(index=False), colour_key.map_classes(placed, b.lang, legend)):
            left = x0 + (int(row.tile_col) - c0) * pitch_x
            top = BODY_TOP + (int(row.tile_row) - r0) * pitch_y
            _tile(slide, (left, top, pitch_x - TILE_GAP, pitch_y - TILE_GAP), row, entry, pt, b.lang)
    _legend(slide, b, legend, MARGIN + area_w + 0.4)


TOP_RISK_WIDTHS = (0.7, 3.4, 1.55, 1.1, 1.0, 3.35, 1.2)  # inches: rank, enterprise ... emissions


def _top_risk_slide(prs, b: Briefing) -> None:
    """The ten enterprises to look at first, as a table across the slide: names and reasons whole,
    each band cell in its band's colour. No chart: a bar per score would repeat the score column."""
    slide = _new_slide(prs, t("briefing.slide.top_risks", b.lang), b.lang)
    top = b.top_risks.head(TOP_ROWS)
    if top.empty:
        _no_data(slide, (MARGIN, BODY_TOP, CONTENT_W, 1.0), b.lang)
        return
    header = [t(f"briefing.col.{c}", b.lang) for c in ("rank", "enterprise", "province", "risk_score", "band",
                                                        "reason", "emissions")]
    reason_ems = 2 * _line_ems(_cell_width(TOP_RISK_WIDTHS[5]), 10)  # a reason may take two lines
    rows = [[i18n.fmt_int(r.rank, b.lang), _text_of(r.name), _text_of(r.province),
             _fmt_score(r.risk_score), _band_label(r.band, b.lang), _short(_text_of(r.reason), reason_ems),
             i18n.fmt_tonnes(r.emissions_t, b.lang)] for r in top.itertuples(index=False)]
    fills = {(i, 4): colour_key.BAND_COLOURS[band] for i, band in enumerate(top.band.map(_text_of))
             if band in colour_key.BAND_COLOURS}
    _table(slide, (MARGIN, BODY_TOP, sum(TOP_RISK_WIDTHS), 5.0), header, rows, list(TOP_RISK_WIDTHS), b.lang,
           numeric={0, 3, 6}, size=10, names={1, 2}, fills=fills)
    if len(b.top_risks) > TOP_ROWS:
        _textbox(slide, (MARGIN, BODY_BOTTOM - 0.35, CONTENT_W, 0.35),
                 [t("briefing.shown", b.lang, shown=TOP_ROWS, total=len(b.top_risks))], b.lang, 10, color=GREY)


def _base_rates(b: Briefing) -> str:
    """One base rate, or one per kind of intermediary when they differ."""
    by_kind = b.intermediaries.groupby("kind", sort=False).base_rate.first()
    if by_kind.nunique() <= 1:
        return i18n.fmt_pct(by_kind.iloc[0], b.lang)
    return i18n.fmt_list((f"{kind} {i18n.fmt_pct(rate, b.lang)}" for kind, rate in by_kind.items()), b.lang, "clause")


def _intermediary_slide(prs, b: Briefing) -> None:
    slide = _new_slide(prs, t("briefing.slide.intermediaries", b.lang), b.lang)
    top = b.intermediaries.head(TOP_ROWS)
    if top.empty:
        _no_data(slide, (MARGIN, BODY_TOP, CONTENT_W, 1.0), b.lang)
        return
    header = [t(f"briefing.col.{c}", b.lang) for c in ("kind", "agency", "score", "clients", "flagged_clients",
                                                        "flagged_share")]
    rows = [[_text_of(r.kind), _text_of(r.name), i18n.fmt_in_unit(r.score, 1, b.lang, digits=1),
             i18n.fmt_int(r.clients, b.lang), i18n.fmt_int(r.flagged_clients, b.lang),
             i18n.fmt_pct(r.flagged_share, b.lang)]
            for r in top.itertuples(index=False)]
    _table(slide, (MARGIN, BODY_TOP, 7.2, 4.6), header, rows, [1.0, 2.3, 1.2, 0.8, 1.0, 0.9], b.lang,
           numeric={2, 3, 4, 5}, size=10, names={0, 1})
    chart = _chart(slide, (8.0, BODY_TOP, SLIDE_W - MARGIN - 8.0, 4.9), XL_CHART_TYPE.BAR_CLUSTERED,
                   [_short(_text_of(n), 14) for n in top.name],
                   [(t("briefing.chart.flagged_share", b.lang), top.flagged_share),
                    (t("briefing.chart.base_rate", b.lang), top.base_rate)],
                   b.lang, t("briefing.chart.flagged_share", b.lang), number_format="0%")
    chart.category_axis.reverse_order = True
    # the axis in percent, as the table beside it (a linked format showed fractions: 0.2, 0.4)
    chart.value_axis.tick_labels.number_format = "0%"
    chart.value_axis.tick_labels.number_format_is_linked = False
    notes = [t("briefing.base_rate", b.lang, rates=_base_rates(b))]
    if len(b.intermediaries) > TOP_ROWS:
        notes.append(t("briefing.shown", b.lang, shown=TOP_ROWS, total=len(b.intermediaries)))
    _textbox(slide, (MARGIN, BODY_BOTTOM - 0.65, CONTENT_W, 0.6), notes, b.lang, 12)


ACCOUNTABILITY_FIGURE_WIDTHS = (2.3, 1.3)  # inches: indicator, value
# inches: province, open, overdue, confirmed, dismissed, median days, rectified, fines; each wide enough for its
# English header's longest word in bold (by _ems), so no renderer breaks "Dismissed" inside the word
ACCOUNTABILITY_WIDTHS = (1.5, 0.6, 0.85, 1.05, 1.05, 1.0, 1.0, 1.25)


def _accountability_slide(prs, b: Briefing) -> None:
    """The cases' headline figures beside a table of the provinces with the most open cases, and the
    sentence naming the slowest province and the overdue count, as the Overview's section shows them."""
    slide = _new_slide(prs, t("accountability.slide", b.lang), b.lang)
    rows = b.accountability.head(TOP_ROWS)
    if rows.empty:
        _no_data(slide, (MARGIN, BODY_TOP, CONTENT_W, 1.0), b.lang)
        _textbox(slide, (MARGIN, BODY_TOP + 0.9, CONTENT_W, 0.8), [t("accountability.none", b.lang)], b.lang, 12,
                 color=GREY)
        return
    header = [t("briefing.col.indicator", b.lang), t("briefing.col.value", b.lang)]
    figures = [[_text_of(r.label), _text_of(r.text)] for r in b.accountability_figures.itertuples(index=False)]
    _table(slide, (MARGIN, BODY_TOP, sum(ACCOUNTABILITY_FIGURE_WIDTHS), 4.2), header, figures,
           list(ACCOUNTABILITY_FIGURE_WIDTHS), b.lang, numeric={1}, size=11)
    lang = b.lang
    header = [t("accountability.col.province", lang), *(t(f"accountability.col.{k}", lang) for k in
                                                        ("open", "overdue", "confirmed", "dismissed", "median_days")),
              t("accountability.col.rectification_share", lang), t("accountability.metric.fines_cny", lang)]
    cells = [[_text_of(r.name), *(i18n.fmt_int(v, lang) for v in (r.open, r.overdue, r.confirmed, r.dismissed)),
              accountability_words.fmt_days(r.median_days, lang), i18n.fmt_pct(r.rectification_share, lang, digits=0),
              i18n.fmt_cny(r.fines_cny, lang)] for r in rows.itertuples(index=False)]
    left = MARGIN + sum(ACCOUNTABILITY_FIGURE_WIDTHS) + 0.3
    _table(slide, (left, BODY_TOP, sum(ACCOUNTABILITY_WIDTHS), 4.2), header, cells, list(ACCOUNTABILITY_WIDTHS), lang,
           numeric=set(range(1, 8)), size=10, names={0})
    notes = [b.accountability_summary] if b.accountability_summary else []
    if len(b.accountability) > TOP_ROWS:
        notes.append(t("briefing.shown", lang, shown=TOP_ROWS, total=len(b.accountability)))
    box = _textbox(slide, (MARGIN, BODY_TOP + 4.35, CONTENT_W, 0.75), notes, lang, 13)
    box.name = "accountability summary"
    _textbox(slide, (MARGIN, BODY_BOTTOM - 0.45, CONTENT_W, 0.45), [t("accountability.slide.note", lang)], lang, 10,
             color=GREY)


def _market_totals(b: Briefing) -> str:
    volume, turnover = b.market.volume_t.sum(), b.market.turnover_cny.sum()
    price = turnover / volume if volume else float("nan")
    return t("briefing.market.totals", b.lang, volume=i18n.fmt_tonnes(volume, b.lang),
             turnover=i18n.fmt_cny(turnover, b.lang), price=fmt_value(price, "price", b.lang))


def _market_slide(prs, b: Briefing) -> None:
    slide = _new_slide(prs, t("briefing.slide.market", b.lang), b.lang)
    if b.market.empty:
        _no_data(slide, (MARGIN, BODY_TOP, CONTENT_W, 1.0), b.lang)
        return
    months = [pd.Timestamp(m).date() for m in b.market.month]
    month_format = t("format.excel.month", b.lang)
    half = (CONTENT_W - 0.3) / 2
    _chart(slide, (MARGIN, BODY_TOP, half, 4.8), XL_CHART_TYPE.LINE, months,
           [(t("briefing.col.vwap", b.lang), b.market.vwap_cny)], b.lang, t("briefing.chart.vwap", b.lang),
           number_format="#,##0.00", category_format=month_format)
    divisor, unit = i18n.tonnes_unit(b.market.volume_t.max(), b.lang)
    _chart(slide, (MARGIN + half + 0.3, BODY_TOP, half, 4.8), XL_CHART_TYPE.COLUMN_CLUSTERED, months,
           [(t("briefing.col.volume_t", b.lang), b.market.volume_t / divisor)], b.lang,
           t("briefing.chart.volume", b.lang, unit=unit), number_format="#,##0.0", category_format=month_format)
    _textbox(slide, (MARGIN, BODY_TOP + 4.95, CONTENT_W, 0.5), [_market_totals(b)], b.lang, 12)


def _method_slide(prs, b: Briefing) -> None:
    """On the "Title and Content" layout, whose body placeholder gives real bullets."""
    slide = _new_slide(prs, t("briefing.slide.method", b.lang), b.lang, layout=1)
    body = slide.placeholders[1]
    body.left, body.top = Inches(MARGIN), Inches(BODY_TOP)
    body.width, body.height = Inches(CONTENT_W), Inches(BODY_BOTTOM - BODY_TOP - 0.1)
    lines = list(b.method) or [t("briefing.no_data", b.lang)]
    _write(body.text_frame, lines, b.lang, 16 if len(lines) <= 8 else 13 if len(lines) <= 12 else 11)


SLIDES = (_title_slide, _changes_slide, _headline_slide, _province_slide, _top_risk_slide, _intermediary_slide,
          _accountability_slide, _market_slide, _method_slide)


def to_pptx(b: Briefing) -> bytes:
    """The briefing as a 16:9 deck of native, editable shapes; one slide per SLIDES entry."""
    b = _complete(b)
    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(SLIDE_W), Inches(SLIDE_H)
    prs.core_properties.title = t("briefing.title", b.lang)
    prs.core_properties.language = LANG_TAG[b.lang]
    for add in SLIDES:
        add(prs, b)
    for n, slide in enumerate(prs.slides, 1):
        _add_footer(slide, b, n, len(prs.slides))
    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()


# --- Excel ---------------------------------------------------------------------------------------

# Number formats: whole tonnes and yuan, prices in fen, scores to one decimal, shares as percentages.
NUM = {"tonnes": "#,##0", "cny": "#,##0", "int": "#,##0", "price": "#,##0.00", "pct": "0.0%",
       "score": "0.0", "month": "yyyy-mm", "signed_pct": "+0.0%;-0.0%;0.0%"}
_Col = xlsx.Column


def _h(key: str, b: Briefing) -> str:
    return t(f"briefing.col.{key}", b.lang)


def _headline_cols(b: Briefing) -> list[_Col]:
    h = b.headline
    kinds = list(h.kind.map(_text_of))
    fmts = [NUM.get(k, "General") for k in kinds]
    change = [None if _missing(v) or _missing(p) else float(v) - float(p) for v, p in zip(h.value, h.previous)]
    # A share's relative change misleads (its change is already in the Change column, in points).
    rel = [None if k == "pct" or _missing(v) or _missing(p) or float(p) == 0 else float(v) / float(p) - 1
           for k, v, p in zip(kinds, h.value, h.previous)]
    units = [t(f"briefing.unit.{k}", b.lang) if k in NUM else "" for k in kinds]
    return [_Col(_h("indicator", b), list(h.label.map(_text_of))), _Col(_h("value", b), list(h.value), fmts),
            _Col(_h("previous", b), list(h.previous), fmts), _Col(_h("change", b), change, fmts),
            _Col(_h("change_rel", b), rel, NUM["signed_pct"]), _Col(_h("unit", b), units),
            _Col(_h("note", b), list(h.note.map(_text_of)))]


def _trend_cols(b: Briefing) -> list[_Col]:
    # No total for flagged enterprises: one enterprise flagged in two years would count twice.
    tr = b.trend
    return [_Col(_h("year", b), list(tr.year)),
            _Col(_h("emissions_t", b), list(tr.emissions_t), NUM["tonnes"], tr.emissions_t.sum()),
            _Col(_h("flagged_enterprises", b), list(tr.flagged_enterprises), NUM["int"]),
            _Col(_h("coverage", b), _coverage(b))]


def _province_cols(b: Briefing) -> list[_Col]:
    # No total for the highest risk score: a maximum is not a sum.
    p = b.provinces
    return [_Col(_h("province_code", b), list(p.province_code.map(_text_of))),
            _Col(_h("province", b), list(p.name.map(_text_of))),
            _Col(_h("enterprises", b), list(p.enterprises), NUM["int"], p.enterprises.sum()),
            _Col(_h("flagged_enterprises", b), list(p.flagged), NUM["int"], p.flagged.sum()),
            _Col(_h("max_risk", b), list(p.max_risk), NUM["score"]),
            _Col(_h("max_band", b), [_band_label(x, b.lang) for x in p.band]),
            _Col(_h("map_class", b), [e.label for e in colour_key.map_classes(p, b.lang)]),
            _Col(_h("emissions_t", b), list(p.emissions_t), NUM["tonnes"], p.emissions_t.sum())]


def _top_risk_cols(b: Briefing) -> list[_Col]:
    r = b.top_risks
    return [_Col(_h("rank", b), list(r["rank"]), NUM["int"]),
            _Col(_h("enterprise_id", b), list(r.enterprise_id.map(_text_of))),
            _Col(_h("enterprise", b), list(r.name.map(_text_of))),
            _Col(_h("province", b), list(r.province.map(_text_of))),
            _Col(_h("risk_score", b), list(r.risk_score), NUM["score"]),
            _Col(_h("band", b), [_band_label(x, b.lang) for x in r.band]),
            _Col(_h("reason", b), list(r.reason.map(_text_of))),
            _Col(_h("emissions_t", b), list(r.emissions_t), NUM["tonnes"])]


def _intermediary_cols(b: Briefing) -> list[_Col]:
    m = b.intermediaries
    return [_Col(_h("kind", b), list(m.kind.map(_text_of))),
            _Col(_h("agency_id", b), list(m.agency_id.map(_text_of))),
            _Col(_h("agency", b), list(m.name.map(_text_of))),
            _Col(_h("score", b), list(m.score), NUM["score"]),
            _Col(_h("stands_out", b), list(m.stands_out.map(_text_of))),
            _Col(_h("clients", b), list(m.clients), NUM["int"]),
            _Col(_h("flagged_clients", b), list(m.flagged_clients), NUM["int"]),
            _Col(_h("flagged_share", b), list(m.flagged_share), NUM["pct"]),
            _Col(_h("base_rate", b), list(m.base_rate), NUM["pct"])]


def _market_cols(b: Briefing) -> list[_Col]:
    # The period's price is turnover over volume (volume-weighted), not a sum of monthly prices.
    m = b.market
    volume, turnover = m.volume_t.sum(), m.turnover_cny.sum()
    return [_Col(_h("month", b), [pd.Timestamp(x) for x in m.month], NUM["month"]),
            _Col(_h("vwap", b), list(m.vwap_cny), NUM["price"], turnover / volume if volume else None),
            _Col(_h("volume_t", b), list(m.volume_t), NUM["tonnes"], volume),
            _Col(_h("turnover_cny", b), list(m.turnover_cny), NUM["cny"], turnover)]


def _accountability_figure(b: Briefing, key: str):
    """A headline figure's value (core.words.accountability.METRICS key), None when it is not there."""
    values = dict(zip(b.accountability_figures.key, b.accountability_figures.value))
    return None if _missing(values.get(key)) else float(values[key])


def _accountability_cols(b: Briefing) -> list[_Col]:
    """Every province's row; the Total row holds sums, and for the median days and the completed share
    the view's own figures (the median over every decided case, done over ordered), never a sum of
    medians or shares."""
    a, lang = b.accountability, b.lang
    x = lambda k: t(f"accountability.xcol.{k}", lang)  # noqa: E731
    c = lambda k: t(f"accountability.col.{k}", lang)  # noqa: E731
    counts = [_Col(c(k), list(a[k]), NUM["int"], a[k].sum()) for k in ("cases", "open", "overdue", "confirmed",
                                                                         "dismissed")]
    return [_Col(x("province_code"), list(a.province_code.map(_text_of))),
            _Col(c("province"), list(a.name.map(_text_of))), *counts,
            _Col(x("median_days"), list(a.median_days), "0.0", _accountability_figure(b, "median_days")),
            _Col(x("rectifications_ordered"), list(a.rectifications_ordered), NUM["int"], a.rectifications_ordered.sum()),
            _Col(x("rectifications_done"), list(a.rectifications_done), NUM["int"], a.rectifications_done.sum()),
            _Col(x("rectification_share"), list(a.rectification_share), NUM["pct"],
                 _accountability_figure(b, "rectification_share")),
            _Col(x("fines_cny"), list(a.fines_cny), NUM["cny"], a.fines_cny.sum()),
            _Col(x("allowance_adjustment_t"), list(a.allowance_adjustment_t), NUM["tonnes"],
                 a.allowance_adjustment_t.sum()),
            _Col(x("agencies_open"), list(a.agencies_open), NUM["int"], a.agencies_open.sum())]


def to_xlsx(b: Briefing) -> bytes:
    """The briefing's tables as a workbook in `b.lang`: an About sheet, then one sheet per table.
    Row 1 of every table states scope, filters and as-of; the headers sit on row 2."""
    b = _complete(b)
    facts = [("briefing.about.generated", _generated_text(b)), ("briefing.about.data_as_of", b.data_as_of),
             *([("briefing.about.market_as_of", b.market_as_of)] if b.market_as_of else []),
             ("briefing.about.scope", b.scope_text),
             ("briefing.about.filters", b.filters_text), ("briefing.about.summary", b.summary)]
    about = xlsx.About(t("briefing.sheet.about", b.lang), t("briefing.title", b.lang),
                       [(t(k, b.lang), v) for k, v in facts],
                       sections=[(t("changes.title", b.lang),
                                  [b.changes_basis, *b.changes] if b.changes else [t("changes.no_run", b.lang)]),
                                 *([(t("changes.actions", b.lang), list(b.actions))] if b.actions else []),
                                 (t("briefing.slide.method", b.lang),
                                  list(b.method or (t("briefing.no_data", b.lang),)))])
    note, total, empty = _footer_text(b), t("briefing.total", b.lang), t("briefing.no_data", b.lang)
    tables = [("briefing.sheet.headline", _headline_cols, False), ("briefing.sheet.trend", _trend_cols, True),
              ("briefing.sheet.provinces", _province_cols, True), ("briefing.sheet.top_risks", _top_risk_cols, False),
              ("briefing.sheet.intermediaries", _intermediary_cols, False),
              ("accountability.sheet", _accountability_cols, True), ("briefing.sheet.market", _market_cols, True)]
    return xlsx.workbook(about, [xlsx.Sheet(t(key, b.lang), cols(b), note=note,
                                            total_label=total if with_total else None, empty_text=empty)
                                 for key, cols, with_total in tables])


# --- from the Overview's frames ----------------------------------------------------------------
def method_lines(lang: str) -> tuple[str, ...]:
    """How the figures are made, one line per step; the rule count and the model's members are read
    from the rule catalogue and the default ensemble, not written into the words."""
    fill = {"rules": len(rules.CATALOGUE),
            "detectors": i18n.fmt_list([labels.detector_label(n, lang) for n in detectors.DEFAULT_ENSEMBLE], lang)}
    return tuple(i18n.t(f"overview.method.{i}", lang, **(fill if i == 3 else {})) for i in range(1, METHOD_LINES + 1))


def province_frame(provinces: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Briefing.provinces from core.store.risk_views.risk_by_province: the provinces in scope, with
    the tile label the app's map shows and the counts its colour key reads."""
    in_scope = provinces[provinces["in_scope"]]
    band = in_scope.apply(lambda r: "" if not r["assessed"] else
                          next((b for b, _ in risk.BANDS if r[b] > 0), "low"), axis=1) if len(in_scope) else []
    return pd.DataFrame({
        "province_code": in_scope["province_code"], "name": in_scope[f"name_{lang}"],
        "label": labels.province_tile_labels(in_scope, lang),
        "tile_row": in_scope["tile_row"].astype(int), "tile_col": in_scope["tile_col"].astype(int),
        "enterprises": in_scope["enterprises"].astype(int), "assessed": in_scope["assessed"].astype(int),
        "flagged": in_scope["flagged"].astype(int), "max_risk": in_scope["max_risk"], "band": band,
        "emissions_t": in_scope["emissions_t"].fillna(0.0)}).reset_index(drop=True)


def accountability_frame(per_province: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Briefing.accountability from core.store.cases.accountability: a row per province of the view,
    in its order (most open cases first), named in `lang`."""
    p = per_province
    if p is None or p.empty:
        return pd.DataFrame(columns=list(COLUMNS["accountability"]))
    out = pd.DataFrame({"province_code": p["province_code"],
                        "name": [case_words.province(c, lang) for c in p["province_code"]],
                        "median_days": p["median_days_to_decision"].astype(float)})
    for k in COLUMNS["accountability"][2:]:
        if k not in out:
            out[k] = p[k]
    return out[list(COLUMNS["accountability"])].reset_index(drop=True)


def accountability_fields(per_province: pd.DataFrame | None, decision_days: pd.DataFrame | None, lang: str) -> dict:
    """The Briefing's accountability fields: the province rows, the headline figures and the sentence
    (core.insight.accountability, core.words.accountability); empty without a case in the view."""
    if per_province is None or per_province.empty:
        return {}
    days = decision_days if decision_days is not None else pd.DataFrame({"province_code": [], "days": []})
    f = accountability_insight.figures(per_province, days)
    metrics = accountability_words.metrics(f, lang)
    return dict(accountability=accountability_frame(per_province, lang),
                accountability_figures=pd.DataFrame({"key": [m.key for m in metrics],
                                                     "label": [m.label for m in metrics],
                                                     "value": [m.value for m in metrics],
                                                     "text": [m.text for m in metrics]}),
                accountability_summary=accountability_words.sentence(f, lang))


def assemble(*, lang: str, generated_at, as_of, scope_text: str, filters_text: str, figures: pd.DataFrame,
             years: pd.DataFrame, risk_years: pd.DataFrame, enterprises: pd.DataFrame, provinces: pd.DataFrame,
             agencies: pd.DataFrame, market: pd.DataFrame, changes: Changes | None = None,
             accountability: pd.DataFrame | None = None, decision_days: pd.DataFrame | None = None):
    """The Briefing of what the Overview shows, from the same frames (core.store); `accountability`
    and `decision_days` are core.store.cases' page queries of that name. `generated_at`:
    time-zone aware (core.words.i18n.now_beijing()), or naive meaning Beijing wall-clock time (as
    core.contract.clock.now() gives it and the database holds every time); the Briefing holds it in
    Beijing time."""
    year = headline.headline_year(years)
    flagged = headline.flagged_by_year(risk_years)
    cover = [c for c in ("months", "first_month", "last_month") if c in years]  # what each year covers
    trend = years[["year", "computed_t", *cover]].rename(columns={"computed_t": "emissions_t"}).merge(
        flagged[["year", "flagged"]].rename(columns={"flagged": "flagged_enterprises"}), on="year", how="left")
    trend["flagged_enterprises"] = trend["flagged_enterprises"].fillna(0).astype(int)
    prov = province_frame(provinces, lang)
    top = enterprises.dropna(subset=["risk_score"]).head(10)
    top_risks = pd.DataFrame({
        "rank": range(1, len(top) + 1), "enterprise_id": top["enterprise_id"], "name": top["name"],
        "province": top[f"province_{lang}"], "risk_score": top["risk_score"].round(1),
        "band": top["band"], "reason": top["reasons"].map(lambda r: headline_words.main_reason(r, lang)),
        "emissions_t": top["emissions_t"]})
    shown = agencies.head(10)  # core.insight.agencies.leading, as the Overview ranks them
    inter = pd.DataFrame({
        "kind": shown["kind"].map(lambda k: i18n.t(f"agency.{k}", lang)), "agency_id": shown["agency_id"],
        "name": shown["name"].fillna(shown["agency_id"]), "score": shown["score"].astype(float),
        "stands_out": [agency_words.explain(r, lang) for _, r in shown.iterrows()],
        "clients": shown["clients"].astype(int),
        "flagged_clients": shown["flagged_clients"].astype(int), "flagged_share": shown["flagged_share"],
        "base_rate": shown["base_rate"]})
    mk = market[["month", "vwap_cny", "volume_t", "amount_cny"]].rename(columns={"amount_cny": "turnover_cny"})
    return Briefing(
        lang=lang, generated_at=clock.wall_clock(generated_at).replace(tzinfo=clock.BEIJING_TZ),
        data_as_of=i18n.fmt_period(as_of, lang),
        market_as_of="" if mk.empty else i18n.fmt_period(mk["month"].max(), lang),
        scope_text=scope_text, filters_text=filters_text,
        summary=headline_words.summary(enterprises, provinces, agencies, risk_years, year, lang),
        headline=figures, trend=trend, provinces=prov,
        top_risks=top_risks.reset_index(drop=True), intermediaries=inter.reset_index(drop=True),
        market=mk.reset_index(drop=True), method=method_lines(lang),
        **({} if changes is None else dict(changes_basis=change_words.baseline(changes, lang),
                                           changes=tuple(change_words.lines(changes, lang)),
                                           actions=tuple(change_words.actions(changes, lang)))),
        **accountability_fields(accountability, decision_days, lang))
