"""The leadership briefing: a deck and a workbook that open, say what they cover, and hold the numbers."""
from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re

import openpyxl
import pandas as pd
import pytest
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pptx.util import Emu

from core.export import briefing
from core.words import colour_key, i18n
from core.words.i18n import t

CJK = re.compile(r"[\u4e00-\u9fff]")
LANGS = pytest.mark.parametrize("lang", ["en", "zh"])
SLIDE_KEYS = ("briefing.title", "changes.title", "briefing.slide.headline", "briefing.slide.provinces", "briefing.slide.top_risks",
              "briefing.slide.intermediaries", "accountability.slide", "briefing.slide.market", "briefing.slide.method")
SHEET_KEYS = ("briefing.sheet.about", "briefing.sheet.headline", "briefing.sheet.trend", "briefing.sheet.provinces",
              "briefing.sheet.top_risks", "briefing.sheet.intermediaries", "accountability.sheet", "briefing.sheet.market")


def store_accountability(n: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    """core.store.cases.accountability and decision_days as they come for `n` provinces (Jiangsu,
    Shandong, the national office, then more), most open cases first; Jiangsu's cases take 2, 3 and 40
    days, Shandong's 10, 12 and 50, the national office's one 5."""
    codes = ["32", "37", "00", "11", "12", "13", "14", "15", "21", "22", "23", "31"][:n]
    k = len(codes)
    per = pd.DataFrame({
        "province_code": codes, "cases": [5, 4, 1] + [1] * (k - 3), "open": [3, 2, 0] + [0] * (k - 3),
        "overdue": [2, 1, 0] + [0] * (k - 3), "confirmed": [2, 1, 0] + [0] * (k - 3),
        "dismissed": [1, 2, 1] + [1] * (k - 3), "median_days_to_decision": [3.0, 12.0, 5.0] + [5.0] * (k - 3),
        "rectifications_ordered": [2, 1, 0] + [0] * (k - 3), "rectifications_done": [1, 1, 0] + [0] * (k - 3),
        "fines_cny": [9_720_000.0, 250_000.0, 0.0] + [0.0] * (k - 3),
        "allowance_adjustment_t": [-228_477.0, -1_000.0, 0.0] + [0.0] * (k - 3),
        "agencies_open": [1, 0, 0] + [0] * (k - 3),
        "name_en": ["Jiangsu", "Shandong", None] + codes[3:], "name_zh": ["江苏省", "山东省", None] + codes[3:],
        "rectification_share": [0.5, 1.0, float("nan")] + [float("nan")] * (k - 3),
        "speed_rank": list(range(1, k + 1)),
    })[:k]
    days = pd.DataFrame({"case_id": [f"CW-{i}" for i in range(7)], "province_code": ["32"] * 3 + ["37"] * 3 + ["00"],
                         "days": [2, 3, 40, 10, 12, 50, 5]})
    return per, days


def make_briefing(lang: str) -> briefing.Briefing:
    """A small briefing by hand: four provinces (8, 3 and 0 flagged, and one not assessed), twelve
    risky enterprises (more than a slide shows), two intermediaries, twelve months of trading."""
    zh = lang == "zh"
    n = 12
    return briefing.Briefing(
        lang=lang,
        generated_at=dt.datetime(2026, 11, 24, 9, 30),
        data_as_of="2026年7月" if zh else "Jul 2026",
        scope_text="数据范围：山东、江苏" if zh else "Scope: Shandong, Jiangsu",
        filters_text="筛选条件：风险等级 高" if zh else "Filters: band high",
        summary="排放量下降1.5%。四家企业为严重风险。" if zh else "Emissions fell 1.5%. Four enterprises are critical.",
        headline=pd.DataFrame({
            "label": ["排放量", "实测占比", "高风险企业", "成交额", "成交均价"] if zh
            else ["Emissions", "Measured share", "Flagged enterprises", "Turnover", "Average price"],
            "value": [4.53e9, 0.93, 12.0, 3.2e8, 95.3],
            "previous": [4.6e9, 0.90, float("nan"), 3.0e8, 80.0],
            "kind": ["tonnes", "pct", "int", "cny", "price"],
            "note": ["", "", "", "", ""],
        }),
        trend=pd.DataFrame({"year": [2023, 2024, 2025], "emissions_t": [4.4e9, 4.6e9, 4.53e9],
                            "flagged_enterprises": [10, 11, 12]}),
        provinces=pd.DataFrame({
            "province_code": ["11", "37", "32", "65"],
            "name": ["北京", "山东", "江苏", "新疆"] if zh else ["Beijing", "Shandong", "Jiangsu", "Xinjiang"],
            "tile_row": [1, 2, 3, 1], "tile_col": [6, 6, 7, 1],
            "enterprises": [10, 300, 200, 50], "assessed": [10, 300, 200, 0], "flagged": [0, 8, 3, 0],
            "max_risk": [5.0, 80.0, 35.0, float("nan")], "band": ["low", "critical", "high", ""],
            "emissions_t": [1.0e7, 9.0e8, 5.0e8, 0.0],
        }),
        top_risks=pd.DataFrame({
            "rank": range(1, n + 1), "enterprise_id": [f"91370000MA{i:08d}" for i in range(n)],
            "name": [f"{'华能' if zh else 'Huaneng '}{i}{'电厂' if zh else ' Power Plant'}" for i in range(n)],
            "province": ["山东" if zh else "Shandong"] * n, "risk_score": [90.0 - 5 * i for i in range(n)],
            "band": ["critical"] * 4 + ["high"] * 4 + ["medium"] * 4,
            "reason": ["含碳量远低于同类机组" if zh else "Carbon content far below peers"] * n,
            "emissions_t": [1.0e7 + i for i in range(n)],
        }),
        intermediaries=pd.DataFrame({
            "kind": ["检测机构", "核查机构"] if zh else ["Lab", "Verifier"], "agency_id": ["A1", "A2"],
            "name": ["甲检测", "乙核查"] if zh else ["Lab One", "Verifier Two"], "clients": [20, 30],
            "flagged_clients": [8, 3], "flagged_share": [0.4, 0.1], "base_rate": [0.08, 0.08],
        }),
        market=pd.DataFrame({
            "month": pd.date_range("2025-01-01", periods=12, freq="MS"),
            "vwap_cny": [90.0 + i for i in range(12)],
            "volume_t": [1.0e6 * (i + 1) for i in range(12)],
            "turnover_cny": [(90.0 + i) * 1.0e6 * (i + 1) for i in range(12)],
        }),
        method=("风险分综合规则与模型。", "演示数据。") if zh else ("Risk combines rules and models.", "Demo data."),
        **briefing.accountability_fields(*store_accountability(), lang),
    )


def empty_briefing(lang: str, bare: bool) -> briefing.Briefing:
    """No rows anywhere: frames with the right columns, or bare pd.DataFrame()s."""
    b = make_briefing(lang)
    frames = {name: pd.DataFrame() if bare else getattr(b, name).iloc[0:0] for name in briefing.COLUMNS}
    return dataclasses.replace(b, method=(), **frames)


def deck(b):
    return Presentation(io.BytesIO(briefing.to_pptx(b)))


def workbook(b):
    return openpyxl.load_workbook(io.BytesIO(briefing.to_xlsx(b)))


def slide_texts(slide) -> list[str]:
    return [s.text_frame.text for s in slide.shapes if s.has_text_frame]


def table_cells(slide) -> list[str]:
    return [c.text for s in slide.shapes if s.has_table for row in s.table.rows for c in row.cells]


def charts(slide):
    return [s.chart for s in slide.shapes if s.has_chart]


def titles(lang: str) -> list[str]:
    return [t(k, lang) for k in SLIDE_KEYS]


# --- the deck ----------------------------------------------------------------------------------

@LANGS
def test_deck_is_16_9_with_the_slides_in_order(lang):
    prs = deck(make_briefing(lang))
    assert (round(Emu(prs.slide_width).inches, 2), round(Emu(prs.slide_height).inches, 2)) == (13.33, 7.5)
    assert 6 <= len(prs.slides) <= 9
    assert [s.shapes.title.text for s in prs.slides] == titles(lang)


@LANGS
def test_title_slide_carries_summary_as_of_and_generated_time(lang):
    b = make_briefing(lang)
    text = "\n".join(slide_texts(deck(b).slides[0]))
    assert b.summary in text
    assert b.data_as_of in text
    assert i18n.fmt_datetime(b.generated_at, lang) in text


@LANGS
def test_times_are_beijing_time_and_labelled_so(lang):
    utc = dt.datetime(2026, 11, 24, 1, 30, tzinfo=dt.UTC)  # 09:30 in Beijing
    b = dataclasses.replace(make_briefing(lang), generated_at=utc)
    shown = i18n.fmt_datetime(dt.datetime(2026, 11, 24, 9, 30), lang)
    assert shown == ("2026年11月24日 09:30（北京时间）" if lang == "zh" else "24 Nov 2026 09:30 (Beijing time)")
    assert shown in "\n".join(slide_texts(deck(b).slides[0]))
    about = [c.value for row in workbook(b)[t("briefing.sheet.about", lang)].iter_rows() for c in row]
    assert shown in about
    now = i18n.now_beijing()
    assert now.utcoffset() == dt.timedelta(hours=8)
    assert abs(now - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)


@LANGS
def test_the_market_month_is_labelled_apart_from_the_reports_month(lang):
    b = dataclasses.replace(make_briefing(lang), market_as_of="2026年8月" if lang == "zh" else "Aug 2026")
    market = t("briefing.market_as_of", lang, date=b.market_as_of)
    for slide in deck(b).slides:
        assert market in "\n".join(slide_texts(slide)), slide.shapes.title.text
    ws = workbook(b)[t("briefing.sheet.market", lang)]
    assert market in ws["A1"].value and t("briefing.data_as_of", lang, date=b.data_as_of) in ws["A1"].value


@LANGS
def test_every_slide_states_scope_filters_and_as_of(lang):
    b = make_briefing(lang)
    for slide in deck(b).slides:
        text = "\n".join(slide_texts(slide))
        assert b.scope_text in text and b.filters_text in text and b.data_as_of in text, slide.shapes.title.text


@LANGS
def test_headline_table_shows_formatted_values_and_changes(lang):
    b = make_briefing(lang)
    slide = deck(b).slides[2]
    cells = table_cells(slide)
    assert i18n.fmt_tonnes(4.53e9, lang) in cells
    assert i18n.fmt_cny(3.2e8, lang) in cells
    assert i18n.fmt_pct(4.53e9 / 4.6e9 - 1, lang, signed=True) in cells
    assert t("unit.points", lang, value="+3.0") in cells  # a share changes in points
    assert i18n.MISSING in cells  # no previous value: no change, not a made-up one
    [trend] = charts(slide)
    divisor, _ = i18n.tonnes_unit(b.trend.emissions_t.max(), lang)
    assert list(trend.plots[0].series[0].values) == pytest.approx(list(b.trend.emissions_t / divisor))
    assert list(trend.plots[0].categories) == ["2023", "2024", "2025"]
    assert trend.value_axis.minimum_scale == 0  # bars from zero: a cut axis exaggerates a 1 % change


@LANGS
def test_a_partial_year_is_marked_on_the_slide_and_in_the_workbook_as_on_the_screen(lang):
    """Reports to August 2026: the last bar is lighter, marked *, and its months are named."""
    b = make_briefing(lang)
    trend = pd.DataFrame({"year": [2024, 2025, 2026], "emissions_t": [4.6e9, 4.53e9, 3.0e9],
                          "flagged_enterprises": [11, 12, 9], "months": [12, 12, 8],
                          "first_month": pd.to_datetime(["2024-01-01", "2025-01-01", "2026-01-01"]),
                          "last_month": pd.to_datetime(["2024-12-01", "2025-12-01", "2026-08-01"])})
    b = dataclasses.replace(b, trend=trend)
    [slide] = [s for s in deck(b).slides if s.shapes.title.text == t("briefing.slide.headline", lang)]
    [chart] = charts(slide)
    assert list(chart.plots[0].categories) == ["2024", "2025", "2026*"]
    bars = chart.plots[0].series[0]
    assert bars.points[2].format.fill.fore_color.rgb == briefing.PARTIAL_FILL != briefing.SERIES_FILL[0]
    coverage = i18n.fmt_coverage(8, pd.Timestamp("2026-01-01"), pd.Timestamp("2026-08-01"), lang)
    assert t("briefing.partial_year", lang, year=2026, coverage=coverage) in "\n".join(slide_texts(slide))
    ws = workbook(b)[t("briefing.sheet.trend", lang)]
    col = _header_index(ws)[t("briefing.col.coverage", lang)]
    assert [ws.cell(row=r, column=col).value for r in range(3, 6)] == [t("coverage.full", lang)] * 2 + [coverage]


def _tiles(slide, b):
    """Shapes (not text boxes: the footer's scope may name a province too) labelled with each name."""
    return {name: [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.AUTO_SHAPE and name in s.text_frame.text]
            for name in b.provinces.name}


def _hex(rgb) -> str:
    return f"#{rgb}".lower()


@LANGS
def test_province_map_has_one_editable_tile_per_province_coloured_by_the_map_key(lang):
    b = make_briefing(lang)
    slide = deck(b).slides[3]
    tiles = _tiles(slide, b)
    assert all(len(shapes) == 1 for shapes in tiles.values()), tiles
    colour = {name: _hex(shapes[0].fill.fore_color.rgb) for name, shapes in tiles.items()}
    beijing, shandong, _, xinjiang = b.provinces.name
    # by how many enterprises are flagged (8 > 3 > 0), not by the worst one; no assessment is grey
    assert colour[shandong] == colour_key.RAMP[-1]
    assert colour[beijing] == colour_key.NONE_FLAGGED and colour[xinjiang] == colour_key.NO_DATA
    assert len(set(colour.values())) == 4
    # Placed by the grid: a province one row lower sits lower on the slide.
    assert tiles[shandong][0].top > tiles[beijing][0].top
    legend = "\n".join(slide_texts(slide))
    assert all(e.label in legend for e in colour_key.map_legend(b.provinces, lang))


# --- the deck's map and the app's map: one colour key ------------------------------------------

def screen_provinces() -> pd.DataFrame:
    """A frame as core.store.risk_views.risk_by_province gives it: provinces with 0 to 23 flagged
    enterprises, one outside the scope, one with enterprises but none assessed, long names."""
    codes = ["11", "23", "32", "37", "44", "54", "65", "66"]
    return pd.DataFrame({
        "province_code": codes,
        "name_zh": ["北京市", "黑龙江省", "江苏省", "山东省", "广东省", "西藏自治区", "新疆维吾尔自治区", "新疆生产建设兵团"],
        "name_en": ["Beijing", "Heilongjiang", "Jiangsu", "Shandong", "Guangdong", "Tibet", "Xinjiang",
                    "Xinjiang Production and Construction Corps"],
        "abbr_zh": ["京", "黑", "苏", "鲁", "粤", "藏", "新", "兵团"],
        "tile_row": [2, 0, 4, 3, 6, 4, 1, 1], "tile_col": [5, 7, 6, 6, 4, 0, 0, 1],
        "in_scope": [True, True, True, True, True, True, True, False],
        "enterprises": [3, 40, 120, 150, 90, 0, 30, 5], "assessed": [3, 40, 120, 150, 90, 0, 0, 5],
        "critical": [0, 1, 9, 14, 0, 0, 0, 1], "high": [0, 3, 5, 9, 0, 0, 0, 1], "medium": [1, 6, 20, 30, 5, 0, 0, 1],
        "low": [2, 30, 86, 97, 85, 0, 0, 2], "flagged": [0, 4, 14, 23, 0, 0, 0, 2],
        "max_risk": [20.0, 55.0, 80.0, 90.0, 25.0, float("nan"), float("nan"), 60.0],
        "mean_risk": [10.0] * 8, "emissions_t": [1e6, 5e7, 3e8, 4e8, 2e8, 0.0, 6e7, 1e6],
    })


def app_map(df: pd.DataFrame, lang: str):
    """(legend title, [(label, colour)], {province_code: (tile colour, text colour)}) as the app's
    Vega-Lite spec of core.ui.charts.province_tiles states them."""
    from core.ui import charts

    spec = charts.province_tiles(df, lang, select=False).to_dict()
    tiles, label = spec["layer"][0], spec["layer"][1]
    assert tiles["mark"]["type"] == "rect"
    colour = tiles["encoding"]["color"]
    legend = list(zip(colour["scale"]["domain"], colour["scale"]["range"]))
    fill = dict(legend)
    [rows] = spec["datasets"].values()
    assert label["encoding"]["color"]["field"] == "ink"
    return colour["title"], legend, {r["province_code"]: (fill[r["key"]], r["ink"]) for r in rows}


def deck_map(slide):
    """The same three from the deck's map slide, read back from its shapes."""
    shapes = {s.name: s for s in slide.shapes}
    n = sum(name.startswith("legend swatch ") for name in shapes)
    legend = [(shapes[f"legend label {i}"].text_frame.text, _hex(shapes[f"legend swatch {i}"].fill.fore_color.rgb))
              for i in range(n)]
    tiles = {name.removeprefix("tile "): (_hex(s.fill.fore_color.rgb),
                                          _hex(s.text_frame.paragraphs[0].runs[0].font.color.rgb))
             for name, s in shapes.items() if name.startswith("tile ")}
    return shapes["legend title"].text_frame.text, legend, tiles


@LANGS
def test_the_decks_map_key_and_tile_colours_equal_the_apps(lang):
    df = screen_provinces()
    b = dataclasses.replace(make_briefing(lang), provinces=briefing.province_frame(df, lang))
    app_title, app_legend, app_tiles = app_map(df, lang)
    deck_title, deck_legend, deck_tiles = deck_map(deck(b).slides[3])
    assert deck_title == app_title
    assert deck_legend == app_legend
    in_scope = set(df.province_code[df.in_scope])
    assert set(deck_tiles) == in_scope  # the deck shows the scope; the app greys the rest
    assert {code: deck_tiles[code] for code in in_scope} == {code: app_tiles[code] for code in in_scope}
    # and the key itself: none flagged, round classes up to the largest count (23), then no data
    labels = [label for label, _ in app_legend]
    assert labels == [t("mapkey.count", lang, n="0"), *(t("mapkey.range", lang, lo=lo, hi=hi)
                      for lo, hi in ((1, 10), (11, 20), (21, 30))), t("mapkey.no_data", lang)]
    assert app_tiles["37"][0] == colour_key.RAMP[-1]  # the most flagged in the darkest class
    assert app_tiles["65"][0] == app_tiles["66"][0] == colour_key.NO_DATA  # none assessed; outside the scope


def test_the_deck_uses_the_apps_band_colours():
    from core.ui import theme

    assert colour_key.BAND_COLOURS == theme.BAND_COLOURS
    assert colour_key.NO_DATA == theme.NO_DATA


def _word_widths_fit(shape, width_in: float) -> bool:
    """Every word of the shape's text narrower than `width_in` at its font size (by the deck's own
    conservative measure of glyph widths), so no renderer breaks one."""
    for p in shape.text_frame.paragraphs:
        for r in p.runs:
            if any(briefing._ems(w) * r.font.size.pt / 72 > width_in for w in r.text.split()):
                return False
    return True


@LANGS
def test_tile_names_are_the_apps_short_names_and_fit_whole(lang):
    from core.words import labels

    df = screen_provinces()
    b = dataclasses.replace(make_briefing(lang), provinces=briefing.province_frame(df, lang))
    tiles = {s.name.removeprefix("tile "): s for s in deck(b).slides[3].shapes if s.name.startswith("tile ")}
    screen = dict(zip(df.province_code, labels.province_tile_labels(df, lang)))
    for code, shape in tiles.items():
        assert shape.text_frame.paragraphs[0].text == screen[code]
        assert _word_widths_fit(shape, Emu(shape.width).inches - 0.1), (code, shape.text_frame.text)
    sizes = {s.text_frame.paragraphs[0].runs[0].font.size.pt for s in tiles.values()}
    assert len(sizes) == 1 and sizes.pop() >= 8  # one size for every name, and a readable one


@LANGS
def test_long_names_in_table_cells_are_never_broken_inside_a_word(lang):
    b = make_briefing(lang)
    long_zh = "国家能源集团新疆维吾尔自治区准东五彩湾北一电厂有限公司"  # 27 characters, one unbreakable name
    names = ["Xinjiang Production and Construction Corps Tianshan Electric Power Generation Co., Ltd.", long_zh]
    top = b.top_risks.assign(name=(names * 6)[:len(b.top_risks)], province="新疆维吾尔自治区" if lang == "zh" else "Xinjiang")
    slide = deck(dataclasses.replace(b, top_risks=top)).slides[4]
    [table] = [s.table for s in slide.shapes if s.has_table]
    for row in list(table.rows)[1:]:
        for j in (1, 2):
            cell = row.cells[j]
            width = Emu(table.columns[j].width).inches - 2 * briefing.CELL_MARGIN
            for r in cell.text_frame.paragraphs[0].runs:
                assert all(briefing._ems(w) * r.font.size.pt / 72 <= width for w in r.text.split()), r.text
    shown = table.cell(1, 1).text  # too long for two lines: cut, between words
    assert shown.endswith("…") and names[0].startswith(shown[:-1]) and names[0][len(shown) - 1] == " "
    assert table.cell(2, 1).text == long_zh  # a Chinese name whole, on one line at a smaller size


@LANGS
def test_top_risks_slide_has_a_native_table_of_ten_with_band_coloured_cells_and_no_repeating_chart(lang):
    b = make_briefing(lang)
    slide = deck(b).slides[4]
    [table] = [s.table for s in slide.shapes if s.has_table]
    assert len(table.rows) == 1 + briefing.TOP_ROWS
    assert table.cell(1, 1).text == b.top_risks.name.iloc[0]
    scores = [table.cell(i, 3).text for i in range(1, 1 + briefing.TOP_ROWS)]
    assert scores == [f"{v:.1f}" for v in b.top_risks.risk_score.head(10)]
    for i, band in enumerate(b.top_risks.band.head(10), 1):
        assert table.cell(i, 4).text == t(f"band.{band}", lang)
        assert _hex(table.cell(i, 4).fill.fore_color.rgb) == colour_key.BAND_COLOURS[band]
    assert not charts(slide)  # a bar per score would only repeat the score column
    assert any(str(len(b.top_risks)) in text for text in slide_texts(slide))  # says the list is cut


@LANGS
def test_intermediary_slide_has_table_chart_and_base_rate(lang):
    b = make_briefing(lang)
    slide = deck(b).slides[5]
    assert any(s.has_table for s in slide.shapes)
    [chart] = charts(slide)
    values = [list(s.values) for s in chart.plots[0].series]
    assert values == [pytest.approx([0.4, 0.1]), pytest.approx([0.08, 0.08])]
    assert i18n.fmt_pct(0.4, lang) in table_cells(slide)
    assert any(i18n.fmt_pct(0.08, lang) in text for text in slide_texts(slide))
    # the axis in percent, as the table beside it, not in fractions
    ticks = chart.value_axis.tick_labels
    assert ticks.number_format == "0%" and not ticks.number_format_is_linked


@LANGS
def test_market_charts_plot_the_frame(lang):
    b = make_briefing(lang)
    slide = deck(b).slides[7]
    price, volume = charts(slide)
    assert list(price.plots[0].series[0].values) == pytest.approx(list(b.market.vwap_cny))
    divisor, unit = i18n.tonnes_unit(b.market.volume_t.max(), lang)
    assert list(volume.plots[0].series[0].values) == pytest.approx(list(b.market.volume_t / divisor))
    assert unit in volume.chart_title.text_frame.text
    assert any(i18n.fmt_tonnes(b.market.volume_t.sum(), lang) in text for text in slide_texts(slide))


@LANGS
def test_method_slide_lists_every_line(lang):
    b = make_briefing(lang)
    text = "\n".join(slide_texts(deck(b).slides[8]))
    assert all(line in text for line in b.method)


def test_chinese_deck_is_chinese_and_names_an_east_asian_font():
    prs = deck(make_briefing("zh"))
    assert all(CJK.search(s.shapes.title.text) for s in prs.slides)
    runs = [r for s in prs.slides for sh in s.shapes if sh.has_text_frame
            for p in sh.text_frame.paragraphs for r in p.runs]
    assert runs
    for r in runs:
        ea = r.font._rPr.find("{http://schemas.openxmlformats.org/drawingml/2006/main}ea")
        assert ea is not None and ea.get("typeface") == briefing.EA_FONT, r.text


@LANGS
@pytest.mark.parametrize("bare", [False, True], ids=["typed", "bare"])
def test_empty_frames_still_give_every_slide_with_a_no_data_note(lang, bare):
    prs = deck(empty_briefing(lang, bare))
    assert [s.shapes.title.text for s in prs.slides] == titles(lang)
    no_data = t("briefing.no_data", lang)
    for slide in list(prs.slides)[1:]:
        assert any(no_data in text for text in slide_texts(slide)), slide.shapes.title.text
        assert not charts(slide)


# --- the workbook ------------------------------------------------------------------------------

def _header_index(ws) -> dict[str, int]:
    return {c.value: c.column for c in ws[2] if c.value}


def _total_row(ws, lang):
    [row] = [r for r in ws.iter_rows(min_row=3) if r[0].value == t("briefing.total", lang)]
    return row


@LANGS
def test_workbook_has_the_sheets_in_order(lang):
    wb = workbook(make_briefing(lang))
    assert wb.sheetnames == [t(k, lang) for k in SHEET_KEYS]
    assert all(len(name) <= 31 and not re.search(r"[\[\]:*?/\\]", name) for name in wb.sheetnames)


@LANGS
def test_about_sheet_states_what_the_briefing_covers(lang):
    b = make_briefing(lang)
    values = [c.value for row in workbook(b)[t("briefing.sheet.about", lang)].iter_rows() for c in row]
    for text in (t("briefing.title", lang), b.scope_text, b.filters_text, b.data_as_of, b.summary, *b.method):
        assert text in values


@LANGS
def test_every_table_sheet_states_scope_and_filters_above_a_bold_frozen_header(lang):
    b = make_briefing(lang)
    wb = workbook(b)
    for ws in wb.worksheets[1:]:
        assert b.scope_text in ws["A1"].value and b.filters_text in ws["A1"].value
        assert ws["A2"].font.bold and ws.freeze_panes == "A3"
        assert ws.column_dimensions["A"].width >= 10


@LANGS
def test_province_totals_are_stored_sums(lang):
    b = make_briefing(lang)
    ws = workbook(b)[t("briefing.sheet.provinces", lang)]
    col = _header_index(ws)
    total = _total_row(ws, lang)
    assert total[col[t("briefing.col.emissions_t", lang)] - 1].value == pytest.approx(b.provinces.emissions_t.sum())
    assert total[col[t("briefing.col.enterprises", lang)] - 1].value == b.provinces.enterprises.sum()
    assert total[col[t("briefing.col.flagged_enterprises", lang)] - 1].value == b.provinces.flagged.sum()


@LANGS
def test_market_and_trend_totals_are_stored_sums(lang):
    b = make_briefing(lang)
    wb = workbook(b)
    ws = wb[t("briefing.sheet.market", lang)]
    col, total = _header_index(ws), _total_row(ws, lang)
    volume = total[col[t("briefing.col.volume_t", lang)] - 1].value
    turnover = total[col[t("briefing.col.turnover_cny", lang)] - 1].value
    assert volume == pytest.approx(b.market.volume_t.sum())
    assert turnover == pytest.approx(b.market.turnover_cny.sum())
    assert total[col[t("briefing.col.vwap", lang)] - 1].value == pytest.approx(turnover / volume)
    ws = wb[t("briefing.sheet.trend", lang)]
    col, total = _header_index(ws), _total_row(ws, lang)
    assert total[col[t("briefing.col.emissions_t", lang)] - 1].value == pytest.approx(b.trend.emissions_t.sum())


# The columns that hold numbers, by sheet (codes and IDs stay text: leading zeros matter).
NUMERIC = {
    "briefing.sheet.trend": ("year", "emissions_t", "flagged_enterprises"),
    "briefing.sheet.provinces": ("enterprises", "flagged_enterprises", "emissions_t"),
    "briefing.sheet.top_risks": ("rank", "risk_score", "emissions_t"),
    "briefing.sheet.intermediaries": ("clients", "flagged_clients", "flagged_share", "base_rate"),
    "briefing.sheet.market": ("vwap", "volume_t", "turnover_cny"),
}


@LANGS
def test_numbers_are_stored_as_numbers_with_formats(lang):
    b = make_briefing(lang)
    wb = workbook(b)
    for sheet, keys in NUMERIC.items():
        ws = wb[t(sheet, lang)]
        col = _header_index(ws)
        for key in keys:
            rows = [r for r in range(3, ws.max_row + 1) if ws.cell(r, 1).value != t("briefing.total", lang)]
            cells = [ws.cell(r, col[t(f"briefing.col.{key}", lang)]) for r in rows]
            assert cells and all(isinstance(c.value, (int, float)) for c in cells if c.value is not None), (sheet, key)
    ws = wb[t("briefing.sheet.top_risks", lang)]
    col = _header_index(ws)
    scores = [ws.cell(r, col[t("briefing.col.risk_score", lang)]).value for r in range(3, 3 + len(b.top_risks))]
    assert scores == pytest.approx(list(b.top_risks.risk_score))
    assert ws.cell(3, col[t("briefing.col.emissions_t", lang)]).number_format == "#,##0"
    ws = wb[t("briefing.sheet.headline", lang)]
    share = ws.cell(4, _header_index(ws)[t("briefing.col.value", lang)])
    assert share.value == pytest.approx(0.93) and "%" in share.number_format
    month = wb[t("briefing.sheet.market", lang)].cell(3, 1)
    assert isinstance(month.value, dt.datetime) and month.value.date() == dt.date(2025, 1, 1)


@LANGS
def test_headers_carry_their_units(lang):
    wb = workbook(make_briefing(lang))
    headers = set(_header_index(wb[t("briefing.sheet.provinces", lang)]))
    assert ("排放量（吨）" if lang == "zh" else "Emissions (t)") in headers


@LANGS
@pytest.mark.parametrize("bare", [False, True], ids=["typed", "bare"])
def test_empty_frames_give_a_workbook_with_no_data_notes(lang, bare):
    wb = workbook(empty_briefing(lang, bare))
    assert wb.sheetnames == [t(k, lang) for k in SHEET_KEYS]
    for ws in wb.worksheets[1:]:
        assert ws["A3"].value == t("briefing.no_data", lang)


def test_chinese_workbook_is_chinese():
    wb = workbook(make_briefing("zh"))
    assert all(CJK.search(name) for name in wb.sheetnames)
    ws = wb[t("briefing.sheet.provinces", "zh")]
    assert all(CJK.search(h) for h in _header_index(ws))


def test_file_stem_is_dated():
    assert briefing.file_stem(make_briefing("en")) == "carbonwatch-briefing-2026-11-24"


# --- accountability: how the cases are handled -----------------------------------------------------

def _accountability_slide(prs, lang):
    [slide] = [s for s in prs.slides if s.shapes.title.text == t("accountability.slide", lang)]
    return slide


@LANGS
def test_the_accountability_slide_has_the_figures_a_table_of_provinces_and_the_sentence(lang):
    from core.words import accountability as words

    b = make_briefing(lang)
    slide = _accountability_slide(deck(b), lang)
    figures, provinces = [s.table for s in slide.shapes if s.has_table]
    shown = {figures.cell(i, 0).text: figures.cell(i, 1).text for i in range(1, len(figures.rows))}
    assert list(shown) == [t(f"accountability.metric.{k}", lang) for k in words.METRICS]
    assert shown[t("accountability.metric.open", lang)] == "5"
    assert shown[t("accountability.metric.overdue", lang)] == "3"
    assert shown[t("accountability.metric.median_days", lang)] == words.fmt_days(10, lang)  # over the 7 cases
    assert shown[t("accountability.metric.rectification_share", lang)] == i18n.fmt_pct(2 / 3, lang, digits=0)
    assert shown[t("accountability.metric.fines_cny", lang)] == i18n.fmt_cny(9_970_000, lang)
    assert shown[t("accountability.metric.agencies_open", lang)] == "1"
    # a row per province: open, overdue, confirmed, dismissed, median days, rectification %, fines
    header = [provinces.cell(0, j).text for j in range(len(provinces.columns))]
    assert header[0] == t("accountability.col.province", lang) and len(header) == 8
    for j, text in enumerate(header):  # no header breaks inside a word (a Chinese one may wrap anywhere)
        width = briefing._cell_width(Emu(provinces.columns[j].width).inches)
        assert lang == "zh" or all(briefing._ems(w) * 10 / 72 <= width for w in text.split()), text
    rows = [[provinces.cell(i, j).text for j in range(8)] for i in range(1, len(provinces.rows))]
    jiangsu = "江苏省" if lang == "zh" else "Jiangsu"
    assert [r[0] for r in rows] == [jiangsu, "山东省" if lang == "zh" else "Shandong", t("case.national_office", lang)]
    assert rows[0][1:] == ["3", "2", "2", "1", words.fmt_days(3, lang), i18n.fmt_pct(0.5, lang, digits=0),
                           i18n.fmt_cny(9_720_000, lang)]
    assert rows[2][6] == i18n.MISSING  # no rectification ordered: no share, not 0 %
    if lang == "zh":
        assert rows[0][7] == "972.0万元" and shown[t("accountability.metric.fines_cny", lang)] == "997.0万元"
    text = "\n".join(slide_texts(slide))
    assert b.accountability_summary in text and ("山东省" if lang == "zh" else "Shandong") in b.accountability_summary
    assert b.scope_text in text and b.filters_text in text  # the footer, as on every slide


@LANGS
def test_the_accountability_slide_shows_ten_provinces_and_says_the_workbook_has_all(lang):
    per, days = store_accountability(12)
    b = dataclasses.replace(make_briefing(lang), **briefing.accountability_fields(per, days, lang))
    slide = _accountability_slide(deck(b), lang)
    [_, provinces] = [s.table for s in slide.shapes if s.has_table]
    assert len(provinces.rows) == 1 + briefing.TOP_ROWS
    assert t("briefing.shown", lang, shown=briefing.TOP_ROWS, total=12) in "\n".join(slide_texts(slide))
    ws = workbook(b)[t("accountability.sheet", lang)]
    codes = [r[0] for r in ws.iter_rows(min_row=3, values_only=True) if r[0] != t("briefing.total", lang)]
    assert codes == list(per["province_code"])  # every province in the workbook


@LANGS
def test_the_accountability_sheet_lists_every_province_with_stored_totals(lang):
    b = make_briefing(lang)
    ws = workbook(b)[t("accountability.sheet", lang)]
    col = _header_index(ws)
    rows = [r for r in ws.iter_rows(min_row=3, values_only=True) if r[0] != t("briefing.total", lang)]
    assert [r[0] for r in rows] == ["32", "37", "00"]  # codes stay text
    assert rows[2][col[t("accountability.col.province", lang)] - 1] == t("case.national_office", lang)
    fines = col[t("accountability.xcol.fines_cny", lang)]
    assert [r[fines - 1] for r in rows] == [9_720_000, 250_000, 0]  # yuan, stored as numbers
    assert ws.cell(3, fines).number_format == "#,##0"
    share = col[t("accountability.xcol.rectification_share", lang)]
    assert rows[0][share - 1] == 0.5 and rows[2][share - 1] is None and "%" in ws.cell(3, share).number_format
    total = _total_row(ws, lang)
    assert total[col[t("accountability.col.open", lang)] - 1].value == 5
    assert total[col[t("accountability.col.overdue", lang)] - 1].value == 3
    assert total[fines - 1].value == 9_970_000
    assert total[col[t("accountability.xcol.allowance_adjustment_t", lang)] - 1].value == -229_477
    # the view's median over its cases (10 days), not a sum or a median of the provinces' medians (5)
    assert total[col[t("accountability.xcol.median_days", lang)] - 1].value == 10
    assert total[share - 1].value == pytest.approx(2 / 3)
    assert b.scope_text in ws["A1"].value and b.filters_text in ws["A1"].value


def test_without_cases_the_slide_and_the_sheet_say_so():
    b = dataclasses.replace(make_briefing("zh"), **{k: pd.DataFrame() for k in ("accountability", "accountability_figures")},
                            accountability_summary="")
    slide = _accountability_slide(deck(b), "zh")
    text = "\n".join(slide_texts(slide))
    assert t("briefing.no_data", "zh") in text and t("accountability.none", "zh") in text
    assert not any(s.has_table for s in slide.shapes)
    assert workbook(b)[t("accountability.sheet", "zh")]["A3"].value == t("briefing.no_data", "zh")
    assert briefing.accountability_fields(pd.DataFrame(), None, "zh") == {}
