"""The Province page (AppTest): deep links with and without filters reproduce the named query,
untrusted ?province= values are refused with a warning, the access scope holds, and a table row or
a heatmap cell opens the enterprise's dossier."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from core.store import db, loads, risk_views
from core.words import i18n
from core.insight import runs
from core.contract.access import Scope
from core.contract.filters import Filters
from core.ui import province
from tests.app import apptest

PROVINCE = "pages/3_Province.py"


def deep_link(lang: str = "en", **params) -> AppTest:
    """A fresh session whose first request is /Province?… (no run of app.py before it)."""
    return apptest.deep_link(PROVINCE, lang=lang, **params)


@pytest.fixture(scope="module")
def facts(assessed_demo_db):
    """The assessment run, and the province with the most enterprises and one other."""
    con = db.connect(assessed_demo_db)
    try:
        run_id = runs.latest_assessment(con).run_id
        by_province = risk_views.risk_by_province(con, Scope.national(), Filters().with_run(run_id))
    finally:
        con.close()
    ranked = by_province[by_province["enterprises"] > 0].sort_values(["enterprises", "province_code"],
                                                                       ascending=[False, True])
    return {"run_id": run_id, "code": ranked["province_code"].iloc[0], "other": ranked["province_code"].iloc[1],
            "by_province": by_province}


def expected(db_path, code: str, flt: Filters) -> pd.DataFrame:
    con = db.connect(db_path)
    try:
        return risk_views.enterprise_risk(con, Scope.of([code]), flt)
    finally:
        con.close()


def table(at: AppTest) -> pd.DataFrame:
    (df,) = at.dataframe  # the one table on the page
    return df.value


def ids(at: AppTest, lang: str) -> list[str]:
    return table(at)[i18n.t("col.enterprise_id", lang)].tolist()


def assert_clean(at: AppTest) -> None:
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]


# --- deep links ---------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", i18n.LANGS)
def test_deep_link_lists_exactly_the_provinces_enterprises(app_db, facts, lang):
    code = facts["code"]
    at = deep_link(lang, province=code)
    assert_clean(at)
    assert not at.warning, [w.value for w in at.warning]
    want = expected(app_db, code, Filters().with_run(facts["run_id"]))
    assert ids(at, lang) == want["enterprise_id"].tolist()  # the same rows, highest risk first
    name = db_name(code, lang)
    assert [h.value for h in at.header] == [i18n.t("province.heading", lang, name=name, code=code)]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[i18n.t("province.metric.enterprises", lang)] == i18n.fmt_int(len(want), lang)
    flagged = int(want["band"].isin(["critical", "high"]).sum())
    assert metrics[i18n.t("province.metric.flagged", lang)] == i18n.fmt_int(flagged, lang)
    assert metrics[i18n.t("province.metric.emissions", lang)] == i18n.fmt_tonnes(want["emissions_t"].sum(), lang)
    # the histogram and the heatmap, each with its source underneath
    assert len(at.get("vega_lite_chart")) + len(at.get("arrow_vega_lite_chart")) == 2
    captions = " ".join(c.value for c in at.caption)
    assert facts["run_id"] in captions
    # the table is in the page's language; a row click opens the dossier (no link column, new tab)
    df = table(at)
    assert i18n.t("province.col.reason", lang) in df.columns
    units = ["万吨"] if lang == "zh" else ["kt", "Mt"]  # one unit per column, named in its header
    assert len({i18n.t("province.col.emissions", lang, unit=u) for u in units} & set(df.columns)) == 1
    assert df[i18n.t("col.enterprise_id", lang)].tolist() == want["enterprise_id"].tolist()
    assert not any(isinstance(v, str) and v.startswith("/Enterprise?") for v in df.to_numpy().ravel())
    assert set(df[i18n.t("col.band", lang)].dropna()) <= {tables_band(b, lang) for b in ("critical", "high", "medium",
                                                                                          "low")} | {i18n.MISSING}


def db_name(code: str, lang: str) -> str:
    from core.contract import access

    return access.province_names()[code][lang]


def tables_band(band: str, lang: str) -> str:
    from core.ui import tables

    return tables.band_label(band, lang)


@pytest.mark.parametrize("query", [{"band": "critical,high"}, {"from": "2023-01", "to": "2023-12"},
                                   {"band": "medium", "from": "2022-06"}])
def test_a_filtered_link_reproduces_the_query_with_the_same_filters(app_db, facts, query):
    code = facts["code"]
    at = deep_link("zh", province=code, **query)
    assert_clean(at)
    flt, problems = Filters.parse(query)
    assert not problems
    want = expected(app_db, code, flt.with_run(facts["run_id"]))
    assert ids(at, "zh") == want["enterprise_id"].tolist()
    if "band" in query:
        assert len(want) < len(expected(app_db, code, Filters().with_run(facts["run_id"])))
    # the filters survive into the drill-down a row click makes
    key = province.view_key("province_table", code, flt.with_run(facts["run_id"]), "", ())
    at.session_state[key] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    linked = {k: (v[0] if isinstance(v, list) else v) for k, v in at.query_params.items()}
    assert linked.get("enterprise") == want["enterprise_id"].iloc[0]
    assert {k: linked.get(k) for k in query} == query and linked["lang"] == "zh"


@pytest.mark.parametrize("lang", i18n.LANGS)
@pytest.mark.parametrize("bad", ["99", "x'; DROP TABLE enterprises--", "3", "370000", "３７"])
def test_an_invalid_province_is_named_in_a_warning(app_db, bad, lang):
    before = _counts(app_db)
    at = deep_link(lang, province=bad)
    assert_clean(at)
    (warning,) = at.warning
    assert "37" in warning.value  # says what a valid code looks like
    if bad.isascii() and bad.isalnum():
        assert f"“{bad}”" in warning.value
    assert not at.dataframe and not at.metric
    assert at.selectbox[0].value is None  # the picker offers the valid provinces instead
    assert _counts(app_db) == before


def _counts(path) -> dict:
    con = db.connect(path)
    try:
        return dict(loads.table_counts(con, Scope.national())[["table", "rows"]].itertuples(index=False))
    finally:
        con.close()


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_a_province_outside_the_scope_is_refused(app_db, facts, monkeypatch, lang):
    monkeypatch.setenv("CARBONWATCH_SCOPE", facts["other"])
    at = deep_link(lang, province=facts["code"])
    assert_clean(at)
    (warning,) = at.warning
    assert facts["code"] in warning.value and db_name(facts["code"], lang) in warning.value
    assert not at.dataframe and not at.metric
    assert at.selectbox[0].options == [i18n.t("province.pick.option", lang, name=db_name(facts["other"], lang),
                                              flagged=_flagged(facts, facts["other"]),
                                              enterprises=_enterprises(facts, facts["other"]))]
    # its own province opens
    at = deep_link(lang, province=facts["other"])
    assert_clean(at)
    assert not at.warning and len(at.dataframe) == 1


def _row(facts, code):
    bp = facts["by_province"]
    return bp[bp["province_code"] == code].iloc[0]


def _flagged(facts, code) -> str:
    return i18n.fmt_int(_row(facts, code)["flagged"], "en")


def _enterprises(facts, code) -> str:
    return i18n.fmt_int(_row(facts, code)["enterprises"], "en")


# --- the picker, the page's own search and bands ----------------------------------------------------

@pytest.mark.parametrize("lang", i18n.LANGS)
def test_without_a_province_the_picker_orders_by_risk_and_sets_the_url(app_db, facts, lang):
    at = deep_link(lang)
    assert_clean(at)
    assert not at.warning and not at.dataframe
    assert [i.value for i in at.info] == [i18n.t("province.choose", lang)]
    picker = at.selectbox[0]
    in_scope = province.ranked_provinces(facts["by_province"])
    assert len(picker.options) == len(in_scope)
    flagged = in_scope["flagged"].tolist()
    assert flagged == sorted(flagged, reverse=True)
    picker.set_value(facts["code"]).run()
    assert_clean(at)
    assert at.query_params["province"] == [facts["code"]] or at.query_params["province"] == facts["code"]
    assert len(at.dataframe) == 1


def test_search_and_band_pills_narrow_the_rows_shown(app_db, facts):
    code = facts["code"]
    at = deep_link("en", province=code)
    everyone = table(at)
    first = everyone["Enterprise"].iloc[0]
    at.text_input(key="province_search").input(first[:12].lower()).run()
    assert_clean(at)
    shown = table(at)
    assert 1 <= len(shown) <= len(everyone) and first in shown["Enterprise"].tolist()
    assert shown["Enterprise"].str.lower().str.contains(first[:12].lower(), regex=False).all()
    at.text_input(key="province_search").input("").run()
    at.button_group(key="province_bands").set_value(["critical"]).run()
    assert_clean(at)
    bands = set(table(at)["Band"])
    assert bands <= {tables_band("critical", "en")}
    # the headline still counts the whole province: the pills narrow what is shown, not what is counted
    assert {m.label: m.value for m in at.metric}[i18n.t("province.metric.enterprises", "en")] == i18n.fmt_int(len(everyone), "en")


# --- drill-down to the dossier ---------------------------------------------------------------------

def _switched_to_dossier(at: AppTest, enterprise_id: str, lang: str, code: str) -> None:
    assert_clean(at)
    params = at.query_params
    value = lambda k: params[k][0] if isinstance(params[k], list) else params[k]  # noqa: E731
    assert value("enterprise") == enterprise_id
    assert value("lang") == lang
    assert value("province") == code  # so the browser's back button returns to this province
    assert i18n.t("province.title", lang) not in [t.value for t in at.title]


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_selecting_a_row_opens_the_dossier(app_db, facts, lang):
    code = facts["code"]
    at = deep_link(lang, province=code)
    rows = table(at)
    key = province.view_key("province_table", code, Filters().with_run(facts["run_id"]), "", ())
    at.session_state[key] = {"selection": {"rows": [1], "columns": [], "cells": []}}
    at.run()
    _switched_to_dossier(at, rows[i18n.t("col.enterprise_id", lang)].iloc[1], lang, code)
    # coming back to the province does not bounce straight back to the dossier
    at.switch_page(PROVINCE)
    at.query_params["province"] = code
    at.run()
    assert_clean(at)
    assert [t.value for t in at.title] == [i18n.t("province.title", lang)]
    assert len(at.dataframe) == 1


def test_a_selection_does_not_survive_a_filter_change(app_db, facts):
    code = facts["code"]
    plain = province.view_key("province_table", code, Filters().with_run(facts["run_id"]), "", ())
    filtered = province.view_key("province_table", code, Filters(bands=("high",)).with_run(facts["run_id"]), "", ())
    searched = province.view_key("province_table", code, Filters().with_run(facts["run_id"]), "huaneng", ())
    assert len({plain, filtered, searched}) == 3


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_clicking_a_heatmap_cell_opens_the_dossier(app_db, facts, lang):
    code = facts["code"]
    con = db.connect(app_db)
    try:
        cells = risk_views.flag_heatmap(con, Scope.of([code]), Filters().with_run(facts["run_id"]),
                                     limit=province.HEATMAP_LIMIT)
    finally:
        con.close()
    assert not cells.empty
    target = cells["enterprise_id"].iloc[-1]
    at = deep_link(lang, province=code)
    key = province.view_key("province_heatmap", code, Filters().with_run(facts["run_id"]))
    at.session_state[key] = {"selection": {"cell": [{"enterprise_id": target}]}}
    at.run()
    _switched_to_dossier(at, target, lang, code)


def test_no_assessment_is_explained(demo_db, monkeypatch, facts):
    """The unassessed demo database: the page says how to make an assessment and still lists enterprises."""
    monkeypatch.setenv(db.ENV_VAR, str(demo_db))
    monkeypatch.delenv("CARBONWATCH_SCOPE", raising=False)
    at = deep_link("zh", province=facts["code"])
    assert_clean(at)
    assert any("core.cli score" in i.value for i in at.info)
    df = table(at)
    assert len(df) == len(expected(demo_db, facts["code"], Filters()))
    assert df[i18n.t("col.band", "zh")].eq(i18n.MISSING).all()


def test_the_sidebar_province_is_the_province(app_db):
    """?prov=37 (the sidebar filter) on the Province page shows Shandong, without choosing again."""
    at = apptest.deep_link("pages/3_Province.py", lang="en", prov="37")
    assert not at.exception
    assert any("Shandong" in h.value for h in at.header)
