"""The carbon market: the CEA series by month and by day and method, and the market-surveillance
scans (round trips, wash groups, cycles, off-market and limit-pinned prices, marking the close,
pre-deadline concentration, flagged net sellers) with their evidence trades.

Every function takes (con, ...) and returns a small DataFrame; values are always bound with `?`.
"""
from __future__ import annotations

import pandas as pd

from core.contract import access, mrv
from core.contract.access import Scope
from core.contract.filters import NO_FILTERS, Filters
from core.store.db import fetch_df
from core.store.sql import (
    band_sql,
    day_where,
    enterprise_where,
    page_query,
    scoped,
    score_sql,
)


@page_query("filtered")
def market_by_month(con, flt: Filters = NO_FILTERS) -> pd.DataFrame:
    """month, trading_days, close (last close of the month), vwap_cny (amount / volume), volume_t,
    amount_cny: the published CEA daily market, by month, in the filtered period."""
    dwhere, dparams = day_where(flt, "date")
    sql = f"""
        SELECT date_trunc('month', date)::DATE AS month, count(*) AS trading_days,
               arg_max(close, date) FILTER (WHERE close IS NOT NULL) AS close,
               sum(amount_cny) / nullif(sum(volume_t), 0) AS vwap_cny, sum(volume_t) AS volume_t,
               sum(amount_cny) AS amount_cny
        FROM market_daily WHERE {dwhere}
        GROUP BY ALL ORDER BY month"""
    return fetch_df(con, sql, dparams)


# ----------------------------------------------------------------- market surveillance (core.trading)
# Reads for core.trading.scan: one named query per kind of alert, (con, scope, flt, thresholds).
# Detection runs over the whole market - a price is off-market against every trade of its day, not
# the scope's - and the scope only decides what is shown: an alert is visible when at least one
# enterprise it involves passes the scope and the filters (`_scoped`; a national view with no
# enterprise filter also sees alerts about institutions only), and when at least one of its evidence
# trades falls in the period (flt.day_sql on trades.ts). Every kind returns the same leading columns
# (alert_id, kind, first_ts, last_ts, accounts: the accounts the alert is about, trade_ids: the
# evidence, volume_t: the tonnes at issue), the evidence values of its kind, then enterprises,
# enterprise_names, provinces (of those enterprises) and holders (the accounts' holder names) added
# by `_alerts`.

ROUND_TRIP_DAYS = 5          # A sells to B, B sells back within this many trading days ...
VOLUME_TOLERANCE = 0.10      # ... at a volume within 10 %
WASH_MIN_TRADES = 3          # trades between two accounts of one group in a quarter that make a pattern
WASH_MIN_VOLUME_T = 1_000_000  # or tonnes between them in the quarter
CYCLE_DAYS = 7               # A->B->C->A block trades within a week ...
CYCLE_TOLERANCE = 0.15       # ... whose volumes differ by at most 15 %
OFF_MARKET_DEVIATION = 0.20  # a block price this far from the previous close ...
OFF_MARKET_OTHERS = 0.15     # ... and this far from the VWAP of the day's other block trades
LIMIT_DOMINANCE = 0.25       # an account's share of the day's trades at the limit (same direction)
MARKING_FROM = "14:50:00"    # listing trades in the last minutes of the session ...
MARKING_MOVE = 0.02          # ... moving the day's VWAP (the close) by more than 2 %
DEADLINE_WINDOW_DAYS = 30    # days before a compliance deadline
DEADLINE_MIN_T = 500_000     # an account's volume in that window worth a look ...
DEADLINE_FLOOR_T = 100_000   # ... against its expected volume, never taken below one block trade
DEADLINE_LIFT = 10.0         # ... and at least this many times that expectation
NET_SELL_MIN_T = 10_000      # net tonnes sold that make an enterprise a net seller in a year
EVIDENCE_MAX = 20            # evidence trades kept for the account-level kinds (largest first)
# Rules about trades themselves (core.rules R14, R15): not "flagged emission data".
TRADE_RULE_IDS = ("R14", "R15")

# Shared by every kind: accounts with their enterprise and group, the trades with their day, and
# each trading day's close (the published one, else the VWAP of its listing trades) with the close
# of the trading day before (the prevailing close the price limits refer to).
_MARKET_CTES = """
    acc AS (SELECT a.account_id, a.holder_name, a.enterprise_id, e.name AS enterprise_name, e.group_name,
                   e.province_code FROM accounts a LEFT JOIN enterprises e USING (enterprise_id)),
    t AS (SELECT trade_id, ts, ts::DATE AS day, method, buyer_account, seller_account, volume_t, price_cny
          FROM trades),
    cl AS (SELECT day, close, lag(close) OVER (ORDER BY day) AS prev_close
           FROM (SELECT coalesce(d.date, x.day) AS day, coalesce(d.close, x.vwap) AS close
                 FROM (SELECT date, close FROM market_daily WHERE close IS NOT NULL) d
                 FULL JOIN (SELECT day, sum(volume_t * price_cny) / sum(volume_t) AS vwap FROM t
                            WHERE method = 'listing' GROUP BY day) x ON x.day = d.date))"""
