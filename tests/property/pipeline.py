"""One generated folder through the product, as a new user's file goes: load -> score -> evaluate
-> every page -> the briefing export, with the invariants every stage must keep."""
from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
from pptx import Presentation

from core.contract.access import Scope
from core.contract.filters import Filters
from core.engine import rules
from core.export import briefing
from core.insight import agencies as agency_insight
from core.insight import evaluate, runs
from core.store import catalog, db, detection, loader, surveillance
from core.store import cases as case_store
from core.ui.page import PAGES
from core.words import headline as headline_words
from core.words import i18n
from core.words.filters import describe

# Rules whose hits name a month (YYYY-MM); the others name a year (YYYY).
MONTHLY_RULES = {"R09", "R10", "R11", "R12", "R14", "R15", "R16", "R18"}
PERIOD = r"\d{4}(-(0[1-9]|1[0-2]))?"


def load(folder: Path, path: Path) -> None:
    con = db.connect(path)
    try:
        loader.load_folder(con, folder, source="property test")
    finally:
        con.close()


def assess(path: Path) -> runs.Run:
    """The default assessment, stored (as `core.cli score` makes it), with its invariants checked."""
    con = db.connect(path)
    try:
        run = runs.run(con)
        check_hits(con, runs.build_features(con, run.config.scope))
        check_scores(con, run)
        if not evaluate.labels(con).query("outcome == 'confirmed'").empty:
            check_evaluation(evaluate.evaluate(con, run))
        return run
    finally:
        con.close()


def check_hits(con, f) -> None:
    hits = rules.evaluate(f)
    known = set(detection.enterprise_year_inputs(con, Scope.national()).enterprise_id) | set(
        con.execute("SELECT enterprise_id FROM enterprises").df().enterprise_id)
    assert hits.enterprise_id.notna().all(), hits[hits.enterprise_id.isna()]
    assert hits.enterprise_id.isin(known).all()
    assert hits.period.notna().all() and hits.period.astype(str).str.fullmatch(PERIOD).all(), hits.period.unique()
    monthly = hits[hits.rule_id.isin(MONTHLY_RULES)]
    assert monthly.period.str.fullmatch(r"\d{4}-\d{2}").all(), monthly[["rule_id", "period"]]
    assert all(isinstance(json.loads(e), dict) for e in hits.evidence)


def check_scores(con, run: runs.Run) -> None:
    scores = con.execute("SELECT score, percentile FROM model_scores WHERE run_id = ?", [run.run_id]).df()
    assert np.isfinite(scores.score).all() and scores.percentile.between(0, 1).all()
    comp = con.execute("SELECT * FROM risk_components WHERE run_id = ?", [run.run_id]).df()
    assert not comp.duplicated(["enterprise_id", "year"]).any()  # one row per enterprise-year
    deposited = detection.enterprise_year_inputs(con, Scope.national())[["enterprise_id", "year"]]
    assert set(map(tuple, deposited.to_numpy().tolist())) <= set(zip(comp.enterprise_id, comp.year))
    ranked = runs.ranked(con, run.run_id)
    assert ranked.enterprise_id.is_unique and set(ranked.enterprise_id) == set(comp.enterprise_id)
    scored = ranked.risk_score.to_numpy(dtype=float)
    assert np.isfinite(scored).all() and ((scored >= 0) & (scored <= 100)).all()
    for r in comp.itertuples():  # every row with a score says why
        why = json.loads(r.reasons)
        assert (r.rules > 0) == bool(why["rules"]), r
        assert r.model <= 0 or why["model_unit"] is not None, r
        assert r.motive <= 0 or why["deficit_share"] is not None, r
        assert r.context <= 0 or why["context"] is not None, r
    flagged = ranked[ranked.band.isin(["critical", "high"])]
    assert all(any(v is not None and v != [] for v in json.loads(x).values()) for x in flagged.reasons)


def check_evaluation(ev: evaluate.Evaluation) -> None:
    assert 1 <= ev.budget_k <= ev.n_enterprises
    assert ev.per_pattern.recall.between(0, 1).all()
    m = ev.table.drop(columns="ranking").to_numpy(dtype=float)
    assert (np.isnan(m) | ((m >= 0) & (m <= 1))).all()


def export(path: Path, lang: str) -> None:
    """The Overview's briefing deck and workbook, from the frames the page shows (tests/app/test_overview)."""
    con = db.connect(path)
    try:
        f = Filters().with_run(runs.latest_assessment(con).run_id)
        n = Scope.national()
        fr = {name: catalog.SCOPED[name](con, n, f) for name in (
            "emissions_by_year", "risk_by_year", "measured_share_by_year", "deposit_timeliness_by_year",
            "enterprise_risk", "risk_by_province", "national_headline")}
        market = surveillance.market_by_month(con, f)
        agencies = agency_insight.leading(agency_insight.profile(con, n, f))
        handled = case_store.accountability(con, n, f)
        days = case_store.decision_days(con, n, f)
    finally:
        con.close()
    head = headline_words.headline(fr["emissions_by_year"], fr["risk_by_year"], fr["measured_share_by_year"],
                                   fr["deposit_timeliness_by_year"], market, lang)
    b = briefing.assemble(
        lang=lang, generated_at=dt.datetime(2026, 1, 5, 9, 0), as_of=fr["national_headline"]["last_period"].iloc[0],
        scope_text=i18n.t("scope.national", lang), filters_text=describe(Filters(), lang), figures=head,
        years=fr["emissions_by_year"], risk_years=fr["risk_by_year"], enterprises=fr["enterprise_risk"],
        provinces=fr["risk_by_province"], agencies=agencies, market=market, accountability=handled,
        decision_days=days)
    assert len(Presentation(io.BytesIO(briefing.to_pptx(b))).slides) >= 6
    assert len(openpyxl.load_workbook(io.BytesIO(briefing.to_xlsx(b))).worksheets) == 8


def deep_links(path: Path) -> list[tuple[str, dict[str, str]]]:
    """Every registered page, plus the pages that open one thing, on this folder's first of each."""
    con = db.connect(path)
    try:
        ent = con.execute("SELECT enterprise_id, province_code FROM enterprises ORDER BY 1 LIMIT 1").fetchone()
        # an agency with clients if there is one (a lab), else any
        agency = con.execute("SELECT agency_id FROM agencies ORDER BY kind <> 'lab', agency_id LIMIT 1").fetchone()
    finally:
        con.close()
    links = [(p.path, {}) for p in PAGES]
    links += [("pages/4_Enterprise.py", {"enterprise": ent[0]}), ("pages/3_Province.py", {"province": ent[1]})]
    if agency:
        links.append(("pages/6_Intermediaries.py", {"agency": agency[0]}))
    return links


@contextlib.contextmanager
def app_on(path: Path):
    """The app pointed at `path` with the national scope, its caches empty before and after."""
    import streamlit as st

    saved = {k: os.environ.get(k) for k in (db.ENV_VAR, "CARBONWATCH_SCOPE")}
    os.environ[db.ENV_VAR] = str(path)
    os.environ.pop("CARBONWATCH_SCOPE", None)
    st.cache_data.clear()
    st.cache_resource.clear()
    try:
        yield
    finally:
        st.cache_data.clear()
        st.cache_resource.clear()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def pages(path: Path, lang: str = "en") -> None:
    from tests.app import apptest

    with app_on(path):
        for page, query in deep_links(path):
            at = apptest.open_page(page, lang=lang, **query)
            assert not at.exception, (page, query, [e.message for e in at.exception])
            assert len(at.title) == 1, (page, query)
