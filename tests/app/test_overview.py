"""The Overview as leadership sees it: summary, headline figures, tile map, top risks,
intermediaries, market; drill-down by clicking; filtered links; the exported briefing matches
the screen."""
from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from pptx import Presentation
from streamlit.testing.v1 import AppTest

from core.contract.roles import User
from core.export import briefing
from core.insight import accountability as accountability_insight
from core.store import cases, catalog, db, surveillance
from core.words import accountability as accountability_words
from core.insight import agencies as agency_insight
from core.insight import runs
from core.words import i18n
from core.contract.access import Scope
from core.contract.filters import Filters
from core.words.filters import describe
from tests.app import apptest
from core.words import headline as headline_words



def open_overview(query: dict[str, str] | None = None) -> AppTest:
    return apptest.open_page("app.py", **(query or {}))


def frames(path: Path, flt: Filters, lang: str) -> dict:
    """What the page queries, straight from core.store with the same filters."""
    con = db.connect(path)
    try:
        f = flt.with_run(runs.latest_assessment(con).run_id)
        n = Scope.national()
        out = {name: catalog.SCOPED[name](con, n, f) for name in (
            "emissions_by_year", "risk_by_year", "measured_share_by_year", "deposit_timeliness_by_year",
            "enterprise_risk", "risk_by_province", "national_headline")}
        out["market_by_month"] = surveillance.market_by_month(con, f)
        out["agencies"] = agency_insight.leading(agency_insight.profile(con, n, f))  # as the Overview ranks them
        return out
    finally:
        con.close()


def headline_metrics(at: AppTest) -> list:
    """The headline figures: every metric outside the accountability section."""
    try:
        section = {id(m) for m in at.get_by_key("accountability").metric}
    except KeyError:
        section = set()
    return [m for m in at.metric if id(m) not in section]


def keyed(at: AppTest, prefix: str) -> str:
    """The widget key of a selectable chart or table (keys carry a hash of the view)."""
    return next(k for k in at.session_state if k.startswith(prefix + "-"))


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_overview_shows_the_briefing(app_db, lang):
    at = open_overview({"lang": lang})
    assert not at.exception, at.exception
    f = frames(app_db, Filters(), lang)
    head = headline_words.headline(f["emissions_by_year"], f["risk_by_year"], f["measured_share_by_year"],
                                     f["deposit_timeliness_by_year"], f["market_by_month"], lang)
    metrics = headline_metrics(at)
    assert [m.label for m in metrics] == head["label"].tolist()
    assert [m.value for m in metrics] == [headline_words.fmt_value(r.value, r.kind, lang) for r in head.itertuples()]
    summary = at.get("markdown")[0].value
    assert i18n.t("overview.summary", lang) in summary
    flagged = f["enterprise_risk"]["band"].isin(["critical", "high"]).sum()
    assert i18n.fmt_int(flagged, lang) in summary
    # the ten highest-risk enterprises, in order, with their main reason
    top = f["enterprise_risk"].dropna(subset=["risk_score"]).head(10)
    shown = at.dataframe[0].value
    assert shown[i18n.t("col.enterprise", lang)].tolist() == top["name"].tolist()
    assert shown[i18n.t("col.main_reason", lang)].iloc[0] == headline_words.main_reason(top["reasons"].iloc[0], lang)
    assert len(at.get("vega_lite_chart")) >= 5  # tile map, emissions, risk trend, measured share, market
    assert len(at.get("download_button")) == 2


def test_a_filtered_link_reproduces_the_same_table(app_db):
    base = frames(app_db, Filters(), "en")["enterprise_risk"]
    province = base[base["band"].isin(["critical", "high"])]["province_code"].iloc[0]
    query = {"lang": "en", "prov": province, "from": "2021-01", "to": "2025-12"}
    flt, _ = Filters.parse(query)
    expected = frames(app_db, flt, "en")["enterprise_risk"].dropna(subset=["risk_score"]).head(10)
    first = open_overview(query)
    again = open_overview(query)  # a fresh session from the same link
    for at in (first, again):
        assert not at.exception
        assert at.dataframe[0].value[i18n.t("col.enterprise", "en")].tolist() == expected["name"].tolist()
    # the filters show in the sidebar, and every navigation link carries them
    links = list(at.get("page_link"))
    assert all(f"prov={province}" in link.proto.query_string for link in links)


