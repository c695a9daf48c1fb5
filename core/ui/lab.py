"""The Anomaly Lab's Streamlit glue: the run form, a run with visible progress, and cached reads
of stored runs (ranking, evaluation) keyed on small hashables (GUIDE 3).

The evaluation measures a ranking against two label sources: the planted demo labels (offered on
the synthetic demo only) and the decided cases. Decisions change far more often than the data, so
the decided evaluation is also keyed on the cases' version (core.store.cases.version): a changed
decision is seen at once.

A run is persisted by core.insight.runs under a hash of its inputs, so the page never caches runs
itself: it looks the run up (one small query) and computes only on an explicit Run.
"""
from __future__ import annotations

import json
import logging
import re
import threading
from dataclasses import dataclass
from typing import Callable

import pandas as pd
import streamlit as st

from core.contract import access
from core.contract.access import Scope
from core.engine import detectors, features, risk
from core.insight import evaluate, runs
from core.store import cases as case_store
from core.store import overview, risk_views
from core.ui import auth, cache, charts, tables
from core.ui.page import Page
from core.words import i18n
from core.words import labels as label_words

FLAGGED_SHOWN = 300  # rows of the flagged table sent to the browser
RANKED_SHOWN = 500
EXPORT_LIMIT = 50_000  # rows in the flagged-rows CSV
NEIGHBOUR = tuple(n for n, d in detectors.REGISTRY.items() if d.cost == "neighbour")
_CONFIG, _THRESHOLD = "lab_config", "lab_threshold"  # what the results show (survives a refused form)
# One model fit at a time per app process: fits compete for the same cores, and two sessions
# asking for the same run would otherwise both compute it.
_RUN_LOCK = threading.Lock()
_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Threshold:
    """Which rows count as flagged: the top `contamination` share, or ensemble score >= z."""

    method: str = "contamination"  # or "z"
    contamination: float = 0.01
    z: float = 5.0

    def query_params(self) -> dict:
        """The bounds of risk_views.flagged_rows."""
        if self.method == "z":
            return {"min_score": float(self.z)}
        return {"min_percentile": round(1.0 - self.contamination, 6)}


# --- the form ---------------------------------------------------------------------------------

def default_config(scope: Scope) -> runs.RunConfig:
    """The default assessment of the user's whole scope (for a national user: the stored national run)."""
    return runs.RunConfig(scope=scope)


def refusal(level: str, detector_names: list[str], feature_names: list[str], lang: str) -> str | None:
    """Why these settings cannot run, in words, or None when they can."""
    if not detector_names:
        return i18n.t("lab.refused.detectors", lang)
    if not feature_names:
        return i18n.t("lab.refused.features", lang)
    neighbours = [n for n in detector_names if n in NEIGHBOUR]
    if level == "unit_month" and neighbours:
        return i18n.t("lab.refused.neighbour", lang,
                      detectors=i18n.fmt_list((label_words.detector_label(n, lang) for n in neighbours), lang))
    return None


