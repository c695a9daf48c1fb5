"""An enterprise's risk reasons (core.engine.risk's machine-readable JSON) in words."""
from __future__ import annotations

import json

from core.words import agencies as agency_words
from core.words import labels as label_words
from core.words import market as market_words


def describe_reasons(reasons: str, lang: str, k: int = 3) -> str:
    """The top reasons in words: rule titles first, then the model, the motive and the context."""
    r = json.loads(reasons)
    parts = [label_words.rule_title(i, lang) for i in r["rules"][:k]]
    zh = lang == "zh"
    if r.get("model_unit") and len(parts) < k:
        parts.append(f"模型离群：{r['model_unit']} {r['model_period']}" if zh
                     else f"model outlier: {r['model_unit']} {r['model_period']}")
    if r.get("deficit_share") and len(parts) < k:
        parts.append(f"配额缺口{r['deficit_share']:.0%}" if zh else f"allowance deficit {r['deficit_share']:.0%}")
    if r.get("context") and len(parts) < k:
        parts.append(describe_context(r.get("context_reason"), lang))
    return ("；" if zh else "; ").join(parts) if parts else ("无" if zh else "none")


def describe_context(reason: dict | None, lang: str) -> str:
    """The context in words: which intermediary or which market alert."""
    zh = lang == "zh"
    if reason and reason.get("source") == "agency":
        return agency_words.describe_context(json.dumps(reason["detail"]), lang)
    if reason and reason.get("source") == "trading":
        return (f"市场监测预警：{market_words.kind_label(reason['kind'], lang)}" if zh
                else f"market surveillance alert: {market_words.kind_label(reason['kind'], lang)}")
    return "服务机构的其他客户多被标记" if zh else "its agencies' other clients are often flagged"
