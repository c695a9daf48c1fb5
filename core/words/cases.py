"""Cases in words: states, moves, the fields of an event, a case's subject and province, the
refusals of a change (core.contract.cases, core.store.cases)."""
from __future__ import annotations

import json

from core.contract import access
from core.contract import cases as rules
from core.words import i18n


def state(s: str, lang: str) -> str:
    return i18n.t(f"case.state.{s}", lang) if f"case.state.{s}" in i18n.STRINGS else str(s)


def move(a: str, lang: str) -> str:
    return i18n.t(f"case.move.{a}", lang) if f"case.move.{a}" in i18n.STRINGS else str(a)


def province(code, lang: str) -> str:
    """The responsible office of a case, a task or a province row: the province's name, the
    national office for a case of no province, the code itself for one the reference does not know."""
    if not isinstance(code, str):
        return i18n.MISSING
    if code == rules.NATIONAL_OFFICE:
        return i18n.t("case.national_office", lang)
    names = access.province_names()
    return names[code][lang] if code in names else code


def _value(field: str, v, lang: str) -> str:
    if field == "corrections":
        return i18n.fmt_list((i18n.t(f"case.correction.{c}", lang) for c in v), lang)
    if field == "pattern":
        return i18n.t(f"case.pattern.{v}", lang)
    if field == "outcome":
        return i18n.t(f"case.outcome.{v}", lang)
    if field in ("deadline", "due_date"):
        return i18n.fmt_date(v, lang)
    if field == "fine_cny":
        return i18n.fmt_cny(v, lang)
    if field == "allowance_adjustment_t":
        return i18n.fmt_tonnes(v, lang)
    if field == "source":
        return i18n.t(f"case.source.{v}", lang) if f"case.source.{v}" in i18n.STRINGS else str(v)
    return str(v)


def field_label(field: str, lang: str) -> str:
    for prefix in ("case.field.", "case.measure."):
        if f"{prefix}{field}" in i18n.STRINGS:
            return i18n.t(f"{prefix}{field}", lang)
    return field


def describe_fields(fields, lang: str) -> str:
    """An event's fields (JSON text or dict) as "Label: value; Label: value"."""
    values = json.loads(fields) if isinstance(fields, str) else dict(fields or {})
    colon = i18n.t("sep.colon", lang)
    return i18n.fmt_list((f"{field_label(k, lang)}{colon}{_value(k, v, lang)}" for k, v in values.items()
                          if v not in (None, "", [])), lang, "clause")


def stale(current: dict, lang: str, at_once: bool) -> str:
    """The refusal of a change made on an older version, with the newer state."""
    if at_once:
        return i18n.t("cases.stale.at_once", lang, state=state(current.get("state"), lang),
                      version=current.get("version"))
    when = current.get("at")
    return i18n.t("cases.stale", lang, by=i18n.md_literal(current.get("by") or "?"),
                  at=i18n.fmt_datetime(when, lang) if when is not None else "?",
                  state=state(current.get("state"), lang), version=current.get("version"))


# The refusals core.contract.cases.refusal and core.store.cases write, by their first words.
_REFUSALS = {"the role": "cases.refused.role", "this case belongs": "cases.refused.scope",
             "only the national administrator": "cases.refused.admin", "only a national role": "cases.refused.national",
             "no case": "cases.refused.unknown"}


def refusal(message: str, lang: str) -> str:
    """A CaseError in the reader's words where its kind is known; the message itself otherwise."""
    for start, key in _REFUSALS.items():
        if message.startswith(start):
            return i18n.t(key, lang)
    return i18n.t("cases.refused.other", lang, message=i18n.md_literal(message))
