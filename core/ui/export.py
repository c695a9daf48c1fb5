"""The briefing export buttons: a PowerPoint deck and an Excel workbook of what the Overview shows.

The files are built only when a button is clicked (Streamlit's deferred download data), from the
very frames the page has on screen, so the export and the screen cannot disagree and a rerun
never pays for building them.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from core.contract import access
from core.export import briefing
from core.store import overview
from core.ui import auth
from core.ui.page import Page, scope_label
from core.words import filters as filter_words
from core.words import i18n

PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def filter_names(page: Page) -> dict[str, str]:
    """Display names for ids the filters may hold: provinces and intermediaries."""
    names = {c: n[page.lang] for c, n in access.province_names().items()}
    choices = page.query(overview.filter_choices)
    named = choices[choices["kind"].isin(["consultant", "lab", "verifier"])]
    names.update(dict(zip(named["id"], named["name"])))
    return names


def build(page: Page, frames: dict[str, pd.DataFrame]) -> briefing.Briefing:
    head = page.query(overview.national_headline).iloc[0]
    return briefing.assemble(
        lang=page.lang, generated_at=i18n.now_beijing(), as_of=head["last_period"],
        scope_text=scope_label(page.scope, page.lang),
        filters_text=filter_words.describe(page.filters, page.lang, filter_names(page)), **frames)


def briefing_buttons(page: Page, **frames: pd.DataFrame) -> None:
    """`frames`: figures (core.insight.headline.headline), years, risk_years, enterprises, provinces,
    agencies, market, changes, and accountability and decision_days (core.store.cases, at the case
    version the Overview read), as the Overview shows them."""
    """Two download buttons side by side, each building its file on click."""
    t = page.t
    with st.container(key="export", horizontal=True):
        # the briefing names the highest-risk enterprises: an enterprise-level export
        auth.download(page, t("overview.export.pptx"), lambda: briefing.to_pptx(build(page, frames)),
                      file_name=f"{_stem(page)}.pptx", mime=PPTX, level="enterprise", what="briefing_pptx",
                      icon=":material/slideshow:", help=page.help("overview.export.help"), key="export_pptx")
        auth.download(page, t("overview.export.xlsx"), lambda: briefing.to_xlsx(build(page, frames)),
                      file_name=f"{_stem(page)}.xlsx", mime=XLSX, level="enterprise", what="briefing_xlsx",
                      icon=":material/table_view:", help=page.help("overview.export.help"), key="export_xlsx")


def _stem(page: Page) -> str:
    return f"carbonwatch-briefing-{page.lang}-{i18n.now_beijing().date().isoformat()}"  # the Beijing date