def test_invalid_filter_values_are_reported_not_fatal(app_db):
    at = open_overview({"lang": "en", "prov": "99", "band": "x'); DROP TABLE trades; --", "from": "2023-13"})
    assert not at.exception
    warnings = " ".join(w.value for w in at.main.warning)  # in the page, under the title
    assert "`prov=99`" in warnings and "`from=2023-13`" in warnings and "`band=x'); DROP TABLE" in warnings
    assert len(at.dataframe[0].value) == 10  # nothing was applied, nothing was dropped


def test_an_unknown_group_is_named_as_ignored_on_the_page_and_the_view_is_not_emptied(app_db):
    at = open_overview({"lang": "en", "grp": 'Shandong\'s "Group"'})
    assert not at.exception
    warnings = " ".join(w.value for w in at.main.warning)
    assert "grp=Shandong's \"Group\"" in warnings and "not in the data" in warnings
    assert len(at.dataframe[0].value) == 10  # the unknown group was dropped, not applied as "no rows"
    assert not at.session_state["flt_groups"]


def test_a_province_filter_names_the_province_in_the_title(app_db):
    at = open_overview({"lang": "zh", "prov": "32"})
    assert at.title[0].value == "江苏省碳市场概览"


def test_clicking_a_tile_opens_the_province(app_db):
    at = open_overview({"lang": "zh"})
    at.session_state[keyed(at, "tiles")] = {"selection": {"tile": [{"province_code": "37"}]}}
    at.run()
    assert not at.exception, at.exception
    assert at.query_params.get("province") in ("37", ["37"])
    assert at.title[0].value == i18n.t("province.title", "zh")


def test_selecting_a_top_risk_opens_its_dossier(app_db):
    at = open_overview({"lang": "en", "band": "critical"})
    top = frames(app_db, Filters(bands=("critical",)), "en")["enterprise_risk"].iloc[0]
    at.session_state[keyed(at, "top")] = {"selection": {"rows": [0], "columns": []}}
    at.run()
    assert not at.exception, at.exception
    assert at.query_params.get("enterprise") in (top["enterprise_id"], [top["enterprise_id"]])
    assert at.query_params.get("band") in ("critical", ["critical"])  # the filters travel with the drill-down
    assert at.title[0].value == i18n.t("enterprise.title", "en")


