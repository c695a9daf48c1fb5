"""The what-if page's Streamlit glue: the saved scenario a link opens, the parameter form, the
cached recompute and its views, saving, and the downloads (pages/7_Scenarios.py reads top down).

A recompute is cached on small hashables (the scenario's JSON, scope, filters with the run id, the
data version; GUIDE 3), so a rerun, a language switch or a reopened link costs nothing after the
first one; chart specs are cached the same way, since Altair's validation costs more than a warm
recompute. The database is only written by "Save scenario".
"""
from __future__ import annotations

import re
from typing import Callable
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from core.contract import filters, mrv
from core.contract.access import Scope
from core.engine import risk, rules
from core.export import xlsx
from core.insight import scenarios
from core.insight.scenarios import Result, Saved, Scenario
from core.store import intermediaries
from core.ui import auth, cache, charts, tables
from core.ui import filters as filter_ui
from core.ui.export import XLSX, filter_names
from core.ui.page import Page, page_url, scope_label
from core.ui.widgets import chart_block
from core.words import filters as filter_words
from core.words import i18n
from core.words import labels as label_words

PARAM = "scenario"  # ?scenario=<id> opens a saved scenario
PAGE = "pages/7_Scenarios.py"
KIND_KEY = "scenario_kind"
_SHOWN = "scenario_shown_"  # + kind: the parameters on screen (the last accepted ones)
_OPENED = "scenario_opened"  # the saved id whose filters were applied (once per opening)
ENTERPRISES_SHOWN = 300  # rows of the by-enterprise table sent to the browser
METRICS_PER_ROW = 3


# --- the saved scenario a link opens ---------------------------------------------------------------

def opened(page: Page) -> Saved | None:
    """The saved scenario of ?scenario=<id>, validated; on first opening its kind and parameters
    are put on screen and its filters into the URL (one rerun), so the link shows what was saved.
    A bad or unknown id is said and ignored."""
    raw = st.query_params.get(PARAM)
    if raw is None:
        st.session_state.pop(_OPENED, None)
        return None
    t = page.t
    if not scenarios.ID_PATTERN.fullmatch(raw):
        st.warning(t("scenarios.saved.bad_id"), icon=":material/link_off:")
        return None
    try:
        saved = scenarios.load(page.con, raw, page.scope)
    except ValueError as e:  # a stored row that no longer validates
        st.warning(t("scenarios.saved.broken", id=raw, problem=_plain_text(e)), icon=":material/link_off:")
        return None
    if saved is None:
        st.warning(t("scenarios.saved.unknown", id=raw), icon=":material/link_off:")
        return None
    if st.session_state.get(_OPENED) != raw:
        st.session_state[_OPENED] = raw
        st.session_state[KIND_KEY] = saved.scenario.kind
        st.session_state[_SHOWN + saved.scenario.kind] = saved.scenario
        if saved.filters != page.filters.with_run(None):
            filter_ui.narrow(saved.filters, (PARAM,))
            st.rerun()
    return saved


def saved_note(page: Page, saved: Saved | None, shown: Scenario) -> None:
    """What the link opened, and how today's view differs from when it was saved. Once the
    parameters are changed the link no longer describes the view, so it leaves the URL."""
    if saved is None:
        return
    t = page.t
    if shown != saved.scenario:
        if PARAM in st.query_params:
            del st.query_params[PARAM]
        st.caption(t("scenarios.saved.edited"))
        return
    notes = [t("scenarios.saved.opened", name=_escape(saved.name), id=saved.scenario_id,
               when=i18n.fmt_datetime(saved.created_at, page.lang))]
    if saved.data_version != page.data_version:
        notes.append(t("scenarios.saved.other_data", saved=saved.data_version))
    if saved.scope != scenarios.scope_label(page.scope):
        notes.append(t("scenarios.saved.other_scope", saved=saved.scope))
    st.info(" ".join(notes), icon=":material/bookmark:")


# --- the form ------------------------------------------------------------------------------------

