"""The glossary: the terms the dashboard uses, defined in words with the constants filled from the
code (locales/<lang>/glossary.toml), and the one way a `?` help links to a term (help_text)."""
from __future__ import annotations

from functools import cache
from urllib.parse import urlencode

from core.contract import cases, mrv, scoring
from core.engine import detectors
from core.insight import lookback
from core.words import i18n

# The catalogue's order, by topic: the order of a language that is not sorted alphabetically.
TERMS = ("risk-score", "bands", "flagged", "rules-component", "model-component", "robust-z", "motive", "context",
         "evidence-score", "bh-q", "base-rate", "measured-carbon", "ncv", "surrender", "partial-period",
         "intermediaries", "market-alerts", "synthetic", "case", "look-back", "decided-cases")
PATH = "/Glossary"
ALPHABETICAL = {"en"}  # languages whose glossary is sorted by term

# Which help texts name which term: a help built with help_text() ends with a link to it.
HELP_TERMS = {
    "headline.flagged.help": "bands", "headline.emissions.help": "measured-carbon", "metric.measured.help": "measured-carbon",
    "metric.on_time.help": "partial-period", "headline.price.help": "surrender", "col.agency_score.help": "evidence-score",
    "agencies.help.q": "bh-q", "agencies.help.p": "bh-q", "agencies.help.base": "base-rate",
    "component.rules.help": "rules-component", "component.model.help": "model-component",
    "component.motive.help": "motive", "component.context.help": "context", "enterprise.risk.rules": "rules-component",
    "scenarios.z.help": "robust-z", "scenarios.contamination.help": "model-component", "lab.band.help": "bands",
    "lab.level.help": "model-component", "scenarios.rules.help": "rules-component",
    "scenarios.metric.penalty.help": "surrender", "scenarios.metric.fine.help": "surrender",
    "scenarios.metric.shortfall.help": "surrender", "scenarios.metric.emissions.help": "measured-carbon",
    "scenarios.agencies.help": "intermediaries", "agencies.detail.score.help": "evidence-score",
    "agencies.filter.help": "intermediaries", "province.metric.flagged.help": "flagged",
    "province.metric.emissions.help": "measured-carbon", "province.col.position.help": "surrender", "freshness.synthetic.help": "synthetic",
    "lookback.size.help": "look-back", "lookback.seed.help": "look-back", "lookback.metric.share.help": "look-back",
    "lookback.outcome.help": "look-back", "accountability.metric.open.help": "case",
    "accountability.metric.overdue.help": "case", "accountability.metric.median_days.help": "case",
    "accountability.metric.confirmed.help": "decided-cases", "accountability.metric.dismissed.help": "decided-cases",
}


@cache
def _values(lang: str) -> dict:
    """The constants the definitions quote."""
    w = scoring.DEFAULT_WEIGHTS
    year = max(mrv.COMPLIANCE_DUE)
    return {
        **{name: i18n.fmt_in_unit(lo, 1, lang, digits=0) for name, lo in scoring.BANDS},
        **{f"w_{k}": f"{v:g}" for k, v in w.items()},
        "z_floor": f"{scoring.MODEL_Z_FLOOR:g}", "z_full": f"{scoring.MODEL_Z_FULL:g}",
        "mad": f"{detectors.MAD_TO_SD:g}", "clip_lo": f"{detectors.CLIP[0]:g}", "clip_hi": f"{detectors.CLIP[1]:g}",
        **{f"sev_{k}": f"{v:g}" for k, v in scoring.SEVERITY_WEIGHT.items()},
        "deficit": i18n.fmt_pct(scoring.DEFICIT_SATURATION, lang, digits=0),
        "oxidation": f"{mrv.OXIDATION_DEFAULT:g}",
        "year": str(year), "date": i18n.fmt_date(mrv.COMPLIANCE_DUE[year], lang),
        "pen_lo": f"{mrv.SURRENDER_PENALTY_MULTIPLE[0]:g}", "pen_hi": f"{mrv.SURRENDER_PENALTY_MULTIPLE[1]:g}",
        "due_days": str(cases.DUE_DAYS), "weight_floor": f"{lookback.WEIGHT_FLOOR:g}",
        "size_max": i18n.fmt_int(lookback.SIZE_MAX, lang),
    }


def term(term_id: str, lang: str) -> str:
    return i18n.t(f"glossary.{term_id}.term", lang)


def entries(lang: str) -> list[tuple[str, str, str]]:
    """(id, term, definition) of every term: alphabetical where the alphabet orders the terms (en);
    in Chinese, where code-point order is no order a reader knows (and no pinyin collation is
    at hand), in the catalogue's order: from the risk score to the data behind it."""
    values = dict(_values(lang))
    rows = [(tid, term(tid, lang), i18n.t(f"glossary.{tid}.definition", lang, **values)) for tid in TERMS]
    return sorted(rows, key=lambda r: r[1].casefold()) if lang in ALPHABETICAL else rows


def url(term_id: str, lang: str) -> str:
    return f"{PATH}?{urlencode({'lang': lang})}#{term_id}"


def link(term_id: str, lang: str) -> str:
    """A Markdown link to the term's entry on the glossary page, in the reader's language."""
    if term_id not in TERMS:
        raise KeyError(f"no glossary term {term_id!r}")
    return f"[{i18n.t('glossary.link', lang, term=term(term_id, lang))}]({url(term_id, lang)})"


def index_link(lang: str) -> str:
    """A Markdown link to the whole glossary, for a help that names no one term."""
    return f"[{i18n.t('glossary.link.all', lang)}]({PATH}?{urlencode({'lang': lang})})"


def help_text(key: str, lang: str, **values) -> str:
    """The `?` help `key` in `lang`: the text (the code's constants fill any placeholder the caller
    leaves open), then the link to its term when HELP_TERMS names one, else to the glossary."""
    text = i18n.t(key, lang, **{**_values(lang), **values})
    return f"{text}\n\n{link(HELP_TERMS[key], lang) if key in HELP_TERMS else index_link(lang)}"
