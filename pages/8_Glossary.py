"""Glossary: every term the dashboard uses, defined in words with the constants taken from the code,
one anchor per term (/Glossary#robust-z) so that any `?` help can link to its entry."""
import streamlit as st

from core.ui import page_setup
from core.words import glossary, i18n

page = page_setup("glossary.title", applies=())
lang, t = page.lang, page.t
st.caption(t("glossary.intro"))
query = st.text_input(t("glossary.search"), placeholder=t("glossary.search.placeholder"), key="glossary_search")
needle = query.strip().casefold()
shown = [e for e in glossary.entries(lang) if not needle or needle in e[1].casefold() or needle in e[2].casefold()]
if not shown:
    st.info(t("glossary.none", text=i18n.md_literal(query.strip())))
for term_id, term, definition in shown:
    with st.container(key=f"term_{term_id}"):
        st.subheader(term, anchor=term_id)
        st.markdown(definition)
