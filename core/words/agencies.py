"""Intermediaries' signals and context reasons in words (i18n agencies.signal.<signal>)."""
from __future__ import annotations

import json

import pandas as pd

from core.contract import scoring
from core.words import i18n
from core.words import labels as label_words


def explain(row, lang: str) -> str:
    """A profile row's signals in words, strongest first; 'nothing stands out' when none fired."""
    fired = json.loads(row["signals"]) if isinstance(row["signals"], str) else row["signals"]
    if not fired:
        return i18n.t("agencies.signal.none", lang)
    return i18n.fmt_list((signal_text(f, lang) for f in fired), lang, "clause")


def signal_text(f: dict, lang: str) -> str:
    """One fired signal in words (i18n key agencies.signal.<signal>)."""
    v = {k: (i18n.fmt_int(x, lang) if isinstance(x, int) and not isinstance(x, bool) else x) for k, x in f.items()}
    key = f"agencies.signal.{v.pop('signal')}"
    if f["signal"] == "association":
        v.update(share=i18n.fmt_pct(f["share"], lang), base=i18n.fmt_pct(f["base"], lang),
                 p=fmt_p(f["p"]), q=fmt_p(f["q"]))
    elif f["signal"] == "batch" and f.get("date"):
        key += ".date"
        v.update(date=i18n.fmt_date(f["date"], lang), date_months=i18n.fmt_int(f.get("date_months"), lang))
    elif f["signal"] == "understated":
        v.update(gap=i18n.fmt_pct(scoring.VERIFICATION_GAP, lang, digits=0))
    elif f["signal"] == "pattern":
        rule = f.get("rule")
        v.update(rule=f"{rule} {label_words.rule_title(rule, lang)}" if label_words.has_rule(rule) else str(rule),
                 year=str(f.get("year")))
    return i18n.t(key, lang, **v)


def fmt_p(p) -> str:
    """A p- or q-value: 0.032, 4.1e-06."""
    if p is None or pd.isna(p):
        return i18n.MISSING
    p = float(p)
    return f"{p:.2g}" if p < 0.001 else f"{p:.3f}"


def describe_context(reason: str, lang: str) -> str:
    """A context reason (enterprise_context) in words: 'laboratory LAB0056 (score 86): …'."""
    r = json.loads(reason)
    fired = i18n.fmt_list((signal_text(f, lang) for f in r["signals"]), lang, "clause")
    return i18n.t("agencies.context", lang, kind=i18n.t(f"agency.{r['kind']}", lang), agency=r["agency_id"],
                  score=f"{r['score']:.0f}", signals=fired or i18n.t("agencies.signal.none", lang))