# Two accounts are related when they belong to one enterprise or to two enterprises of one group.
_RELATED = "coalesce({a}.enterprise_id = {b}.enterprise_id OR {a}.group_name = {b}.group_name, FALSE)"


def _alerts(scope: Scope, flt: Filters, body: str, params: list) -> tuple[str, list]:
    """A surveillance statement: the scope's CTEs, the market CTEs, the kind's CTEs (`body`, ending in
    `al`) and, of its alerts, those the scope and period let through, with the enterprises and holder
    names of their accounts (enterprises in order of first appearance)."""
    cte, sparams = scoped(scope, flt)
    dwhere, dparams = day_where(flt, "tp.ts")
    unrestricted = scope.provinces is None and enterprise_where(flt, "e")[0] == "TRUE"
    sql = f"""
        {cte}, {_MARKET_CTES}, {body},
        who AS (SELECT alert_id, unnest(accounts) AS account_id, generate_subscripts(accounts, 1) AS pos FROM al),
        holders AS (SELECT w.alert_id, list(coalesce(acc.holder_name, w.account_id) ORDER BY w.pos) AS holders
                    FROM who w LEFT JOIN acc USING (account_id) GROUP BY ALL),
        ents AS (SELECT w.alert_id, acc.enterprise_id, any_value(acc.enterprise_name) AS name,
                        any_value(acc.province_code) AS province_code, min(w.pos) AS pos,
                        bool_or(se.enterprise_id IS NOT NULL) AS in_scope
                 FROM who w JOIN acc USING (account_id) LEFT JOIN se ON se.enterprise_id = acc.enterprise_id
                 WHERE acc.enterprise_id IS NOT NULL GROUP BY ALL),
        en AS (SELECT alert_id, list(enterprise_id ORDER BY pos) AS enterprises,
                      list(name ORDER BY pos) AS enterprise_names, list(province_code ORDER BY pos) AS provinces,
                      bool_or(in_scope) AS visible
               FROM ents GROUP BY ALL),
        inp AS (SELECT DISTINCT a.alert_id FROM (SELECT alert_id, unnest(trade_ids) AS trade_id FROM al) a
                JOIN trades tp USING (trade_id) WHERE {dwhere})
        SELECT al.*, coalesce(en.enterprises, []::VARCHAR[]) AS enterprises,
               coalesce(en.enterprise_names, []::VARCHAR[]) AS enterprise_names,
               coalesce(en.provinces, []::VARCHAR[]) AS provinces, holders.holders
        FROM al JOIN holders USING (alert_id) LEFT JOIN en USING (alert_id) SEMI JOIN inp USING (alert_id)
        WHERE coalesce(en.visible, FALSE) OR ?
        ORDER BY al.first_ts, al.alert_id"""
    return sql, [*sparams, *params, *dparams, unrestricted]


def surveillance_round_trips(con, scope: Scope, flt: Filters = NO_FILTERS, max_days: int = ROUND_TRIP_DAYS,
                             tolerance: float = VOLUME_TOLERANCE) -> pd.DataFrame:
    """kind 'round_trip': A sells to B and B sells back to A within `max_days` trading days (days with
    trades) at a volume within `tolerance` (each first leg with its closest return). Evidence:
    lag_days (calendar), trading_days, volume_1, volume_2, volume_ratio (2nd / 1st), price_1, price_2,
    related (one enterprise or group)."""
    body = f"""
        td AS (SELECT day, row_number() OVER (ORDER BY day) AS day_no FROM (SELECT DISTINCT day FROM t)),
        tn AS (SELECT t.*, td.day_no FROM t JOIN td USING (day)),
        rt AS (SELECT t1.trade_id AS id1, t2.trade_id AS id2, t1.ts AS ts1, t2.ts AS ts2, t1.seller_account AS a,
                      t1.buyer_account AS b, t1.volume_t AS v1, t2.volume_t AS v2, t1.price_cny AS p1, t2.price_cny AS p2,
                      t2.day_no - t1.day_no AS trading_days
               FROM tn t1 JOIN tn t2 ON t2.seller_account = t1.buyer_account AND t2.buyer_account = t1.seller_account
                    AND t2.ts > t1.ts AND t2.day_no - t1.day_no <= ?
                    AND abs(t2.volume_t / t1.volume_t - 1) <= ?
               QUALIFY row_number() OVER (PARTITION BY t1.trade_id
                                          ORDER BY abs(t2.volume_t / t1.volume_t - 1), t2.ts, t2.trade_id) = 1),
        al AS (SELECT 'round_trip:' || rt.id1 AS alert_id, 'round_trip' AS kind, rt.ts1 AS first_ts, rt.ts2 AS last_ts,
                      [rt.a, rt.b] AS accounts, [rt.id1, rt.id2] AS trade_ids, rt.v1 AS volume_t,
                      date_diff('second', rt.ts1, rt.ts2) / 86400.0 AS lag_days, rt.trading_days,
                      rt.v1 AS volume_1, rt.v2 AS volume_2,
                      rt.v2 / rt.v1 AS volume_ratio, rt.p1 AS price_1, rt.p2 AS price_2,
                      {_RELATED.format(a='sa', b='sb')} AS related
               FROM rt LEFT JOIN acc sa ON sa.account_id = rt.a LEFT JOIN acc sb ON sb.account_id = rt.b)"""
    sql, params = _alerts(scope, flt, body, [int(max_days), float(tolerance)])
    return fetch_df(con, sql, params)