def test_selecting_an_intermediary_opens_its_profile(app_db):
    at = open_overview({"lang": "en", "from": "2021-01"})
    agencies = frames(app_db, Filters(period_from=dt.date(2021, 1, 1)), "en")["agencies"]
    first = agencies.iloc[0]
    at.session_state[keyed(at, "agencies")] = {"selection": {"rows": [0], "columns": []}}
    at.run()
    assert not at.exception, at.exception
    assert at.query_params.get("agency") in (first["agency_id"], [first["agency_id"]])
    assert at.query_params.get("from") in ("2021-01", ["2021-01"])  # the filters travel with the drill-down
    assert at.title[0].value == i18n.t("agencies.title", "en")


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_exported_briefing_matches_the_screen(app_db, lang):
    at = open_overview({"lang": lang})
    f = frames(app_db, Filters(), lang)
    head = headline_words.headline(f["emissions_by_year"], f["risk_by_year"], f["measured_share_by_year"],
                                     f["deposit_timeliness_by_year"], f["market_by_month"], lang)
    b = briefing.assemble(
        lang=lang, generated_at=dt.datetime(2026, 11, 24, 9, 0), as_of=f["national_headline"]["last_period"].iloc[0],
        scope_text=i18n.t("scope.national", lang), filters_text=describe(Filters(), lang), figures=head,
        years=f["emissions_by_year"], risk_years=f["risk_by_year"], enterprises=f["enterprise_risk"],
        provinces=f["risk_by_province"], agencies=f["agencies"], market=f["market_by_month"])
    deck = Presentation(io.BytesIO(briefing.to_pptx(b)))
    assert 6 <= len(deck.slides) <= 9
    texts = ["\n".join(s.text_frame.text for s in slide.shapes if s.has_text_frame) for slide in deck.slides]
    assert all(i18n.t("scope.national", lang) in text for text in texts)
    book = openpyxl.load_workbook(io.BytesIO(briefing.to_xlsx(b)))
    sheets = {ws.title: ws for ws in book.worksheets}
    assert len(sheets) == 8
    # the screen's figures: the coverage caption's enterprise count, the top-10 table, the headline
    screen_top = at.dataframe[0].value
    top_sheet = list(book.worksheets)[4]
    names = [row[2] for row in top_sheet.iter_rows(min_row=3, values_only=True) if row[0] is not None]
    assert names == screen_top[i18n.t("col.enterprise", lang)].tolist()
    province_sheet = list(book.worksheets)[3]
    rows = list(province_sheet.iter_rows(min_row=3, values_only=True))
    header = list(next(province_sheet.iter_rows(min_row=2, max_row=2, values_only=True)))
    total = rows[-1]
    enterprises_col = next(i for i, h in enumerate(header) if h and ("nterprises" in h or "企业数" in h))
    assert total[enterprises_col] == int(f["national_headline"]["enterprises"].iloc[0])
    assert i18n.fmt_int(total[enterprises_col], lang) in at.caption[0].value or \
        any(i18n.fmt_int(total[enterprises_col], lang) in c.value for c in at.caption)
    headline_sheet = list(book.worksheets)[1]
    values = [row[1] for row in headline_sheet.iter_rows(min_row=3, values_only=True) if row[0] is not None]
    assert [headline_words.fmt_value(v, k, lang) for v, k in zip(values, head["kind"])] == \
        [m.value for m in headline_metrics(at)]


def test_a_rerun_takes_the_summary_and_the_figures_from_the_cache(app_db, monkeypatch):
    """What the page derives from query results alone (Page.derive) is computed once per view."""
    import functools

    from core.ui import cache

    calls = {"summary": 0, "headline": 0}

    def counted(name):
        original = getattr(headline_words, name)

        @functools.wraps(original)
        def wrapper(*args, **kwargs):
            calls[name] += 1
            return original(*args, **kwargs)
        return wrapper

    for name in calls:
        monkeypatch.setattr(headline_words, name, counted(name))
    cache.clear()
    at = open_overview({"lang": "en"})
    assert not at.exception, at.exception
    summary = at.get("markdown")[0].value if at.get("markdown") else None
    at.run()
    assert not at.exception, at.exception
    assert calls == {"summary": 1, "headline": 1}
    assert (at.get("markdown")[0].value if at.get("markdown") else None) == summary
    open_overview({"lang": "zh"})  # another language is another view
    assert calls == {"summary": 2, "headline": 2}


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_one_ranking_of_intermediaries_on_the_overview_its_summary_and_the_intermediaries_page(app_db, lang):
    """The Overview ranks intermediaries by the Intermediaries page's evidence score (not by a count of
    flagged clients), names the first in its summary, and the deck has the same rows."""
    at = open_overview({"lang": lang})
    f = frames(app_db, Filters(), lang)
    leading = f["agencies"]
    assert len(leading) and (leading["score"] > 0).all() and leading["score"].is_monotonic_decreasing
    shown = next(d.value for d in at.dataframe if i18n.t("col.agency_score", lang) in d.value.columns)
    assert list(shown[i18n.t("col.agency", lang)]) == list(leading["name"].fillna(leading["agency_id"]))
    assert list(shown[i18n.t("col.agency_score", lang)]) == list(leading["score"])
    # the Intermediaries page gives each of them the same score, first-ranked within its kind or below
    con = db.connect(app_db)
    try:
        profile = agency_insight.profile(con, Scope.national(), Filters().with_run(runs.latest_assessment(con).run_id))
    finally:
        con.close()
    for _, row in leading.iterrows():
        same = profile[(profile["kind"] == row["kind"]) & (profile["agency_id"] == row["agency_id"])]
        assert same["score"].iloc[0] == row["score"]
    first = leading.iloc[0]
    summary = next(m.value for m in at.markdown if m.value.startswith(f"**{i18n.t('overview.summary', lang)}**"))
    assert str(first["name"]) in summary



