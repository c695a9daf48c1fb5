"""AppTest smoke tests: every page in both languages, the language switch, the navigation,
the refusals (missing database, bad scope) and the import form."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from conftest import build_tiny_db
from core.contract import access
from core.store import db
from core.words import i18n
from core.contract import schema
from core.ui.page import PAGES
from core.store import overview
from tests.app import apptest


# What each registered page must show: its title key and minimum element counts.
EXPECT = {
    "app.py": ("overview.title", {"metric": 6, "vega_lite_chart": 4}),
    "pages/1_Data.py": ("data.title", {"dataframe": 2 + len(schema.TABLES), "file_uploader": 1,
                                       "expander": len(schema.TABLES)}),
    "pages/2_Anomaly_Lab.py": ("lab.title", {"metric": 8, "vega_lite_chart": 2, "dataframe": 4, "multiselect": 3,
                                             "download_button": 2}),
    # opened without ?province=: the picker of provinces and what to do with it
    "pages/3_Province.py": ("province.title", {"selectbox": 1, "info": 1}),
    # opened without ?enterprise=: the picker of enterprises, highest risk first
    "pages/4_Enterprise.py": ("enterprise.title", {"selectbox": 1}),
    # the market chart, the counts by kind, the ranked alerts and the counterparty network
    "pages/5_Market.py": ("market.title", {"metric": 8, "vega_lite_chart": 2, "dataframe": 1}),
    # opened without ?agency=: the kind switch and the ranking of that kind
    "pages/6_Intermediaries.py": ("agencies.title", {"button_group": 2, "dataframe": 1}),
    # opened without ?scenario=: the default what-if (carbon content), recomputed
    # every term, with its search box
    "pages/8_Glossary.py": ("glossary.title", {"text_input": 1, "subheader": 18}),
    # the demo's national admin reads the log: its filters, the entries and the accounts
    # the queues: the view and queue switches, the state and subject filters, the all-cases table
    "pages/10_Cases.py": ("cases.title", {"button_group": 2, "multiselect": 1, "selectbox": 1, "dataframe": 1}),
    "pages/9_Audit.py": ("audit.title", {"selectbox": 2, "date_input": 1, "dataframe": 1, "download_button": 1}),
    "pages/7_Scenarios.py": ("scenarios.title", {"metric": 5, "vega_lite_chart": 1, "dataframe": 2,
                                                 "download_button": 3, "multiselect": 1}),
}


def open_page(path: str, lang: str | None = None) -> AppTest:
    """Start from app.py like a user does, then switch to the page (GUIDE 4)."""
    return apptest.open_page(path, **({"lang": lang} if lang is not None else {}))


def elements(at: AppTest, kind: str) -> list:
    return list(at.get(kind))


def test_every_registered_page_has_expectations():
    assert {p.path for p in PAGES} == set(EXPECT)


@pytest.mark.parametrize("lang", i18n.LANGS)
@pytest.mark.parametrize("path", list(EXPECT))
def test_page_renders(app_db, path, lang):
    at = open_page(path, lang)
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    title_key, counts = EXPECT[path]
    assert [t.value for t in at.title] == [i18n.t(title_key, lang)]
    for kind, n in counts.items():
        assert len(elements(at, kind)) >= n, f"{kind}: {len(elements(at, kind))} < {n}"
    # the navigation is translated and every link carries the language
    links = nav_links(at)
    assert [link.proto.label for link in links] == [i18n.t(p.label_key, lang) for p in PAGES]
    assert all(link.proto.query_string == f"lang={lang}" for link in links)
    assert at.sidebar.caption[-1].value == i18n.t("scope.national", lang)
    # under the title: the freshness line, with the synthetic-demo badge (the demo wrote this database)
    line = at.main.caption[0].value
    assert i18n.t("freshness.synthetic", lang) in line
    assert i18n.t("auth.demo.badge", lang) in line  # no sign-in on 127.0.0.1: the demo mode says so
    from core.ui import cache  # the app's own connection (a second one with other settings is refused)
    last = cache.connection(str(app_db)).execute("SELECT max(period) FROM monthly_reports").fetchone()[0]
    assert i18n.fmt_period(last, lang) in line  # the demo's last reported month
    # every `?` help on the page reaches the glossary, in the page's language
    for kind, text in helps(at):
        assert f"(/Glossary?lang={lang}" in text, (kind, text)


HELP_KINDS = ("metric", "selectbox", "multiselect", "slider", "select_slider", "number_input", "radio", "toggle",
              "checkbox", "text_input", "date_input", "download_button", "button", "file_uploader", "caption")


def helps(at: AppTest) -> list[tuple[str, str]]:
    """(kind, help) of every element of the page that has a `?` help."""
    return [(kind, el.proto.help) for kind in HELP_KINDS for el in at.get(kind)
            if getattr(el.proto, "help", "")]


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_freshness_line_names_the_load_and_has_no_badge_for_real_data(tiny_db_path, monkeypatch, lang):
    """A database no demo wrote: the line says when the data ends and who loaded it, and no badge."""
    monkeypatch.setenv(db.ENV_VAR, str(tiny_db_path))
    monkeypatch.delenv("CARBONWATCH_SCOPE", raising=False)
    at = open_page("pages/1_Data.py", lang)
    assert not at.exception, at.exception
    line = at.main.caption[0].value
    assert i18n.t("freshness.synthetic", lang) not in line
    assert i18n.fmt_period("2023-01-01", lang) in line  # the tiny data's last month
    assert "hand-built test data" in line and i18n.t("freshness.unknown", lang) in line  # loaded_by not recorded


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_overview_figures_are_formatted_for_the_language(app_db, lang):
    at = open_page("app.py", lang)
    # the headline figures come first (the accountability section's follow, tests/app/test_overview.py)
    flagged, critical, emissions, measured, on_time, price = (m.value for m in list(at.metric)[:6])
    assert flagged.replace(",", "").isdigit() and critical.replace(",", "").isdigit()
    assert emissions.endswith(("亿吨", "万吨") if lang == "zh" else ("Mt", "Gt", "kt"))
    assert measured.endswith("%") and on_time.endswith("%")
    assert price.endswith("元/吨") if lang == "zh" else price.startswith("CNY ")
    coverage = caption_starting(at, "覆盖范围" if lang == "zh" else "Coverage:")
    # the load is named once, in the freshness line under the title
    assert "demo scale=" in at.main.caption[0].value


def caption_starting(at: AppTest, prefix: str) -> str:
    found = [c.value for c in at.main.caption if c.value.startswith(prefix)]
    assert len(found) == 1, [c.value for c in at.main.caption]
    return found[0]


def nav_links(at: AppTest) -> list:
    """The sidebar's page links (a page may link to others in its body too)."""
    return list(at.sidebar.get("page_link"))