def surveillance_wash_groups(con, scope: Scope, flt: Filters = NO_FILTERS, min_trades: int = WASH_MIN_TRADES,
                             min_volume_t: float = WASH_MIN_VOLUME_T) -> pd.DataFrame:
    """kind 'wash_group': two accounts of one enterprise or one group trading with each other at least
    `min_trades` times, or at least `min_volume_t` tonnes, in a calendar quarter. Evidence: group,
    quarter (first day), n_trades, two_way (both sold to the other), vwap (their average price) and
    market_vwap (the VWAP of every trade in those days)."""
    body = f"""
        ig AS (SELECT t.*, least(t.seller_account, t.buyer_account) AS x, greatest(t.seller_account, t.buyer_account) AS y,
                      date_trunc('quarter', t.day)::DATE AS quarter, coalesce(s.group_name, s.enterprise_name) AS grp
               FROM t JOIN acc s ON s.account_id = t.seller_account JOIN acc b ON b.account_id = t.buyer_account
               WHERE {_RELATED.format(a='s', b='b')}),
        wg AS (SELECT x, y, quarter, any_value(grp) AS grp, count(*) AS n_trades, sum(volume_t) AS volume_t,
                      count(DISTINCT seller_account) = 2 AS two_way, min(ts) AS first_ts, max(ts) AS last_ts,
                      list(trade_id ORDER BY ts, trade_id) AS trade_ids,
                      sum(volume_t * price_cny) / sum(volume_t) AS vwap, list(DISTINCT day) AS days
               FROM ig GROUP BY x, y, quarter
               HAVING count(*) >= ? OR sum(volume_t) >= ?),
        dm AS (SELECT day, sum(volume_t * price_cny) AS a, sum(volume_t) AS v FROM t GROUP BY day),
        mv AS (SELECT wg.x, wg.y, wg.quarter, sum(dm.a) / sum(dm.v) AS market_vwap
               FROM (SELECT x, y, quarter, unnest(days) AS day FROM wg) wg JOIN dm USING (day) GROUP BY ALL),
        al AS (SELECT 'wash_group:' || wg.trade_ids[1] AS alert_id, 'wash_group' AS kind, wg.first_ts, wg.last_ts,
                      [wg.x, wg.y] AS accounts, wg.trade_ids, wg.volume_t, wg.grp AS "group", wg.quarter,
                      wg.n_trades, wg.two_way, wg.vwap, mv.market_vwap
               FROM wg JOIN mv USING (x, y, quarter))"""
    sql, params = _alerts(scope, flt, body, [int(min_trades), float(min_volume_t)])
    return fetch_df(con, sql, params)