def controls(page: Page) -> tuple[runs.RunConfig, Threshold, bool]:
    """The run form. Returns the settings whose results to show, the threshold and whether Run was
    pressed; refused settings are explained and the previous ones stay on screen."""
    t, lang = page.t, page.lang
    shown = _shown_config(page)
    threshold = st.session_state.get(_THRESHOLD, Threshold())
    options = sorted(page.scope.provinces) if page.scope.provinces is not None else sorted(access.province_names())
    names = access.province_names()
    with st.form("lab_run"):
        st.markdown(f"**{t('lab.controls')}**")
        left, right = st.columns([3, 2], gap="large")
        provinces = left.multiselect(
            t("lab.scope"), options, default=_selected(shown.scope, page.scope), key="lab_provinces",
            format_func=lambda c: names[c][lang], placeholder=t("lab.scope.all"), help=page.help("lab.scope.help"))
        level = right.radio(t("lab.level"), runs.LEVELS, index=runs.LEVELS.index(shown.level), key="lab_level",
                            format_func=lambda v: t(f"level.{v}"), horizontal=True, help=page.help("lab.level.help"))
        feats = st.multiselect(t("lab.features"), list(features.MODEL_FEATURES), default=list(shown.features),
                               key="lab_features", format_func=lambda f: i18n.label("feature", f, lang))
        dets = st.multiselect(t("lab.detectors"), list(detectors.REGISTRY), default=list(shown.detectors),
                              key="lab_detectors", format_func=lambda n: detector_option(n, lang))
        st.caption(t("lab.neighbour.caption"))
        c1, c2, c3 = st.columns([2, 3, 2], gap="large")
        method = c1.radio(t("lab.threshold"), ("contamination", "z"), key="lab_threshold_method",
                          index=0 if threshold.method == "contamination" else 1,
                          format_func=lambda m: t(f"threshold.{m}"))
        contamination = c2.slider(t("lab.contamination"), 0.5, 10.0, threshold.contamination * 100, step=0.5,
                                  format="%.1f%%", key="lab_contamination")
        z = c3.number_input(t("lab.z"), min_value=1.0, max_value=30.0, value=float(threshold.z), step=0.5,
                            key="lab_z")
        allowed = page.user.can("run_models")
        submitted = st.form_submit_button(t("lab.run"), type="primary", icon=":material/play_arrow:",
                                          disabled=not allowed)
        auth.may(page, "run_models", "lab.run.refused")
    if not submitted or not allowed:
        return shown, threshold, False
    problem = refusal(level, dets, feats, lang)
    if problem:
        st.error(f"{problem}\n\n{t('lab.refused.previous')}", icon=":material/block:")
        return shown, threshold, False
    scope = page.scope if not provinces or set(provinces) == set(options) else Scope.of(provinces)
    config = runs.RunConfig(detectors=_in_order(dets, detectors.REGISTRY), features=_in_order(feats,
                            features.MODEL_FEATURES), level=level, scope=scope)
    threshold = Threshold(method, round(contamination / 100, 4), float(z))
    st.session_state[_CONFIG], st.session_state[_THRESHOLD] = config, threshold
    return config, threshold, True


def detector_option(name: str, lang: str) -> str:
    cost = detectors.REGISTRY[name].cost
    return i18n.t("lab.detector.option", lang, label=label_words.detector_label(name, lang),
                  cost=i18n.t(f"cost.{cost}", lang))


def _in_order(chosen: list[str], reference) -> tuple[str, ...]:
    """The choice in the registry's order, so the same set is the same run whatever the click order."""
    return tuple(n for n in reference if n in set(chosen))


def _shown_config(page: Page) -> runs.RunConfig:
    """The settings on screen: the last accepted ones, if still inside the user's scope, else the default."""
    config = st.session_state.get(_CONFIG)
    if isinstance(config, runs.RunConfig):
        try:
            page.within(config.scope)
            return config
        except PermissionError:
            pass
    if page.filters.provinces:  # the sidebar's provinces preset the run's (its other filters do not apply)
        return default_config(Scope.of(page.filters.provinces))
    return default_config(page.scope)


def _selected(run_scope: Scope, user_scope: Scope) -> list[str]:
    return [] if run_scope == user_scope or run_scope.provinces is None else sorted(run_scope.provinces)


# --- the run ------------------------------------------------------------------------------------

def current_run(page: Page, config: runs.RunConfig, submitted: bool) -> runs.Run | None:
    """The stored run for `config`; computed with visible progress when Run was pressed; else None
    with a note saying what to do."""
    try:
        return _stored_run(config.key(page.data_version), page.db_path, page.data_version)
    except LookupError:
        pass
    if not submitted:
        st.info(page.t("lab.not_run"), icon=":material/play_circle:")
        return None
    return run_with_progress(page, config)


def run_with_progress(page: Page, config: runs.RunConfig) -> runs.Run | None:
    t = page.t
    with st.status(t("lab.status.running"), expanded=True) as status:
        bar = st.progress(0.0, text=step_label("features", page.lang))

        def report(message: str, fraction: float) -> None:
            bar.progress(min(max(float(fraction), 0.0), 1.0), text=step_label(message, page.lang))

        if not _RUN_LOCK.acquire(blocking=False):
            st.caption(t("lab.status.waiting"))
            _RUN_LOCK.acquire()
        try:
            run = runs.run(page.con, config, progress=report, model_required=True, user=page.user)
        except Exception as e:  # e.g. too few rows in a small scope: the analyst reads why, the log keeps the trace
            _log.exception("run %s failed", config)
            status.update(label=t("lab.status.failed", reason=f"{type(e).__name__}: {e}"), state="error",
                          expanded=True)
            return None
        finally:
            _RUN_LOCK.release()
        if not run.from_store:
            cache.assessment_changed()  # the default run may be new: the risk pages read it from now on
        label = (t("lab.status.stored") if run.from_store
                 else t("lab.status.done", seconds=i18n.fmt_seconds(run.duration_s, page.lang)))
        status.update(label=label, state="complete", expanded=False)
    return run


