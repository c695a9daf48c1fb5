"""Small rendering helpers shared by pages."""
from __future__ import annotations

import altair as alt
import streamlit as st


def chart_block(title: str, chart: alt.TopLevelMixin, caption: str, key: str) -> None:
    """A chart under its heading, with where its figures come from underneath."""
    with st.container(key=key):
        st.subheader(title)
        st.altair_chart(chart, width="stretch")
        st.caption(caption)