# --- time and partial periods (issue 14) ---------------------------------------------------------

@pytest.mark.parametrize("lang", i18n.LANGS)
def test_a_partial_year_in_view_names_its_months_and_keeps_a_comparison(app_db, lang):
    """/?from=2025-06 on reports to December 2025: "Emissions 2025 (Jun – Dec)", compared with June to
    December 2024 (in the data, though not in the view), never a bare "Emissions 2025" with no change."""
    query = {"lang": lang, "from": "2025-06"}
    flt, _ = Filters.parse(query)
    years = frames(app_db, flt, lang)["emissions_by_year"]
    assert list(years["year"]) == [2025] and years["months"].iloc[0] == 7  # the demo reports to Dec 2025
    at = open_overview(query)
    assert not at.exception, at.exception
    jun, dec = pd.Timestamp("2025-06-01"), pd.Timestamp("2025-12-01")
    label = i18n.t("headline.emissions", lang, period=i18n.fmt_year_period(2025, lang, 7, jun, dec))
    assert label == ("Emissions 2025 (Jun\u2009–\u2009Dec)" if lang == "en" else "2025年6–12月排放量")
    [metric] = [m for m in at.metric if m.label == label]
    assert metric.delta  # a change, against the same months a year earlier
    earlier = i18n.fmt_year_period(2024, lang, 7, jun - pd.DateOffset(years=1), dec - pd.DateOffset(years=1))
    assert metric.proto.delta_description == i18n.t("headline.vs_year", lang, period=earlier)
    # the yearly emissions chart marks the year as partial
    coverage = i18n.fmt_coverage(7, jun, dec, lang).encode()
    marked = [c for c in at.get("vega_lite_chart") if any(b"2025*" in d.data.data and coverage in d.data.data
                                                          for d in c.proto.datasets)]
    assert len(marked) == 2  # emissions and measured share (the risk counts are scored on all of 2025)


def test_the_exported_briefing_is_generated_in_beijing_time(app_db):
    """The Overview's export stamps its files with Beijing's time and date, whatever this machine keeps."""
    from core.store import db as store_db
    from core.ui import export
    from core.ui.page import Page

    con = store_db.connect(app_db)
    try:
        f = Filters().with_run(runs.latest_assessment(con).run_id)
        page = Page("en", Scope.national(), con, str(app_db), store_db.data_version(con), f)
        fr = frames(app_db, Filters(), "en")
        head = headline_words.headline(fr["emissions_by_year"], fr["risk_by_year"], fr["measured_share_by_year"],
                                         fr["deposit_timeliness_by_year"], fr["market_by_month"], "en")
        b = export.build(page, {"figures": head, "years": fr["emissions_by_year"], "risk_years": fr["risk_by_year"],
                                "enterprises": fr["enterprise_risk"], "provinces": fr["risk_by_province"],
                                "agencies": fr["agencies"], "market": fr["market_by_month"]})
    finally:
        con.close()
    now = i18n.now_beijing()
    assert b.generated_at.utcoffset() == dt.timedelta(hours=8)
    assert abs(b.generated_at - now) < dt.timedelta(minutes=2)
    about = [c.value for row in openpyxl.load_workbook(io.BytesIO(briefing.to_xlsx(b))).worksheets[0].iter_rows()
             for c in row]
    assert any(isinstance(v, str) and v.endswith("(Beijing time)") for v in about)
    assert briefing.file_stem(b).endswith(now.date().isoformat())


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_the_overview_opens_with_what_changed_and_three_actions_each_a_link(app_db, lang):
    """The demo holds one assessment, so the baseline is the year before; the lines and the actions
    are those core.insight.changes derives from the store's rows, and each action opens its target."""
    from core.insight import changes as change_insight
    from core.store import changes as change_store
    from core.words import changes as change_words

    at = open_overview({"lang": lang})
    assert not at.exception, at.exception
    con = db.connect(app_db)
    try:
        f = Filters().with_run(runs.latest_assessment(con).run_id)
        r = change_store.risk_changes(con, Scope.national(), f)
        leading = agency_insight.leading(agency_insight.profile(con, Scope.national(), f))
    finally:
        con.close()
    y = int(r["year_now"].max())
    c = change_insight.compare(r, basis="year", now=str(y), before=str(y - 1), agencies=leading)
    assert len(c.new) and len(c.actions) == 3
    shown = "\n".join(m.value for m in at.markdown)
    for line in change_words.lines(c, lang):
        assert i18n.md_literal(line) in shown
    for text in change_words.actions(c, lang):
        assert i18n.md_literal(text) in shown
    opens = [link for link in at.get("page_link") if link.proto.label == i18n.t("changes.open", lang)]
    assert len(opens) == 3
    assert f"enterprise={c.actions[0]['enterprise_id']}" in opens[0].proto.query_string
    assert f"agency={c.actions[1]['agency_id']}" in opens[1].proto.query_string