def step_label(message: str, lang: str) -> str:
    """core.insight.runs progress messages in words: features, rules, detector:<name>, risk, context,
    saving, stored, done. Every step has a `step.<name>` key (a test reads the steps from runs.py):
    a new step without words fails that test instead of showing its raw name to the analyst."""
    if message.startswith("detector:"):
        name = message.split(":", 1)[1]
        if name == "ensemble":
            return i18n.t("step.ensemble", lang)
        return i18n.t("step.detector", lang, detector=label_words.detector_label(name, lang))
    return i18n.t(f"step.{message}", lang)


# --- what a run says about itself ----------------------------------------------------------------

def used_detectors(run: runs.Run) -> list[str]:
    """The detectors that scored, in the order of model_scores.detector_scores."""
    return list(run.agreement.get("detectors") or [d for d in run.config.detectors if d not in run.failed])


def dropped_features(run: runs.Run) -> list[str]:
    used = set(run.agreement.get("features") or run.config.features)
    return [f for f in run.config.features if f not in used]


def repaired(run: runs.Run) -> dict[str, int]:
    """Non-finite scores repaired per detector (from the run's notes)."""
    if isinstance(run.agreement.get("repaired"), dict):
        return {k: int(v) for k, v in run.agreement["repaired"].items() if v}
    out = {}
    for note in run.agreement.get("notes", []):
        if note.startswith("repaired non-finite scores:"):
            out.update({m[0]: int(m[1]) for m in re.findall(r"(\w+) (\d+)", note.split(":", 1)[1])})
    return out


def scope_label(scope: Scope, lang: str) -> str:
    if scope.provinces is None:
        return i18n.t("lab.scope.national", lang)
    names = access.province_names()
    return i18n.fmt_list((names[c][lang] for c in sorted(scope.provinces)), lang)


# --- weights ------------------------------------------------------------------------------------

def weights_input(page: Page) -> dict[str, float]:
    """Four number inputs for the risk weights (defaults: risk.DEFAULT_WEIGHTS); all zero falls back
    to the defaults with a warning."""
    cols = st.columns(len(risk.COMPONENTS))
    w = {c: float(col.number_input(page.t(f"col.{c}"), min_value=0.0, max_value=10.0, step=0.05,
                                   value=float(risk.DEFAULT_WEIGHTS[c]), key=f"lab_weight_{c}",
                                   help=page.help(f"component.{c}.help")))
         for c, col in zip(risk.COMPONENTS, cols)}
    if sum(w.values()) <= 0:
        st.warning(page.t("lab.weights.zero"))
        return dict(risk.DEFAULT_WEIGHTS)
    return w


def formula(weights: dict[str, float], lang: str) -> str:
    terms = " + ".join(f"{weights[c]:.2f} × {i18n.t(f'component.{c}', lang)}" for c in risk.COMPONENTS)
    bands = i18n.fmt_list((f"{i18n.t(f'band.{name}', lang)} ≥ {lo:g}" for name, lo in risk.BANDS[:-1]), lang, "comma")
    return i18n.t("lab.weights.formula", lang, terms=terms, total=f"{sum(weights.values()):.2f}", bands=bands)


def band_range(band: str) -> str:
    """'≥ 50' or '30–50' for a band of risk.BANDS."""
    bounds = dict(risk.BANDS)
    higher = [lo for name, lo in risk.BANDS if lo > bounds[band]]
    return f"≥ {bounds[band]:g}" if not higher else f"{bounds[band]:g}–{min(higher):g}"


# --- cached reads of a stored run ----------------------------------------------------------------

def _weights_key(weights: dict[str, float]) -> tuple[float, ...]:
    return tuple(round(float(weights[c]), 6) for c in risk.COMPONENTS)


def ranked(page: Page, run: runs.Run, weights: dict[str, float]) -> pd.DataFrame:
    """Every enterprise of the run in its scope, highest risk first, with name and province."""
    return _ranked(run.run_id, _weights_key(weights), run.config.scope.key, page.db_path, page.data_version)


