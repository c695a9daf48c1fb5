"""What-if scenarios: what if flagged carbon content were replaced by the default, the review budget
and weights were different, or an intermediary's reports could not be trusted? Recomputed live,
before against after, by province and by enterprise; saved scenarios reopen from a link."""
import streamlit as st

from core.ui import page_setup
from core.ui import scenarios as ui

page = page_setup("scenarios.title", page_params=(ui.PARAM,))
t = page.t
st.caption(t("scenarios.intro"))

# 1. A saved scenario from ?scenario=<id> (its kind, parameters and filters), else the last one shown.
saved = ui.opened(page)
if page.run_id is None:
    st.info(t("scenarios.no_run"), icon=":material/info:")

# 2. Which what-if, and its parameters: a form, recomputed on Recompute.
kind = ui.kind_picker(page)
scenario = ui.parameters(page, kind)
ui.saved_note(page, saved, scenario)

# 3. Before and after: the scope's figures, by province, by enterprise, and the review curve.
result = ui.result(page, scenario)
st.subheader(t("scenarios.results"))
ui.metrics(page, result)
ui.by_province(page, result)
ui.by_enterprise(page, result)
ui.curve(page, result)

# 4. Keep it: save under a name, reopen a saved one, take the figures away.
st.subheader(t("scenarios.save.title"))
ui.save_form(page, scenario)
ui.downloads(page, result, saved)
st.markdown(f"**{t('scenarios.saved.title')}**")
ui.saved_list(page)
