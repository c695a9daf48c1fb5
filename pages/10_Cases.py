"""Cases: from a flag to a closed case. The queues (mine, open, overdue, decided, all) of the view,
a case with its frozen evidence, its timeline and the moves the user's role may make next; bulk
assignment; the self-examination campaigns and the look-back (回头看)."""
import streamlit as st

from core.ui import campaigns, page_setup
from core.ui import cases as case_ui

page = page_setup("cases.title", page_params=case_ui.PARAMS)
t = page.t

cid = case_ui.case_param()
if cid is not None:
    case_ui.case_view(page, cid)
    st.stop()

st.caption(t("cases.intro"))
section = case_ui.param("section", case_ui.SECTIONS) or "queues"
picked = st.segmented_control(t("cases.section"), case_ui.SECTIONS, default=section, key=page.key("section", section),
                              format_func=lambda s: t(f"cases.section.{s}"))
if picked and picked != section:
    st.query_params["section"] = picked
    st.rerun()
case_ui.show_result()
if section == "queues":
    case_ui.queue_view(page)
elif section == "campaigns":
    campaigns.campaign_section(page)
else:
    campaigns.lookback_section(page)
