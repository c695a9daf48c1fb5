"""Market surveillance: the CEA trades a regulator should look at, as ranked alerts with their evidence.

What the exchange surveillance systems watch for (anchors.md C: SMARTS, Eventus, EP3's pattern list)
and what the Chinese market adds (domain.md §5): bilateral block trades at negotiated prices, a close
that is the day's VWAP, and a market that rushes to each compliance deadline. Eight kinds of alert,
each one named query in core.store (where its thresholds live), computed over the whole market and
shown when an enterprise it involves is in the user's scope and one of its trades in the period:

  round_trip              A sells to B, B sells back to A within 5 trading days at a volume within 10 %
  wash_group              two accounts of one enterprise group trading with each other repeatedly
                          (3+ trades in a quarter) or in size (1 Mt+)
  cycle                   block trades A->B->C->A within 7 days at volumes within 15 %
  off_market              a block trade more than 20 % from the previous close and more than 15 % from
                          the day's other block trades (or the day's only one)
  limit_pinned            listing trades at the ±10 % price limit, by the account pushing the price
                          there (a quarter or more of the day's volume at that limit)
  marking_close           listing trades after 14:50 that move the day's VWAP - the close - by more
                          than 2 % against the VWAP without them
  deadline_concentration  an account's volume in the 30 days before a compliance deadline at least
                          10 times what its own previous year implies, given the market's own rush
  flagged_net_seller      an enterprise whose emission data the stored assessment flags (critical or
                          high) and that sold more allowances than it bought that year or the next

Score, 0-100, one scale for every kind so that one list can be ranked:

    score = 100 x weight(kind) x strength x (0.6 + 0.4 x size)

- strength in [0, 1]: how clearly the pattern holds, from the alert's own evidence (STRENGTH below,
  one line per kind: e.g. a round trip between two members of one group, reversed the next day at
  the same volume, is 1.0);
- size in [0, 1]: the tonnes at issue on a log scale, 0 up to 10 kt and 1 from 1 Mt
  (clip(log10(volume_t / 10,000) / 2, 0, 1)); a small case keeps 60 % of its score;
- weight(kind) (KIND_WEIGHT): how directly the kind points at abuse rather than at unusual but lawful
  trading - a cycle or a round trip has no commercial reason, a rush before the deadline often has.

An enterprise-year's trading risk (`enterprise_context`, for the risk composite's context component)
combines its alerts the way core.engine.risk combines rules: 1 - prod(1 - score / 100) over the kinds of
alert it is involved in that year, each kind at its highest score (repeats of one kind count once).
"""
from __future__ import annotations

import json
import math
from typing import Callable

import networkx as nx
import numpy as np
import pandas as pd

from core.contract import access
from core.contract.access import Scope
from core.contract.filters import NO_FILTERS, Filters
from core.store import surveillance

KINDS = ("round_trip", "wash_group", "cycle", "off_market", "limit_pinned", "marking_close",
         "deadline_concentration", "flagged_net_seller")
QUERY = {
    "round_trip": surveillance.surveillance_round_trips, "wash_group": surveillance.surveillance_wash_groups,
    "cycle": surveillance.surveillance_cycles, "off_market": surveillance.surveillance_off_market,
    "limit_pinned": surveillance.surveillance_limit_pinned, "marking_close": surveillance.surveillance_marking_close,
    "deadline_concentration": surveillance.surveillance_deadline_concentration,
    "flagged_net_seller": surveillance.surveillance_flagged_net_sellers,
}
KIND_WEIGHT = {"round_trip": 1.0, "cycle": 1.0, "marking_close": 1.0, "off_market": 0.9, "flagged_net_seller": 0.8,
               "deadline_concentration": 0.75, "wash_group": 0.7, "limit_pinned": 0.7}
SIZE_FROM_T, SIZE_FULL_T = 1e4, 1e6  # the size factor rises from 10 kt to 1 Mt (log scale)
COLUMNS = ["alert_id", "kind", "score", "clarity", "first_ts", "last_ts", "accounts", "holders", "enterprises",
           "enterprise_names", "provinces", "trade_ids", "volume_t", "evidence"]