def kind_picker(page: Page) -> str:
    st.session_state.setdefault(KIND_KEY, scenarios.KINDS[0])
    kind = st.segmented_control(page.t("scenarios.kind"), scenarios.KINDS, key=KIND_KEY, required=True,
                                format_func=lambda k: page.t(f"scenarios.kind.{k}"))
    st.caption(page.t(f"scenarios.kind.{kind}.help"))
    return kind


def parameters(page: Page, kind: str) -> Scenario:
    """The form of `kind`'s parameters; Recompute validates them (core.insight.scenarios) and puts them on
    screen. Returns the scenario to show: the last accepted one, else the default."""
    shown = st.session_state.get(_SHOWN + kind)
    if not isinstance(shown, Scenario) or shown.kind != kind:
        shown = suggested(page, kind)
    form = {"carbon_default": _carbon_form, "review_budget": _review_form,
            "unreliable_intermediaries": _agencies_form}[kind]
    with st.form(f"scenario_form_{kind}"):
        build = form(page, shown, lambda name: page.key(f"sc_{kind}_{name}", shown.to_json()))
        submitted = st.form_submit_button(page.t("scenarios.run"), type="primary", icon=":material/calculate:")
    if submitted:
        try:
            candidate = build()
        except ValueError as e:
            st.error(page.t("scenarios.invalid", problem=_plain_text(e)), icon=":material/block:")
        else:
            st.session_state[_SHOWN + kind] = shown = candidate
    return shown


def suggested(page: Page, kind: str) -> Scenario:
    """The scenario a kind opens with: core.insight.scenarios.DEFAULTS; for unreliable intermediaries, the
    lab whose clients are most often flagged (critical or high), so the page opens on a question the
    data raises rather than on an empty selection."""
    if kind != "unreliable_intermediaries":
        return scenarios.DEFAULTS[kind]
    served = page.query(intermediaries.agency_flag_rates)
    labs = served[(served["kind"] == "lab") & (served["flagged_clients"] > 0)]
    if labs.empty:
        return scenarios.DEFAULTS[kind]
    return scenarios.UnreliableIntermediaries(labs=(labs.iloc[0]["agency_id"],))


def _carbon_form(page: Page, shown: scenarios.CarbonDefault, key) -> Callable[[], Scenario]:
    t, lang = page.t, page.lang
    rule_ids = st.multiselect(t("scenarios.rules"), list(rules.RULES), default=list(shown.rule_ids), key=key("rules"),
                              format_func=lambda r: f"{r} · {label_words.rule_title(r, lang)}",
                              placeholder=t("scenarios.none_selected"), help=page.help("scenarios.rules.help"))
    left, right = st.columns([3, 2], vertical_alignment="bottom")
    on = left.toggle(t("scenarios.below.on"), value=shown.below is not None, key=key("below_on"))
    below = right.number_input(t("scenarios.below"), min_value=scenarios.CC_RANGE[0],
                               max_value=scenarios.CC_RANGE[1], step=0.0005, format="%.4f", key=key("below"),
                               value=shown.below if shown.below is not None else mrv.CC_BAND[0],
                               help=page.help("scenarios.below.help"))
    return lambda: scenarios.CarbonDefault(rule_ids=tuple(rule_ids), below=float(below) if on else None)