def ranked_table(page: Page, run: runs.Run, weights: dict[str, float]) -> pd.DataFrame:
    """ranked() as the display table in the page's language (every enterprise; the page shows the top)."""
    return _ranked_table(run.run_id, _weights_key(weights), run.config.scope.key, page.lang, page.db_path,
                         page.data_version)


def flagged_table(page: Page, run: runs.Run, threshold: Threshold) -> tuple[pd.DataFrame, int]:
    """The top FLAGGED_SHOWN rows above the threshold as the display table, and how many pass it in all."""
    return _flagged_table(run.run_id, tuple(sorted(threshold.query_params().items())), run.config.scope.key,
                          run.config.level, tuple(used_detectors(run)), page.lang, page.db_path, page.data_version)


def agreement_spec(run: runs.Run, which: str, lang: str, value_title: str, diverging: bool = False) -> dict:
    """The Vega-Lite spec of a detector agreement heatmap ('spearman' or 'top1pct_overlap'), built once
    per run and language: Altair's validation costs more than the rest of a warm rerun."""
    return _agreement_spec(json.dumps(run.agreement.get(which, {}), sort_keys=True), tuple(used_detectors(run)),
                           lang, value_title, diverging)


@st.cache_data(show_spinner=False, max_entries=64)
def _agreement_spec(matrix_json: str, names: tuple[str, ...], lang: str, value_title: str, diverging: bool) -> dict:
    # stored as {compared with: {detector: value}}: rows are the detector, columns the one compared with
    m = pd.DataFrame(json.loads(matrix_json)).reindex(index=list(names), columns=list(names))
    return charts.detector_matrix(m, lang, value_title, diverging=diverging).to_dict()


@st.cache_data(show_spinner=False, max_entries=64)
def _ranked_table(run_id: str, weights: tuple[float, ...], scope_key, lang: str, db_path: str,
                  data_version: str) -> pd.DataFrame:
    return tables.ranked(_ranked(run_id, weights, scope_key, db_path, data_version), lang)


@st.cache_data(show_spinner=False, max_entries=64)
def _flagged_table(run_id: str, bounds: tuple, scope_key, level: str, names: tuple[str, ...], lang: str, db_path: str,
                   data_version: str) -> tuple[pd.DataFrame, int]:
    rows = risk_views.flagged_rows(cache.connection(db_path), Scope.from_key(scope_key), run_id, limit=FLAGGED_SHOWN, **dict(bounds))
    return tables.flagged_rows(rows, list(names), level, lang), int(rows["flagged"].iloc[0]) if len(rows) else 0


def evaluation(page: Page, run: runs.Run, budget: float, weights: dict[str, float],
               labels: str = "planted") -> evaluate.Evaluation | None:
    """core.insight.evaluate for the run against `labels` (evaluate.LABEL_SOURCES), or None when the
    scope has no confirmed label of that source. Decided labels are keyed on the cases' version."""
    return _evaluation(run.run_id, round(float(budget), 4), _weights_key(weights), run.config.scope.key,
                       page.db_path, page.data_version, labels, cases_version(page, labels))


def cases_version(page: Page, labels: str) -> str:
    """The cache key of what `labels` depends on beyond the data: the cases' version for decided
    labels (a live read, ~1 ms), nothing for the planted ones."""
    return case_store.version(page.con) if labels == "decided" else ""


LABELS_KEY = "lab_eval_labels"


def label_sources(page: Page) -> tuple[str, ...]:
    """The label sources the Lab offers: the planted demo labels only on the synthetic demo (they are
    what the generator planted), the decided cases always."""
    return evaluate.LABEL_SOURCES if page.synthetic else ("decided",)


def evaluations(page: Page, run: runs.Run, budget: float,
                weights: dict[str, float]) -> dict[str, evaluate.Evaluation | None]:
    """evaluation() for every label source offered, in label_sources' order."""
    return {s: evaluation(page, run, budget, weights, s) for s in label_sources(page)}


def decided_cases(page: Page, run: runs.Run) -> pd.DataFrame:
    """The decided enterprise cases in the run's scope (a page query keyed on the cases' version)."""
    return page.within(run.config.scope).query(case_store.decided_labels, at=cases_version(page, "decided"))


def label_counts(page: Page, run: runs.Run, evs: dict[str, evaluate.Evaluation | None]) -> dict[str, int]:
    """How many labels each source holds in the run's scope: planted labels, decided cases."""
    out = {s: (ev.n_labels if ev is not None else 0) for s, ev in evs.items()}
    if "decided" in evs and evs["decided"] is None:
        out["decided"] = len(decided_cases(page, run))
    return out