def surveillance_cycles(con, scope: Scope, flt: Filters = NO_FILTERS, max_days: int = CYCLE_DAYS,
                        tolerance: float = CYCLE_TOLERANCE) -> pd.DataFrame:
    """kind 'cycle': block trades A->B, B->C, C->A (three distinct accounts, in this order) within
    `max_days` of the first, whose volumes differ by at most `tolerance` (each first leg with its
    tightest cycle). Evidence: span_days, spread (largest / smallest volume - 1), volume_1..3,
    price_1..3."""
    later = "({n}.ts > {p}.ts OR ({n}.ts = {p}.ts AND {n}.trade_id > {p}.trade_id))"
    body = f"""
        bk AS (SELECT * FROM t WHERE method = 'block'),
        cy AS (SELECT t1.trade_id AS id1, t2.trade_id AS id2, t3.trade_id AS id3, t1.seller_account AS a,
                      t1.buyer_account AS b, t2.buyer_account AS c, t1.ts AS ts1, t3.ts AS ts3,
                      t1.volume_t AS v1, t2.volume_t AS v2, t3.volume_t AS v3,
                      t1.price_cny AS p1, t2.price_cny AS p2, t3.price_cny AS p3,
                      greatest(t1.volume_t, t2.volume_t, t3.volume_t) / least(t1.volume_t, t2.volume_t, t3.volume_t) - 1
                          AS spread
               FROM bk t1
               JOIN bk t2 ON t2.seller_account = t1.buyer_account AND t2.buyer_account <> t1.seller_account
                    AND {later.format(n='t2', p='t1')} AND t2.ts <= t1.ts + INTERVAL (?) DAY
               JOIN bk t3 ON t3.seller_account = t2.buyer_account AND t3.buyer_account = t1.seller_account
                    AND {later.format(n='t3', p='t2')} AND t3.ts <= t1.ts + INTERVAL (?) DAY
               WHERE greatest(t1.volume_t, t2.volume_t, t3.volume_t) / least(t1.volume_t, t2.volume_t, t3.volume_t) - 1 <= ?
               QUALIFY row_number() OVER (PARTITION BY t1.trade_id ORDER BY spread, t3.ts, t2.trade_id, t3.trade_id) = 1),
        al AS (SELECT 'cycle:' || id1 AS alert_id, 'cycle' AS kind, ts1 AS first_ts, ts3 AS last_ts, [a, b, c] AS accounts,
                      [id1, id2, id3] AS trade_ids, v1 AS volume_t, date_diff('second', ts1, ts3) / 86400.0 AS span_days,
                      spread, v1 AS volume_1, v2 AS volume_2, v3 AS volume_3, p1 AS price_1, p2 AS price_2, p3 AS price_3
               FROM cy)"""
    sql, params = _alerts(scope, flt, body, [int(max_days), int(max_days), float(tolerance)])
    return fetch_df(con, sql, params)


def surveillance_off_market(con, scope: Scope, flt: Filters = NO_FILTERS, deviation: float = OFF_MARKET_DEVIATION,
                            others: float = OFF_MARKET_OTHERS) -> pd.DataFrame:
    """kind 'off_market': block trades priced more than `deviation` from the previous close and more
    than `others` from the VWAP of the day's other block trades (or the day's only block trade).
    Evidence: price, prev_close, deviation, others_vwap (null when alone), others_deviation,
    beyond_limit (outside the ±30 % block limit), related."""
    body = f"""
        bd AS (SELECT day, sum(volume_t) AS v, sum(volume_t * price_cny) AS a, count(*) AS n FROM t
               WHERE method = 'block' GROUP BY day),
        om AS (SELECT t.*, cl.prev_close, t.price_cny / cl.prev_close - 1 AS deviation,
                      CASE WHEN bd.n > 1 THEN (bd.a - t.volume_t * t.price_cny) / (bd.v - t.volume_t) END AS others_vwap
               FROM t JOIN cl USING (day) JOIN bd USING (day)
               WHERE t.method = 'block' AND cl.prev_close > 0 AND abs(t.price_cny / cl.prev_close - 1) > ?),
        al AS (SELECT 'off_market:' || om.trade_id AS alert_id, 'off_market' AS kind, om.ts AS first_ts, om.ts AS last_ts,
                      [om.seller_account, om.buyer_account] AS accounts, [om.trade_id] AS trade_ids, om.volume_t,
                      om.price_cny AS price, om.prev_close, om.deviation, om.others_vwap,
                      om.price_cny / om.others_vwap - 1 AS others_deviation,
                      abs(om.deviation) > {mrv.BLOCK_LIMIT} AS beyond_limit, {_RELATED.format(a='s', b='b')} AS related
               FROM om LEFT JOIN acc s ON s.account_id = om.seller_account LEFT JOIN acc b ON b.account_id = om.buyer_account
               WHERE om.others_vwap IS NULL OR abs(om.price_cny / om.others_vwap - 1) > ?)"""
    sql, params = _alerts(scope, flt, body, [float(deviation), float(others)])
    return fetch_df(con, sql, params)


def surveillance_limit_pinned(con, scope: Scope, flt: Filters = NO_FILTERS,
                              dominance: float = LIMIT_DOMINANCE) -> pd.DataFrame:
    """kind 'limit_pinned': listing trades at the ±10 % limit of the previous close (within one tick),
    per day, direction and the account pushing the price there (the buyer at the upper limit, the
    seller at the lower), when that account holds at least `dominance` of the day's volume at that
    limit. Evidence: direction ('up'/'down'), limit_price, prev_close, n_trades, dominance,
    day_share (of the day's listing volume)."""
    lim, tick = mrv.LISTING_LIMIT, mrv.PRICE_TICK
    body = f"""
        lp AS (SELECT t.*, cl.prev_close,
                      CASE WHEN t.price_cny >= round(cl.prev_close * {1 + lim}, 2) - {tick} THEN 'up'
                           WHEN t.price_cny <= round(cl.prev_close * {1 - lim}, 2) + {tick} THEN 'down' END AS direction
               FROM t JOIN cl USING (day) WHERE t.method = 'listing' AND cl.prev_close > 0),
        ld AS (SELECT day, sum(volume_t) AS listing_t FROM t WHERE method = 'listing' GROUP BY day),
        la AS (SELECT day, direction, CASE direction WHEN 'up' THEN buyer_account ELSE seller_account END AS account,
                      any_value(prev_close) AS prev_close, count(*) AS n_trades, sum(volume_t) AS volume_t,
                      min(ts) AS first_ts, max(ts) AS last_ts, list(trade_id ORDER BY ts, trade_id) AS trade_ids
               FROM lp WHERE direction IS NOT NULL GROUP BY ALL),
        al AS (SELECT 'limit_pinned:' || la.trade_ids[1] AS alert_id, 'limit_pinned' AS kind, la.first_ts, la.last_ts,
                      [la.account] AS accounts, la.trade_ids, la.volume_t, la.direction,
                      round(la.prev_close * CASE la.direction WHEN 'up' THEN {1 + lim} ELSE {1 - lim} END, 2) AS limit_price,
                      la.prev_close, la.n_trades,
                      la.volume_t / sum(la.volume_t) OVER (PARTITION BY la.day, la.direction) AS dominance,
                      la.volume_t / ld.listing_t AS day_share
               FROM la JOIN ld USING (day)
               QUALIFY dominance >= ?)"""
    sql, params = _alerts(scope, flt, body, [float(dominance)])
    return fetch_df(con, sql, params)