# The leading columns every surveillance query returns; the rest of a row is its kind's evidence.
_COMMON = {"alert_id", "kind", "first_ts", "last_ts", "accounts", "trade_ids", "volume_t", "enterprises",
           "enterprise_names", "provinces", "holders"}


def _clip(x) -> pd.Series:
    return pd.Series(x).astype(float).clip(0, 1)


def _flag(s: pd.Series) -> pd.Series:
    return s.fillna(False).astype(bool).astype(float)


# strength per kind, vectorised over that kind's rows (evidence columns of core.store)
STRENGTH: dict[str, Callable[[pd.DataFrame], pd.Series]] = {
    # related accounts, a quick reversal and an equal volume each make it plainer
    "round_trip": lambda d: 0.55 + 0.15 * _flag(d["related"])
    + 0.15 * _clip(1 - d["trading_days"] / surveillance.ROUND_TRIP_DAYS)
    + 0.15 * _clip(1 - (d["volume_ratio"] - 1).abs() / surveillance.VOLUME_TOLERANCE),
    # repeats, both directions, and a price away from the market's (a transfer price)
    "wash_group": lambda d: 0.3 + 0.3 * _clip((d["n_trades"] - 1) / 4) + 0.2 * _flag(d["two_way"])
    + 0.2 * _clip((d["vwap"] / d["market_vwap"] - 1).abs() / 0.10),
    # a closed loop has no commercial reason: equal volumes and a short span make it certain
    "cycle": lambda d: 0.7 + 0.15 * _clip(1 - d["spread"] / surveillance.CYCLE_TOLERANCE)
    + 0.15 * _clip(1 - d["span_days"] / surveillance.CYCLE_DAYS),
    # distance from the close beyond the threshold, distance from the day's other block trades (a
    # lone block trade has none to compare with: little credit), related parties, the ±30 % limit broken
    "off_market": lambda d: 0.35 + 0.25 * _clip((d["deviation"].abs() - surveillance.OFF_MARKET_DEVIATION) / 0.10)
    + 0.25 * _clip(d["others_deviation"].abs() / 0.30).where(d["others_vwap"].notna(), 0.3)
    + 0.15 * _flag(d["related"]) + 0.15 * _flag(d["beyond_limit"]),
    # one account dominating the limit, a large part of the day's volume, several trades
    "limit_pinned": lambda d: 0.3 + 0.3 * _clip(d["dominance"]) + 0.2 * _clip(d["day_share"] / 0.5)
    + 0.2 * _clip((d["n_trades"] - 1) / 3),
    # the size of the move: 2 % (the threshold) is 0.6, 5 % and more is full
    "marking_close": lambda d: 0.6 + 0.4 * _clip((d["move"].abs() - surveillance.MARKING_MOVE) / 0.03),
    # how far above its own past (10x, the threshold -> 0, 100x -> full), one-sided selling, and a large
    # share of the market's window volume (10 % -> full)
    "deadline_concentration": lambda d: 0.3 + 0.35 * _clip(np.log(d["lift"] / surveillance.DEADLINE_LIFT) / np.log(10))
    + 0.2 * _clip(d["sold_t"] / d["window_t"]) + 0.15 * _clip(d["market_share"] / 0.10),
    # a critical rule, and the net sales against 10 % of its allocation (half when it has none)
    "flagged_net_seller": lambda d: 0.45 + 0.2 * _flag(d["critical"])
    + 0.35 * _clip(d["volume_t"] / (0.10 * d["allocated_t"])).fillna(0.5),
}


def size_factor(volume_t) -> pd.Series:
    """0 up to 10 kt, 1 from 1 Mt, logarithmic between."""
    v = pd.Series(volume_t, dtype=float).clip(lower=1)
    return ((np.log10(v) - math.log10(SIZE_FROM_T)) / (math.log10(SIZE_FULL_T) - math.log10(SIZE_FROM_T))).clip(0, 1)


def score(kind: str, rows: pd.DataFrame) -> pd.Series:
    """The 0-100 score of one kind's alerts (see the module docstring)."""
    strength = STRENGTH[kind](rows).clip(0, 1)
    return (100 * KIND_WEIGHT[kind] * strength * (0.6 + 0.4 * size_factor(rows["volume_t"]).to_numpy())).round(1)


