"""Self-examination campaigns (自查自纠): the 2022 meeting asked the enterprises an intermediary
served to examine their own data and correct it, and the offices to follow up on each of them.

A campaign names the enterprises asked (one task each, all pending at the start): the clients of
a consultant, lab or verifier in a year (its basis is the agency's kind), or a list chosen by
hand. Each task gets one of three responses, which may later be corrected to another:

    pending ─respond→ self_corrected (what was corrected) | no_issue | refused (what was said)

A task still pending after the campaign's due date is overdue. Who may: a user with the cases
right, for the provinces of their scope: a campaign is started only by a user whose scope covers
the province of every enterprise in it (a national role for one across provinces), and a task is
answered only inside the user's scope.
"""
from __future__ import annotations

import datetime as dt

from core.contract import cases as case_rules
from core.contract.schema import AGENCY_KINDS

STATUSES = ("pending", "self_corrected", "no_issue", "refused")
RESPONSES = STATUSES[1:]  # what a task can be answered with
NOTE_REQUIRED = frozenset({"self_corrected", "refused"})  # say what was corrected, or what the refusal said
BASES = (*AGENCY_KINDS, "list")  # the clients of a consultant, lab or verifier; or a list chosen by hand
TITLE_MAX = 200


class CampaignError(case_rules.CaseError):
    """A campaign or a response that cannot be made: the message says why."""


def text(value, field: str) -> str:
    """A free-text field, as a case's (core.contract.cases.text), refused as a CampaignError."""
    try:
        return case_rules.text(value, field)
    except CampaignError:
        raise
    except case_rules.CaseError as e:
        raise CampaignError(str(e)) from None


def start_refusal(user, provinces) -> str | None:
    """Why `user` may not start a campaign over enterprises of `provinces` (None: they may)."""
    if not user.can("cases"):
        return f"the role {user.role} does not work on cases"
    provinces = set(provinces)
    if not provinces:
        return "a campaign needs at least one enterprise"
    outside = sorted(p for p in provinces if not user.scope.allows(p))
    if outside:
        return (f"the enterprises of {len(outside)} provinces are outside your scope ({', '.join(outside)}): "
                "a campaign across them is started by a national role")
    return None


def respond_refusal(user, province: str) -> str | None:
    """Why `user` may not answer a task of an enterprise of `province` (None: they may)."""
    return case_rules.refusal(user, province, case_rules.OFFICE)


def check_response(current: str, status: str, note) -> str | None:
    """The response's note, validated; refused when `status` is no response or is the task's status."""
    if status not in RESPONSES:
        raise CampaignError(f"a response is one of {', '.join(RESPONSES)}")
    if status == current:
        raise CampaignError(f"the task is already {status}")
    if status in NOTE_REQUIRED or (note is not None and str(note).strip()):
        return text(note, "note")
    return None


def check_start(title, year, due_date, today: dt.date) -> tuple[str, int, dt.date]:
    """The title, year and due date of a new campaign, validated (a due date is not in the past)."""
    title = text(title, "title")
    if len(title) > TITLE_MAX:
        raise CampaignError(f"a title is at most {TITLE_MAX} characters")
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise CampaignError("the year is a whole number, e.g. 2023") from None
    if not 2013 <= year <= 2100:
        raise CampaignError("the year lies between 2013 and 2100")
    try:
        due = (due_date.date() if isinstance(due_date, dt.datetime) else due_date
               if isinstance(due_date, dt.date) else dt.date.fromisoformat(str(due_date)))
    except ValueError:
        raise CampaignError("the due date is a date as YYYY-MM-DD") from None
    if due < today:
        raise CampaignError(f"the due date {due.isoformat()} is in the past")
    return title, year, due
