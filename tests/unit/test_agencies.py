"""Intermediaries (core.agencies): the planted ring lab, ring consultant and lax verifiers rank at the
top of their kind on the assessed demo; p-values behave; fingerprints, batch dates, numbered runs
and understated passes are counted right on a hand-built database; the scope holds; ids are bound;
the context component never feeds on the enterprise's own flags."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.insight import agencies
from core.store import db, intermediaries
from core.engine import rules
from core.contract.access import Scope
from core.contract.filters import Filters
from core.words import agencies as agency_words

NATIONAL = Scope.national()
TOP = 10


@pytest.fixture(scope="module")
def con(assessed_con):
    return assessed_con


@pytest.fixture(scope="module")
def flt(assessed_filters) -> Filters:
    return assessed_filters


@pytest.fixture(scope="module")
def profile(con, flt) -> pd.DataFrame:
    return agencies.profile(con, NATIONAL, flt)


@pytest.fixture(scope="module")
def planted(con) -> dict[str, set[str]]:
    return planted_agencies(con)


def planted_agencies(con) -> dict[str, set[str]]:
    """The planted agencies, derived from case_labels and the data (core.demo plants them):
    lab - the lab that tested an intermediary_ring client's labelled year in one batch;
    consultant - the consultant of the ring clients that were not batch-tested (invented moisture);
    verifier - the verifiers of the verifier_gap enterprise-years."""
    labels = db.fetch_df(con, "SELECT enterprise_id, TRY_CAST(period AS INTEGER) AS year, pattern FROM case_labels "
                              "WHERE pattern IN ('intermediary_ring', 'verifier_gap')")
    years = intermediaries.agency_client_years(con, NATIONAL)
    ring = years.merge(labels[labels.pattern == "intermediary_ring"], on=["enterprise_id", "year"])
    labs = ring[(ring.kind == "lab") & (ring.batch_months >= rules.BATCH_MIN_MONTHS)]
    batched = set(labs.enterprise_id)
    consultants = ring[(ring.kind == "consultant") & ~ring.enterprise_id.isin(batched)]
    gap = years.merge(labels[labels.pattern == "verifier_gap"], on=["enterprise_id", "year"])
    out = {"lab": set(labs.agency_id), "consultant": {consultants.agency_id.mode().iloc[0]},
           "verifier": set(gap[gap.kind == "verifier"].agency_id)}
    assert all(out.values()), out  # the demo plants every one of them
    return out


@pytest.mark.parametrize("kind", agencies.KINDS)
def test_planted_agencies_rank_in_the_top_ten_of_their_kind(profile, planted, kind):
    ranked = profile[profile.kind == kind].reset_index(drop=True)
    top = list(ranked.agency_id.head(TOP))
    for agency_id in planted[kind]:
        assert agency_id in top, (kind, agency_id, ranked[["agency_id", "score", "signals"]].head(TOP))
        row = ranked[ranked.agency_id == agency_id].iloc[0]
        # at this small scale a consultant's evidence may stay below significance; it still tops its peers' q
        assert row.score > 0 or row.q_value <= ranked.q_value.quantile(0.1), row


def test_profile_columns_values_and_order(profile):
    assert list(profile.columns) == agencies.PROFILE_COLUMNS
    assert set(profile.kind) == set(agencies.KINDS)
    assert not profile.duplicated(["kind", "agency_id"]).any()
    for col in ("p_value", "q_value", "pattern_q"):
        assert profile[col].between(0, 1).all(), col
    assert (profile.q_value >= profile.p_value - 1e-12).all()  # BH never makes a p smaller
    assert profile.score.between(0, 100).all()
    assert (profile.flagged_clients <= profile.clients).all()
    assert profile.base_rate.nunique() == 1  # one base rate: the view's enterprises
    for kind, rows in profile.groupby("kind"):
        assert rows.score.is_monotonic_decreasing, kind
    # a signal that does not apply to a kind never fires for it
    for row in profile.itertuples():
        fired = {f["signal"] for f in json.loads(row.signals)}
        assert all(row.kind in agencies.SIGNAL_KINDS[s] for s in fired)
        assert (row.score > 0) == bool(fired)


def test_flag_rates_agree_with_the_overview(con, flt, profile):
    """agency_flag_rates (Overview, briefing) counts the same clients as the profile."""
    rates = intermediaries.agency_flag_rates(con, NATIONAL, flt).set_index(["kind", "agency_id"])
    mine = profile.set_index(["kind", "agency_id"])
    assert set(rates.index) == set(mine.index)
    assert (rates.clients == mine.clients.reindex(rates.index)).all()
    assert (rates.flagged_clients == mine.flagged_clients.reindex(rates.index)).all()
    assert rates.base_rate.iloc[0] == pytest.approx(mine.base_rate.iloc[0])


@pytest.mark.parametrize("view", ["national", "filtered"])
def test_the_summary_counts_what_the_client_rows_count(con, flt, view):
    """agency_summary (one statement: what the page ranks) gives the counts that summary_from takes in
    pandas from agency_clients and agency_busiest_dates, to the dtype, so the profile is the same."""
    if view == "filtered":
        flt = Filters(provinces=("37",), period_from=dt.date(2024, 1, 1)).with_run(flt.run_id)
    rows = intermediaries.agency_clients(con, NATIONAL, flt)
    mine = agencies.summary_from(rows, intermediaries.agency_busiest_dates(con, NATIONAL, flt))
    summary = intermediaries.agency_summary(con, NATIONAL, flt)
    assert len(summary) > 0
    pd.testing.assert_frame_equal(summary, mine.sort_values(["kind", "agency_id"]).reset_index(drop=True))
    patterns = intermediaries.agency_patterns(con, NATIONAL, flt)
    pd.testing.assert_frame_equal(agencies.profile_from_summary(summary, patterns),
                                  agencies.profile_from(rows, intermediaries.agency_busiest_dates(con, NATIONAL, flt),
                                                        patterns))


def test_tail_p_is_a_probability_and_tiny_when_every_client_is_flagged():
    assert agencies.tail_p([10], [10], [0.05])[0] < 1e-12
    assert agencies.tail_p([0], [10], [0.05])[0] == 1.0
    assert agencies.tail_p([1], [20], [0.05])[0] == pytest.approx(1 - 0.95 ** 20)
    p = agencies.tail_p(np.arange(0, 11), np.full(11, 10), np.full(11, 0.3))
    assert ((p >= 0) & (p <= 1)).all() and (np.diff(p) <= 0).all()
    q = agencies.bh_q([0.001, 0.02, 0.5, 0.9])
    assert (q >= [0.001, 0.02, 0.5, 0.9]).all() and q[0] == pytest.approx(0.004)


def test_an_agency_whose_clients_are_all_flagged_stands_out():
    """profile_from on made-up rows: 8 of 8 clients flagged at a 5 % base rate."""
    rows = []
    for agency, flagged in (("C-ALL", [True] * 8), ("C-NONE", [False] * 8)):
        for i, f in enumerate(flagged):
            rows.append({"kind": "consultant", "agency_id": agency, "agency_name": agency, "agency_province": "37",
                         "enterprise_id": f"{agency}-{i}", "flagged": f, "base_rate": 0.05, "copied_months": 0,
                         "batch_years": 0, "run_reports": 0, "batch_months": 0, "flagged_years": 0,
                         "passed_flagged_years": 0, "understated_passes": 0})
    out = agencies.profile_from(pd.DataFrame(rows), pd.DataFrame(columns=["agency_id", "max_same_test_date",
                                                                         "busiest_date", "busiest_clients"]),
                                pd.DataFrame(columns=["kind", "agency_id", "year", "rule_id", "clients", "members",
                                                      "served", "rate"])).set_index("agency_id")
    assert out.loc["C-ALL", "p_value"] < 1e-9 and out.loc["C-ALL", "score"] > 50
    assert out.loc["C-NONE", "p_value"] == 1.0 and out.loc["C-NONE", "score"] == 0
    assert "8" in agency_words.explain(out.loc["C-ALL"], "en") and "8" in agency_words.explain(out.loc["C-ALL"], "zh")


def test_clients_of_the_ring_lab_show_the_batch(con, flt, planted):
    lab = sorted(planted["lab"])[0]
    rows = agencies.clients(con, NATIONAL, flt, lab)
    assert len(rows) and rows.risk_score.is_monotonic_decreasing
    assert rows.signals.map(lambda s: "batch" in s).sum() >= 2  # several clients tested in one go
    dates = intermediaries.agency_test_dates(con, NATIONAL, flt, lab)
    assert dates.batch.any() and (dates.agency_id == lab).all()
    assert dates.client_months.sum() == intermediaries.agency_clients(con, NATIONAL, flt, lab).months.sum()


@pytest.mark.parametrize("evil", ["x'); DROP TABLE agencies; --", "' OR '1'='1", "LAB0001' --", "%", "*"])
def test_injection_looking_agency_ids_change_nothing(con, flt, profile, evil):
    assert agencies.clients(con, NATIONAL, flt, evil).empty
    assert intermediaries.agency_test_dates(con, NATIONAL, flt, evil).empty
    assert intermediaries.agency_patterns(con, NATIONAL, flt, evil).empty
    assert db.fetch_df(con, "SELECT count(*) AS n FROM agencies").n.iloc[0] > 0
    pd.testing.assert_frame_equal(agencies.profile(con, NATIONAL, flt), profile)


def test_without_a_run_only_signatures_count(con, profile):
    bare = agencies.profile(con, NATIONAL, Filters())
    assert (bare.flagged_clients == 0).all() and (bare.pattern_clients == 0).all()
    lab = bare[bare.kind == "lab"].set_index("agency_id")
    mine = profile[profile.kind == "lab"].set_index("agency_id")
    assert (lab.batch_clients == mine.batch_clients.reindex(lab.index)).all()


# --- the context component -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def context(con, flt) -> pd.DataFrame:
    return agencies.enterprise_context(con, NATIONAL, flt.run_id)


def test_context_is_one_row_per_enterprise_year_in_range(con, context):
    assert list(context.columns) == agencies.CONTEXT_COLUMNS
    assert not context.duplicated(["enterprise_id", "year"]).any()
    assert context.agencies.between(0, 1).all()
    fired = context[context.agencies > 0]
    assert len(fired)
    assert context[context.agencies == 0].reason.isna().all()
    for reason in fired.reason.head(20):
        r = json.loads(reason)
        assert r["kind"] in agencies.KINDS and r["signals"]
        assert agency_words.describe_context(reason, "zh") and agency_words.describe_context(reason, "en")


def test_context_never_counts_the_enterprise_itself(con, flt, context):
    """Removing every rule hit of the most suspect enterprise-years' own enterprises leaves their
    context as it was: only other clients' flags and signatures count."""
    hits = db.fetch_df(con, "SELECT * FROM rule_hits WHERE run_id = ?", [flt.run_id])
    top = context.sort_values("agencies", ascending=False).drop_duplicates("enterprise_id").head(5)
    cleared = agencies.enterprise_context(con, NATIONAL, flt.run_id, hits=hits[~hits.enterprise_id.isin(
        top.enterprise_id)])
    before = context.set_index(["enterprise_id", "year"]).agencies
    after = cleared.set_index(["enterprise_id", "year"]).agencies
    keys = list(zip(top.enterprise_id, top.year))
    assert np.allclose(before.reindex(keys).to_numpy(), after.reindex(keys).to_numpy())
    # ...while stored and passed-in hits give the same result
    again = agencies.enterprise_context(con, NATIONAL, flt.run_id, hits=hits)
    pd.testing.assert_frame_equal(again, context)


