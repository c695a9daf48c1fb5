"""The global filters (core.contract.filters) in words, for captions and exported slides."""
from __future__ import annotations

from core.contract.filters import Filters
from core.words import i18n


def describe(flt: Filters, lang: str, names: dict[str, str] | None = None) -> str:
    """The filters in words, for captions and exported slides: "Filters: none" or
    "Filters: period Jan 2023 – Dec 2023; Provinces: Shandong; Risk bands: High". `names` maps
    ids (provinces, agencies) to display names."""
    if flt.is_empty():
        return i18n.t("filters.none", lang)
    names = names or {}
    sep, items = i18n.t("sep.list", lang), []
    if flt.period_from or flt.period_to:
        items.append(i18n.t("filters.item.period", lang, lo=i18n.fmt_period(flt.period_from, lang) if flt.period_from else "…",
                            hi=i18n.fmt_period(flt.period_to, lang) if flt.period_to else "…"))
    if flt.capacity_min is not None or flt.capacity_max is not None:
        items.append(i18n.t("filters.item.capacity", lang, lo=f"{flt.capacity_min or 0:g}",
                            hi="…" if flt.capacity_max is None else f"{flt.capacity_max:g}"))
    label = {"unit_classes": lambda v: i18n.t(f"unit_class.{v}", lang), "bands": lambda v: i18n.t(f"band.{v}", lang)}
    for field in ("provinces", "unit_classes", "groups", "consultants", "labs", "verifiers", "bands", "rules"):
        values = getattr(flt, field)
        if values:
            show = label.get(field, lambda v: names.get(v, v))
            items.append(f"{i18n.t('filters.' + field, lang)}{i18n.t('sep.colon', lang)}{sep.join(show(v) for v in values)}")
    return i18n.t("filters.active", lang, items=i18n.fmt_list(items, lang, "clause"))


