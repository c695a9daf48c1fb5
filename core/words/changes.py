"""core.insight.changes in words: the "What changed" lines and the suggested actions (changes.*)."""
from __future__ import annotations

from core.contract import access
from core.insight.changes import Changes
from core.words import i18n
from core.words import reasons as reason_words

SHOWN = 3  # names written per list


def baseline(c: Changes, lang: str) -> str:
    return i18n.t(f"changes.basis.{c.basis}", lang, now=c.now, before=c.before)


def _names(frame, lang: str) -> str:
    names = list(frame["name"].head(SHOWN).astype(str))
    more = len(frame) - len(names)
    text = i18n.fmt_list(names, lang)
    return text + (i18n.t("changes.more", lang, n=i18n.fmt_int(more, lang)) if more > 0 else "")


def lines(c: Changes, lang: str) -> list[str]:
    """New, resolved and moving enterprises, one line each (plain text: no Markdown)."""
    if c.empty:
        return [i18n.t("changes.none", lang)]
    out = [i18n.t("changes.new", lang, n=i18n.fmt_int(len(c.new), lang),
                  names=_names(c.new, lang) if len(c.new) else i18n.MISSING),
           i18n.t("changes.resolved", lang, n=i18n.fmt_int(len(c.resolved), lang),
                  names=_names(c.resolved, lang) if len(c.resolved) else i18n.MISSING)]
    if len(c.movers):
        movers = [i18n.t("format.paren", lang, text=str(r["name"]), note=i18n.fmt_signed(r["delta"], 1, lang))
                  for _, r in c.movers.head(SHOWN).iterrows()]
        out.append(i18n.t("changes.movers", lang, names=i18n.fmt_list(movers, lang)))
    return out


def action(a: dict, lang: str) -> str:
    """One suggested action with the values behind it (plain text)."""
    names = access.province_names()
    if a["kind"] == "visit":
        return i18n.t("changes.action.visit", lang, n=i18n.fmt_int(a["n"], lang), name=a["name"],
                      province=names[a["province_code"]][lang], score=i18n.fmt_in_unit(a["score"], 1, lang, digits=1),
                      reason=reason_words.describe_reasons(a["reasons"], lang, k=1) if a["reasons"] else i18n.MISSING)
    if a["kind"] == "agency":
        return i18n.t("changes.action.agency", lang, kind=i18n.t(f"agency.{a['agency_kind']}", lang), name=a["name"],
                      score=i18n.fmt_in_unit(a["score"], 1, lang, digits=1), k=i18n.fmt_int(a["flagged"], lang),
                      clients=i18n.fmt_int(a["clients"], lang))
    if a["kind"] == "look_back":
        return i18n.t("changes.action.look_back", lang, n=i18n.fmt_int(a["n"], lang), name=a["name"],
                      before=i18n.fmt_in_unit(a["score_before"], 1, lang, digits=1),
                      now=i18n.MISSING if a["score_now"] is None else i18n.fmt_in_unit(a["score_now"], 1, lang, digits=1))
    return i18n.t("changes.action.province", lang, province=names[a["province_code"]][lang],
                  now=i18n.fmt_int(a["now"], lang), before=i18n.fmt_int(a["before"], lang))


def actions(c: Changes, lang: str) -> list[str]:
    return [action(a, lang) for a in c.actions]
