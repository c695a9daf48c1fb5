"""Overview: the leadership briefing. Headline figures with their change, a summary written
from the data, where the risk is (tile map), who to look at first, which intermediaries
recur, the trends and the market; one click exports it as a deck and a workbook."""
import streamlit as st

from core.insight import agencies as agency_insight
from core.insight import headline
from core.contract import cases as case_rules
from core.store import cases, intermediaries, overview, risk_views, surveillance
from core.ui import agencies as agency_ui
from core.ui import changes as change_ui
from core.ui import cases as case_ui
from core.ui import charts, page_setup, tables
from core.ui.export import briefing_buttons
from core.ui.widgets import chart_block
from core.words import accountability as accountability_words
from core.words import headline as headline_words
from core.words import i18n

page = page_setup("overview.title")
lang, t = page.lang, page.t

head = page.query(overview.national_headline).iloc[0]
if not head["unit_months"]:
    st.info(t("overview.empty"))
    st.stop()
years = page.query(overview.emissions_by_year)
risk_years = page.query(risk_views.risk_by_year)
market = page.query(surveillance.market_by_month)
enterprises = page.query(risk_views.enterprise_risk)
provinces = page.query(risk_views.risk_by_province)
agencies = agency_insight.leading(agency_ui.profile(page))  # the Intermediaries page's score, every kind
case_view = {"at": cases.version(page.con)}  # cases change far more often than the data: the cache key
accountability = page.query(cases.accountability, **case_view)
year = headline.headline_year(years)
if page.run_id is None:
    st.warning(t("overview.no_run"), icon=":material/info:")

# --- in brief: the summary, the headline figures, the export ------------------------------------
with st.container(key="summary"):
    st.markdown(f"**{t('overview.summary')}** · "
                + page.derive(headline_words.overview_summary, risk_views.enterprise_risk, risk_views.risk_by_province,
                              intermediaries.agency_summary, intermediaries.agency_patterns, risk_views.risk_by_year,
                              year=year))
changed = change_ui.panel(page, agencies)  # what changed since the previous briefing, and what to do
figures = page.derive(headline_words.headline, overview.emissions_by_year, risk_views.risk_by_year,
                      overview.measured_share_by_year, overview.deposit_timeliness_by_year, surveillance.market_by_month)
helps = [page.help("headline.flagged.help", run=page.run_id or "—"), None,
         *(page.help(k) for k in ("headline.emissions.help", "metric.measured.help", "metric.on_time.help",
                                  "headline.price.help"))]
cells = [c for _ in range(2) for c in st.columns(3)]
for col, row, help_text in zip(cells, figures.itertuples(), helps):
    col.metric(row.label, headline_words.fmt_value(row.value, row.kind, lang), help=help_text, border=True,
               delta=headline_words.fmt_change(row.value, row.previous, row.kind, lang), delta_description=row.note,
               delta_arrow=headline_words.change_arrow(row.value, row.previous, row.kind),
               delta_color="inverse" if row.kind == "int" else "off")
st.caption(t("overview.coverage", enterprises=i18n.fmt_int(head["enterprises"], lang),
             units=i18n.fmt_int(head["units"], lang), capacity=i18n.fmt_capacity_mw(head["capacity_mw"], lang),
             first=i18n.fmt_period(head["first_period"], lang), last=i18n.fmt_period(head["last_period"], lang)))
briefing_buttons(page, figures=figures, years=years, risk_years=risk_years, enterprises=enterprises,
                 provinces=provinces, agencies=agencies, market=market, changes=changed,
                 accountability=accountability, decision_days=page.query(cases.decision_days, **case_view))

# --- who to look at first ------------------------------------------------------------------------
with st.container(key="top_risks"):
    st.subheader(t("overview.top.title"))
    top = enterprises.dropna(subset=["risk_score"]).head(10)
    ev = tables.show(tables.top_risks(top, lang), columns=tables.top_risk_columns(lang), band_column=t("col.band"),
                     wrap=True, height="content", on_select="rerun",
                     selection_mode="single-row", key=page.key("top"))
    st.caption(t("overview.top.caption"))
    case_ui.open_top(page, enterprises, key="open_top")
    if ev["selection"]["rows"]:
        page.go("pages/4_Enterprise.py", enterprise=top.iloc[ev["selection"]["rows"][0]]["enterprise_id"])

# --- where, and through whom ---------------------------------------------------------------------
map_col, agency_col = st.columns([6, 5], gap="large")
with map_col, st.container(key="tile_map"):
    st.subheader(t("overview.map.title"))
    ev = st.vega_lite_chart(page.spec(charts.province_tiles, risk_views.risk_by_province), on_select="rerun",
                            selection_mode=list(charts.TILE_SELECTIONS), key=page.key("tiles"), width="stretch")
    st.caption(t("overview.map.caption"))
    picked = charts.picked_tile(ev)
    if picked and page.scope.allows(picked):
        page.go("pages/3_Province.py", province=picked)
with agency_col, st.container(key="agencies"):
    st.subheader(t("overview.agencies.title"))
    ev = tables.show(tables.agencies(agencies, lang), columns=tables.agency_columns(lang), wrap=True, height="content",
                     on_select="rerun",
                     selection_mode="single-row", key=page.key("agencies"))
    base = agencies["base_rate"].iloc[0] if len(agencies) else None
    st.caption(t("overview.agencies.caption", base=i18n.fmt_pct(base, lang)))
    if ev["selection"]["rows"]:
        page.go("pages/6_Intermediaries.py", agency=agencies.iloc[ev["selection"]["rows"][0]]["agency_id"])

# --- accountability: how the flags taken up as cases are handled ----------------------------------
with st.container(key="accountability"):
    st.subheader(t("accountability.title"))
    if accountability.empty:
        st.caption(t("accountability.none"))
    else:
        st.markdown(page.derive(accountability_words.overview_sentence, cases.accountability, cases.decision_days,
                                query_params=case_view))
        shown = page.derive(accountability_words.overview_metrics, cases.accountability, cases.decision_days,
                            query_params=case_view)
        cells = [c for _ in range(0, len(shown), accountability_words.ROW) for c in st.columns(accountability_words.ROW)]
        for col, m in zip(cells, shown):
            col.metric(m.label, m.text, help=page.help(m.help_key, **dict(m.help_values)), border=True)
        ev = tables.show(tables.accountability(accountability, lang), columns=tables.accountability_columns(
                             accountability, lang), on_select="rerun", selection_mode="single-row",
                         key=page.key("accountability", case_view["at"]))
        st.caption(t("accountability.caption"))
        if ev["selection"]["rows"]:
            code = accountability.iloc[ev["selection"]["rows"][0]]["province_code"]
            page.go("pages/10_Cases.py", queue="open", prov=None if code == case_rules.NATIONAL_OFFICE else code)

# --- trends and the market -----------------------------------------------------------------------
left, right = st.columns(2, gap="large")
with left:
    chart_block(t("chart.emissions.title"), page.spec(charts.emissions_by_year, overview.emissions_by_year),
                t("chart.emissions.caption"), key="chart_emissions")
    chart_block(t("chart.measured.title"), page.spec(charts.measured_share, overview.measured_share_by_year),
                t("chart.measured.caption"), key="chart_measured")
with right:
    chart_block(t("overview.risk_trend.title"), page.spec(charts.risk_trend, risk_views.risk_by_year),
                t("overview.risk_trend.caption"), key="chart_risk_trend")
    chart_block(t("overview.market.title"), page.spec(charts.market_strip, surveillance.market_by_month),
                t("overview.market.caption"), key="chart_market")
