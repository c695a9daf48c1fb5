"""Overview: coverage, emissions, and two data-quality signals of the national market."""
import streamlit as st

from core import i18n, queries
from core.ui import charts, page_setup
from core.ui.widgets import chart_block

page = page_setup("overview.title")
lang, t = page.lang, page.t
st.caption(t("overview.intro"))

head = page.query("national_headline").iloc[0]
if not head["unit_months"]:
    st.info(t("overview.empty"))
    st.stop()
years = page.query("emissions_by_year")
measured = page.query("measured_share_by_year")
deposits = page.query("deposit_timeliness_by_year")
by_province = page.query("emissions_by_province")

# Headline: coverage, then the latest complete year against the one before.
latest, prev = queries.latest_complete(years)
year = int(latest["year"]) if latest is not None else int(years["year"].max())
change = latest["computed_t"] / prev["computed_t"] - 1 if prev is not None else None

coverage = st.columns(3)
coverage[0].metric(t("metric.enterprises"), i18n.fmt_int(head["enterprises"], lang), border=True,
                   help=t("metric.enterprises.help", provinces=i18n.fmt_int(head["provinces"], lang)))
coverage[1].metric(t("metric.units"), i18n.fmt_int(head["units"], lang), border=True,
                   help=t("metric.units.help", unit_months=i18n.fmt_int(head["unit_months"], lang),
                          first=i18n.fmt_period(head["first_period"], lang),
                          last=i18n.fmt_period(head["last_period"], lang)))
coverage[2].metric(t("metric.capacity"), i18n.fmt_capacity_mw(head["capacity_mw"], lang), border=True)
quality = st.columns(3)
quality[0].metric(t("metric.emissions", year=year),
                  i18n.fmt_tonnes(latest["computed_t"] if latest is not None else None, lang),
                  delta=i18n.fmt_pct(change, lang, signed=True) if change is not None else None, delta_color="off",
                  delta_description=t("metric.vs", year=year - 1) if change is not None else None,
                  help=t("metric.emissions.help", prev=year - 1), border=True)
quality[1].metric(t("metric.measured", year=year), i18n.fmt_pct(queries.in_year(measured, year, "share"), lang),
                  help=t("metric.measured.help"), border=True)
quality[2].metric(t("metric.on_time", year=year), i18n.fmt_pct(queries.in_year(deposits, year, "share"), lang),
                  help=t("metric.on_time.help"), border=True)

left, right = st.columns(2, gap="large")
with left:
    chart_block(t("chart.emissions.title"), charts.emissions_by_year(years, lang),
                t("chart.emissions.caption"), key="chart_emissions")
    chart_block(t("chart.on_time.title"), charts.share_by_year(deposits, lang),
                t("chart.on_time.caption"), key="chart_on_time")
with right:
    chart_block(t("chart.measured.title"),
                charts.share_by_year(measured, lang, reference=queries.published_measured_share()),
                t("chart.measured.caption"), key="chart_measured")
    chart_block(t("chart.province.title", year=int(by_province["year"].iloc[0]) if len(by_province) else year),
                charts.emissions_by_province(by_province, lang),
                t("chart.province.caption"), key="chart_province")

status = page.query("data_status")
st.divider()
if status.empty:
    st.caption(t("status.empty"))
else:
    s = status.iloc[0]
    st.caption(t("status.line", source=s["source"], when=i18n.fmt_datetime(s["loaded_at"], lang),
                 rows=i18n.fmt_int(s["rows"], lang)))