def _review_form(page: Page, shown: scenarios.ReviewBudget, key) -> Callable[[], Scenario]:
    t, lang = page.t, page.lang
    left, right = st.columns([3, 2], gap="large")
    with left:
        st.markdown(f"**{t('scenarios.severities')}**")
        current = dict(shown.severities)
        grid = pd.DataFrame({  # the column to edit next to the rule id, where the eye starts
            "rule": list(rules.RULES), "severity": [current.get(i, r.severity) for i, r in rules.RULES.items()],
            "catalogue": [severity_label(r.severity, lang) for r in rules.RULES.values()],
            "title": [label_words.rule_title(r, lang) for r in rules.RULES]})
        edited = st.data_editor(
            grid, key=key("severities"), hide_index=True, height=318, disabled=["rule", "title", "catalogue"],
            column_config={
                "rule": st.column_config.TextColumn(t("scenarios.col.rule"), width="small"),
                "severity": st.column_config.SelectboxColumn(
                    t("scenarios.col.severity"), options=list(scenarios.SEVERITY_CHOICES), required=True,
                    format_func=lambda s: severity_label(s, lang), width="medium"),
                "catalogue": st.column_config.TextColumn(t("scenarios.col.catalogue_severity"), width="small"),
                "title": st.column_config.TextColumn(t("scenarios.col.rule_title"), width="large")})
        st.caption(t("scenarios.severities.caption"))
    with right:
        st.markdown(f"**{t('scenarios.weights')}**")
        cols = st.columns(2)
        weights = [cols[i % 2].number_input(t(f"component.{c}"), min_value=0.0, max_value=scenarios.WEIGHT_MAX,
                                            step=0.05, value=float(w), key=key(f"weight_{c}"),
                                            help=page.help(f"component.{c}.help"))
                   for i, (c, w) in enumerate(zip(risk.COMPONENTS, shown.weights))]
        st.markdown(f"**{t('scenarios.model')}**")
        a, b, c = st.columns(3, vertical_alignment="bottom")
        z_floor = a.number_input(t("scenarios.z_floor"), *scenarios.Z_RANGE, value=float(shown.z_floor), step=0.5,
                                 key=key("z_floor"), help=page.help("scenarios.z.help"))
        z_full = b.number_input(t("scenarios.z_full"), *scenarios.Z_RANGE, value=float(shown.z_full), step=0.5,
                                key=key("z_full"), help=page.help("scenarios.z.help"))
        share = c.number_input(t("scenarios.contamination"), min_value=0.1, max_value=100.0, step=0.5,
                               value=float(shown.contamination * 100), key=key("contamination"),
                               help=page.help("scenarios.contamination.help"))
        review = _review_inputs(page, shown, key)
    return lambda: scenarios.ReviewBudget(
        severities=tuple(zip(edited["rule"], edited["severity"])), weights=tuple(float(w) for w in weights),
        z_floor=float(z_floor), z_full=float(z_full), contamination=round(float(share) / 100, 6), **review())


def _agencies_form(page: Page, shown: scenarios.UnreliableIntermediaries, key) -> Callable[[], Scenario]:
    t, lang = page.t, page.lang
    served = page.query(intermediaries.agency_flag_rates)
    chosen = {}
    for col, (field, kind) in zip(st.columns(3), (("labs", "lab"), ("consultants", "consultant"),
                                                  ("verifiers", "verifier"))):
        rows = served[served["kind"] == kind].sort_values(["clients", "agency_id"], ascending=[False, True])
        names = dict(zip(rows["agency_id"], rows["name"].fillna(rows["agency_id"])))
        clients = dict(zip(rows["agency_id"], rows["clients"]))
        picked = list(getattr(shown, field))
        chosen[field] = col.multiselect(
            t(f"scenarios.{field}"), [*names, *(i for i in picked if i not in names)], default=picked,
            key=key(field), placeholder=t("scenarios.none_selected"), help=page.help("scenarios.agencies.help"),
            format_func=lambda i, n=names, c=clients: t("scenarios.agency.option", name=n.get(i, i),
                                                        clients=i18n.fmt_int(c.get(i, 0), lang)))
    review = _review_inputs(page, shown, key)
    if shown == suggested(page, "unreliable_intermediaries") and shown.labs:
        st.caption(t("scenarios.agencies.suggested"))
    return lambda: scenarios.UnreliableIntermediaries(**{f: tuple(v) for f, v in chosen.items()}, **review())


def _review_inputs(page: Page, shown, key) -> Callable[[], dict]:
    t = page.t
    by = st.radio(t("scenarios.review_by"), scenarios.REVIEW_BY, index=scenarios.REVIEW_BY.index(shown.review_by),
                  format_func=lambda v: t(f"scenarios.review_by.{v}"), key=key("review_by"), horizontal=True)
    a, b = st.columns(2)
    budget = a.number_input(t("scenarios.budget"), min_value=0, max_value=scenarios.BUDGET_MAX, step=10,
                            value=int(shown.budget), key=key("budget"))
    threshold = b.number_input(t("scenarios.threshold"), min_value=0.0, max_value=100.0, step=1.0,
                               value=float(shown.threshold), key=key("threshold"))
    return lambda: {"review_by": by, "budget": int(budget), "threshold": float(threshold)}


