"""Browser journeys: a real `streamlit run` server and Debian's Chromium (GUIDE 4).

Skipped with a reason when Chromium is missing, unless CARBONWATCH_E2E=require (`make e2e`,
and `make test` under CI, which installs it first). Every journey leaves a full-page screenshot
in tests/e2e/artifacts/. All tests share one server and run on one xdist worker (xdist_group).
"""
from __future__ import annotations

import os
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
def chromium_ready() -> None:
    reason = browser.chromium_missing()
    if reason:
        if os.environ.get("CARBONWATCH_E2E") == "require":
            pytest.fail(reason)
        pytest.skip(reason)


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


@pytest.fixture(scope="session")
def chromium(chromium_ready):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = browser.launch_chromium(p)
        yield b
        b.close()


@pytest.fixture
def page(chromium):
    context = browser.new_context(chromium)
    yield context.new_page()
    context.close()


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
