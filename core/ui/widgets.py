"""Small rendering helpers shared by pages."""
from __future__ import annotations

import altair as alt
import streamlit as st


def chart_block(title: str, chart: alt.TopLevelMixin | dict, caption: str, key: str) -> None:
    """A chart under its heading, with where its figures come from underneath. `chart` is an Altair
    chart or a ready Vega-Lite spec (a cached one skips Altair's validation on every rerun)."""
    with st.container(key=key):
        st.subheader(title)
        if isinstance(chart, dict):
            st.vega_lite_chart(chart, width="stretch")
        else:
            st.altair_chart(chart, width="stretch")
        st.caption(caption)