def severity_label(severity: str, lang: str) -> str:
    return i18n.t("scenarios.severity.off" if severity == scenarios.OFF else f"severity.{severity}", lang)


# --- the recompute ---------------------------------------------------------------------------------

def result(page: Page, scenario: Scenario) -> Result:
    """The scenario's comparison in the page's scope and filters (cached; a spinner if it takes long)."""
    with st.spinner(page.t("scenarios.computing"), show_time=True):
        return _recompute(scenario.to_json(), page.scope.key, page.filters, page.db_path, page.data_version)


@st.cache_data(show_spinner=False, max_entries=32)
def _recompute(scenario_json: str, scope_key, flt: filters.Filters, db_path: str, data_version: str) -> Result:
    scope = Scope.from_key(scope_key)
    return scenarios.recompute(cache.connection(db_path), Scenario.from_json(scenario_json), scope, flt)


@st.cache_data(show_spinner=False, max_entries=64)
def _spec(chart: str, scenario_json: str, scope_key, flt: filters.Filters, db_path: str, data_version: str,
          lang: str) -> dict:
    res = _recompute(scenario_json, scope_key, flt, db_path, data_version)
    if chart == "change":
        return charts.scenario_change_by_province(res.provinces, lang).to_dict()
    if chart == "reviewed":
        return charts.scenario_reviewed_by_province(res.provinces, lang).to_dict()
    s = res.scenario
    return charts.review_curve(res.curve, lang, s.budget if s.review_by == "budget" else None).to_dict()


def _chart(page: Page, name: str, scenario: Scenario) -> dict:
    return _spec(name, scenario.to_json(), page.scope.key, page.filters, page.db_path, page.data_version,
                 page.lang)


# --- the views -------------------------------------------------------------------------------------

def _signed_tonnes(after: float, before: float, lang: str) -> str | None:
    """The change from `before` to `after`: +25.1 Mt (+0.07%) / -3,210.5万吨 (-1.20%), with a
    leading hyphen-minus (what st.metric reads as a fall) and the share of `before`, so that a
    change too small to move the rounded totals ("34.3 Gt, before 34.3 Gt") is still read; None
    for no change (a metric then shows no arrow)."""
    v = after - before
    if not v:
        return None
    text = ("+" if v > 0 else "-") + i18n.fmt_tonnes(abs(v), lang)
    if not before:
        return text
    return i18n.t("format.paren", lang, text=text, note=i18n.fmt_pct(v / before, lang, digits=2, signed=True))


def _signed_int(v: int) -> str | None:
    return None if not v else f"{v:+d}"


def _range(lo: float, hi: float, lang: str) -> str:
    """A penalty range, its unit written once where both ends share it: CNY 5.20–10.4 bn, 52.04–104.09亿元."""
    low, high = i18n.fmt_cny(lo, lang), i18n.fmt_cny(hi, lang)
    if lo == hi:
        return low
    unit = re.compile(r"^(CNY )?(.*?)(\s?[^\d\s.,]*)$")
    (p1, n1, u1), (p2, n2, u2) = unit.match(low).groups(), unit.match(high).groups()
    if lo and p1 == p2 and u1 == u2:
        return f"{p1 or ''}{n1}–{n2}{u2}"
    return i18n.t("scenarios.range", lang, low=low, high=high)