def clarity(kind: str, rows: pd.DataFrame) -> pd.Series:
    """How plainly one kind's alerts show abuse, 0-100: the score before its size factor (100 x
    weight(kind) x strength). The size ranks the alert list by the tonnes at issue; it is no evidence
    that the pattern holds - a close is marked on thin days with few tonnes because that is what makes
    it cheap - so the rules engine (R18) reads the clarity, not the score."""
    return (100 * KIND_WEIGHT[kind] * STRENGTH[kind](rows).clip(0, 1)).round(1)


def _plain(v):
    """A JSON-ready value: numbers rounded, timestamps as ISO text, lists as lists."""
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NaT:
        return None
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (np.integer, int)):
        return int(v)
    if isinstance(v, (np.floating, float)):
        return round(float(v), 6)
    if isinstance(v, pd.Timestamp):
        return v.isoformat()[:19] if (v.hour or v.minute or v.second) else v.date().isoformat()
    if hasattr(v, "isoformat"):
        return v.isoformat()
    if isinstance(v, (list, tuple, np.ndarray)):
        return [_plain(x) for x in v]
    return v


def _frame(kind: str, df: pd.DataFrame) -> pd.DataFrame:
    """One kind's query rows -> the scan's columns, with the score and the evidence as JSON."""
    if df.empty:
        return pd.DataFrame(columns=COLUMNS)
    evidence_cols = [c for c in df.columns if c not in _COMMON]
    evidence = [json.dumps({c: _plain(v) for c, v in zip(evidence_cols, row)}, ensure_ascii=False)
                for row in df[evidence_cols].itertuples(index=False, name=None)]
    out = df.assign(score=score(kind, df).to_numpy(), clarity=clarity(kind, df).to_numpy(), evidence=evidence)
    for col in ("accounts", "holders", "enterprises", "enterprise_names", "provinces", "trade_ids"):
        out[col] = out[col].map(lambda v: [x for x in v] if v is not None else [])
    return out[COLUMNS]


def scan(con, scope: Scope, flt: Filters = NO_FILTERS, kinds: tuple[str, ...] = KINDS) -> pd.DataFrame:
    """Every alert the scope and filters may see, highest score first: alert_id (kind:key, stable
    across runs on the same data), kind, score (0-100), clarity (the score before its size factor), first_ts, last_ts, accounts (the accounts the
    alert is about), holders (their holder names), enterprises, enterprise_names, provinces (of
    those enterprises, in order), trade_ids (the evidence trades), volume_t (the tonnes at issue) and
    evidence (JSON: the values that made it fire). `flagged_net_seller` reads the stored assessment
    flt.run_id and is empty without one."""
    frames = [_frame(k, QUERY[k](con, scope, flt)) for k in kinds]
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=COLUMNS)
    out = pd.concat(frames, ignore_index=True)
    out["score"] = out["score"].astype(float)
    out["clarity"] = out["clarity"].astype(float)
    out["volume_t"] = out["volume_t"].astype(float)
    out = out.sort_values(["score", "first_ts", "alert_id"], ascending=[False, True, True],
                          kind="stable").reset_index(drop=True)
    if scope.provinces is not None:  # another province's parties are not named (mask_parties)
        out = mask_parties(out, scope, surveillance.account_provinces(con, [a for v in out["accounts"] for a in v]))
    return out


def counts(alerts: pd.DataFrame) -> pd.Series:
    """Alerts per kind, every kind present (0 when none), in KINDS order."""
    return alerts["kind"].value_counts().reindex(list(KINDS), fill_value=0)


def evidence_trades(con, trade_ids, scope: Scope | None = None) -> pd.DataFrame:
    """The evidence trades of alerts (their trade_ids; core.surveillance.surveillance_trades), in time order.
    Only for ids taken from `scan`'s result: the scan applied the scope; with `scope`, the parties
    outside it are not named and trades between two of them are left out."""
    return surveillance.surveillance_trades(con, sorted(set(trade_ids)), within=scope)