def test_planted_intermediary_clients_get_context(con, context):
    labels = db.fetch_df(con, "SELECT enterprise_id, TRY_CAST(period AS INTEGER) AS year, pattern FROM case_labels "
                              "WHERE pattern IN ('intermediary_ring', 'verifier_gap')")
    got = labels.merge(context, on=["enterprise_id", "year"], how="left").fillna({"agencies": 0.0})
    others = context.agencies.median()
    ring = got[got.pattern == "intermediary_ring"]
    assert (ring.agencies > others).mean() >= 0.75, ring


# --- hand-built rows whose counts are known -------------------------------------------------------
# Four coal plants, all tested by lab L1 and advised by consultant C1, verified by V1 for 2022:
# A, B (Shandong) and D (Jiangsu) report identical lab results in March 2022; C (Shandong) had its
# six months tested on one day with numbers in one run; V1 passed A although A reported 10 % below
# its deposits, corrected C, and failed D.
MONTHS = [dt.date(2022, m, 1) for m in range(1, 7)]
PLANTS = {"A": "37", "B": "37", "C": "37", "D": "32"}
FUEL, NCV, CC = 10_000.0, 20.0, 0.026


def _tiny(path: Path) -> Path:
    con = db.connect(path)
    try:
        con.executemany("INSERT INTO agencies (agency_id, name, kind, province_code) VALUES (?, ?, ?, '37')",
                        [("L1", "Lab One", "lab"), ("C1", "Consultant One", "consultant"),
                         ("V1", "Verifier One", "verifier")])
        con.executemany("INSERT INTO enterprises (enterprise_id, name, province_code, sector, consultant_id) "
                        "VALUES (?, ?, ?, 'power', 'C1')", [(e, f"Plant {e}", p) for e, p in PLANTS.items()])
        con.executemany("INSERT INTO units (unit_id, enterprise_id, unit_class, capacity_mw) "
                        "VALUES (?, ?, 'coal_above_300mw', 600)", [(f"U{e}", e) for e in PLANTS])
        rows = []
        for j, e in enumerate(PLANTS):
            for i, month in enumerate(MONTHS):
                copied = e in "ABD" and month.month == 3
                values = (21.5, 0.0265, 55.1, 9.9, 1.2, 3.1, 0.8) if copied else (
                    20.0 + j + i / 10, CC + j / 1000 + i / 10000, 50.0 + j + i / 10, 10.0 + j, 1.0 + j / 10, 3.0, 0.5)
                end = dt.date(2022, month.month + 1, 1) - dt.timedelta(days=1)
                if e == "C":  # one batch: every month tested on 10 July, numbered 101..106
                    test, number = dt.date(2022, 7, 10), 101 + i
                else:  # monthly, numbers interleaved with the other clients'
                    test, number = end + dt.timedelta(days=11 + j), 1 + 3 * i + j
                rows.append((f"U{e}", month, FUEL, values[0], values[1], *values[2:], "L1", f"L1-2022-{number:05d}",
                             end, test, test + dt.timedelta(days=1), dt.datetime.combine(end, dt.time(9)) +
                             dt.timedelta(days=20)))
        con.executemany(
            "INSERT INTO monthly_reports (unit_id, period, fuel_type, fuel_consumed, ncv, carbon_content, "
            "carbon_content_source, carbon_ar_pct, total_moisture_pct, moisture_ad_pct, hydrogen_pct, sulfur_pct, "
            "generation_mwh, supply_mwh, operating_hours, lab_id, lab_report_no, sample_date, test_date, report_date, "
            "submitted_at) VALUES (?, ?, 'coal', ?, ?, ?, 'measured', ?, ?, ?, ?, ?, 20000, 19000, 600, "
            "?, ?, ?, ?, ?, ?)",
            rows)
        computed = db.fetch_df(con, "SELECT u.enterprise_id, sum(m.fuel_consumed * m.ncv * m.carbon_content * 0.99 "
                                    "* 44 / 12) AS t FROM monthly_reports m JOIN units u USING (unit_id) GROUP BY 1"
                               ).set_index("enterprise_id").t
        verdicts = {"A": (0.9, 0.9, "pass"), "B": (1.0, 1.0, "pass"), "C": (0.9, 1.0, "pass"), "D": (0.9, 0.9, "fail")}
        con.executemany("INSERT INTO verifications (enterprise_id, year, reported_t, verified_t, verifier_id, "
                        "conclusion) VALUES (?, 2022, ?, ?, 'V1', ?)",
                        [(e, computed[e] * r, computed[e] * v, c) for e, (r, v, c) in verdicts.items()])
        con.execute("INSERT INTO load_log (loaded_at, source, table_name, file_name, inserted, updated) "
                    "VALUES (TIMESTAMP '2024-05-01 10:00:00', 'hand-built', 'monthly_reports', 'm.csv', 24, 0)")
    finally:
        con.close()
    return path


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    c = db.connect(_tiny(tmp_path_factory.mktemp("agencies") / "tiny.duckdb"), read_only=True)
    yield c
    c.close()


