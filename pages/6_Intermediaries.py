"""Intermediaries: the consultants, testing labs and verifiers behind the flagged enterprises, ranked
on the evidence against them; one opens with what stands out, its clients' risk against the base
rate, its test dates (labs), its clients, and a button that filters every page to them."""
import streamlit as st

from core.ui import agencies, page_setup
from core.ui import cases as case_ui
from core.ui.widgets import chart_block

page = page_setup("agencies.title", page_params=(agencies.PARAM,))
lang, t = page.lang, page.t
st.caption(t("agencies.intro"))
if page.run_id is None:
    st.info(t("agencies.no_run"), icon=":material/info:")

# 1. Every agency in the view, profiled; ?agency= (checked against the scope and filters) opens one.
profile = agencies.profile(page)
row = agencies.chosen(page, profile)

# 2. The chosen agency: what stands out, its clients against the view, its test dates, its clients.
if row is not None:
    aid = row["agency_id"]
    agencies.heading(page, row, profile)
    with st.container(key="agency_case", horizontal=True):
        case_ui.agency_open(page, row)
    agencies.signals(page, row)
    specs = agencies.chart_specs(page, aid, row["kind"])
    chart_block(t("agencies.chart.risk.title"), specs["risk"], t("agencies.chart.risk.caption"), key="agency_chart_risk")
    if "dates" in specs:  # labs with report dates
        chart_block(t("agencies.chart.dates.title"), specs["dates"], t("agencies.chart.dates.caption"),
                    key="agency_chart_dates")
    agencies.client_table(page, aid)
    st.divider()

# 3. The ranking of one kind; a row opens that agency.
kind = agencies.kind_picker(page, row)
agencies.ranking(page, profile, kind, row)
