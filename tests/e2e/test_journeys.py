"""Browser journeys: a real `streamlit run` server and Debian's Chromium (GUIDE 4).

Skipped with a reason when Chromium is missing, unless CARBONWATCH_E2E=require (`make e2e`,
and `make test` under CI, which installs it first). Every journey leaves a full-page screenshot
in tests/e2e/artifacts/. All tests share one server and run on one xdist worker (xdist_group).
"""
from __future__ import annotations

import re

import pytest

from core.contract import access
from core.words import i18n
from core.ui.page import PAGES
from core.store import risk_views
from tests.e2e import browser

pytestmark = pytest.mark.xdist_group("browser")

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="session")
def server(chromium_ready, assessed_demo_db, tmp_path_factory):
    """One server for the session, on its own copy of the assessed demo database (as `make run`
    leaves it) and a free port; its log is kept beside the screenshots."""
    with browser.AppServer(browser.copy_db(assessed_demo_db, tmp_path_factory.mktemp("e2e_db"))) as s:
        yield s
        browser.ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (browser.ARTIFACTS / "streamlit-server.log").write_text(s.log(tail=1_000_000), encoding="utf-8")


@pytest.fixture
def fresh_server(server, tmp_path_factory):
    """A server that has run no script yet: the session's one if untouched, else a new one."""
    if server.pages_opened == 0:
        yield server
        return
    with browser.AppServer(browser.copy_db(server.db_path, tmp_path_factory.mktemp("e2e_fresh"))) as s:
        yield s


def nav_labels(page) -> list[str]:
    sidebar = page.get_by_test_id("stSidebar")  # pages may link to each other in their body too
    return sidebar.get_by_test_id("stPageLink-NavLink").get_by_test_id("stMarkdownContainer").all_inner_texts()


def heading(page) -> str:
    return page.locator("h1").first.inner_text().strip()


def assert_rendered_in(page, lang: str) -> None:
    """No exception or error box, the navigation translated, the heading in the language."""
    assert page.get_by_test_id("stException").count() == 0, page.get_by_test_id("stException").all_inner_texts()
    assert page.get_by_test_id("stAlertContentError").count() == 0, \
        page.get_by_test_id("stAlertContentError").all_inner_texts()
    assert nav_labels(page) == [i18n.t(p.label_key, lang) for p in PAGES]
    assert bool(CJK.search(heading(page))) == (lang == "zh"), heading(page)


# Defined first so that, run in file order, it gets the session server untouched.
def test_deep_link_with_query_parameters_is_the_first_request(fresh_server, page):
    assert fresh_server.pages_opened == 0
    browser.open_page(page, fresh_server, "pages/1_Data.py", lang="zh")
    browser.screenshot(page, "deep_link_data_zh")
    assert page.url == fresh_server.url("pages/1_Data.py", lang="zh")
    assert heading(page) == i18n.t("data.title", "zh")
    assert_rendered_in(page, "zh")
    # the nav links carry the language to the next page
    assert page.get_by_role("link", name=i18n.t("nav.overview", "zh")).get_attribute("href").endswith("?lang=zh")


def test_language_switch_turns_the_overview_chinese_and_back(server, page):
    from playwright.sync_api import expect

    browser.open_page(page, server, "app.py", lang="en")
    assert heading(page) == i18n.t("overview.title", "en")
    switch = page.get_by_test_id("stSidebar").get_by_test_id("stButtonGroup")
    for lang in ("zh", "en"):
        switch.get_by_role("radio", name=i18n.LANG_NAMES[lang]).click()
        # wait for what the new run shows before waiting for the run to end (see wait_for_render)
        expect(page).to_have_url(re.compile(rf"[?&]lang={lang}(&|$)"))
        expect(page.locator("h1").first).to_have_text(i18n.t("overview.title", lang))
        browser.wait_for_render(page)
        assert_rendered_in(page, lang)
        assert page.get_by_test_id("stMetric").count() >= 6
        if lang == "zh":
            browser.screenshot(page, "language_switch_overview_zh")