def surveillance_marking_close(con, scope: Scope, flt: Filters = NO_FILTERS, late_from: str = MARKING_FROM,
                               move: float = MARKING_MOVE) -> pd.DataFrame:
    """kind 'marking_close': days whose listing trades from `late_from` to the close move the day's
    VWAP (the close) by more than `move` against the VWAP without them; the evidence trades are the
    late trades priced in the direction of the move, the accounts those pushing it (buyers up,
    sellers down). Evidence: day, close (the day's listing VWAP), close_without, move, late_share (of
    the day's listing volume), n_trades, published_close."""
    body = """
        mcd AS (SELECT day, sum(volume_t) AS v, sum(volume_t * price_cny) AS a,
                       coalesce(sum(volume_t) FILTER (WHERE ts::TIME >= ?::TIME), 0) AS v_late,
                       coalesce(sum(volume_t * price_cny) FILTER (WHERE ts::TIME >= ?::TIME), 0) AS a_late
                FROM t WHERE method = 'listing' GROUP BY day),
        mc AS (SELECT day, a / v AS vwap, (a - a_late) / (v - v_late) AS vwap_without, v_late / v AS late_share
               FROM mcd WHERE v_late > 0 AND v_late < v),
        mt AS (SELECT mc.*, t.trade_id, t.ts, t.volume_t, t.buyer_account, t.seller_account, mc.vwap / mc.vwap_without - 1 AS mv
               FROM mc JOIN t USING (day)
               WHERE abs(mc.vwap / mc.vwap_without - 1) > ? AND t.method = 'listing' AND t.ts::TIME >= ?::TIME
                 AND (t.price_cny - mc.vwap_without) * sign(mc.vwap / mc.vwap_without - 1) > 0),
        mg AS (SELECT day, any_value(vwap) AS close, any_value(vwap_without) AS close_without, any_value(mv) AS move,
                      any_value(late_share) AS late_share, count(*) AS n_trades, sum(volume_t) AS volume_t,
                      min(ts) AS first_ts, max(ts) AS last_ts, list(trade_id ORDER BY ts, trade_id) AS trade_ids,
                      list(DISTINCT CASE WHEN mv > 0 THEN buyer_account ELSE seller_account END) AS accounts
               FROM mt GROUP BY day),
        al AS (SELECT 'marking_close:' || mg.trade_ids[1] AS alert_id, 'marking_close' AS kind, mg.first_ts, mg.last_ts,
                      list_sort(mg.accounts) AS accounts, mg.trade_ids, mg.volume_t, mg.day, mg.close, mg.close_without,
                      mg.move, mg.late_share, mg.n_trades, d.close AS published_close
               FROM mg LEFT JOIN market_daily d ON d.date = mg.day)"""
    sql, params = _alerts(scope, flt, body, [late_from, late_from, float(move), late_from])
    return fetch_df(con, sql, params)