# --- accountability: how the cases are handled ------------------------------------------------------

ADMIN = User("li.admin", "national_admin", None, "local")


@pytest.fixture
def case_db(app_db, private_copy, monkeypatch) -> Path:
    """A private copy of the app's database (the demo's case history in it), for tests that change
    cases: the session's copy stays as every other test expects it."""
    path = private_copy(app_db, "overview_cases")
    monkeypatch.setenv(db.ENV_VAR, str(path))
    return path


def accountability_now(path: Path, scope: Scope = Scope.national(), flt: Filters = Filters()):
    """core.store.cases.accountability and decision_days as the Overview asks for them, at the case version."""
    con = db.connect(path)
    try:
        at = cases.version(con)
        return cases.accountability(con, scope, flt, at=at), cases.decision_days(con, scope, flt, at=at)
    finally:
        con.close()


def confirm_an_undecided_case(path: Path) -> str:
    """Confirm one case that has no decision yet (taking it under review first if it is new)."""
    con = db.connect(path)
    try:
        rows = cases.case_list(con, Scope.national(), Filters())
        undecided = rows[rows["decision"].isna() & rows["state"].isin(["new", "under_review"])]
        row = undecided.sort_values("state", ascending=False).iloc[0]  # under review first
        version = int(row["version"])
        if row["state"] == "new":
            version = cases.change(con, ADMIN, row["case_id"], version, "take")
        cases.change(con, ADMIN, row["case_id"], version, "confirm",
                     {"finding": "carbon content shaded down", "pattern": "carbon_shading"})
        return row["province_code"]
    finally:
        con.close()


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_the_overview_shows_the_accountability_picture_and_it_moves_when_a_case_is_confirmed(case_db, lang):
    at = open_overview({"lang": lang})
    assert not at.exception, at.exception
    per, days = accountability_now(case_db)
    assert len(per) and per["cases"].sum() > 0  # the demo's case history
    section = at.get_by_key("accountability")
    assert section.get("subheader")[0].value == i18n.t("accountability.title", lang)
    expected = accountability_words.metrics(accountability_insight.figures(per, days), lang)
    assert [(m.label, m.value) for m in section.metric] == [(m.label, m.text) for m in expected]
    assert [m.key for m in expected][:2] == ["open", "overdue"] and len(section.metric) == 9
    assert any(m.proto.help for m in section.metric)  # each with its help
    # the sentence names the slowest province and the overdue count
    sentence = accountability_words.sentence(accountability_insight.figures(per, days), lang)
    assert sentence in [m.value for m in section.markdown]
    # a row per province, in the query's order, with its numbers
    [table] = section.dataframe
    shown = table.value
    col = lambda k, **kw: i18n.t(f"accountability.col.{k}", lang, **kw)  # noqa: E731
    assert shown[col("province")].tolist() == per[f"name_{lang}"].fillna(i18n.t("case.national_office", lang)).tolist()
    for k in ("cases", "open", "overdue", "confirmed", "dismissed"):
        assert shown[col(k)].tolist() == per[k].tolist(), k
    assert shown[col("median_days")].tolist() == pytest.approx(per["median_days_to_decision"].tolist(), nan_ok=True)
    # the exported briefing has the same picture: every province row in the workbook, the figures on the slide
    f = frames(case_db, Filters(), lang)
    head = headline_words.headline(f["emissions_by_year"], f["risk_by_year"], f["measured_share_by_year"],
                                   f["deposit_timeliness_by_year"], f["market_by_month"], lang)
    b = briefing.assemble(
        lang=lang, generated_at=dt.datetime(2026, 11, 24, 9, 0), as_of=f["national_headline"]["last_period"].iloc[0],
        scope_text=i18n.t("scope.national", lang), filters_text=describe(Filters(), lang), figures=head,
        years=f["emissions_by_year"], risk_years=f["risk_by_year"], enterprises=f["enterprise_risk"],
        provinces=f["risk_by_province"], agencies=f["agencies"], market=f["market_by_month"],
        accountability=per, decision_days=days)
    sheet = openpyxl.load_workbook(io.BytesIO(briefing.to_xlsx(b)))[i18n.t("accountability.sheet", lang)]
    names = [r[1] for r in sheet.iter_rows(min_row=3, values_only=True) if r[0] != i18n.t("briefing.total", lang)]
    assert names == shown[col("province")].tolist()
    [slide] = [s for s in Presentation(io.BytesIO(briefing.to_pptx(b))).slides
               if s.shapes.title.text == i18n.t("accountability.slide", lang)]
    cells = [c.text for sh in slide.shapes if sh.has_table for r in sh.table.rows for c in r.cells]
    assert all(m.value in cells for m in section.metric)
    confirmed_label = i18n.t("accountability.metric.confirmed", lang)
    before = next(m.value for m in section.metric if m.label == confirmed_label)
    assert before == i18n.fmt_int(per["confirmed"].sum(), lang)

    province = confirm_an_undecided_case(case_db)
    at.run()  # the same session: the case version moved, so the section reads the cases again
    assert not at.exception, at.exception
    section = at.get_by_key("accountability")
    after = next(m.value for m in section.metric if m.label == confirmed_label)
    assert after == i18n.fmt_int(per["confirmed"].sum() + 1, lang)
    per_after, _ = accountability_now(case_db)
    row = per_after.index[per_after["province_code"] == province][0]
    assert section.dataframe[0].value[col("confirmed")].iloc[row] == per_after.loc[row, "confirmed"]
    assert per_after.loc[row, "confirmed"] == per.set_index("province_code").loc[province, "confirmed"] + 1


