"""Enterprise dossier: one click shows the evidence. Who the enterprise is and how risky, its units
against their peers month by month, the rules that fired and on what values, the model's view,
the dates behind its lab reports and deposits, its verification, allowances and trades."""
import streamlit as st

from core.engine import risk
from core.insight import runs
from core.store import dossiers
from core.ui import cases as case_ui
from core.ui import dossier, lab, page_setup, tables
from core.words import i18n
from core.words import reasons as reason_words

page = page_setup("enterprise.title", page_params=(dossier.PARAM,))
lang, t = page.lang, page.t
st.caption(t("enterprise.intro"))

# 1. Which enterprise: ?enterprise= inside the user's scope, else the picker.
profile = dossier.open_enterprise(page)
if profile is None:
    st.stop()
eid = profile["enterprise_id"]
run = page.run_id or i18n.MISSING
if page.run_id is None:
    st.info(t("enterprise.no_run"), icon=":material/info:")

# 2. Who: profile, risk, units.
province = profile[f"province_{lang}"]
st.header(profile["name"], divider="gray")
with st.container(key="profile"):
    colon = t("sep.colon")
    fields = [("id", f"`{eid}`"), ("province", province), ("city", profile["city"]),
              ("region", i18n.label("region", profile["grid_region"], lang)), ("group", profile["group_name"]),
              ("consultant", profile["consultant_name"])]
    st.markdown("  \n".join(f"**{t('enterprise.field.' + k)}**{colon}{v}" for k, v in fields if isinstance(v, str)))
    links = st.columns(2)
    links[0].page_link("pages/3_Province.py", label=t("enterprise.province_link", province=province),
                       icon=":material/map:", query_params=page.link(province=profile["province_code"]))
    links[1].page_link("pages/4_Enterprise.py", label=t("enterprise.choose_other"), icon=":material/search:",
                       query_params=page.link())
    st.caption(t("enterprise.profile.caption"))

with st.container(key="risk"):
    st.subheader(t("enterprise.risk"))
    years = page.query(dossiers.enterprise_risk_years, enterprise_id=eid)
    if years.empty:
        st.caption(t("enterprise.risk.none"))
    else:
        worst = years.iloc[0]
        cols = st.columns(1 + len(risk.COMPONENTS))
        cols[0].metric(t("col.risk_score"), f"{worst['risk_score']:.1f}", delta=t(f"band.{worst['band']}"),
                       delta_color=dossier.BAND_DELTA_COLOURS[worst["band"]], delta_arrow="off", border=True,
                       delta_description=t("enterprise.risk.in_year", year=int(worst["year"])),
                       help=page.help("enterprise.risk.rules", n=int(worst["n_rules"])))
        for col, c in zip(cols[1:], risk.COMPONENTS):
            col.metric(t("enterprise.risk.component", component=t(f"component.{c}"),
                         weight=f"{risk.DEFAULT_WEIGHTS[c]:.2f}"), f"{worst[c]:.2f}", border=True,
                       help=page.help(f"component.{c}.help"))
        st.markdown(t("enterprise.risk.reasons", reasons=reason_words.describe_reasons(worst["reasons"], lang)))
        st.caption(t("enterprise.risk.caption", run=run, formula=lab.formula(risk.DEFAULT_WEIGHTS, lang)))
        if len(years) > 1:
            st.caption(t("enterprise.risk.other_years", years=tables.risk_years(years.iloc[1:], lang)))

with st.container(key="dossier_case"):
    case_ui.enterprise_open(page, profile)

with st.container(key="units"):
    st.subheader(t("enterprise.units"))
    tables.show(tables.dossier_units(page.query(dossiers.enterprise_units, enterprise_id=eid), eid, lang), height="content")
    st.caption(t("enterprise.units.caption"))

# 3. Month by month, each unit against its peers; red points: months a rule fired on.
specs = dossier.chart_specs(page, eid)
st.subheader(t("enterprise.monthly"))
measures = [m for m in dossiers.DOSSIER_MEASURES if m in specs]
if not measures:
    st.caption(t("enterprise.monthly.empty"))
