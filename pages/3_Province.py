"""Province: a provincial office's drill-down. Its standing among the provinces, its enterprises by
risk, how their scores are spread and in which months rules fired; every enterprise opens its dossier."""
import streamlit as st

from core.store import risk_views
from core.ui import charts, page_setup, province
from core.ui.widgets import chart_block
from core.words import i18n

page = page_setup("province.title", page_params=(province.PARAM,))
lang, t = page.lang, page.t
st.caption(t("province.intro"))

# 1. Which province: ?province= (a known code inside the user's scope), else the picker.
code = province.chosen(page)
if code is None:
    st.info(t("province.choose"), icon=":material/map:")
    st.stop()
if page.run_id is None:
    st.info(t("province.no_run"), icon=":material/info:")
pv = province.narrowed(page, code)
run_id = page.run_id or i18n.MISSING
st.header(t("province.heading", name=province.name(code, lang), code=code), divider="gray")

# 2. Headline: size, flagged enterprises against the scope's rate, emissions, rank.
enterprises = pv.query(risk_views.enterprise_risk)
province.metrics(page, province.standing(enterprises, page.query(risk_views.risk_by_province), code))
st.caption(t("province.metrics.caption", run_id=run_id, formula=province.formula(lang)))

# 3. The enterprises, highest risk first; a row opens the dossier.
st.subheader(t("province.table"))
province.enterprise_table(page, code, enterprises)

# 4. How the risk scores are spread.
if enterprises["risk_score"].notna().any():
    chart_block(t("province.hist.title"), pv.spec(charts.risk_histogram, risk_views.enterprise_risk),
                t("province.hist.caption", width=charts.RISK_BIN, run_id=run_id,
                  bands=province.band_thresholds(lang)), key="province_hist")

# 5. When the rules fired, for the highest-risk enterprises; a cell opens the dossier.
cells = pv.query(risk_views.flag_heatmap, limit=province.HEATMAP_LIMIT)
province.heatmap(page, code, cells, pv.spec(charts.flag_heatmap, risk_views.flag_heatmap,
                                            query_params={"limit": province.HEATMAP_LIMIT}) if len(cells) else None)
