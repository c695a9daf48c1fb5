"""Market surveillance (core.insight.trading): the demo's planted trading patterns rank at the top of their
kind; a hand-built market triggers exactly the expected alerts with the expected evidence; the scope
and the period decide what is shown; hostile filter values change nothing; the network layout is
deterministic."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from core.store import db
from core.insight import runs, trading
from core.contract.access import Scope
from core.contract.filters import NO_FILTERS, Filters
from core.words import market as market_words

# demo pattern (core.demo.PATTERNS) -> the kind of alert that must find it
PLANTED = {"trade_round_trip": "round_trip", "off_market_block": "off_market", "trade_cycle": "cycle",
           "close_marking": "marking_close", "deadline_dump": "deadline_concentration"}


# --- the planted patterns of the demo --------------------------------------------------------------

@pytest.fixture(scope="module")
def demo(assessed_demo_db):
    con = db.connect(assessed_demo_db)  # as the app opens it: one configuration per file and process
    try:
        run_id = runs.latest_assessment(con).run_id
        alerts = trading.scan(con, Scope.national(), NO_FILTERS.with_run(run_id))
        labels = con.execute("SELECT enterprise_id, period, pattern FROM case_labels WHERE outcome = 'confirmed' "
                             "AND list_contains(?::VARCHAR[], pattern)", [list(PLANTED)]).df()
        yield {"con": con, "run_id": run_id, "alerts": alerts, "labels": labels}
    finally:
        con.close()


def _months(alert) -> set[str]:
    first, last = pd.Timestamp(alert.first_ts), pd.Timestamp(alert.last_ts)
    return {p.strftime("%Y-%m") for p in pd.period_range(first.to_period("M"), last.to_period("M"), freq="M")}


def test_every_planted_trading_pattern_is_in_the_top_ten_of_its_kind(demo):
    assert_planted_in_top_ten(demo["labels"], demo["alerts"])


def assert_planted_in_top_ten(labels: pd.DataFrame, alerts: pd.DataFrame) -> None:
    assert set(labels["pattern"]) == set(PLANTED)  # each pattern is planted at least once
    for lab in labels.itertuples():
        top = alerts[alerts["kind"] == PLANTED[lab.pattern]].head(10)
        found = [a.alert_id for a in top.itertuples() if lab.enterprise_id in a.enterprises and lab.period in _months(a)]
        assert found, f"{lab.pattern} of {lab.enterprise_id} in {lab.period} not in the top 10 of its kind"


def test_alerts_are_ranked_scored_and_explained(demo):
    alerts = demo["alerts"]
    assert list(alerts.columns) == trading.COLUMNS
    assert alerts["alert_id"].is_unique
    assert alerts["score"].between(0, 100).all()
    assert alerts["score"].is_monotonic_decreasing
    assert set(alerts["kind"]) <= set(trading.KINDS)
    for a in alerts.drop_duplicates("kind").itertuples(index=False):
        row = pd.Series(a._asdict())
        assert isinstance(json.loads(row["evidence"]), dict)
        for lang in ("en", "zh"):
            text = market_words.explain(row, lang)
            assert text and "{" not in text
    # the same data gives the same ids (a deep link keeps working)
    again = trading.scan(demo["con"], Scope.national(), NO_FILTERS.with_run(demo["run_id"]))
    assert again["alert_id"].tolist() == alerts["alert_id"].tolist()


def test_enterprise_context_combines_an_enterprise_years_alerts(demo):
    ctx = trading.enterprise_context(demo["con"], Scope.national(), demo["run_id"])
    assert list(ctx.columns) == ["enterprise_id", "year", "trading", "alerts", "top_kind"]
    assert ctx["trading"].between(0, 1).all() and (ctx["alerts"] >= 1).all()
    assert set(ctx["top_kind"]) <= set(trading.KINDS)
    assert not ctx.duplicated(["enterprise_id", "year"]).any()
    # one alert alone: its score / 100
    alerts = demo["alerts"].assign(year=pd.to_datetime(demo["alerts"]["first_ts"]).dt.year).explode("enterprises")
    single = ctx[ctx["alerts"] == 1].iloc[0]
    row = alerts[(alerts["enterprises"] == single["enterprise_id"]) & (alerts["year"] == single["year"])].iloc[0]
    assert single["trading"] == pytest.approx(row["score"] / 100, abs=1e-4)


# --- a hand-built market ------------------------------------------------------------------------------
# One close (50.00) every trading day of March 2024, and a compliance deadline on 29 March 2024.
ENTERPRISES = [  # id, province, group
    ("A", "37", "Alpha Group"), ("B", "37", "Alpha Group"), ("C", "32", None), ("D", "32", None), ("E", "11", None),
    ("F", "44", None), ("H", "44", "Gamma Group"), ("J", "44", "Gamma Group"), ("K", "65", None), ("L", "65", None),
    ("M", "65", None), ("N", "65", None),
]
TRADES = [  # id, day (March 2024), time, method, seller, buyer, volume, price
    ("RT1", 4, "13:30", "block", "A", "B", 200_000, 50.0),     # round trip: B sells back two days later
    ("RT2", 6, "13:30", "block", "B", "A", 195_000, 50.5),    # (on the fifth, only a listing trade)
    ("RT0", 5, "10:00", "listing", "E", "F", 1_000, 50.0),
    ("CY1", 11, "13:10", "block", "C", "D", 150_000, 50.0),    # cycle C -> D -> E -> C in three days
    ("CY2", 12, "13:10", "block", "D", "E", 152_000, 50.2),
    ("CY3", 14, "13:10", "block", "E", "C", 149_000, 49.9),
    ("OM1", 18, "13:20", "block", "F", "C", 300_000, 37.0),    # off-market: 26 % under the close and the day
    ("OM2", 18, "14:00", "block", "D", "E", 400_000, 50.0),
    ("LP1", 20, "10:00", "listing", "D", "A", 5_000, 55.0),    # at the +10 % limit, bought by A
    ("LP2", 20, "10:30", "listing", "C", "B", 5_000, 50.0),
    ("MC1", 22, "10:00", "listing", "F", "E", 20_000, 50.0),   # a late trade lifting the close by 2.7 %
    ("MC2", 22, "14:56", "listing", "D", "C", 10_000, 54.0),
    ("WG1", 25, "10:00", "listing", "H", "J", 1_000, 50.0),    # three trades inside Gamma Group
    ("WG2", 26, "10:00", "listing", "J", "H", 3_000, 50.0),
    ("WG3", 27, "10:00", "listing", "H", "J", 8_000, 50.0),
    ("DL1", 25, "13:05", "block", "K", "L", 400_000, 50.0),    # K dumps 1.2 Mt before the deadline
    ("DL2", 26, "13:05", "block", "K", "M", 400_000, 50.0),
    ("DL3", 27, "13:05", "block", "K", "N", 400_000, 50.0),
]
RUN = "hand-run"
EXPECTED_KINDS = {"round_trip", "cycle", "off_market", "limit_pinned", "marking_close", "wash_group",
                  "deadline_concentration", "flagged_net_seller"}


def build_market(path: Path) -> Path:
    con = db.connect(path)
    try:
        con.executemany("INSERT INTO enterprises (enterprise_id, name, province_code, sector, group_name) "
                        "VALUES (?, ?, ?, 'power', ?)", [(e, f"{e} Power", p, g) for e, p, g in ENTERPRISES])
        con.executemany("INSERT INTO accounts (account_id, enterprise_id, holder_name, kind) VALUES (?, ?, ?, 'entity')",
                        [(f"ACC_{e}", e, f"{e} Power") for e, _, _ in ENTERPRISES])
        days = [d for d in pd.date_range("2024-03-01", "2024-03-29", freq="B")]
        con.executemany("INSERT INTO market_daily (date, open, high, low, close, volume_t, amount_cny) "
                        "VALUES (?, 50, 50, 50, 50, 0, 0)", [(d.date(),) for d in days])
        con.executemany("INSERT INTO trades (trade_id, ts, method, buyer_account, seller_account, volume_t, price_cny) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?)",
                        [(tid, dt.datetime(2024, 3, day, int(hm[:2]), int(hm[3:])), method, f"ACC_{buyer}",
                          f"ACC_{seller}", vol, price)
                         for tid, day, hm, method, seller, buyer, vol, price in TRADES])
        con.execute("INSERT INTO compliance (enterprise_id, year, due_date) VALUES ('K', 2023, DATE '2024-03-29')")
        con.execute("INSERT INTO allocations (enterprise_id, year, allocated_t) VALUES ('K', 2024, 5000000)")
        # the stored run flags K's emission data; D only has a trade rule, which is no emission flag
        con.executemany("INSERT INTO rule_hits VALUES (?, ?, ?, ?, '2024-03', NULL, '{}')",
                        [(RUN, "R01", "critical", "K"), (RUN, "R14", "high", "D")])
    finally:
        con.close()
    return path


@pytest.fixture(scope="module")
def market(tmp_path_factory):
    path = build_market(tmp_path_factory.mktemp("market") / "market.duckdb")
    con = db.connect(path, read_only=True)
    yield con
    con.close()


def by_kind(alerts: pd.DataFrame) -> dict[str, pd.Series]:
    assert alerts["kind"].is_unique, alerts[["kind", "alert_id"]]
    return {a["kind"]: a for _, a in alerts.iterrows()}


def ev(alert: pd.Series) -> dict:
    return json.loads(alert["evidence"])


def approx(value):
    return pytest.approx(value, abs=1e-6)  # evidence values are stored to six decimals


def test_each_pattern_fires_exactly_its_alert_with_its_evidence(market):
    alerts = trading.scan(market, Scope.national(), NO_FILTERS.with_run(RUN))
    assert set(alerts["kind"]) == EXPECTED_KINDS
    a = by_kind(alerts)

    rt = a["round_trip"]
    assert rt["alert_id"] == "round_trip:RT1" and rt["trade_ids"] == ["RT1", "RT2"]
    assert rt["accounts"] == ["ACC_A", "ACC_B"] and rt["enterprises"] == ["A", "B"]
    e = ev(rt)
    assert e["lag_days"] == approx(2.0) and e["trading_days"] == 2 and e["volume_ratio"] == approx(0.975)
    assert (e["price_1"], e["price_2"], e["related"]) == (50.0, 50.5, True)
    assert rt["volume_t"] == 200_000

    cy = a["cycle"]
    assert cy["trade_ids"] == ["CY1", "CY2", "CY3"] and cy["accounts"] == ["ACC_C", "ACC_D", "ACC_E"]
    e = ev(cy)
    assert e["span_days"] == approx(3.0) and e["spread"] == approx(152_000 / 149_000 - 1)

    om = a["off_market"]
    assert om["trade_ids"] == ["OM1"] and om["accounts"] == ["ACC_F", "ACC_C"]
    e = ev(om)
    assert e["prev_close"] == 50.0 and e["deviation"] == approx(-0.26)
    assert e["others_vwap"] == approx(50.0) and e["others_deviation"] == approx(-0.26)
    assert e["beyond_limit"] is False and e["related"] is False

    lp = a["limit_pinned"]
    assert lp["trade_ids"] == ["LP1"] and lp["accounts"] == ["ACC_A"]
    e = ev(lp)
    assert (e["direction"], e["limit_price"], e["n_trades"]) == ("up", 55.0, 1)
    assert e["dominance"] == approx(1.0) and e["day_share"] == approx(0.5)

    mc = a["marking_close"]
    assert mc["trade_ids"] == ["MC2"] and mc["accounts"] == ["ACC_C"]  # the buyer lifted the close
    e = ev(mc)
    assert e["close"] == approx(154 / 3) and e["close_without"] == approx(50.0)
    assert e["move"] == approx(154 / 150 - 1) and e["late_share"] == approx(1 / 3)
    assert e["day"] == "2024-03-22"

    wg = a["wash_group"]
    assert wg["trade_ids"] == ["WG1", "WG2", "WG3"] and wg["volume_t"] == 12_000
    e = ev(wg)
    assert (e["group"], e["n_trades"], e["two_way"], e["quarter"]) == ("Gamma Group", 3, True, "2024-01-01")

    dc = a["deadline_concentration"]
    assert dc["alert_id"] == "deadline_concentration:ACC_K:2024-03-29" and dc["accounts"] == ["ACC_K"]
    e = ev(dc)
    assert (e["window_t"], e["sold_t"], e["bought_t"], e["hist_t"]) == (1_200_000, 1_200_000, 0, 0)
    assert e["lift"] == approx(12.0) and e["deadline"] == "2024-03-29"

    fs = a["flagged_net_seller"]
    assert fs["alert_id"] == "flagged_net_seller:K:2024" and fs["enterprises"] == ["K"]
    e = ev(fs)
    assert (e["year"], e["rules"], e["critical"], e["net_sold_t"], e["allocated_t"]) == \
        (2024, ["R01"], True, 1_200_000, 5_000_000)

    for lang in ("en", "zh"):
        assert all("{" not in market_words.explain(r, lang) for r in a.values())


def test_without_a_stored_run_no_enterprise_is_flagged(market):
    alerts = trading.scan(market, Scope.national(), NO_FILTERS)
    assert set(alerts["kind"]) == EXPECTED_KINDS - {"flagged_net_seller"}


def test_the_scope_hides_alerts_of_other_provinces(market):
    national = trading.scan(market, Scope.national(), NO_FILTERS.with_run(RUN))
    shandong = trading.scan(market, Scope.of(["37"]), NO_FILTERS.with_run(RUN))
    assert set(shandong["kind"]) == {"round_trip", "limit_pinned"}
    assert all("37" in p for p in shandong["provinces"])
    jiangsu = trading.scan(market, Scope.of(["32"]), NO_FILTERS.with_run(RUN))
    assert set(jiangsu["kind"]) == {"cycle", "off_market", "marking_close"}
    # an alert shown to a province keeps its evidence: the cycle's leg between D and E is there
    assert by_kind(jiangsu)["cycle"]["trade_ids"] == ["CY1", "CY2", "CY3"]
    assert trading.scan(market, Scope.of(["54"]), NO_FILTERS.with_run(RUN)).empty
    assert len(national) == len(EXPECTED_KINDS)
    ctx = trading.enterprise_context(market, Scope.of(["65"]), RUN)
    assert set(ctx["enterprise_id"]) == {"K"} and set(ctx["top_kind"]) <= {"deadline_concentration",
                                                                            "flagged_net_seller"}
    k = ctx.iloc[0]
    scores = national.set_index("kind")["score"]
    expected = 1 - (1 - scores["deadline_concentration"] / 100) * (1 - scores["flagged_net_seller"] / 100)
    assert (k["year"], k["alerts"]) == (2024, 2) and k["trading"] == pytest.approx(expected, abs=1e-4)


def test_the_period_and_filters_narrow_the_alerts(market):
    april = Filters(period_from=dt.date(2024, 4, 1), period_to=dt.date(2024, 4, 1)).with_run(RUN)
    assert trading.scan(market, Scope.national(), april).empty
    gamma = trading.scan(market, Scope.national(), Filters(groups=("Gamma Group",)).with_run(RUN))
    assert set(gamma["kind"]) == {"wash_group"}


@pytest.mark.parametrize("hostile", ["x' OR '1'='1", "'; DROP TABLE trades; --", "37') OR TRUE --"])
def test_an_injection_looking_filter_value_changes_nothing(market, hostile):
    harmless = trading.scan(market, Scope.national(), Filters(groups=("no such group",)).with_run(RUN))
    for flt in (Filters(groups=(hostile,)), Filters(provinces=(hostile,)), Filters(labs=(hostile,))):
        got = trading.scan(market, Scope.national(), flt.with_run(RUN))
        pd.testing.assert_frame_equal(got, harmless)
    assert trading.scan(market, Scope.national(), NO_FILTERS.with_run(hostile))["kind"].tolist().count(
        "flagged_net_seller") == 0
    assert market.execute("SELECT count(*) FROM trades").fetchone()[0] == len(TRADES)


def test_the_network_is_laid_out_deterministically(market):
    alerts = trading.scan(market, Scope.national(), NO_FILTERS.with_run(RUN))
    trades = trading.evidence_trades(market, [t for ids in alerts["trade_ids"] for t in ids])
    assert set(trades["trade_id"]) == {t for ids in alerts["trade_ids"] for t in ids}
    edges, nodes = trading.network(alerts, trades)
    again = trading.network(alerts, trades)
    pd.testing.assert_frame_equal(edges, again[0])
    pd.testing.assert_frame_equal(nodes, again[1])
    assert nodes["account"].is_unique and set(nodes["account"]) >= {"ACC_C", "ACC_D", "ACC_E", "ACC_K"}
    xy = nodes.set_index("account")[["x", "y"]]
    for e in edges.itertuples():  # every line ends on its accounts' dots
        assert (e.x, e.y) == tuple(xy.loc[e.seller]) and (e.x2, e.y2) == tuple(xy.loc[e.buyer])
    # K traded with L, M and N only: the hub sits in the middle of its circle
    k = xy.loc["ACC_K"]
    spokes = xy.loc[["ACC_L", "ACC_M", "ACC_N"]]
    radii = ((spokes["x"] - k["x"]) ** 2 + (spokes["y"] - k["y"]) ** 2) ** 0.5
    assert radii.max() - radii.min() < 1e-3 and radii.min() > 0