else:
    st.caption(t("enterprise.monthly.caption", min=dossiers.PEER_MIN))
for row in range(0, len(measures), 2):
    for col, measure in zip(st.columns(2, gap="large"), measures[row:row + 2]):
        with col:
            dossier.chart(t(f"enterprise.measure.{measure}"), specs[measure], dossier.measure_caption(measure, lang),
                          key=f"chart_{measure}")

# 4. The rules that fired, with their evidence in words.
with st.container(key="rule_hits"):
    st.subheader(t("enterprise.hits"))
    hits = page.query(dossiers.enterprise_rule_hits, enterprise_id=eid)
    if hits.empty:
        st.caption(t("enterprise.hits.none"))
    else:
        st.markdown(t("enterprise.hits.count", n=i18n.fmt_int(len(hits), lang)))
        widths = tables.dossier_widths(lang, period="small", unit="small", severity="small", rule="medium",
                                       evidence="large")
        tables.show(tables.dossier_hits(hits, eid, lang), columns=widths,
                    height="content" if len(hits) <= 12 else 440)
    st.caption(t("enterprise.hits.caption", run=run))

# 5. The model's view: score history and why the worst months stand out.
with st.container(key="model"):
    st.subheader(t("enterprise.model"))
    if "scores" not in specs:
        st.caption(t("enterprise.model.none"))
    else:
        dossier.chart(None, specs["scores"], t("enterprise.model.caption", run=run, z=f"{risk.MODEL_Z_FLOOR:g}"),
                      key="chart_scores")
        top_share = i18n.fmt_pct(runs.EXPLAIN_TOP, lang, digits=0)
        explained = tables.dossier_explained(page.query(dossiers.enterprise_model_scores, enterprise_id=eid), eid, lang)
        if explained.empty:
            st.caption(t("enterprise.model.unexplained", top=top_share))
        else:
            st.markdown(f"**{t('enterprise.model.explained')}**")
            tables.show(explained, formats=tables.dossier_explained_formats(lang),
                        columns=tables.dossier_widths(lang, why="large"), height="content")
            st.caption(t("enterprise.model.explained.caption", top=top_share))

# 6. When each month was sampled, tested, reported and deposited: a batch test is a vertical column.
with st.container(key="timeline"):
    st.subheader(t("enterprise.timeline"))
    if "timeline" not in specs:
        st.caption(t("enterprise.timeline.empty"))
    else:
        shared = tables.shared_test_dates(page.query(dossiers.enterprise_timeline, enterprise_id=eid), lang)
        st.markdown(shared or t("enterprise.timeline.own_dates"))
        dossier.chart(None, specs["timeline"], t("enterprise.timeline.caption"), key="chart_timeline")

# 7. Who served it, verification, allowances and trades.
dossier.agencies_section(page, eid)
dossier.table_section(page, "verifications", "enterprise.verification",
                      page.query(dossiers.enterprise_verifications, enterprise_id=eid), tables.dossier_verifications)
dossier.table_section(page, "allowances", "enterprise.allowances",
                      page.query(dossiers.enterprise_allowances, enterprise_id=eid), tables.dossier_allowances,
                      columns=tables.dossier_widths(lang, on_time=210))

with st.container(key="trades"):
    st.subheader(t("enterprise.trades"))
    trades = page.query(dossiers.enterprise_trades, enterprise_id=eid)
    if trades.empty:
        st.caption(t("enterprise.trades.none"))
    else:
        dossier.chart(t("enterprise.trades.net"), specs["trades"], t("enterprise.trades.net.caption"),
                      key="chart_trades")
        tables.show(tables.dossier_trades(trades, lang), height="content" if len(trades) <= 12 else 440)
        st.caption(t("enterprise.trades.caption"))
        dossier.counterparty_links(page, trades)