@pytest.mark.parametrize("lang", i18n.LANGS)
@pytest.mark.parametrize("path", [p.path for p in PAGES])
def test_every_page_renders_without_an_exception(server, page, path, lang):
    """... and asks nothing of any other host: a regulator's network is often closed, so every
    asset (fonts, icons, the favicon, chart code) must come from the app's own server."""
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    browser.open_page(page, server, path, lang=lang)
    browser.screenshot(page, f"page_{browser.url_path(path).strip('/') or 'Overview'}_{lang}")
    assert_rendered_in(page, lang)
    assert requested, "the request log is empty: the listener saw nothing"
    outside = sorted({u for u in requested if not _is_local(u)})
    assert not outside, f"requests left 127.0.0.1: {outside}"
    favicon = page.locator("link[rel~=icon]").first.get_attribute("href") or ""
    assert _is_local(page.url if not favicon else _absolute(page.url, favicon)), favicon


def _absolute(base: str, href: str) -> str:
    from urllib.parse import urljoin

    return urljoin(base, href)


def _is_local(url: str) -> bool:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return parts.scheme in ("data", "blob", "about") or parts.hostname in ("127.0.0.1", "localhost")


def click_tile(page, name: str, lang: str) -> None:
    """Click a province's name on the Overview's tile map, as a reader does (the name sits on top
    of the tile, so this also proves the label selects). Vega draws SVG and labels every mark for
    screen readers with its tooltip fields, the province's name among them."""
    label = f"{i18n.t('axis.province', lang)}: {name};"
    text = page.locator(f".st-key-tile_map [data-testid=stVegaLiteChart] g.mark-text text[aria-label*='{label}']")
    text.first.scroll_into_view_if_needed()
    text.first.click()


def click_first_row(page, container_key: str) -> None:
    """Select the first row of a st.dataframe (a canvas grid): its row-selection cell sits left of
    the first data row, one header row down."""
    grid = page.locator(f".st-key-{container_key} [data-testid=stDataFrameResizable]").first
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 18, box["y"] + 35 + 17)


def expected_drill_down(db_path):
    """The tiles and, per province, the enterprise its table lists first (highest risk)."""
    from core.store import db
    from core.insight import runs
    from core.contract.filters import Filters

    con = db.connect(db_path)
    try:
        flt = Filters().with_run(runs.latest_assessment(con).run_id)
        tiles = risk_views.risk_by_province(con, access.Scope.national(), flt)
        table = risk_views.enterprise_risk(con, access.Scope.national(), flt)
    finally:
        con.close()
    return tiles, table.groupby("province_code")["enterprise_id"].first()


def test_drill_down_from_a_province_tile_to_an_enterprise(server, page, assessed_demo_db):
    """Leadership to provincial office: click the worst province's tile, then the first enterprise
    of its table, and land on that enterprise's dossier, with the language kept all the way."""
    from playwright.sync_api import expect

    provinces, first = expected_drill_down(assessed_demo_db)  # the server's copy holds the same data
    code = provinces.sort_values(["flagged", "max_risk"], ascending=False)["province_code"].iloc[0]
    browser.open_page(page, server, "app.py", lang="zh")
    browser.screenshot(page, "drill_1_overview_zh")
    click_tile(page, provinces.set_index("province_code").loc[code, "name_zh"], "zh")
    expect(page).to_have_url(re.compile(rf"/Province\?.*province={code}"))
    expect(page.locator("h1").first).to_have_text(i18n.t("province.title", "zh"))
    browser.wait_for_render(page)
    assert_rendered_in(page, "zh")
    browser.screenshot(page, "drill_2_province_zh")
    click_first_row(page, "province_table")
    expect(page).to_have_url(re.compile(r"/Enterprise\?.*enterprise=" + re.escape(first[code])))
    expect(page.locator("h1").first).to_have_text(i18n.t("enterprise.title", "zh"))
    browser.wait_for_render(page)
    assert_rendered_in(page, "zh")
    assert "lang=zh" in page.url
    browser.screenshot(page, "drill_3_enterprise_zh")


