"""The two symptoms of issue 13, checked directly: rule R11 on plant-months whose lab report date is
empty, and the agencies code handed a rule hit whose period is null."""
from __future__ import annotations

import pandas as pd

from core.engine import rules
from core.insight import agencies, runs
from core.store import db, loader
from tests.property.strategies import Spec, write

# Measured coal every month, no sample/test/report date anywhere, all before April 2022: R11 has
# nothing to say (the Hypothesis example that first found the 14 empty hits).
EMPTY_DATES = Spec(seed=586, enterprises=2, start="2021-04", months=7, units_max=1, provinces=3, gas_share=0.0,
                   carbon="mixed", empty_dates=1.0, late_share=0.1, verified=0.5, allocations=False, trades=0,
                   market="absent", idle_agencies=0, constant=True)


def _features(spec: Spec, tmp_path):
    write(spec, tmp_path / "files")
    con = db.connect(tmp_path / "x.duckdb")
    try:
        loader.load_folder(con, tmp_path / "files")
        return runs.build_features(con, runs.RunConfig().scope)
    finally:
        con.close()


def test_r11_gives_no_hit_for_rows_without_a_report_date(tmp_path):
    f = _features(EMPTY_DATES, tmp_path)
    assert len(f.plant_months) and f.plant_months.report_date.isna().all()
    assert rules.lab_report_late(f).empty
    hits = rules.evaluate(f)
    assert hits.enterprise_id.notna().all() and hits.period.notna().all()


def test_r11_still_fires_on_a_late_report_with_empty_dates_elsewhere(tmp_path):
    # from April 2022 on, some months without dates and every report 1-45 days after the test
    spec = Spec(seed=3, enterprises=4, start="2022-06", months=12, carbon="measured", empty_dates=0.3, constant=False)
    f = _features(spec, tmp_path)
    pm = f.plant_months
    lag = (pm.report_date - (pm.period + pd.offsets.MonthEnd(0))).dt.days
    late = pm[lag > 40]
    hits = rules.lab_report_late(f)
    assert len(hits) == len(late) > 0
    assert hits.enterprise_id.notna().all() and hits.period.str.fullmatch(r"\d{4}-\d{2}").all()


def test_agencies_cope_with_a_hit_whose_period_is_null():
    hits = pd.DataFrame({"rule_id": ["R11", "R04", "R09"], "severity": ["medium", "critical", "medium"],
                         "enterprise_id": [None, "E1", "E2"], "period": [None, "2023", "2023-05"],
                         "unit_id": None, "evidence": "{}"})
    flagged = agencies._flagged_from_hits(hits)
    assert set(zip(flagged.enterprise_id, flagged.year)) == {("E1", 2023), ("E2", 2023)}
    assert flagged.set_index("enterprise_id").flagged.to_dict() == {"E1": True, "E2": False}
