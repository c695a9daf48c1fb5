"""The accountability picture in words: the headline figures of the cases (core.insight.accountability)
as labelled values, the sentence naming the slowest province and the overdue cases, and province
names (a case of no province belongs to the national office)."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from core.insight import accountability as insight
from core.insight.accountability import Figures
from core.words import cases as case_words
from core.words import i18n


@dataclass(frozen=True)
class Metric:
    """One headline figure: its key (accountability.metric.<key>, and .help), label, value and the
    value as shown; `help_values` fill its help text."""
    key: str
    label: str
    value: float | None
    text: str
    help_values: tuple[tuple[str, str], ...] = ()

    @property
    def help_key(self) -> str:
        return f"accountability.metric.{self.key}.help"


# The figures in the order the Overview (three rows of three) and the deck show them: what is pending, the
# decisions and their speed, what the confirmed cases led to.
METRICS = ("open", "overdue", "agencies_open", "confirmed", "dismissed", "median_days", "rectification_share",
           "fines_cny", "allowance_adjustment_t")
ROW = 3  # figures per row on the Overview


def fmt_days(v, lang: str) -> str:
    """A number of days: 12 days / 12天; a median between two whole days keeps its half (12.5 days)."""
    if v is None or pd.isna(v):
        return i18n.MISSING
    x = float(v)
    n = i18n.fmt_int(x, lang) if x == round(x) else i18n.fmt_in_unit(x, 1, lang, digits=1)
    return i18n.t("accountability.days", lang, n=n)


def _count(key: str, n: int, lang: str, **kw) -> str:
    """`key`.one for exactly one, else `key` (English agrees the noun; Chinese reads alike)."""
    return i18n.t(f"{key}.one" if n == 1 else key, lang, n=i18n.fmt_int(n, lang), **kw)


def metrics(f: Figures, lang: str) -> list[Metric]:
    """The nine headline figures in METRICS order, labelled and formatted for `lang`."""
    values = {
        "open": (f.open, i18n.fmt_int(f.open, lang)), "overdue": (f.overdue, i18n.fmt_int(f.overdue, lang)),
        "confirmed": (f.confirmed, i18n.fmt_int(f.confirmed, lang)),
        "dismissed": (f.dismissed, i18n.fmt_int(f.dismissed, lang)),
        "median_days": (f.median_days, fmt_days(f.median_days, lang)),
        "rectification_share": (f.rectification_share, i18n.fmt_pct(f.rectification_share, lang, digits=0)),
        "fines_cny": (f.fines_cny, i18n.fmt_cny(f.fines_cny, lang)),
        "allowance_adjustment_t": (f.allowance_adjustment_t, i18n.fmt_tonnes(f.allowance_adjustment_t, lang)),
        "agencies_open": (f.agencies_open, i18n.fmt_int(f.agencies_open, lang)),
    }
    helps = {"median_days": (("decided", i18n.fmt_int(f.decided, lang)),),
             "rectification_share": (("done", i18n.fmt_int(f.rectifications_done, lang)),
                                     ("ordered", i18n.fmt_int(f.rectifications_ordered, lang)))}
    return [Metric(k, i18n.t(f"accountability.metric.{k}", lang), values[k][0], values[k][1], helps.get(k, ()))
            for k in METRICS]


def overview_metrics(per_province: pd.DataFrame, decision_days: pd.DataFrame, *, lang: str) -> list[Metric]:
    """metrics() from the Overview's two page queries (what Page.derive hands over)."""
    return metrics(insight.figures(per_province, decision_days), lang)


def sentence(f: Figures, lang: str) -> str:
    """How many cases are overdue, and which province takes longest to decide against the fastest
    (provinces with at least insight.MIN_DECIDED decided cases), or that too few are decided to
    compare."""
    overdue = (_count("accountability.sentence.overdue", f.overdue, lang) if f.overdue
               else i18n.t("accountability.sentence.none_overdue", lang))
    slow, fast = f.slowest, f.fastest
    if slow is None:
        speed = i18n.t("accountability.sentence.no_ranking", lang, min=insight.MIN_DECIDED)
    else:
        speed = i18n.t("accountability.sentence.slowest", lang, n=i18n.fmt_int(slow.decided, lang),  # >= MIN_DECIDED
                       province=case_words.province(slow.province_code, lang), days=fmt_days(slow.median_days, lang),
                       fastest=case_words.province(fast.province_code, lang), fast_days=fmt_days(fast.median_days, lang))
    return i18n.t("accountability.sentence", lang, overdue=overdue, speed=speed)


def overview_sentence(per_province: pd.DataFrame, decision_days: pd.DataFrame, *, lang: str) -> str:
    """sentence() from the Overview's two page queries (what Page.derive hands over)."""
    return sentence(insight.figures(per_province, decision_days), lang)
