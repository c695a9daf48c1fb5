"""Assessment runs in the database: model_runs, model_scores, rule_hits and risk_components,
written in one transaction per run; the confirmed case labels the evaluation reads."""
from __future__ import annotations

import pandas as pd

from core.contract.access import Scope
from core.store.db import fetch_df
from core.store.sql import scope_where

SCORE_COLUMNS = ["run_id", "enterprise_id", "unit_id", "period", "score", "percentile", "detector_scores",
                 "explanation"]
RUN_TABLES = ("model_scores", "rule_hits", "risk_components", "model_runs")


def run_row(con, run_id: str) -> pd.DataFrame:
    """The model_runs row of `run_id` (empty when there is none)."""
    return fetch_df(con, "SELECT * FROM model_runs WHERE run_id = ?", [run_id])


def save(con, run_row_values: list, scores: pd.DataFrame, hits: pd.DataFrame, comp: pd.DataFrame) -> None:
    """Replace the run (its model_runs row values in column order, then its scores, hits and
    components, each already carrying run_id) all or nothing."""
    run_id = run_row_values[0]
    cur = con.cursor()
    try:
        cur.execute("BEGIN TRANSACTION")
        for table in RUN_TABLES:
            cur.execute(f"DELETE FROM {table} WHERE run_id = ?", [run_id])
        cur.execute("INSERT INTO model_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", run_row_values)
        for table, frame in (("model_scores", scores), ("rule_hits", hits), ("risk_components", comp)):
            cur.register("frame", frame)
            cur.execute(f"INSERT INTO {table} SELECT * FROM frame")
            cur.unregister("frame")
        cur.execute("COMMIT")
    except Exception:
        cur.execute("ROLLBACK")
        raise
    finally:
        cur.close()


def components(con, run_id: str) -> pd.DataFrame:
    """The run's risk components with each enterprise's province."""
    return fetch_df(con, "SELECT c.* EXCLUDE (run_id), e.province_code FROM risk_components c "
                         "JOIN enterprises e USING (enterprise_id) WHERE run_id = ?", [run_id])


def case_labels(con, scope: Scope) -> pd.DataFrame:
    """enterprise_id, period, pattern, outcome of the past inspections in `scope`."""
    where, params = scope_where(scope, "e.province_code")
    return fetch_df(con, f"SELECT l.enterprise_id, l.period, l.pattern, l.outcome FROM case_labels l "
                         f"JOIN enterprises e USING (enterprise_id) WHERE {where}", params)


def worst_detector_scores(con, run_id: str, n_detectors: int, scope: Scope) -> pd.DataFrame:
    """Per enterprise in `scope`: its worst ensemble score (`ensemble`) and its worst score of
    each of the run's detectors (d0, d1, ...), indexed by enterprise_id."""
    cols = ", ".join(f"max(s.detector_scores[{i + 1}]) AS d{i}" for i in range(int(n_detectors)))  # our own ints
    where, params = scope_where(scope, "e.province_code")
    return fetch_df(con, f"SELECT s.enterprise_id, max(s.score) AS ensemble{', ' if cols else ''}{cols} "
                         f"FROM model_scores s JOIN enterprises e USING (enterprise_id) "
                         f"WHERE s.run_id = ? AND {where} GROUP BY ALL",
                    [run_id, *params]).set_index("enterprise_id")