def mask_parties(alerts: pd.DataFrame, scope: Scope, account_provinces: dict[str, str | None]) -> pd.DataFrame:
    """`alerts` (of scan) with the parties outside `scope` not named: an enterprise of another
    province reads access.OUTSIDE in enterprises and enterprise_names, and an account of one in
    accounts and holders (institutions and individuals belong to no province and stay named).
    `account_provinces`: account -> its enterprise's province (None for none)."""
    if scope.provinces is None or alerts.empty:
        return alerts
    out = alerts.copy()
    allowed = scope.allows

    def names(values, provinces):
        return [v if allowed(p) else access.OUTSIDE for v, p in zip(values, provinces)]

    out["enterprise_names"] = [names(n, p) for n, p in zip(out["enterprise_names"], out["provinces"])]
    out["enterprises"] = [names(e, p) for e, p in zip(out["enterprises"], out["provinces"])]
    hidden = [[account_provinces.get(a) is not None and not allowed(account_provinces.get(a)) for a in accs]
              for accs in out["accounts"]]
    out["holders"] = [[access.OUTSIDE if h else v for v, h in zip(vals, hid)] for vals, hid in zip(out["holders"], hidden)]
    out["accounts"] = [[access.OUTSIDE if h else v for v, h in zip(vals, hid)] for vals, hid in zip(out["accounts"], hidden)]
    return out


def enterprise_context(con, scope: Scope, run_id: str | None) -> pd.DataFrame:
    """Per enterprise in the scope and year of an alert's first trade: trading (0-1) = 1 - prod(1 -
    score / 100) over the kinds of alert involving it that year, each kind at its best score;
    alerts (how many); top_kind (the kind of its highest-scoring alert). For the risk composite's
    context component; run_id feeds flagged_net_seller."""
    return context_from(scan(con, scope, NO_FILTERS.with_run(run_id)), scope)


def context_from(alerts: pd.DataFrame, scope: Scope) -> pd.DataFrame:
    """enterprise_context from the alerts of `scan` (of `scope`)."""
    columns = ["enterprise_id", "year", "trading", "alerts", "top_kind"]
    if alerts.empty:
        return pd.DataFrame(columns=columns)
    rows = alerts.assign(year=pd.to_datetime(alerts["first_ts"]).dt.year,
                         pair=[list(zip(e, p)) for e, p in zip(alerts["enterprises"], alerts["provinces"])])
    rows = rows.explode("pair").dropna(subset=["pair"])
    rows["enterprise_id"] = rows["pair"].str[0]
    rows = rows[rows["pair"].str[1].map(scope.allows)]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    best = rows.groupby(["enterprise_id", "year", "kind"])["score"].max().rename("best").reset_index()
    keep = (1 - best["best"] / 100).groupby([best["enterprise_id"], best["year"]]).prod()
    top = rows.sort_values(["score", "alert_id"], ascending=[False, True]).groupby(["enterprise_id", "year"]).first()
    out = pd.DataFrame({"trading": (1 - keep).round(4),
                        "alerts": rows.groupby(["enterprise_id", "year"])["alert_id"].nunique(),
                        "top_kind": top["kind"]}).reset_index()
    return out[columns].sort_values(["enterprise_id", "year"]).reset_index(drop=True)


# --- in words -------------------------------------------------------------------------------------


# --- who trades with whom: a small graph with a deterministic layout --------------------------------