def surveillance_deadline_concentration(con, scope: Scope, flt: Filters = NO_FILTERS,
                                        window_days: int = DEADLINE_WINDOW_DAYS, min_t: float = DEADLINE_MIN_T,
                                        floor_t: float = DEADLINE_FLOOR_T, lift: float = DEADLINE_LIFT
                                        ) -> pd.DataFrame:
    """kind 'deadline_concentration': an account's volume (bought + sold) in the `window_days` before a
    compliance deadline (compliance.due_date, and mrv.COMPLIANCE_DUE) against what its own past
    implies: expected = its volume in the 365 days before the window x the market's volume in the
    window / the market's volume in those 365 days (the market's own rush to the deadline is not the
    account's doing); an alert when the window volume is at least `min_t` and at least `lift` times
    max(expected, `floor_t`). Evidence: deadline, window_t, sold_t, bought_t, hist_t, expected_t,
    lift, market_share (of the market's window volume), n_trades; evidence trades: the EVIDENCE_MAX
    largest."""
    body = f"""
        dl AS (SELECT DISTINCT deadline FROM (SELECT due_date AS deadline FROM compliance
                                               UNION ALL SELECT unnest(?::DATE[]))
               WHERE deadline >= (SELECT min(day) FROM t) AND deadline - INTERVAL (?) DAY <= (SELECT max(day) FROM t)),
        tw AS (SELECT dl.deadline, t.* FROM dl JOIN t ON t.day > dl.deadline - INTERVAL (?) DAY AND t.day <= dl.deadline),
        win AS (SELECT deadline, seller_account AS account, trade_id, ts, volume_t, 'sell' AS side FROM tw
                UNION ALL SELECT deadline, buyer_account, trade_id, ts, volume_t, 'buy' FROM tw),
        dw AS (SELECT deadline, account, sum(volume_t) AS window_t,
                      coalesce(sum(volume_t) FILTER (WHERE side = 'sell'), 0) AS sold_t,
                      coalesce(sum(volume_t) FILTER (WHERE side = 'buy'), 0) AS bought_t, count(*) AS n_trades,
                      min(ts) AS first_ts, max(ts) AS last_ts
               FROM win GROUP BY ALL HAVING sum(volume_t) >= ?),
        -- the evidence: the largest trades, listed for the accounts that pass only
        de AS (SELECT deadline, account, list(trade_id ORDER BY volume_t DESC, trade_id) AS trade_ids
               FROM (SELECT * FROM win SEMI JOIN dw USING (deadline, account)
                     QUALIFY row_number() OVER (PARTITION BY deadline, account ORDER BY volume_t DESC, trade_id)
                             <= {EVIDENCE_MAX})
               GROUP BY ALL),
        -- the past year of the accounts that pass, from their daily volumes
        ad AS (SELECT account, day, sum(volume_t) AS v
               FROM (SELECT seller_account AS account, day, volume_t FROM t UNION ALL SELECT buyer_account, day, volume_t FROM t)
               WHERE account IN (SELECT account FROM dw) GROUP BY ALL),
        hist AS (SELECT dw.deadline, dw.account, sum(ad.v) AS hist_t
                 FROM dw JOIN ad ON ad.account = dw.account AND ad.day > dw.deadline - INTERVAL (?) DAY
                      AND ad.day <= dw.deadline - INTERVAL (?) DAY GROUP BY ALL),
        md AS (SELECT day, sum(volume_t) AS v FROM t GROUP BY day),
        mk AS (SELECT dl.deadline, sum(md.v) FILTER (WHERE md.day > dl.deadline - INTERVAL (?) DAY) AS market_window_t,
                      sum(md.v) FILTER (WHERE md.day <= dl.deadline - INTERVAL (?) DAY) AS market_hist_t
               FROM dl JOIN md ON md.day > dl.deadline - INTERVAL (?) DAY AND md.day <= dl.deadline GROUP BY ALL),
        dc AS (SELECT dw.*, de.trade_ids, coalesce(hist.hist_t, 0) AS hist_t, mk.market_window_t,
                      coalesce(hist.hist_t, 0) * mk.market_window_t / nullif(mk.market_hist_t, 0) AS expected_t
               FROM dw JOIN de USING (deadline, account) JOIN mk USING (deadline)
               LEFT JOIN hist USING (deadline, account)),
        al AS (SELECT 'deadline_concentration:' || account || ':' || strftime(deadline, '%Y-%m-%d') AS alert_id,
                      'deadline_concentration' AS kind, first_ts, last_ts, [account] AS accounts, trade_ids,
                      window_t AS volume_t, deadline, window_t, sold_t, bought_t, hist_t, expected_t,
                      window_t / greatest(coalesce(expected_t, 0), ?) AS lift, window_t / market_window_t AS market_share,
                      n_trades
               FROM dc WHERE window_t / greatest(coalesce(expected_t, 0), ?) >= ?)"""
    w, year = int(window_days), int(window_days) + 365
    sql, params = _alerts(scope, flt, body, [sorted(set(mrv.COMPLIANCE_DUE.values())), w, w, float(min_t), year, w,
                                             w, w, year, float(floor_t), float(floor_t), float(lift)])
    return fetch_df(con, sql, params)


