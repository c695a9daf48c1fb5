"""The enterprise dossier's queries on the assessed demo database: peer bands leave the enterprise
out and are ordered, the scope hides an enterprise entirely, the period narrows hits and trades,
and trades carry both sides with the right sign."""
from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest

from core.store import catalog, db, detection, dossiers, overview, risk_views
from core.engine import features
from core.contract.access import Scope
from core.contract.filters import Filters


@pytest.fixture(scope="module")
def con(assessed_con):
    return assessed_con


@pytest.fixture(scope="module")
def flt(assessed_filters) -> Filters:
    return assessed_filters


@pytest.fixture(scope="module")
def top(con, flt) -> pd.Series:
    return risk_views.enterprise_risk(con, Scope.national(), flt).iloc[0]


def test_every_dossier_query_is_registered_for_pages():
    assert all(catalog.SCOPED[f.__name__] is f for f in dossiers.DOSSIER_QUERIES)


def test_peer_band_leaves_the_enterprise_out_and_is_ordered(con, flt):
    um = detection.unit_month_inputs(con, Scope.national())
    keys = ["unit_class", "capacity_band", "grid_region", "period"]
    # an enterprise with two units in one peer group: leaving it out then visibly matters
    counts = um.groupby(["enterprise_id", *keys[:3]]).unit_id.nunique()
    eid = counts[counts >= 2].index[0][0] if (counts >= 2).any() else um.enterprise_id.iloc[0]
    monthly = dossiers.enterprise_monthly(con, Scope.national(), flt, enterprise_id=eid)
    assert len(monthly) == (um.enterprise_id == eid).sum()
    checked = 0
    for measure in dossiers.DOSSIER_MEASURES:
        lo, mid, hi = (monthly[f"{measure}_p{p}"] for p in (5, 50, 95))
        ok = lo.notna()
        assert ok.any(), measure
        assert (lo[ok] <= mid[ok] + 1e-12).all() and (mid[ok] <= hi[ok] + 1e-12).all(), measure
        assert (monthly.loc[ok, f"{measure}_peers"] >= dossiers.PEER_MIN).all()
        # recompute the band by hand from the engine's own unit-months, without the enterprise
        peers = um[um.enterprise_id != eid]
        if measure in dossiers.RATIO_MEASURES:
            peers = peers[peers.operating_hours >= features.MIN_HOURS]
        ref = peers.groupby(keys)[measure].quantile([0.05, 0.5, 0.95]).unstack()
        got = monthly[ok].merge(ref, left_on=keys, right_index=True)
        assert len(got) == ok.sum()
        assert np.allclose(got[f"{measure}_p5"], got[0.05]) and np.allclose(got[f"{measure}_p95"], got[0.95])
        assert np.allclose(got[f"{measure}_p50"], got[0.5])
        checked += len(got)
    assert checked > 0


def test_flagged_months_carry_the_rules_that_fired(con, flt, top):
    eid = top["enterprise_id"]
    monthly = dossiers.enterprise_monthly(con, Scope.national(), flt, enterprise_id=eid)
    hits = dossiers.enterprise_rule_hits(con, Scope.national(), flt, enterprise_id=eid)
    flagged = set(r for rules in monthly["rule_ids"] for r in rules)
    assert flagged and flagged <= set(hits["rule_id"])


def test_an_enterprise_outside_the_scope_returns_nothing(con, flt, top):
    eid, home = top["enterprise_id"], top["province_code"]
    other = overview.enterprise_directory(con, Scope.national()).query("province_code != @home").province_code.iloc[0]
    for name in ("enterprise_profile", "enterprise_units", "enterprise_monthly", "enterprise_rule_hits"):
        assert len(catalog.SCOPED[name](con, Scope.of([home]), flt, enterprise_id=eid)), name
    for f in dossiers.DOSSIER_QUERIES:
        assert f(con, Scope.of([other]), flt, enterprise_id=eid).empty, f.__name__
        assert f(con, Scope.of([]), flt, enterprise_id=eid).empty, f.__name__
        assert f(con, Scope.national(), flt, enterprise_id="x' OR '1'='1").empty, f.__name__


def test_without_a_run_the_data_parts_remain(con, top):
    no_run = Filters()
    eid = top["enterprise_id"]
    assert dossiers.enterprise_rule_hits(con, Scope.national(), no_run, enterprise_id=eid).empty
    assert dossiers.enterprise_model_scores(con, Scope.national(), no_run, enterprise_id=eid).empty
    monthly = dossiers.enterprise_monthly(con, Scope.national(), no_run, enterprise_id=eid)
    assert len(monthly) and monthly["rule_ids"].map(len).eq(0).all()