def test_from_an_intermediary_on_the_overview_to_its_clients(server, page, assessed_demo_db):
    """Leadership to the intermediaries: select the first agency of the Overview's list, land on its
    profile with what stands out and its clients, in the same language."""
    from playwright.sync_api import expect

    from core.store import db
    from core.insight import runs
    from core.contract.filters import Filters

    con = db.connect(assessed_demo_db)
    try:
        from core.insight import agencies as agency_insight

        leading = agency_insight.leading(agency_insight.profile(
            con, access.Scope.national(), Filters().with_run(runs.latest_assessment(con).run_id)))
    finally:
        con.close()
    first = leading.iloc[0]["agency_id"]  # the Overview's first row: the one ranking of intermediaries
    browser.open_page(page, server, "app.py", lang="en")
    click_first_row(page, "agencies")
    expect(page).to_have_url(re.compile(r"/Intermediaries\?.*agency=" + re.escape(first)))
    expect(page.locator("h1").first).to_have_text(i18n.t("agencies.title", "en"))
    browser.wait_for_render(page)
    assert_rendered_in(page, "en")
    for key in ("agency_signals", "agency_clients"):
        assert page.locator(f".st-key-{key}").count() == 1, key
    browser.screenshot(page, "intermediary_profile_en")


# --- issue 14: arrows that tell the truth, the sidebar province, the Market and Scenarios pages ----

def expected_deltas(db_path, provinces: tuple[str, ...]) -> list[str]:
    """The headline's change texts for a view, as core.words.headline writes them from the store."""
    from core.contract.filters import Filters
    from core.insight import runs
    from core.store import catalog, db, surveillance
    from core.words import headline as headline_words

    con = db.connect(db_path)
    try:
        f = Filters(provinces=provinces).with_run(runs.latest_assessment(con).run_id)
        n = access.Scope.national()
        fr = {name: catalog.SCOPED[name](con, n, f) for name in (
            "emissions_by_year", "risk_by_year", "measured_share_by_year", "deposit_timeliness_by_year")}
        market = surveillance.market_by_month(con, f)
    finally:
        con.close()
    figures = headline_words.headline(fr["emissions_by_year"], fr["risk_by_year"], fr["measured_share_by_year"],
                                      fr["deposit_timeliness_by_year"], market, "en")
    return [headline_words.fmt_change(r.value, r.previous, r.kind, "en") for r in figures.itertuples()]


@pytest.mark.parametrize("query", [{}, {"prov": "32"}], ids=["national", "jiangsu"])
def test_every_delta_arrow_points_the_way_its_sign_does(server, page, assessed_demo_db, query):
    """A negative change is drawn with a down arrow and a positive one with an up arrow (a U+2212
    minus once made Streamlit draw "↑ −1"); the view has at least one of each sign to check."""
    expected = expected_deltas(assessed_demo_db, tuple(query.values()))
    signs = {d[0] for d in expected if d}
    assert "-" in signs, f"the view needs a negative change to test: {expected}"
    browser.open_page(page, server, "app.py", lang="en", **query)
    deltas = page.get_by_test_id("stMetricDelta").all()
    shown = [d.get_by_test_id("stMarkdownContainer").inner_text().strip() for d in deltas]
    assert shown == [d for d in expected if d], shown
    for d, text in zip(deltas, shown):
        icon = d.locator("svg[data-testid^=stMetricDeltaIcon]")
        want = {"-": "stMetricDeltaIcon-Down", "+": "stMetricDeltaIcon-Up"}.get(text[0])
        if want is None:  # no change: no arrow
            assert icon.count() == 0, text
        else:
            assert icon.get_attribute("data-testid") == want, text
    browser.screenshot(page, f"arrows_{'_'.join(query.values()) or 'national'}_en")


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_the_sidebar_province_holds_on_the_province_page_and_in_the_title(server, page, lang):
    from playwright.sync_api import expect

    shandong = access.province_names()["37"][lang]
    browser.open_page(page, server, "app.py", lang=lang, prov="37")
    assert shandong in heading(page)  # the Overview's title names the province, not the nation
    page.get_by_test_id("stSidebar").get_by_role("link", name=i18n.t("nav.province", lang)).click()
    expect(page).to_have_url(re.compile(r"/Province\?.*prov=37"))
    expect(page.get_by_text(shandong).first).to_be_visible()
    browser.wait_for_render(page)
    assert_rendered_in(page, lang)
    assert page.get_by_test_id("stMain").get_by_role("heading", name=re.compile(re.escape(shandong))).count() >= 1
    assert page.get_by_text(i18n.t("province.choose", lang)).count() == 0  # no "choose a province"
    browser.screenshot(page, f"province_from_sidebar_{lang}")