def surveillance_flagged_net_sellers(con, scope: Scope, flt: Filters = NO_FILTERS,
                                     min_net_t: float = NET_SELL_MIN_T) -> pd.DataFrame:
    """kind 'flagged_net_seller': an enterprise whose emission data the stored run (flt.run_id) flags
    in a year - a critical or high rule other than the trade rules (TRADE_RULE_IDS), or a critical or
    high risk band without any trade rule that year - that sold at least `min_net_t` more than it bought
    in that year or the next: understated emissions leave allowances to sell. Evidence: year, rules,
    critical, band, net_sold_t (that year), net_sold_next_t, allocated_t, n_sells; evidence trades:
    its EVIDENCE_MAX largest sales in the two years. Nothing without a run."""
    score = score_sql("c")
    body = f"""
        fl AS (SELECT h.enterprise_id, TRY_CAST(left(h.period, 4) AS INTEGER) AS year,
                      list(DISTINCT h.rule_id ORDER BY h.rule_id) AS rules, bool_or(h.severity = 'critical') AS critical
               FROM rule_hits h WHERE h.run_id = ? AND h.severity IN ('critical', 'high')
                 AND NOT list_contains(?::VARCHAR[], h.rule_id)
               GROUP BY ALL),
        rb AS (SELECT c.enterprise_id, c.year, {band_sql(score)} AS band FROM risk_components c WHERE c.run_id = ?),
        th AS (SELECT DISTINCT h.enterprise_id, TRY_CAST(left(h.period, 4) AS INTEGER) AS year FROM rule_hits h
               WHERE h.run_id = ? AND list_contains(?::VARCHAR[], h.rule_id)),
        fy AS (SELECT coalesce(fl.enterprise_id, rb.enterprise_id) AS enterprise_id, coalesce(fl.year, rb.year) AS year,
                      coalesce(fl.rules, []::VARCHAR[]) AS rules, coalesce(fl.critical, FALSE) AS critical, rb.band
               FROM fl FULL JOIN rb ON rb.enterprise_id = fl.enterprise_id AND rb.year = fl.year
               WHERE fl.enterprise_id IS NOT NULL
                  OR (rb.band IN ('critical', 'high') AND NOT EXISTS (
                          SELECT 1 FROM th WHERE th.enterprise_id = rb.enterprise_id AND th.year = rb.year))),
        ep AS (SELECT a.enterprise_id, a.account_id, year(t.day) AS year, t.trade_id, t.ts, t.volume_t, 'sell' AS side
               FROM t JOIN acc a ON a.account_id = t.seller_account WHERE a.enterprise_id IN (SELECT enterprise_id FROM fy)
               UNION ALL
               SELECT a.enterprise_id, a.account_id, year(t.day), t.trade_id, t.ts, t.volume_t, 'buy'
               FROM t JOIN acc a ON a.account_id = t.buyer_account WHERE a.enterprise_id IN (SELECT enterprise_id FROM fy)),
        ny AS (SELECT enterprise_id, year, coalesce(sum(volume_t) FILTER (WHERE side = 'sell'), 0)
                                           - coalesce(sum(volume_t) FILTER (WHERE side = 'buy'), 0) AS net_sold_t
               FROM ep GROUP BY ALL),
        fs AS (SELECT fy.*, n0.net_sold_t, n1.net_sold_t AS net_sold_next_t, al0.allocated_t
               FROM fy LEFT JOIN ny n0 ON n0.enterprise_id = fy.enterprise_id AND n0.year = fy.year
               LEFT JOIN ny n1 ON n1.enterprise_id = fy.enterprise_id AND n1.year = fy.year + 1
               LEFT JOIN allocations al0 ON al0.enterprise_id = fy.enterprise_id AND al0.year = fy.year
               WHERE greatest(coalesce(n0.net_sold_t, 0), coalesce(n1.net_sold_t, 0)) >= ?),
        fsl AS (SELECT fs.enterprise_id, fs.year, count(*) AS n_sells, min(ep.ts) AS first_ts, max(ep.ts) AS last_ts,
                       list(DISTINCT ep.account_id ORDER BY ep.account_id) AS accounts,
                       list(ep.trade_id ORDER BY ep.volume_t DESC, ep.trade_id)[1:{EVIDENCE_MAX}] AS trade_ids
                FROM fs JOIN ep ON ep.enterprise_id = fs.enterprise_id AND ep.side = 'sell'
                     AND ep.year IN (fs.year, fs.year + 1)
                GROUP BY ALL),
        al AS (SELECT 'flagged_net_seller:' || fs.enterprise_id || ':' || fs.year AS alert_id, 'flagged_net_seller' AS kind,
                      fsl.first_ts, fsl.last_ts, fsl.accounts, fsl.trade_ids,
                      greatest(coalesce(fs.net_sold_t, 0), coalesce(fs.net_sold_next_t, 0)) AS volume_t,
                      fs.year, fs.rules, fs.critical, fs.band, fs.net_sold_t, fs.net_sold_next_t, fs.allocated_t, fsl.n_sells
               FROM fs JOIN fsl USING (enterprise_id, year))"""
    trade_rules = list(TRADE_RULE_IDS)
    sql, params = _alerts(scope, flt, body, [flt.run_id, trade_rules, flt.run_id, flt.run_id, trade_rules,
                                             float(min_net_t)])
    return fetch_df(con, sql, params)