@pytest.mark.skipif(not (apptest.ROOT / "pages" / "10_Cases.py").exists(), reason="the Cases page is not there yet")
def test_clicking_a_province_of_the_accountability_table_opens_its_cases(app_db):
    at = open_overview({"lang": "en"})
    per, _ = accountability_now(app_db)
    at.session_state[keyed(at, "accountability")] = {"selection": {"rows": [0], "columns": []}}
    at.run()
    assert not at.exception, at.exception
    assert at.query_params.get("prov") in (per["province_code"].iloc[0], [per["province_code"].iloc[0]])
    assert at.query_params.get("queue") in ("open", ["open"])  # the province's open queue
    assert at.title[0].value.startswith(i18n.t("cases.title", "en"))


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_without_cases_the_accountability_section_is_one_caption(demo_db, monkeypatch, lang):
    """The demo without its case history (and without an assessment): no figures of nothing."""
    monkeypatch.setenv(db.ENV_VAR, str(demo_db))
    monkeypatch.delenv("CARBONWATCH_SCOPE", raising=False)
    assert accountability_now(demo_db)[0].empty
    at = open_overview({"lang": lang})
    assert not at.exception, at.exception
    section = at.get_by_key("accountability")
    assert [c.value for c in section.caption] == [i18n.t("accountability.none", lang)]
    assert not section.metric and not section.dataframe and not section.markdown