def network(alerts: pd.DataFrame, trades: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The counterparty graph of `alerts` (highest score first) and their evidence `trades`
    (surveillance_trades rows): edges (seller -> buyer, per kind: volume_t, trades, alert_id of the
    best alert it belongs to) and nodes (account, holder, enterprise_id, volume_t traded on the edges,
    kind of its best alert, x, y). Layout: each connected component on its own circle (a hub traded
    with every other node sits in the middle), components side by side, largest first; the same
    input always gives the same picture."""
    by_id = trades.set_index("trade_id")
    rows = []
    for a in alerts.itertuples():
        for tid in a.trade_ids:
            if tid in by_id.index:
                t = by_id.loc[tid]
                rows.append((t["seller_account"], t["buyer_account"], a.kind, a.alert_id, a.score, float(t["volume_t"]),
                             tid))
    edge_cols = ["seller", "buyer", "kind", "alert_id", "score", "volume_t", "trades"]
    node_cols = ["account", "holder", "enterprise_id", "volume_t", "kind", "x", "y"]
    if not rows:
        return pd.DataFrame(columns=edge_cols + ["x", "y", "x2", "y2"]), pd.DataFrame(columns=node_cols)
    e = pd.DataFrame(rows, columns=["seller", "buyer", "kind", "alert_id", "score", "volume_t", "trade_id"])
    e = e.drop_duplicates(["seller", "buyer", "kind", "trade_id"])
    edges = (e.sort_values(["score", "alert_id"], ascending=[False, True])
             .groupby(["seller", "buyer", "kind"], sort=False)
             .agg(alert_id=("alert_id", "first"), score=("score", "first"), volume_t=("volume_t", "sum"),
                  trades=("trade_id", "nunique")).reset_index())
    names = pd.concat([trades[["seller_account", "seller", "seller_enterprise"]].set_axis(["account", "holder", "enterprise_id"], axis=1),
                       trades[["buyer_account", "buyer", "buyer_enterprise"]].set_axis(["account", "holder", "enterprise_id"], axis=1)])
    names = names.drop_duplicates("account").set_index("account")
    ends = pd.concat([edges[["seller", "volume_t", "kind", "score"]].set_axis(["account", "volume_t", "kind", "score"], axis=1),
                      edges[["buyer", "volume_t", "kind", "score"]].set_axis(["account", "volume_t", "kind", "score"], axis=1)])
    nodes = ends.groupby("account").agg(volume_t=("volume_t", "sum")).join(
        ends.sort_values(["score"], ascending=False, kind="stable").groupby("account")["kind"].first())
    nodes = nodes.join(names, how="left")
    nodes["holder"] = nodes["holder"].fillna(pd.Series(nodes.index, index=nodes.index))
    pos = _layout(list(nodes.index), list(zip(edges["seller"], edges["buyer"])))
    nodes["x"] = [pos[a][0] for a in nodes.index]
    nodes["y"] = [pos[a][1] for a in nodes.index]
    nodes = nodes.reset_index().rename(columns={"index": "account"})[node_cols]
    xy = nodes.set_index("account")[["x", "y"]]
    edges = edges.join(xy, on="seller").join(xy.rename(columns={"x": "x2", "y": "y2"}), on="buyer")
    return edges[edge_cols + ["x", "y", "x2", "y2"]], nodes


def _graph(accounts: list[str], pairs: list[tuple[str, str]]) -> nx.Graph:
    g = nx.Graph()
    g.add_nodes_from(accounts)
    g.add_edges_from(pairs)
    return g


def _components(g: nx.Graph) -> list[list[str]]:
    """The connected components, each sorted, largest first (ties by their first account)."""
    return sorted((sorted(c) for c in nx.connected_components(g)), key=lambda c: (-len(c), c[0]))


def _layout(accounts: list[str], pairs: list[tuple[str, str]]) -> dict[str, tuple[float, float]]:
    """Circle per component, components left to right in rows; a cell is one unit wide, wider for a
    big component (its circle grows with the square root of its size)."""
    g = _graph(accounts, pairs)
    pos: dict[str, tuple[float, float]] = {}
    x0, y0, row_h, row_w = 0.0, 0.0, 0.0, max(6.0, math.sqrt(len(accounts)) * 1.6)
    for comp in _components(g):
        cell = max(1.0, math.sqrt(len(comp) / 6))
        if x0 > 0 and x0 + cell > row_w:
            x0, y0, row_h = 0.0, y0 - row_h, 0.0
        cx, cy, r = x0 + cell / 2, y0 - cell / 2, 0.38 * cell
        order = sorted(comp, key=lambda a: (-len(g[a]), a))  # distinct neighbours
        hub = order[0] if len(comp) >= 4 and len(g[order[0]]) == len(comp) - 1 else None
        ring = [a for a in order if a != hub] if hub else sorted(comp)
        if hub:
            pos[hub] = (cx, cy)
        if len(ring) == 1 and not hub:
            pos[ring[0]] = (cx, cy)
        else:
            for i, a in enumerate(ring):
                angle = math.pi / 2 - 2 * math.pi * i / len(ring)
                pos[a] = (round(cx + r * math.cos(angle), 4), round(cy + r * math.sin(angle), 4))
        x0 += cell
        row_h = max(row_h, cell)
    return pos
