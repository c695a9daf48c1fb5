"""An enterprise's risk reasons (core.engine.risk's machine-readable JSON) in words."""
from __future__ import annotations

import json

from core.words import agencies as agency_words
from core.words import i18n
from core.words import labels as label_words
from core.words import market as market_words


def describe_reasons(reasons: str, lang: str, k: int = 3) -> str:
    """The top reasons in words: rule titles first, then the model, the motive and the context."""
    r = json.loads(reasons)
    parts = [label_words.rule_title(i, lang) for i in r["rules"][:k]]
    if r.get("model_unit") and len(parts) < k:
        parts.append(i18n.t("reasons.model", lang, unit=r["model_unit"], period=r["model_period"]))
    if r.get("deficit_share") and len(parts) < k:
        parts.append(i18n.t("reasons.deficit", lang, share=f"{r['deficit_share']:.0%}"))
    if r.get("context") and len(parts) < k:
        parts.append(describe_context(r.get("context_reason"), lang))
    return i18n.fmt_list(parts, lang, "clause") if parts else i18n.t("reasons.none", lang)


def describe_context(reason: dict | None, lang: str) -> str:
    """The context in words: which intermediary or which market alert."""
    if reason and reason.get("source") == "agency":
        return agency_words.describe_context(json.dumps(reason["detail"]), lang)
    if reason and reason.get("source") == "trading":
        return i18n.t("reasons.market", lang, kind=market_words.kind_label(reason["kind"], lang))
    return i18n.t("reasons.agencies", lang)