def metrics(page: Page, res: Result) -> None:
    """The scope's figures before and after: emissions, shortfall and penalties for the emission
    scenarios; enterprises reviewed and known cases caught for the rank scenarios."""
    t, lang, tot = page.t, page.lang, res.totals
    cells = []
    if "emissions_after_t" in tot:
        before = lambda v: t("scenarios.metric.before", value=i18n.fmt_tonnes(v, lang))  # noqa: E731
        cells += [
            dict(label=t("scenarios.metric.emissions"), value=i18n.fmt_tonnes(tot["emissions_after_t"], lang),
                 delta=_signed_tonnes(tot["emissions_after_t"], tot["emissions_before_t"], lang),
                 delta_description=before(tot["emissions_before_t"]), help=page.help("scenarios.metric.emissions.help")),
            dict(label=t("scenarios.metric.shortfall"), value=i18n.fmt_tonnes(tot["shortfall_after_t"], lang),
                 delta=_signed_tonnes(tot["shortfall_after_t"], tot["shortfall_before_t"], lang),
                 delta_description=before(tot["shortfall_before_t"]), help=page.help("scenarios.metric.shortfall.help")),
            dict(label=t("scenarios.metric.penalty"),
                 value=_range(tot["penalty_low_cny"], tot["penalty_high_cny"], lang),
                 help=page.help("scenarios.metric.penalty.help")),
            dict(label=t("scenarios.metric.fine"), value=_range(tot["fine_low_cny"], tot["fine_high_cny"], lang),
                 help=page.help("scenarios.metric.fine.help")),
        ]
        if "reviewed_after" not in tot:
            cells.append(dict(label=t("scenarios.metric.changed"), value=i18n.fmt_int(tot["enterprises_changed"], lang),
                              help=page.help("scenarios.metric.changed.help",
                                     months=i18n.fmt_int(tot["replaced_months"], lang))))
    if "reviewed_after" in tot:
        s = res.scenario
        rule = (t("scenarios.review.budget_rule", n=i18n.fmt_int(s.budget, lang)) if s.review_by == "budget"
                else t("scenarios.review.threshold_rule", score=f"{s.threshold:g}"))
        if "emissions_after_t" not in tot:
            cells.append(dict(label=t("scenarios.metric.reviewed"), value=i18n.fmt_int(tot["reviewed_after"], lang),
                              delta=_signed_int(tot["reviewed_after"] - tot["reviewed_before"]), delta_color="off",
                              delta_description=t("scenarios.metric.before",
                                                  value=i18n.fmt_int(tot["reviewed_before"], lang)),
                              help=page.help("scenarios.metric.reviewed.help", rule=rule,
                                     assessed=i18n.fmt_int(tot["assessed"], lang))))
        known = tot["known_cases"]
        cells.append(dict(
            label=t("scenarios.metric.caught"), delta_color="normal",
            value=i18n.fmt_int(tot["caught_after"], lang) if known else i18n.MISSING,
            delta=_signed_int(tot["caught_after"] - tot["caught_before"]) if known else None,
            delta_description=(t("scenarios.metric.before", value=i18n.fmt_int(tot["caught_before"], lang)) if known
                               else t("scenarios.metric.no_cases")),
            help=t("scenarios.metric.caught.help", known=i18n.fmt_int(known, lang)) + " " +
            page.help("scenarios.metric.reviewed.help", rule=rule, assessed=i18n.fmt_int(tot["assessed"], lang))))
        cells.append(dict(label=t("scenarios.metric.entering"), value=i18n.fmt_int(tot["entering"], lang),
                          delta_description=t("scenarios.metric.leaving", n=i18n.fmt_int(tot["leaving"], lang)),
                          help=page.help("scenarios.metric.entering.help", rule=rule,
                                 moved=i18n.fmt_int(tot["rank_changed"], lang))))
    with st.container(key="scenario_metrics"):
        for row in range(0, len(cells), METRICS_PER_ROW):  # three to a row: the labels and ranges stay whole
            for col, cell in zip(st.columns(METRICS_PER_ROW), cells[row:row + METRICS_PER_ROW]):
                col.metric(border=True, **{"delta_color": "off", **cell})
        if res.prices is not None:
            st.caption(_prices_caption(page, res))