def test_the_period_narrows_hits_to_the_months_they_are_about(con, flt):
    hits = db.fetch_df(con, "SELECT * FROM rule_hits WHERE run_id = ?", [flt.run_id])
    yearly = hits[(hits.period.str.len() == 4) & hits.evidence.str.contains('"months"')]
    row = yearly.iloc[0]
    year = int(row.period)
    months = [int(m) for m in json.loads(row.evidence)["months"].split(", ")]
    inside = Filters(period_from=dt.date(year, months[0], 1), period_to=dt.date(year, months[0], 1),
                     run_id=flt.run_id)
    outside_months = [m for m in range(1, 13) if m not in months]
    got = dossiers.enterprise_rule_hits(con, Scope.national(), inside, enterprise_id=row.enterprise_id)
    assert ((got.rule_id == row.rule_id) & (got.period == row.period)).any()
    if outside_months:
        m = outside_months[0]
        outside = Filters(period_from=dt.date(year, m, 1), period_to=dt.date(year, m, 1), run_id=flt.run_id)
        got = dossiers.enterprise_rule_hits(con, Scope.national(), outside, enterprise_id=row.enterprise_id)
        assert not ((got.rule_id == row.rule_id) & (got.period == row.period) &
                    (got.evidence == row.evidence)).any()


def test_trades_carry_both_sides_with_the_right_sign(con, flt):
    both = db.fetch_df(con, """
        SELECT a.enterprise_id FROM trades t JOIN accounts a ON a.account_id IN (t.buyer_account, t.seller_account)
        WHERE a.enterprise_id IS NOT NULL
        GROUP BY ALL HAVING count(*) FILTER (WHERE a.account_id = t.buyer_account) > 0
                        AND count(*) FILTER (WHERE a.account_id = t.seller_account) > 0
        ORDER BY count(*) DESC, a.enterprise_id LIMIT 1""")
    eid = both.enterprise_id.iloc[0]
    trades = dossiers.enterprise_trades(con, Scope.national(), flt, enterprise_id=eid)
    own = set(db.fetch_df(con, "SELECT account_id FROM accounts WHERE enterprise_id = ?", [eid]).account_id)
    raw = db.fetch_df(con, "SELECT * FROM trades WHERE buyer_account IN (SELECT unnest(?::VARCHAR[])) "
                           "OR seller_account IN (SELECT unnest(?::VARCHAR[]))", [list(own), list(own)])
    assert set(trades.side) == {"buy", "sell"}
    assert len(trades) == raw.buyer_account.isin(own).sum() + raw.seller_account.isin(own).sum()
    merged = trades.merge(raw[["trade_id", "buyer_account", "seller_account"]], on="trade_id")
    buy, sell = merged[merged.side == "buy"], merged[merged.side == "sell"]
    assert buy.buyer_account.isin(own).all() and (buy.signed_volume_t > 0).all()
    assert sell.seller_account.isin(own).all() and (sell.signed_volume_t < 0).all()
    assert (merged.counterparty_account == np.where(merged.side == "buy", merged.seller_account,
                                                    merged.buyer_account)).all()
    assert np.allclose(trades.amount_cny, trades.volume_t * trades.price_cny)
    months = dossiers.enterprise_trade_months(con, Scope.national(), flt, enterprise_id=eid)
    assert np.isclose(months.net_t.sum(), trades.signed_volume_t.sum())
    # the period filter keeps the trades of its months only
    first = trades.ts.min()
    one = Filters(period_from=dt.date(first.year, first.month, 1), period_to=dt.date(first.year, first.month, 1),
                  run_id=flt.run_id)
    narrowed = dossiers.enterprise_trades(con, Scope.national(), one, enterprise_id=eid)
    assert len(narrowed) and (narrowed.ts.dt.to_period("M") == first.to_period("M")).all()


def test_timeline_counts_months_sharing_a_date(con, flt):
    batch = db.fetch_df(con, "SELECT enterprise_id, period FROM case_labels WHERE pattern = 'batch_testing' "
                             "ORDER BY enterprise_id LIMIT 1").iloc[0]
    tl = dossiers.enterprise_timeline(con, Scope.national(), flt, enterprise_id=batch.enterprise_id)
    assert set(tl.kind) <= {"sample", "test", "report", "deposit"}
    tests = tl[(tl.kind == "test") & (tl.period.dt.year == int(batch.period))]
    assert tests.months_same_date.max() >= 4
    assert (tl.groupby(["kind", "date"]).period.transform("nunique") == tl.months_same_date).all()
