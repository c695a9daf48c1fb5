"""Market-surveillance alerts in words (i18n market.reason.<kind>, market.kind.<kind>)."""
from __future__ import annotations

import json

import pandas as pd

from core.contract import mrv
from core.store import surveillance
from core.words import i18n, labels


def _price(v, lang: str) -> str:
    return i18n.MISSING if v is None else i18n.t("unit.price", lang, value=f"{float(v):,.2f}")


def _days(v, lang: str) -> str:
    return i18n.t("market.days", lang, n=f"{float(v):.1f}")


def _name(holders: list, i: int) -> str:
    return holders[i] if i < len(holders) else i18n.MISSING


def _reason_args(kind: str, ev: dict, alert: pd.Series, lang: str) -> dict:
    """The placeholders of market.reason.<kind>, from the evidence and the holders' names (a party
    outside the reader's scope in words, not by name)."""
    h = [labels.party(v, lang) for v in alert["holders"]]
    tonnes = lambda k: i18n.fmt_tonnes(ev.get(k), lang)  # noqa: E731
    pct = lambda k: i18n.fmt_pct(ev.get(k), lang, signed=True)  # noqa: E731
    related = i18n.t("market.related", lang) if ev.get("related") else ""
    if kind == "round_trip":
        return dict(a=_name(h, 0), b=_name(h, 1), volume_1=tonnes("volume_1"), volume_2=tonnes("volume_2"),
                    lag=_days(ev["lag_days"], lang), price_1=_price(ev["price_1"], lang),
                    price_2=_price(ev["price_2"], lang), related=related)
    if kind == "wash_group":
        return dict(a=_name(h, 0), b=_name(h, 1), group=ev.get("group") or i18n.MISSING, n=ev["n_trades"],
                    volume=i18n.fmt_tonnes(alert["volume_t"], lang),
                    quarter=_quarter(ev["quarter"], lang),
                    two_way=i18n.t("market.two_way", lang) if ev.get("two_way") else "",
                    vwap=_price(ev["vwap"], lang), market_vwap=_price(ev["market_vwap"], lang))
    if kind == "cycle":
        return dict(a=_name(h, 0), b=_name(h, 1), c=_name(h, 2), span=_days(ev["span_days"], lang),
                    volume_1=tonnes("volume_1"), volume_2=tonnes("volume_2"), volume_3=tonnes("volume_3"),
                    spread=i18n.fmt_pct(ev["spread"], lang))
    if kind == "off_market":
        others = (i18n.t("market.others", lang, vwap=_price(ev["others_vwap"], lang), deviation=pct("others_deviation"))
                  if ev.get("others_vwap") is not None else i18n.t("market.alone", lang))
        beyond = i18n.t("market.beyond_limit", lang, limit=f"{mrv.BLOCK_LIMIT:.0%}") if ev.get("beyond_limit") else ""
        return dict(a=_name(h, 0), b=_name(h, 1), volume=i18n.fmt_tonnes(alert["volume_t"], lang),
                    price=_price(ev["price"], lang), deviation=pct("deviation"), prev_close=_price(ev["prev_close"], lang),
                    others=others, related=related, beyond=beyond)
    if kind == "limit_pinned":
        return dict(account=_name(h, 0), volume=i18n.fmt_tonnes(alert["volume_t"], lang), n=ev["n_trades"],
                    direction=i18n.t(f"market.direction.{ev['direction']}", lang),
                    limit_price=_price(ev["limit_price"], lang), prev_close=_price(ev["prev_close"], lang),
                    dominance=i18n.fmt_pct(ev["dominance"], lang, digits=0))
    if kind == "marking_close":
        return dict(accounts=i18n.fmt_list(h, lang) or i18n.MISSING, volume=i18n.fmt_tonnes(alert["volume_t"], lang),
                    late_share=i18n.fmt_pct(ev["late_share"], lang, digits=0), time=surveillance.MARKING_FROM[:5],
                    close=_price(ev["close"], lang), close_without=_price(ev["close_without"], lang), move=pct("move"))
    if kind == "deadline_concentration":
        return dict(account=_name(h, 0), volume=tonnes("window_t"), sold=tonnes("sold_t"), bought=tonnes("bought_t"),
                    days=surveillance.DEADLINE_WINDOW_DAYS, deadline=i18n.fmt_date(ev["deadline"], lang),
                    lift=f"{float(ev['lift']):.1f}", expected=tonnes("expected_t"),
                    share=i18n.fmt_pct(ev["market_share"], lang))
    if kind == "flagged_net_seller":
        rules = ev.get("rules") or []
        flagged = (i18n.fmt_list(rules, lang) if rules else i18n.t(f"band.{ev['band']}", lang) if ev.get("band") else i18n.MISSING)
        net0, net1 = ev.get("net_sold_t") or 0, ev.get("net_sold_next_t") or 0
        year = int(ev["year"]) if net0 >= net1 else int(ev["year"]) + 1
        names = [labels.party(v, lang, "enterprise") for v in alert["enterprise_names"]]
        return dict(enterprise=names[0] if names else _name(h, 0), year=int(ev["year"]), flagged=flagged,
                    net=i18n.fmt_tonnes(max(net0, net1), lang), sell_year=year)
    raise KeyError(kind)


def _quarter(day, lang: str) -> str:
    return i18n.fmt_quarter(pd.Timestamp(day), lang)


def explain(alert: pd.Series, lang: str) -> str:
    """The alert's reason in one line, in the reader's language (i18n market.reason.<kind>)."""
    ev = json.loads(alert["evidence"]) if isinstance(alert["evidence"], str) else dict(alert["evidence"])
    return i18n.t(f"market.reason.{alert['kind']}", lang, **_reason_args(alert["kind"], ev, alert, lang))


def kind_label(kind: str, lang: str) -> str:
    return i18n.t(f"market.kind.{kind}", lang)