def _prices_caption(page: Page, res: Result) -> str:
    t, lang = page.t, page.lang
    px = res.prices.dropna(subset=["price"])
    lo, hi = page.filters.year_from, page.filters.year_to
    px = px[(px["year"] >= (lo or 0)) & (px["year"] <= (hi or 9999))]
    items = []
    for r in px.itertuples():
        key = "scenarios.prices.item" if r.priced_month == r.price_month else "scenarios.prices.latest"
        items.append(t(key, year=int(r.year), price=t("unit.price", value=f"{r.price:,.2f}"),
                       month=i18n.fmt_period(r.priced_month, lang)))
    text = t("scenarios.prices.caption", prices=i18n.fmt_list(items, lang, "clause") or i18n.MISSING)
    return text if res.totals.get("priced", True) else f"{text} {t('scenarios.prices.unpriced')}"


def by_province(page: Page, res: Result) -> None:
    """Charts of the change by province, then every province of the scope, largest change first."""
    t, lang = page.t, page.lang
    emissions, ranks = "emissions_after_t" in res.provinces, "reviewed_after" in res.provinces
    with st.container(key="scenario_provinces"):
        st.subheader(t("scenarios.province.title"))
        charts_shown = []
        if emissions and (res.provinces["emissions_after_t"] != res.provinces["emissions_before_t"]).any():
            charts_shown.append(("scenarios.province.chart.emissions", "change"))
        if ranks and ((res.provinces["reviewed_after"] > 0) | (res.provinces["reviewed_before"] > 0)).any():
            charts_shown.append(("scenarios.province.chart.reviewed", "reviewed"))
        if not charts_shown:
            st.caption(t("scenarios.province.none"))
        for col, (title, name) in zip(st.columns(len(charts_shown) or 1, gap="large"), charts_shown):
            with col:
                st.markdown(f"**{t(title)}**")
                st.vega_lite_chart(_chart(page, name, res.scenario), width="stretch")
        table = tables.scenario_provinces(res.provinces, lang)
        tables.show(table, columns=tables.scenario_columns(table, lang), key=page.key("scenario_provinces"))
        st.caption(t("scenarios.province.caption", shown=charts.SCENARIO_PROVINCES_CHARTED))


def by_enterprise(page: Page, res: Result) -> None:
    t, lang = page.t, page.lang
    with st.container(key="scenario_enterprises"):
        st.subheader(t("scenarios.enterprise.title"))
        top = res.enterprises.head(ENTERPRISES_SHOWN)
        table = tables.scenario_enterprises(top, lang)
        event = tables.show(table, columns=tables.scenario_columns(table, lang), height=420, on_select="rerun",
                            selection_mode="single-row", key=page.key("scenario_enterprises"))
        st.caption(t("scenarios.enterprise.caption", shown=i18n.fmt_int(len(top), lang),
                     n=i18n.fmt_int(len(res.enterprises), lang)))
        picked = event["selection"]["rows"]
        if picked and picked[0] < len(top):
            page.go("pages/4_Enterprise.py", enterprise=top["enterprise_id"].iloc[picked[0]])


def curve(page: Page, res: Result) -> None:
    """Known cases caught against the review budget, before and after (rank scenarios only)."""
    if res.curve is None:
        return
    t, lang, s = page.t, page.lang, res.scenario
    if not res.totals.get("known_cases"):
        with st.container(key="scenario_curve"):
            st.subheader(t("scenarios.curve.title"))
            st.caption(t("scenarios.curve.none"))
        return
    budget = s.budget if s.review_by == "budget" else None
    caption = t("scenarios.curve.caption", budget=i18n.fmt_int(budget, lang) if budget is not None else i18n.MISSING)
    if page.synthetic:
        caption += " " + t("lab.eval.synthetic")
    shown, n = charts.curve_extent(res.curve, budget), len(res.curve) - 1
    if shown < n:
        caption += " " + t("scenarios.curve.zoom", shown=i18n.fmt_int(shown, lang), n=i18n.fmt_int(n, lang))
    chart_block(t("scenarios.curve.title"), _chart(page, "curve", s), caption, key="scenario_curve")


# --- save, share, download -------------------------------------------------------------------------