SURVEILLANCE_QUERIES = (surveillance_round_trips, surveillance_wash_groups, surveillance_cycles,
                        surveillance_off_market, surveillance_limit_pinned, surveillance_marking_close,
                        surveillance_deadline_concentration, surveillance_flagged_net_sellers)


def account_provinces(con, accounts: list[str]) -> dict[str, str | None]:
    """account -> the province of its enterprise (None: an institution's or individual's account)."""
    rows = fetch_df(con, "SELECT a.account_id, e.province_code FROM accounts a LEFT JOIN enterprises e "
                         "USING (enterprise_id) WHERE a.account_id IN (SELECT unnest(?::VARCHAR[]))",
                    [sorted(set(accounts))])
    return {a: (p if isinstance(p, str) else None) for a, p in zip(rows["account_id"], rows["province_code"])}


def _visible(alias: str) -> str:
    """An account the scope may name: no enterprise's (an institution, an individual: no province),
    or an enterprise's inside the scope (`in_scope`, a bound list; NULL: national)."""
    return (f"({alias}.province_code IS NULL OR ?::VARCHAR[] IS NULL "
            f"OR list_contains(?::VARCHAR[], {alias}.province_code))")


def surveillance_trades(con, trade_ids: list[str], within: Scope | None = None) -> pd.DataFrame:
    """The evidence trades of alerts, by id: trade_id, ts, method, buyer_account, buyer (holder name),
    buyer_enterprise, seller_account, seller, seller_enterprise, volume_t, price_cny, prev_close (the
    prevailing close) and deviation (price / prev_close - 1), in time order. Ask only for the
    evidence of alerts the scope may see (core.insight.trading.scan applied it).

    `within` a provincial scope, an account of an enterprise outside it is not named: its account is
    a stable pseudonym ('@outside-' and 6 hex digits, so a graph still joins its trades) and its
    holder and enterprise are NULL; a trade between two such accounts is left out (another
    province's trade; outside_trades counts them)."""
    provinces = None if within is None or within.provinces is None else sorted(within.provinces)
    vb, vs = _visible("b"), _visible("s")
    sql = f"""
        WITH {_MARKET_CTES},
        x AS (SELECT t.*, {vb} AS b_ok, {vs} AS s_ok, b.holder_name AS b_name, b.enterprise_id AS b_ent,
                     s.holder_name AS s_name, s.enterprise_id AS s_ent
              FROM t LEFT JOIN acc b ON b.account_id = t.buyer_account LEFT JOIN acc s ON s.account_id = t.seller_account
              WHERE t.trade_id IN (SELECT unnest(?::VARCHAR[])))
        SELECT x.trade_id, x.ts, x.method,
               CASE WHEN b_ok THEN buyer_account ELSE '{access.OUTSIDE}-' || left(md5(buyer_account), 6) END
                   AS buyer_account,
               CASE WHEN b_ok THEN b_name END AS buyer, CASE WHEN b_ok THEN b_ent END AS buyer_enterprise,
               CASE WHEN s_ok THEN seller_account ELSE '{access.OUTSIDE}-' || left(md5(seller_account), 6) END
                   AS seller_account,
               CASE WHEN s_ok THEN s_name END AS seller, CASE WHEN s_ok THEN s_ent END AS seller_enterprise,
               x.volume_t, x.price_cny, cl.prev_close, x.price_cny / cl.prev_close - 1 AS deviation
        FROM x LEFT JOIN cl USING (day)
        WHERE b_ok OR s_ok
        ORDER BY x.ts, x.trade_id"""
    return fetch_df(con, sql, [provinces, provinces, provinces, provinces, list(trade_ids)])


@page_query("filtered")
def market_daily_by_method(con, flt: Filters = NO_FILTERS) -> pd.DataFrame:
    """day, close (the published close, else the VWAP of the day's listing trades), listing_t, block_t,
    auction_t, volume_t, amount_cny: the CEA market per trading day in the filtered period, from the
    trades (national: the exchange publishes these figures)."""
    dwhere, dparams = day_where(flt, "t.day")
    sql = f"""
        WITH {_MARKET_CTES},
        d AS (SELECT day, coalesce(sum(volume_t) FILTER (WHERE method = 'listing'), 0) AS listing_t,
                     coalesce(sum(volume_t) FILTER (WHERE method = 'block'), 0) AS block_t,
                     coalesce(sum(volume_t) FILTER (WHERE method = 'auction'), 0) AS auction_t,
                     sum(volume_t) AS volume_t, sum(volume_t * price_cny) AS amount_cny
              FROM t WHERE {dwhere} GROUP BY day)
        SELECT d.day, cl.close, d.listing_t, d.block_t, d.auction_t, d.volume_t, d.amount_cny
        FROM d LEFT JOIN cl USING (day) ORDER BY d.day"""
    return fetch_df(con, sql, dparams)