def test_market_alert_to_its_evidence_and_to_an_enterprise(server, page):
    """Market supervisors: select the highest-scoring alert, read its evidence, open an enterprise."""
    from playwright.sync_api import expect

    browser.open_page(page, server, "pages/5_Market.py", lang="en")
    assert page.locator(".st-key-market_alerts").count() == 1
    click_first_row(page, "market_alerts")
    evidence = page.locator(".st-key-market_evidence")
    expect(evidence).to_be_visible()
    browser.wait_for_render(page)
    assert_rendered_in(page, "en")
    expect(page).to_have_url(re.compile(r"[?&]alert="))
    browser.screenshot(page, "market_evidence_en")
    alert_url = page.url
    first = evidence.get_by_test_id("stPageLink-NavLink").first
    name = first.get_by_test_id("stMarkdownContainer").inner_text().strip()
    first.click()
    expect(page).to_have_url(re.compile(r"/Enterprise\?.*enterprise="))
    expect(page.get_by_text(name).first).to_be_visible()
    browser.wait_for_render(page)
    assert_rendered_in(page, "en")
    # the same alert, shared as a link, opens in Chinese with its evidence
    browser.open_page(page, server, "pages/5_Market.py", **{**_query_of(alert_url), "lang": "zh"})
    assert page.locator(".st-key-market_evidence").count() == 1
    assert_rendered_in(page, "zh")
    browser.screenshot(page, "market_evidence_zh")


def _query_of(url: str) -> dict[str, str]:
    from urllib.parse import parse_qsl, urlsplit

    return dict(parse_qsl(urlsplit(url).query))


def test_a_saved_scenario_reopens_from_its_link_with_the_same_figures(server, page):
    """Analysts: the default what-if is computed on opening; saved under a name, its link reopens it
    with identical figures, in either language."""
    from playwright.sync_api import expect

    browser.open_page(page, server, "pages/7_Scenarios.py", lang="en")
    metrics = page.locator(".st-key-scenario_metrics [data-testid=stMetricValue]")
    before = metrics.all_inner_texts()
    assert len(before) >= 3
    page.get_by_label(i18n.t("scenarios.save.name", "en")).fill("Journey check")
    page.get_by_role("button", name=i18n.t("scenarios.save.button", "en")).click()
    done = page.get_by_test_id("stAlertContentSuccess")
    expect(done).to_be_visible()
    href = done.locator("a").first.get_attribute("href")
    assert "scenario=" in href
    browser.screenshot(page, "scenario_saved_en")
    browser.open_page(page, server, "pages/7_Scenarios.py", **_query_of(href))
    assert page.locator(".st-key-scenario_metrics [data-testid=stMetricValue]").all_inner_texts() == before
    assert_rendered_in(page, "en")
    browser.open_page(page, server, "pages/7_Scenarios.py", **{**_query_of(href), "lang": "zh"})
    assert_rendered_in(page, "zh")
    browser.screenshot(page, "scenario_reopened_zh")