def link(page: Page, saved_id: str, flt: filters.Filters) -> str:
    """The shareable link of a saved scenario: language, id and its filters (self-contained)."""
    return page_url(PAGE) + "?" + urlencode({"lang": page.lang, PARAM: saved_id, **flt.to_query()})


def save_form(page: Page, scenario: Scenario) -> None:
    t = page.t
    with st.form("scenario_save", border=False):
        left, right = st.columns([4, 1], vertical_alignment="bottom")
        name = left.text_input(t("scenarios.save.name"), max_chars=scenarios.NAME_MAX, key="scenario_save_name",
                               placeholder=t("scenarios.save.placeholder"))
        allowed = page.user.can("save_scenarios")
        go = right.form_submit_button(t("scenarios.save.button"), icon=":material/bookmark_add:", width="stretch",
                                      disabled=not allowed)
    auth.may(page, "save_scenarios", "scenarios.save.refused")
    if not go or not allowed:
        return
    try:
        sid = scenarios.save(page.con, name, scenario, page.filters, page.scope, page.user)
    except ValueError as e:
        st.error(t("scenarios.save.invalid", problem=_plain_text(e)), icon=":material/block:")
        return
    st.success(t("scenarios.save.done", name=_escape(scenarios.validate_name(name)),
                 link=link(page, sid, page.filters)), icon=":material/bookmark_added:")


def saved_list(page: Page) -> None:
    """The scenarios saved inside the user's scope, newest first, each with its link."""
    t, lang = page.t, page.lang
    saved = scenarios.list_saved(page.con, page.scope)  # one small read, never cached: saves are live
    if not saved:
        st.caption(t("scenarios.saved.none"))
        return
    names = filter_names(page)
    table = tables.saved_scenarios(saved, lang, lambda s: link(page, s.scenario_id, s.filters),
                                   lambda f: filter_words.describe(f, lang, names))
    event = tables.show(table, columns={t("scenarios.col.name"): st.column_config.TextColumn(width="medium", pinned=True),
                                        t("scenarios.col.link"): st.column_config.TextColumn(width="medium")},
                        on_select="rerun", selection_mode="single-row",
                        key=page.key("scenario_saved_list", st.query_params.get(PARAM)))
    st.caption(t("scenarios.saved.select"))
    picked = event["selection"]["rows"]
    if picked and picked[0] < len(saved):
        chosen = saved[picked[0]]
        st.switch_page(PAGE, query_params={"lang": lang, PARAM: chosen.scenario_id, **chosen.filters.to_query()})


def downloads(page: Page, res: Result, saved: Saved | None) -> None:
    """CSV of each comparison and one Excel workbook, built only when clicked, in the page's language."""
    t, lang = page.t, page.lang
    stem = f"carbonwatch-scenario-{res.scenario.kind}-{lang}-{i18n.now_beijing().date().isoformat()}"
    about = about_rows(page, res, saved)
    with st.container(key="scenario_downloads", horizontal=True):
        auth.download(page, t("scenarios.download.provinces"),
                      lambda: tables.csv_bytes(tables.scenario_provinces(res.provinces, lang)),
                      file_name=f"{stem}-provinces.csv", mime="text/csv", level="aggregate", what="scenario_provinces",
                      icon=":material/download:", key="scenario_csv_provinces", help=page.help("scenarios.download.help"))
        auth.download(page, t("scenarios.download.enterprises"),
                      lambda: tables.csv_bytes(tables.scenario_enterprises(res.enterprises, lang)),
                      file_name=f"{stem}-enterprises.csv", mime="text/csv", level="enterprise",
                      what="scenario_enterprises", icon=":material/download:", key="scenario_csv_enterprises",
                      help=page.help("scenarios.download.help"))
        auth.download(page, t("scenarios.download.xlsx"), lambda: workbook(res, lang, about),
                      file_name=f"{stem}.xlsx", mime=XLSX, level="enterprise", what="scenario_xlsx",
                      icon=":material/table_view:", key="scenario_xlsx", help=page.help("scenarios.download.help"))


