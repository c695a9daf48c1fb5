"""A flag to a closed case in a real browser, by three people signed in with their own accounts:
a national analyst opens a case from the Overview's top-risk list (through the enterprise's
dossier) and assigns it to the provincial analyst of its province; the provincial analyst takes,
confirms and orders rectification; the national administrator marks it rectified, draws the
look-back sample, which holds it, records that the rectification held (which closes it). The
timeline and the audit log hold every step with the right user, and the Overview's counts move."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from core.contract.access import Scope
from core.contract.filters import NO_FILTERS
from core.insight import runs
from core.store import accounts, audit, db, risk_views
from core.store import cases as store
from core.words import i18n
from tests.e2e import browser

pytestmark = [pytest.mark.xdist_group("browser"), pytest.mark.slow]
PASSWORD = "correct horse battery"
LANG = "en"
expect.set_options(timeout=20_000)


def t(key: str, **kw) -> str:
    return i18n.t(key, LANG, **kw)


@pytest.fixture
def journey(chromium_ready, assessed_demo_db, tmp_path_factory):
    """A server with three accounts, on a copy of the demo whose top-risk enterprise has no open case."""
    path = browser.copy_db(assessed_demo_db, tmp_path_factory.mktemp("e2e_cases"))
    con = db.connect(path)
    try:
        flt = NO_FILTERS.with_run(runs.latest_assessment(con).run_id)
        top = risk_views.enterprise_risk(con, Scope.national(), flt).dropna(subset=["risk_score"]).iloc[0]
        con.execute("DELETE FROM case_events WHERE case_id IN (SELECT case_id FROM cases WHERE subject_id = ?)",
                    [top.enterprise_id])
        con.execute("DELETE FROM cases WHERE subject_id = ?", [top.enterprise_id])
        accounts.add_user(con, "nat-analyst", "national_analyst", None, PASSWORD)
        accounts.add_user(con, "prov-officer", "provincial_analyst", frozenset({top.province_code}), PASSWORD)
        accounts.add_user(con, "nat-admin", "national_admin", None, PASSWORD)
        before = store.accountability(con, Scope.national(), NO_FILTERS)
    finally:
        con.close()
    with browser.AppServer(path) as server:
        yield server, top, before


def sign_in(context, server, name: str, path: str = "app.py", **query):
    page = context.new_page()
    browser.open_page(page, server, path, lang=LANG, **query)
    page.get_by_label(i18n.t("auth.sign_in.name", LANG)).fill(name)
    page.get_by_label(i18n.t("auth.sign_in.password", LANG), exact=True).fill(PASSWORD)
    page.get_by_test_id("stBaseButton-secondaryFormSubmit").click()
    expect(page.get_by_text(t("auth.account", name=name)).first).to_be_visible()
    browser.wait_for_render(page)
    return page


def navigate(page, nav_key: str) -> None:
    page.get_by_test_id("stSidebar").get_by_test_id("stPageLink-NavLink").filter(has_text=t(nav_key)).click()
    browser.wait_for_render(page)


def metric(page, key: str) -> str:
    box = page.locator(".st-key-accountability [data-testid=stMetric]").filter(has_text=t(key))
    return box.get_by_test_id("stMetricValue").inner_text().strip()


def act(page, action: str, fill: dict | None = None, choose: dict | None = None, multi: dict | None = None) -> None:
    """Pick an action of the case page, fill its form and submit; wait for the success message."""
    actions = page.locator(".st-key-case_actions")
    pick = actions.get_by_role("radio", name=i18n.t(f"case.move.{action}", LANG), exact=True)
    if pick.get_attribute("aria-checked") != "true":  # a second click on the chosen one would clear it
        pick.click()
    form = actions.get_by_test_id("stForm")
    expect(form.get_by_role("button", name=i18n.t(f"case.move.{action}", LANG), exact=True)).to_be_visible()
    for label, text in (fill or {}).items():
        form.get_by_label(label).fill(text)
    for label, option in (choose or {}).items():  # type to filter: the list shows only its first options
        form.get_by_test_id("stSelectbox").filter(has_text=label).click()
        page.keyboard.type(option)
        page.get_by_role("option", name=option, exact=True).click()
    for label, options in (multi or {}).items():
        for option in options:
            form.get_by_test_id("stMultiSelect").filter(has_text=label).click()
            page.get_by_role("option", name=option, exact=True).click()
            page.keyboard.press("Escape")  # the open list would cover the submit button
    form.get_by_role("button", name=i18n.t(f"case.move.{action}", LANG), exact=True).click()
    expect(page.get_by_test_id("stAlertContentSuccess").filter(has_text=i18n.t(f"case.move.{action}", LANG))) \
        .to_be_visible()
    browser.wait_for_render(page)


def test_a_flag_goes_to_a_closed_case_by_three_users(journey, page):
    server, top, before = journey
    context = page.context
    browser_ = context.browser

    # 1. the national analyst: Overview -> top-risk row -> dossier -> Open a case -> assign
    analyst = sign_in(browser.new_context(browser_), server, "nat-analyst")
    open_before = metric(analyst, "accountability.metric.open")
    browser.screenshot(analyst, "case_1_overview_before_en")
    from tests.e2e.test_journeys import click_first_row
    click_first_row(analyst, "top_risks")
    expect(analyst).to_have_url(re.compile(r"/Enterprise\?.*enterprise=" + re.escape(top.enterprise_id)))
    browser.wait_for_render(analyst)
    analyst.locator(".st-key-dossier_case").get_by_role("button", name=t("cases.open")).click()
    link = analyst.locator(".st-key-dossier_case").get_by_role("link", name=re.compile(r"CW-[0-9A-F]{10}"))
    expect(link).to_be_visible()
    case_id = re.search(r"CW-[0-9A-F]{10}", link.inner_text()).group(0)
    link.click()
    expect(analyst.locator("h2").first).to_contain_text(case_id)
    browser.wait_for_render(analyst)
    act(analyst, "assign", choose={t("case.field.owner"): "prov-officer"})
    browser.screenshot(analyst, "case_2_assigned_en")

    # 2. the provincial analyst of its province: take, confirm, order rectification
    officer = sign_in(browser.new_context(browser_), server, "prov-officer", "pages/10_Cases.py", case=case_id)
    expect(officer.locator("h2").first).to_contain_text(case_id)
    act(officer, "take")
    act(officer, "confirm", fill={t("case.field.finding"): "Monthly certificates tested in one batch"},
        choose={t("case.field.pattern"): t("case.pattern.batch_testing")})
    act(officer, "order", multi={t("case.field.corrections"): [t("case.correction.retest"),
                                                               t("case.correction.re_report")]})
    assert officer.locator(".st-key-case_actions").get_by_role(
        "radio", name=t("case.move.rectified"), exact=True).count() == 0  # the administrator's move
    browser.screenshot(officer, "case_3_ordered_en")

    # 3. the national administrator: rectified, the look-back draws it, held -> closed
    admin = sign_in(browser.new_context(browser_), server, "nat-admin", "pages/10_Cases.py", case=case_id)
    act(admin, "rectified", fill={t("case.field.evidence"): "New certificates of an accredited lab"})
    admin.get_by_role("button", name=t("cases.back")).click()  # in the app: a new URL is a new session
    expect(admin.get_by_role("radio", name=t("cases.section.lookback"), exact=True)).to_be_visible()
    admin.get_by_role("radio", name=t("cases.section.lookback"), exact=True).click()
    expect(admin.locator(".st-key-lookback_draw")).to_be_visible()
    browser.wait_for_render(admin)
    draw = admin.locator(".st-key-lookback_draw")
    year = str(i18n.now_beijing().year)
    draw.get_by_test_id("stSelectbox").filter(has_text=t("lookback.year")).click()
    admin.get_by_role("option", name=year, exact=True).click()
    browser.wait_for_render(admin)
    size = draw.get_by_role("spinbutton", name=t("lookback.size"))
    size.fill("1000")
    size.press("Enter")
    browser.wait_for_render(admin)
    draw.get_by_role("button", name=t("lookback.draw.button")).click()
    form = admin.locator(".st-key-lookback_cases").get_by_test_id("stForm")
    expect(form).to_be_visible()
    browser.wait_for_render(admin)
    form.get_by_test_id("stSelectbox").click()
    admin.keyboard.type(case_id)  # every case of the sample is offered: ours is among them
    admin.get_by_role("option", name=re.compile(re.escape(case_id))).click()
    form.get_by_text(t("case.outcome.held"), exact=True).click()
    form.get_by_role("button", name=t("lookback.outcome.submit")).click()
    expect(admin.get_by_text(re.compile(re.escape(case_id) + ".*" + re.escape(t("case.state.closed"))))
           .first).to_be_visible()
    browser.screenshot(admin, "case_4_lookback_en")

    # 4. the Overview's counts moved
    navigate(analyst, "nav.overview")
    expect(analyst.locator(".st-key-accountability")).to_be_visible()
    browser.wait_for_render(analyst)
    assert metric(analyst, "accountability.metric.open") == open_before  # opened, then closed
    confirmed = int(before["confirmed"].sum()) + 1
    assert metric(analyst, "accountability.metric.confirmed") == i18n.fmt_int(confirmed, LANG)
    browser.screenshot(analyst, "case_6_overview_after_en")

    # 5. the timeline and the audit log, read once the server has let the file go
    server.stop()
    con = db.connect(server.db_path, read_only=True)
    try:
        events = store.timeline(con, Scope.national(), case_id)
        log = audit.entries(con, action="case_change", limit=100_000).sort_values("seq")
    finally:
        con.close()
    assert list(events["action"]) == ["open", "assign", "take", "confirm", "order", "rectified", "look_back", "close"]
    assert list(events["user_name"]) == ["nat-analyst"] * 2 + ["prov-officer"] * 3 + ["nat-admin"] * 3
    mine = log[log["target"] == case_id]
    assert list(mine["user_name"]) == list(events["user_name"])