def test_hand_built_fingerprints_batches_runs_and_passes(tiny):
    p = agencies.profile(tiny, NATIONAL, Filters()).set_index("agency_id")
    lab, consultant, verifier = p.loc["L1"], p.loc["C1"], p.loc["V1"]
    assert lab.clients == consultant.clients == verifier.clients == 4
    assert lab.copy_clients == consultant.copy_clients == verifier.copy_clients == 3  # A, B and D
    assert lab.batch_clients == 1 and lab.max_batch_months == 6  # C
    assert lab.max_same_test_date == 6 and lab.busiest_date == pd.Timestamp("2022-07-10")
    assert lab.run_clients == 1 and lab.run_reports == 5  # C's numbers 101..106: five steps of one
    assert verifier.understated_passes == 1  # A; C was corrected, D failed
    assert pd.isna(lab.understated_passes) and consultant.batch_clients == 0
    fired = {f["signal"] for f in json.loads(lab.signals)}
    assert {"copies", "batch", "numbers"} <= fired
    c = agencies.clients(tiny, NATIONAL, Filters(), "L1").set_index("enterprise_id")
    assert c.loc["C", "signals"] == ["batch", "numbers"] and c.loc["C", "batch_months"] == 6
    assert list(c.loc["A", "copy_partners"]) == ["B", "D"] and c.loc["A", "signals"] == ["copies"]
    v = agencies.clients(tiny, NATIONAL, Filters(), "V1").set_index("enterprise_id")
    assert "understated" in v.loc["A", "signals"] and "understated" not in v.loc["C", "signals"]
    assert list(v.loc["A", "understated_years"]) == [2022]