def workbook(res: Result, lang: str, about: list[tuple[str, str]]) -> bytes:
    """The Excel export: the parameters sheet, then one sheet per comparison."""
    t = lambda k: i18n.t(k, lang)  # noqa: E731
    sheets = [(t("scenarios.sheet.provinces"), tables.scenario_provinces(res.provinces, lang)),
              (t("scenarios.sheet.enterprises"), tables.scenario_enterprises(res.enterprises, lang))]
    if res.curve is not None:
        sheets.append((t("scenarios.sheet.curve"), tables.scenario_curve(res.curve, lang)))
    if res.prices is not None:
        sheets.append((t("scenarios.sheet.prices"), tables.scenario_prices(res.prices, lang)))
    title = f"{t('scenarios.title')}: {t('scenarios.kind.' + res.scenario.kind)}"
    return xlsx.workbook(xlsx.About(t("scenarios.sheet.about"), title, about, title_size=13, first_row=2,
                                    widths=(28, 100)),
                         [xlsx.Sheet(name, xlsx.frame_columns(df)) for name, df in sheets])


def about_rows(page: Page, res: Result, saved: Saved | None) -> list[tuple[str, str]]:
    """(label, value) rows: the scenario in words, then scope, filters, run and data version."""
    t, lang = page.t, page.lang
    rows = [(t("scenarios.about.scenario"), t(f"scenarios.kind.{res.scenario.kind}"))]
    rows += describe(res.scenario, lang, filter_names(page))
    if saved is not None and saved.scenario == res.scenario:
        rows.append((t("scenarios.about.saved"), f"{saved.name} ({saved.scenario_id})"))
    rows += [(t("scenarios.about.scope"), scope_label(page.scope, lang)),
             (t("scenarios.about.filters"), filter_words.describe(page.filters, lang, filter_names(page))),
             (t("scenarios.about.run"), page.run_id or i18n.MISSING),
             (t("scenarios.about.data_version"), page.data_version),
             (t("scenarios.about.generated"), i18n.fmt_datetime(i18n.now_beijing(), lang))]
    return rows


def describe(s: Scenario, lang: str, names: dict[str, str]) -> list[tuple[str, str]]:
    """The scenario's parameters in words, one (label, value) per parameter."""
    t = lambda k, **kw: i18n.t(k, lang, **kw)  # noqa: E731
    sep, none = t("sep.clause"), t("scenarios.none_selected")
    if isinstance(s, scenarios.CarbonDefault):
        return [(t("scenarios.param.rule_ids"),
                 sep.join(f"{r} {label_words.rule_title(r, lang)}" for r in s.rule_ids) or none),
                (t("scenarios.param.below"), f"{s.below:.4f}" if s.below is not None else none)]
    rows = []
    if isinstance(s, scenarios.ReviewBudget):
        rows += [(t("scenarios.param.severities"),
                  sep.join(f"{r}: {severity_label(v, lang)}" for r, v in s.severities) or none),
                 (t("scenarios.param.weights"),
                  sep.join(f"{t('component.' + c)} {w:g}" for c, w in zip(risk.COMPONENTS, s.weights))),
                 (t("scenarios.param.model"), t("scenarios.param.model.value", z_floor=f"{s.z_floor:g}",
                                                z_full=f"{s.z_full:g}", share=i18n.fmt_pct(s.contamination, lang)))]
    if isinstance(s, scenarios.UnreliableIntermediaries):
        rows += [(t(f"scenarios.param.{f}"), sep.join(names.get(i, i) for i in ids) or none)
                 for f, ids in s.agencies().items()]
    rule = (t("scenarios.review.budget_rule", n=i18n.fmt_int(s.budget, lang)) if s.review_by == "budget"
            else t("scenarios.review.threshold_rule", score=f"{s.threshold:g}"))
    return [*rows, (t("scenarios.param.review"), rule)]


def _escape(text: str) -> str:
    """User text shown in Markdown (a scenario's name): every Markdown character escaped."""
    return i18n.md_literal(text)


def _plain_text(e: Exception) -> str:
    return _escape(str(e))[:200]
