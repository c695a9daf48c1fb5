"""Cases: from a flag to a closed case (the 2022 meeting's loop: discover → investigate → rectify →
hold units and persons accountable → look back).

The states, the allowed moves between them, what each move must carry, and which roles may make
it, in one table (MOVES). A case's subject is an enterprise, an intermediary or a trading
account; it belongs to the province of its subject (the responsible provincial office).

    new ─take→ under_review ─dismiss→ dismissed (reason)
                            └confirm→ confirmed (measures) ─order→ rectification_ordered (deadline, what)
    rectification_ordered ─rectified→ rectified ─look_back→ look_back_done (outcome) ─close→ closed
    look_back_done ─reopen→ under_review (the look-back found the problem again)

The look-back (回头看) re-inspects a risk-weighted sample of the cases a year handled: rectified,
closed and dismissed ones alike (core.insight.lookback draws it); each drawn case's outcome is the
look_back move, after which it is closed again or re-opened.

A decision is the last confirm or dismiss of a case: confirmed cases name the pattern found
(PATTERNS), and decisions are the labels the Anomaly Lab evaluates a ranking against.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

STATES = ("new", "under_review", "dismissed", "confirmed", "rectification_ordered", "rectified", "look_back_done",
          "closed")
OPEN_STATES = frozenset(STATES) - {"dismissed", "closed"}
SUBJECT_KINDS = ("enterprise", "agency", "account")
# Where a case was opened from: a top-risk row, a dossier's rule hit or model score, a market alert,
# an intermediary, a campaign's finding, a look-back, the demo's history, a bulk opening of a ranking.
SOURCES = ("top_risk", "rule_hit", "model_score", "market_alert", "agency", "campaign", "ranking", "history")
NATIONAL_OFFICE = "00"  # the province_code of a case with no province (a non-entity trading account)
DUE_DAYS = 30  # a new case's decision is due this many days after it was opened (a default the officer changes)
# What can be ordered corrected (rectification_ordered.corrections), and the measures of a confirmed case.
CORRECTIONS = ("retest", "re_report", "reverify", "allowance_recalculation", "lab_suspension", "training")
MEASURES = ("fine_cny", "allowance_adjustment_t", "credit_record", "referral", "responsible_units",
            "responsible_persons")
LOOK_BACK_OUTCOMES = ("held", "recurred")
# The patterns a confirmed case can name: the fraud patterns of ../shared/reference/domain.md §6 (the
# demo plants the same ones, core.demo.INJECTORS) and "other" for what none of them describes.
PATTERNS = ("batch_testing", "carbon_shading", "copied_values", "coal_understated", "invented_moisture",
            "intermediary_ring", "verifier_gap", "late_deposit", "missing_deposit", "trade_round_trip",
            "off_market_block", "trade_cycle", "close_marking", "deadline_dump", "other")
DECISIONS = ("confirmed", "dismissed")  # the outcome of a decided case (a confirm or dismiss event)
# States past the decision: a confirmed case in any of them stays confirmed for the statistics.
CONFIRMED_STATES = frozenset({"confirmed", "rectification_ordered", "rectified", "look_back_done", "closed"})

# Who may make a move: "national" (a national role with the cases right), "office" (also a
# provincial analyst of the case's province), "admin" (the national administrator only).
NATIONAL, OFFICE, ADMIN = "national", "office", "admin"


@dataclass(frozen=True)
class Move:
    action: str
    source: tuple[str, ...]
    target: str
    who: str
    requires: tuple[str, ...] = ()  # fields the move must carry


MOVES = {m.action: m for m in (
    Move("take", ("new",), "under_review", OFFICE),
    Move("dismiss", ("new", "under_review"), "dismissed", OFFICE, ("reason",)),
    Move("confirm", ("under_review",), "confirmed", OFFICE, ("finding", "pattern")),
    Move("order", ("confirmed",), "rectification_ordered", OFFICE, ("deadline", "corrections")),
    Move("rectified", ("rectification_ordered",), "rectified", ADMIN, ("evidence",)),
    Move("look_back", ("rectified", "closed", "dismissed"), "look_back_done", ADMIN, ("outcome",)),
    Move("reopen", ("look_back_done", "dismissed"), "under_review", NATIONAL, ("reason",)),
    Move("close", ("look_back_done",), "closed", ADMIN),
)}
# Changes that keep the state: assign (owner), note, due (date), measures (of a confirmed case).
EDITS = ("assign", "note", "due", "measures")
TEXT_MAX = 4000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


class CaseError(ValueError):
    """A case change that cannot be made: the message says why and what would be allowed."""


def allowed(state: str) -> list[str]:
    """The moves out of `state`, in MOVES order."""
    return [a for a, m in MOVES.items() if state in m.source]


def refusal(user, province: str, who: str) -> str | None:
    """Why `user` may not make a move of `who` on a case of `province` (None: they may)."""
    if not user.can("cases"):
        return f"the role {user.role} does not work on cases"
    if not user.scope.allows(province):
        return "this case belongs to a province outside your scope"
    if who == ADMIN and user.role != "national_admin":
        return "only the national administrator makes this move"
    if who == NATIONAL and not user.can("all_provinces"):
        return "only a national role makes this move"
    return None


def next_moves(state: str, user, province: str) -> list[str]:
    """The moves out of `state` that `user` may make on a case of `province` (the case page's buttons)."""
    return [a for a in allowed(state) if refusal(user, province, MOVES[a].who) is None]


def may_edit(user, province: str) -> bool:
    """Whether `user` may assign, note, set the due date and the measures of a case of `province`."""
    return refusal(user, province, OFFICE) is None


def text(value, field: str) -> str:
    """A free-text field: stripped, at most TEXT_MAX characters, no control or bidi characters."""
    s = str(value or "").strip()
    if not s:
        raise CaseError(f"{field} is required")
    if len(s) > TEXT_MAX:
        raise CaseError(f"{field} is longer than {TEXT_MAX} characters")
    if _CONTROL.search(s):
        raise CaseError(f"{field} holds a control or direction character; type it again as plain text")
    return s


def clean_text(s) -> str:
    """Text from data as a document may hold it: control and direction characters removed (those
    of _CONTROL, the C1 controls, the direction marks) and what XML cannot hold (lone surrogates,
    U+FFFE, U+FFFF); tabs and line breaks kept, nothing else changed (a leading = stays: a name is
    shown as written). None is the empty text."""
    if s is None:
        return ""
    return re.sub(r"[\x80-\x9f\u061c\u200e\u200f\ud800-\udfff\ufffe\uffff]", "", _CONTROL.sub("", str(s)))


def check_fields(action: str, fields: dict) -> dict:
    """The fields of a move, validated and normalised (dates as ISO text, lists sorted)."""
    move = MOVES.get(action)
    if move is None:
        raise CaseError(f"unknown move {action!r}: one of {', '.join(MOVES)}")
    out = {}
    for f in move.requires:
        if f not in fields or fields[f] in (None, "", [], ()):
            raise CaseError(f"{action} needs {f}")
    for k, v in fields.items():
        if k == "deadline":
            d = v if isinstance(v, dt.date) else dt.date.fromisoformat(str(v))
            out[k] = d.isoformat()
        elif k == "corrections":
            bad = sorted(set(v) - set(CORRECTIONS))
            if bad:
                raise CaseError(f"unknown corrections {bad}: one of {', '.join(CORRECTIONS)}")
            out[k] = sorted(set(v))
        elif k == "pattern":
            if v not in PATTERNS:
                raise CaseError(f"a pattern is one of {', '.join(PATTERNS)}")
            out[k] = v
        elif k == "outcome":
            if v not in LOOK_BACK_OUTCOMES:
                raise CaseError(f"a look-back outcome is one of {', '.join(LOOK_BACK_OUTCOMES)}")
            out[k] = v
        else:
            out[k] = text(v, k)
    return out