def label_choice(page: Page, counts: dict[str, int]) -> str:
    """Which labels the evaluation shows: a segmented control when there is a choice (planted demo
    labels / decided cases, each with its count), else the one source offered."""
    sources = list(counts)
    if len(sources) == 1:
        return sources[0]
    return st.segmented_control(
        page.t("lab.eval.labels"), sources, key=LABELS_KEY, required=True, default=sources[0],
        format_func=lambda s: page.t(f"lab.eval.labels.{s}", n=i18n.fmt_int(counts[s], page.lang)),
        help=page.help("lab.eval.labels.help"))


_DECIDED_COLUMNS = {"decided": "lab.eval.col.decided", "precision_decided": "lab.eval.col.precision_decided"}


def evaluation_table(ev: evaluate.Evaluation, lang: str) -> tuple[pd.DataFrame, dict[str, str]]:
    """The evaluation table in words and its column formats: tables.evaluation for the metrics of
    every label source, and for decided labels the decided@k and precision_decided@k columns beside
    each precision@k."""
    table = ev.table
    extra = {c: i18n.t(_DECIDED_COLUMNS[c.split("@")[0]], lang, k=c.split("@")[1]) for c in table.columns
             if c.split("@")[0] in _DECIDED_COLUMNS}
    base = table.drop(columns=list(extra))
    shown = tables.evaluation(base, lang)
    names = dict(zip(base.columns, shown.columns)) | extra
    out = pd.concat([shown, table[list(extra)].rename(columns=extra)], axis=1)[[names[c] for c in table.columns]]
    formats = tables.evaluation_formats(base, lang) | {
        name: ("%d" if c.startswith("decided@") else "%.3f") for c, name in extra.items()}
    return out, formats


@st.cache_data(show_spinner=False, max_entries=64)
def _stored_run(run_id: str, db_path: str, data_version: str) -> runs.Run:
    """A stored run never changes under its id (the id hashes its inputs and the data version);
    raising when absent keeps 'not yet run' out of the cache."""
    run = runs.find(cache.connection(db_path), run_id)
    if run is None:
        raise LookupError(run_id)
    return run


@st.cache_data(show_spinner=False, max_entries=64)
def _ranked(run_id: str, weights: tuple[float, ...], scope_key, db_path: str, data_version: str) -> pd.DataFrame:
    con = cache.connection(db_path)
    scope = Scope.from_key(scope_key)
    rank = runs.ranked(con, run_id, dict(zip(risk.COMPONENTS, weights)), scope)
    names = overview.enterprise_directory(con, scope)
    return rank.merge(names, on="enterprise_id", how="left", sort=False)


@st.cache_data(show_spinner=False, max_entries=64)
def _evaluation(run_id: str, budget: float, weights: tuple[float, ...], scope_key, db_path: str,
                data_version: str, labels: str = "planted", cases_version: str = "") -> evaluate.Evaluation | None:
    """`cases_version` (core.store.cases.version, for decided labels) is only a key: a changed
    decision is a new entry."""
    con = cache.connection(db_path)
    run = runs.find(con, run_id)
    if run is None:
        return None
    try:
        return evaluate.evaluate(con, run, budget=budget, weights=dict(zip(risk.COMPONENTS, weights)),
                                 scope=Scope.from_key(scope_key), labels=labels, at=cases_version)
    except LookupError:
        return None


# --- downloads ----------------------------------------------------------------------------------

def flagged_csv(page: Page, run: runs.Run, threshold: Threshold) -> Callable[[], bytes]:
    """The flagged rows as CSV, made only when the analyst clicks (Streamlit runs it on its own thread:
    it takes its own cursor and touches no st.* call)."""
    # the user's scope, not the run's: a national run opened by a provincial analyst exports only
    # the rows of the analyst's provinces
    con, scope, lang, names, level = page.con, page.scope, page.lang, used_detectors(run), run.config.level

    def make() -> bytes:
        rows = risk_views.flagged_rows(con, scope, run.run_id, limit=EXPORT_LIMIT, **threshold.query_params())
        return tables.csv_bytes(tables.flagged_rows(rows, names, level, lang))

    return make


def ranked_csv(table: pd.DataFrame) -> Callable[[], bytes]:
    return lambda: tables.csv_bytes(table)
