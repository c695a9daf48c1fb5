"""The Overview's "What changed" panel: new, resolved and moving enterprises against a chosen
baseline (the previous load's assessment when one is stored, or the year before), and three
suggested actions, each one click from its evidence. The deck opens with the same lines
(core.export.briefing, Briefing.changes)."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from core.insight import changes as change_insight
from core.store import changes as change_store
from core.ui.page import Page
from core.words import changes as change_words
from core.words import i18n

_BASIS = "changes_basis"
DOSSIER, AGENCIES, PROVINCE = "pages/4_Enterprise.py", "pages/6_Intermediaries.py", "pages/3_Province.py"


def bases(page: Page) -> dict[str, str]:
    """basis -> the run id to compare with ("" for the year before); the previous load's first."""
    previous = page.query(change_store.previous_assessment, run_id=page.run_id or "")
    out = {"assessment": previous["run_id"].iloc[0]} if len(previous) else {}
    return {**out, "year": ""}


def compute(page: Page, basis: str, before_run: str, agencies: pd.DataFrame) -> change_insight.Changes:
    """core.insight.changes.compare over the view's rows for the basis."""
    rows = page.query(change_store.risk_changes, before_run=before_run)
    if basis == "assessment":
        previous = page.query(change_store.previous_assessment, run_id=page.run_id or "").iloc[0]
        now = i18n.fmt_date(previous["current_created_at"], page.lang)
        before = i18n.fmt_date(previous["created_at"], page.lang)
    else:
        years = rows["year_now"].dropna()
        y = int(years.max()) if len(years) else None
        now, before = (str(y), str(y - 1)) if y is not None else (i18n.MISSING, i18n.MISSING)
    return change_insight.compare(rows, basis=basis, now=now, before=before, agencies=agencies)


def chosen_basis(page: Page) -> tuple[str, str]:
    """The basis the reader picked (the previous load when there is one), and its run id."""
    options = bases(page)
    if st.session_state.get(_BASIS) not in options:
        st.session_state[_BASIS] = next(iter(options))
    if len(options) > 1:
        st.segmented_control(page.t("changes.basis.label"), list(options), key=_BASIS, required=True,
                             format_func=lambda b: page.t(f"changes.basis.option.{b}"))
    basis = st.session_state[_BASIS]
    return basis, options[basis]


def panel(page: Page, agencies: pd.DataFrame) -> change_insight.Changes | None:
    """The panel; returns the Changes shown (for the deck), or None without an assessment."""
    t, lang = page.t, page.lang
    with st.container(key="changes", border=True):
        st.markdown(f"**{t('changes.title')}**")
        if page.run_id is None:
            st.caption(t("changes.no_run"))
            return None
        basis, before_run = chosen_basis(page)
        c = compute(page, basis, before_run, agencies)
        st.caption(change_words.baseline(c, lang))
        st.markdown("\n".join(f"- {i18n.md_literal(line)}" for line in change_words.lines(c, lang)))
        if c.actions:
            st.markdown(f"**{t('changes.actions')}**")
            for i, (a, text) in enumerate(zip(c.actions, change_words.actions(c, lang)), start=1):
                left, right = st.columns([12, 2], vertical_alignment="center")
                left.markdown(f"{i}\\. {i18n.md_literal(text)}")
                path, params = _target(a)
                right.page_link(path, label=t("changes.open"), icon=":material/arrow_forward:",
                                query_params=page.link(**params))
        st.caption(t("changes.caption"))
    return c


def _target(a: dict) -> tuple[str, dict]:
    if a["kind"] in ("visit", "look_back"):
        return DOSSIER, {"enterprise": a["enterprise_id"]}
    if a["kind"] == "agency":
        return AGENCIES, {"agency": a["agency_id"]}
    return PROVINCE, {"province": a["province_code"]}