def test_language_switch(app_db):
    at = open_page("app.py", "en")
    switch = at.sidebar.get("button_group")[0]
    switch.set_value("zh").run()
    assert at.query_params["lang"] == "zh"
    assert at.title[0].value == i18n.t("overview.title", "zh")
    assert all(link.proto.query_string == "lang=zh" for link in nav_links(at))


@pytest.mark.parametrize("bad", ["fr", "zh'<script>", ""])
def test_unknown_language_falls_back_to_english(app_db, bad):
    at = open_page("app.py", bad)
    assert not at.exception
    assert at.title[0].value == i18n.t("overview.title", "en")
    # said on the page, not silent: "Language `fr` is not available; showing English"
    notes = [c.value for c in at.sidebar.caption if c.value == i18n.lang_problem(bad)]
    assert notes == ([] if bad == "" else [i18n.lang_problem(bad)])
    assert at.sidebar.caption[-1].value == i18n.t("scope.national", "en")


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_the_upload_box_says_what_to_drop_in_the_readers_language(app_db, lang):
    """Streamlit's own words in the box stay English; the label, help and caption beside it do not."""
    at = open_page("pages/1_Data.py", lang)
    (box,) = at.file_uploader
    assert box.label == i18n.t("data.import.files", lang)
    assert box.help.startswith(i18n.t("data.import.files.help", lang)) and f"/Glossary?lang={lang}" in box.help
    assert set(box.proto.type) == {".csv", ".xlsx", ".parquet"}
    caption = i18n.t("data.import.files.caption", lang, mb=i18n.fmt_int(200, lang))
    assert caption in [c.value for c in at.main.caption] and "200 MB" in caption


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_the_page_says_what_it_ignored_once_and_notes_a_swapped_range(app_db, lang):
    at = apptest.open_page("pages/1_Data.py", lang=lang, cls="nuclear", **{"from": "2024-05", "to": "2023-01"})
    assert not at.exception
    (warning,) = [w.value for w in at.warning]
    assert warning == i18n.t("filters.ignored", lang, param="cls", value="nuclear",
                             reason=i18n.t("filters.reason.unknown.cls", lang))
    (note,) = [n.value for n in at.info]
    assert note == i18n.t("filters.swapped.from", lang, value="2024-05")


@pytest.mark.parametrize("lang", i18n.LANGS)
@pytest.mark.parametrize("path", list(EXPECT))
def test_missing_database_is_explained_not_created(tmp_path, monkeypatch, path, lang):
    missing = tmp_path / "nowhere" / "carbonwatch.duckdb"
    monkeypatch.setenv(db.ENV_VAR, str(missing))
    at = open_page(path, lang)
    assert not at.exception
    (err,) = at.error
    assert i18n.t("db.missing.title", lang) in err.value and "make run" in err.value and str(missing) in err.value
    assert not at.metric and not elements(at, "vega_lite_chart")
    assert [t.value for t in at.title] == [i18n.t(EXPECT[path][0], lang)]  # the frame still renders
    assert [link.proto.label for link in nav_links(at)] == [i18n.t(p.label_key, lang) for p in PAGES]
    assert not missing.exists() and not missing.parent.exists()


