"""The global filters (core.contract.filters) in words, for captions and exported slides."""
from __future__ import annotations

from core.contract.filters import CAPACITY_MAX_MW, MAX_ITEMS, FilterProblem, Filters
from core.words import i18n


def describe(flt: Filters, lang: str, names: dict[str, str] | None = None, items_only: bool = False) -> str:
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
    listed = i18n.fmt_list(items, lang, "clause")
    return listed if items_only else i18n.t("filters.active", lang, items=listed)




def problem(p: FilterProblem, lang: str, slider_mw: float | None = None) -> str:
    """One sentence for a filter the URL gave wrongly: "Ignored filter `cls=nuclear`: not a known
    unit class", or, for a range given in reverse (p.swapped, which was used, not ignored), a note
    that its two ends were swapped. `slider_mw`: where the capacity slider stops (the data's largest
    unit), named beside the bound a link may give. The value is shown as code, with backticks
    replaced: URL text is never rendered as Markdown (no injected links)."""
    value = p.value.replace("`", "'")[:60]
    if p.swapped:
        return i18n.t(f"filters.swapped.{p.param}", lang, value=value)
    if p.code is None:
        reason = p.reason
    else:
        key = f"filters.reason.{p.code}.{p.param}"
        key = key if key in i18n.STRINGS else f"filters.reason.{p.code}"
        reason = i18n.t(key, lang, max=i18n.fmt_int(CAPACITY_MAX_MW, lang), n=i18n.fmt_int(MAX_ITEMS, lang))
        if p.code == "capacity_range" and slider_mw is not None:
            reason += i18n.t("filters.reason.capacity_slider", lang, slider=i18n.fmt_int(slider_mw, lang))
    return i18n.t("filters.ignored", lang, param=p.param, value=value, reason=reason)