def test_the_scope_keeps_other_provinces_clients_out(tiny):
    shandong = Scope.of(["37"])
    p = agencies.profile(tiny, shandong, Filters()).set_index("agency_id")
    assert p.loc["L1", "clients"] == 3 and p.loc["L1", "copy_clients"] == 2  # D (Jiangsu) is out
    assert set(agencies.clients(tiny, shandong, Filters(), "L1").enterprise_id) == {"A", "B", "C"}
    assert agencies.clients(tiny, Scope.of(["11"]), Filters(), "L1").empty
    assert agencies.profile(tiny, Scope.of(["11"]), Filters()).empty


def test_the_period_narrows_what_is_counted(tiny):
    spring = Filters(period_from=dt.date(2022, 4, 1), period_to=dt.date(2022, 6, 1))
    p = agencies.profile(tiny, NATIONAL, spring).set_index("agency_id")
    assert p.loc["L1", "copy_clients"] == 0  # the copied month was March
    assert p.loc["L1", "max_batch_months"] == 3  # C's April-June on the batch date


def test_every_signal_kind_and_column_has_words():
    from core.words import i18n
    from core.ui import tables

    for lang in i18n.LANGS:
        for s in (*agencies.SIGNALS, "none", "batch.date"):
            i18n.t(f"agencies.signal.{s}", lang)
        for s in agencies.CLIENT_SIGNALS:
            i18n.t(f"agencies.client_signal.{s}", lang)
        for k in agencies.KINDS:
            i18n.t(f"agencies.kind.{k}", lang)
            i18n.t(f"agency.{k}", lang)
            for c in tables.AGENCY_RANKING_COLUMNS[k]:
                i18n.t(f"agencies.col.{c}", lang)