def test_misconfigured_scope_shows_nothing(app_db, monkeypatch):
    monkeypatch.setenv("CARBONWATCH_SCOPE", "37,3x")
    at = open_page("app.py", "zh")
    assert not at.exception
    assert "CARBONWATCH_SCOPE" in at.error[0].value
    assert not at.metric and not elements(at, "vega_lite_chart")


def test_provincial_deployment_sees_its_province_only(app_db, monkeypatch):

    con = db.connect(app_db)
    try:
        top = overview.emissions_by_province(con, access.Scope.national()).iloc[0]
        expected = overview.national_headline(con, access.Scope.of([top["province_code"]])).iloc[0]
    finally:
        con.close()
    monkeypatch.setenv("CARBONWATCH_SCOPE", top["province_code"])
    at = open_page("app.py", "zh")
    assert not at.exception
    coverage = caption_starting(at, "覆盖范围")
    assert coverage.startswith(f"覆盖范围：{i18n.fmt_int(expected['enterprises'], 'zh')}家企业")
    # the review list holds the scope's enterprises only
    assert set(at.dataframe[0].value[i18n.t("col.province", "zh")]) <= {top["name_zh"]}
    assert at.sidebar.caption[-1].value == i18n.t("scope.provinces", "zh", provinces=top["name_zh"])


# --- the import form, on a private copy of a tiny database ---------------------------------------

@pytest.fixture
def writable_db(tmp_path, monkeypatch) -> Path:
    path = build_tiny_db(tmp_path / "tiny.duckdb")
    monkeypatch.setenv(db.ENV_VAR, str(path))
    monkeypatch.delenv("CARBONWATCH_SCOPE", raising=False)
    return path


def _upload(at: AppTest, files: list[tuple[str, bytes]]) -> AppTest:
    at.file_uploader[0].set_value([(name, content, "text/csv") for name, content in files])
    at.button[0].click()  # the form's submit button
    return at.run()


def _table_with(at: AppTest, header_key: str):
    """The one dataframe on the page having the translated column header `header_key`."""
    headers = {i18n.t(header_key, lang) for lang in i18n.LANGS}
    (df,) = [d.value for d in at.dataframe if headers & set(d.value.columns)]
    return df


def _counts(at: AppTest) -> dict:
    df = _table_with(at, "col.rows")
    rows = next(c for c in df.columns if c in {i18n.t("col.rows", lang) for lang in i18n.LANGS})
    return dict(zip(df.iloc[:, 0], df[rows]))


def test_import_rejects_bad_files_and_changes_nothing(writable_db):
    at = open_page("pages/1_Data.py", "zh")
    before = _counts(at)
    bad = b"enterprise_id,name,province_code,sector\nE9,Delta,99,power\nE10,Epsilon,37,shipping\n"
    _upload(at, [("enterprises.csv", bad)])
    assert not at.exception
    assert at.error and at.error[0].value.startswith("未做任何更改")
    problems = _table_with(at, "col.hint")
    assert {"文件", "行号", "字段", "取值", "规则", "修改建议"} <= set(problems.columns)
    assert set(problems["字段"]) >= {"province_code", "sector"}
    assert _counts(at.run()) == before


def test_import_loads_good_files_and_refreshes_counts(writable_db):
    at = open_page("pages/1_Data.py", "en")
    assert _counts(at)["enterprises"] == 3
    good = b"enterprise_id,name,province_code,sector\nE9,Delta Power,370000,power\nE1,Alpha Power Renamed,37,power\n"
    _upload(at, [("enterprises.csv", good)])
    assert not at.exception and not at.error
    assert at.success[0].value.startswith("Imported 1 file(s): 1 rows inserted, 1 updated")
    assert _counts(at)["enterprises"] == 4


def test_import_refuses_two_files_for_one_table(writable_db):
    at = open_page("pages/1_Data.py", "en")
    row = b"enterprise_id,name,province_code,sector\nE9,Delta,37,power\n"
    _upload(at, [("enterprises.csv", row), ("Enterprises.CSV", row)])
    assert at.error and "Nothing was changed" in at.error[0].value
    assert "duplicate_file" in set(_table_with(at, "col.hint")["Rule"])


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_the_glossary_lists_every_term_with_its_anchor_and_search_narrows_it(app_db, lang):
    from core.words import glossary

    at = open_page("pages/8_Glossary.py", lang)
    assert not at.exception, at.exception
    entries = glossary.entries(lang)
    assert [s.value for s in at.subheader] == [term for _, term, _ in entries]
    assert [s.proto.anchor for s in at.subheader] == [tid for tid, _, _ in entries]
    at.text_input(key="glossary_search").set_value(glossary.term("robust-z", lang)).run()
    shown = [s.value for s in at.subheader]  # the term, and any whose definition uses it
    assert glossary.term("robust-z", lang) in shown and len(shown) < len(entries)
    at.text_input(key="glossary_search").set_value("zzz-nothing").run()
    assert not at.subheader and at.info


def test_the_overview_flagged_help_links_to_the_glossary(app_db):
    at = open_page("app.py", "zh")
    assert "(/Glossary?lang=zh#bands)" in at.metric[0].proto.help
