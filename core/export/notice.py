"""A case's two Word documents (python-docx): the rectification notice (整改通知书) sent to the
subject of an ordered rectification, and the case's evidence summary for the file (the case, the
evidence frozen when it was opened, every event of its timeline, the cases opened under it).

The caller hands in what core.store.cases reads (case_row, timeline, children); this module only
lays it out. Both documents are native Word (Title and Heading styles, tables, lists, A4 pages),
so staff can edit them before sending, in one language, every word from the catalogues. Every run
names an East Asian font (SimSun for the text, SimHei for headings and the title), so Word shows
the Chinese of a Chinese document, and a Chinese name inside an English one, in a Chinese face.

Text from data (names, findings, evidence) passes through core.contract.cases.clean_text: a
control or direction character, which XML cannot hold or which would reorder what the reader
sees, is removed, so a document always builds; everything else is written as it is (a name that
starts with "=" is a name, and Word evaluates nothing).
"""
from __future__ import annotations

import datetime as dt
import io
import json
import math
import re

import pandas as pd
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from core.contract import clock
from core.contract import cases as rules
from core.contract.cases import clean_text
from core.words import cases as case_words
from core.words import i18n, labels
from core.words.i18n import t

# East Asian fonts: the text and the headings. Chinese documents also write Latin letters and
# digits in a serif that sits with SimSun; English ones keep the template's Latin fonts.
BODY_FONT, HEADING_FONT = "SimSun", "SimHei"
LATIN_FONT = {"zh": "Times New Roman"}
BODY_SIZE = {"zh": Pt(12), "en": Pt(11)}
# The styles that are headings: their id (what a paragraph names) -> their name (what python-docx looks up).
HEADING_STYLES = {"Title": "Title", **{f"Heading{n}": f"Heading {n}" for n in range(1, 7)}}
BLACK = RGBColor(0, 0, 0)
MAX_ROWS = 500  # rows a table of the evidence shows; the rest are counted (the case file keeps them all)
MAX_DECIMALS = 4  # decimals a number of the evidence shows at most
MAX_DEPTH = 4   # nesting of the evidence rendered as headings and tables; deeper values are written as JSON
# The snapshot's known keys, shown in this order (anything else follows, generically).
SNAPSHOT_KEYS = ("run_id", "flag_year", "risk", "hits", "scores", "trades", "alert", "agency", "clients")
# Values whose words are a catalogue family: name -> key prefix (an unknown value shows as it is).
LABELLED = {"pattern": "case.pattern", "correction": "case.correction", "outcome": "case.outcome",
            "source": "case.source", "state": "case.state", "from_state": "case.state", "to_state": "case.state",
            "decision": "case.decision", "subject_kind": "case.subject", "role": "role", "action": "case.move",
            "move": "case.move", "band": "band", "feature": "feature", "severity": "severity",
            "max_severity": "severity", "kind": "market.kind"}
ITEM = {"rules": "rule_id", "rule_ids": "rule_id", "corrections": "correction", "patterns": "pattern"}  # a list's items, by the list
# Column and field names whose header is a word the app already has; others are case.field.*,
# case.measure.*, notice.key.*, or the name itself.
HEADERS = {"period": "col.period", "rule_id": "col.rule", "unit_id": "col.unit", "risk_score": "col.risk_score",
           "band": "col.band", "rules": "col.rules", "model": "col.model", "value": "col.value",
           "user_name": "audit.col.user", "role": "audit.col.role", "action": "audit.col.action",
           "fields": "audit.col.detail", "enterprise_id": "col.enterprise_id", "rule_ids": "col.rules",
           "percentile": "col.percentile", "motive": "col.motive", "context": "col.context", "n_rules": "col.n_rules"}
_PLAIN_NUMBERS = re.compile(r"(^|_)(year|vintage|version|id|code)$")  # ints shown without grouping
_MONTH, _YEAR = re.compile(r"\d{4}-\d{2}"), re.compile(r"\d{4}")


# --- the two documents ---------------------------------------------------------------------------


def rectification_notice(case: dict, events: pd.DataFrame, lang: str) -> bytes:
    """The rectification notice to the case's subject (a .docx): who it is addressed to, the
    office, the facts found (the confirm's finding and pattern), the evidence (the snapshot's rule
    hits), what must be corrected by when (the order), the measures, how to respond, and the
    signature. ValueError for a case whose rectification has not been ordered."""
    _check_lang(lang)
    order = _last(events, "order")
    if order is None:
        raise ValueError(f"case {case.get('case_id')} has no ordered rectification (it is {case.get('state')}): "
                         "a rectification notice needs one; order the rectification first")
    confirm = _last(events, "confirm") or {"fields": {}}
    snapshot = _as_dict(case.get("snapshot"))
    cid, office = str(case.get("case_id") or ""), _office(case, lang)
    national = str(case.get("province_code") or rules.NATIONAL_OFFICE) == rules.NATIONAL_OFFICE
    authority = t("notice.authority.national", lang) if national else t("notice.authority.province", lang, office=office)
    number = t("notice.number", lang, number=cid)
    name = clean_text(case.get("subject_name"))
    doc = _document(lang, t("notice.title", lang), office, cid)
    colon = t("sep.colon", lang)

    doc.add_heading(t("notice.title", lang), level=0).alignment = WD_ALIGN_PARAGRAPH.CENTER
    _para(doc, number, align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(doc, t("notice.addressee", lang, name=name, kind=_value("subject_kind", case.get("subject_kind"), lang),
                 id=clean_text(case.get("subject_id"))), bold=True)
    _para(doc, t("notice.office", lang) + colon + office)
    _para(doc, t("notice.intro", lang, authority=authority, case_id=cid, name=name))

    doc.add_heading(t("notice.section.facts", lang), level=1)
    facts = confirm["fields"]
    pattern = facts.get("pattern") or case.get("pattern")
    _para(doc, t("case.field.pattern", lang) + colon + _value("pattern", pattern, lang))
    _para(doc, t("case.field.finding", lang) + colon + _value("finding", facts.get("finding"), lang))
    year = snapshot.get("flag_year", case.get("flag_year"))
    if not _missing(year):
        _para(doc, _key_label("flag_year", lang) + colon + _value("period", str(_int_or(year)), lang))
    if confirm.get("changed_at") is not None:
        _para(doc, _key_label("decided_at", lang) + colon + _date(confirm["changed_at"], lang))

    doc.add_heading(t("notice.section.evidence", lang), level=1)
    _notice_evidence(doc, case, snapshot, lang)

    doc.add_heading(t("notice.section.corrections", lang), level=1)
    fields = order["fields"]
    _para(doc, t("notice.corrections.intro", lang))
    for c in fields.get("corrections") or []:
        _para(doc, _value("correction", c, lang), style="List Number")
    deadline = fields.get("deadline") or case.get("deadline")
    _para(doc, t("notice.deadline", lang, deadline=_date(deadline, lang)), bold=True)

    doc.add_heading(t("notice.section.measures", lang), level=1)
    measures = _as_dict(case.get("measures"))
    present = [m for m in rules.MEASURES if not _missing(measures.get(m))]
    present += sorted(str(m) for m in measures if m not in rules.MEASURES and not _missing(measures[m]))
    if present:
        _para(doc, t("notice.measures.intro", lang))
        for m in present:
            _para(doc, _key_label(m, lang) + colon + _value(m, measures[m], lang), style="List Bullet")
    else:
        _para(doc, t("notice.measures.none", lang))

    doc.add_heading(t("notice.section.response", lang), level=1)
    _para(doc, t("notice.response.text", lang, authority=authority, number=number))
    if not _missing(case.get("owner")):
        _para(doc, t("case.field.owner", lang) + colon + clean_text(case["owner"]))

    doc.add_paragraph()
    signature = t("notice.signature.national", lang) if national else t("notice.signature.province", lang, office=office)
    for text in (signature, t("notice.signature.seal", lang),
                 _date(order.get("changed_at"), lang)):
        _para(doc, text, align=WD_ALIGN_PARAGRAPH.RIGHT)
    doc.add_paragraph()
    _para(doc, t("notice.filed", lang, case_id=cid), size=Pt(9))
    return _save(doc, lang)


def evidence_summary(case: dict, events: pd.DataFrame, lang: str, children: pd.DataFrame | None = None) -> bytes:
    """The case's evidence summary (a .docx): its subject, state, source, who opened it and when,
    owner and due date, the measures; the snapshot frozen at opening as tables; the timeline
    (every event: time, user, role, action, from -> to state, its fields); and `children` (the
    cases opened under this one: case_id, subject_name, state), when given."""
    _check_lang(lang)
    cid = str(case.get("case_id") or "")
    doc = _document(lang, t("notice.summary.title", lang), "CarbonWatch", cid)
    doc.add_heading(t("notice.summary.title", lang), level=0)
    _para(doc, t("notice.summary.case", lang, case_id=cid), bold=True)
    _para(doc, t("notice.summary.generated", lang, when=i18n.fmt_datetime(clock.now(), lang)), size=Pt(9))

    doc.add_heading(t("notice.summary.section.case", lang), level=1)
    always = ("case_id", "subject_kind", "subject_id", "subject_name", "state", "source", "opened_by", "opened_at",
              "owner", "due_date")
    optional = ("flag_year", "risk_score", "decision", "decided_at", "pattern", "deadline", "parent_case", "version")
    rows = [(k, case.get(k)) for k in always[:4]] + [("office", _office(case, lang))] + \
           [(k, case.get(k)) for k in always[4:]] + [(k, case[k]) for k in optional if not _missing(case.get(k))]
    _pairs_table(doc, rows, lang)
    measures = _as_dict(case.get("measures"))
    if measures:
        doc.add_heading(t("case.move.measures", lang), level=2)
        order = [m for m in rules.MEASURES if m in measures] + sorted(m for m in measures if m not in rules.MEASURES)
        _pairs_table(doc, [(m, measures[m]) for m in order], lang)

    doc.add_heading(t("notice.summary.section.snapshot", lang), level=1)
    snapshot = case.get("snapshot")
    _snapshot(doc, _as_dict(snapshot) if isinstance(snapshot, str) else snapshot, lang)

    doc.add_heading(t("notice.summary.section.timeline", lang), level=1)
    _timeline(doc, events, lang)

    if children is not None:
        doc.add_heading(t("notice.summary.section.children", lang), level=1)
        cols = [c for c in ("case_id", "subject_name", "state") if c in children.columns]
        if children.empty or not cols:
            _para(doc, t("notice.none", lang))
        else:
            _records(doc, "children", children[cols].to_dict("records"), lang)
    return _save(doc, lang)


# --- the notice's evidence -----------------------------------------------------------------------


def _notice_evidence(doc, case: dict, snapshot: dict, lang: str) -> None:
    """The rule hits of the snapshot with their titles and evidence; the risk at opening."""
    hits = [h for h in snapshot.get("hits") or [] if isinstance(h, dict)]
    risk = snapshot.get("risk") if isinstance(snapshot.get("risk"), dict) else snapshot
    score = risk.get("risk_score", case.get("risk_score"))
    if not _missing(score):
        _para(doc, t("notice.evidence.risk", lang, score=_value("risk_score", score, lang),
                     band=_value("band", risk.get("band"), lang)))
    if hits:
        _para(doc, t("notice.evidence.intro", lang, opened=_date(case.get("opened_at"), lang)))
        cols = ["rule_id", "period"] + (["unit_id"] if any(not _missing(h.get("unit_id")) for h in hits) else [])
        _records(doc, "hits", [{**{c: h.get(c) for c in cols}, "evidence": h.get("evidence")} for h in hits], lang)
        return
    reasons = risk.get("reasons") if isinstance(risk.get("reasons"), dict) else {}
    # rule_ids (a ranking's row) or the engine's reasons; risk["rules"] is the rules component, a number
    fired = risk.get("rule_ids") or reasons.get("rules") or []
    fired = [r for r in (fired if isinstance(fired, (list, tuple)) else [fired]) if isinstance(r, str)]
    if fired:
        _para(doc, t("notice.evidence.rules", lang, rules=_value("rules", fired, lang)))
    else:
        _para(doc, t("notice.evidence.none", lang, case_id=str(case.get("case_id") or "")))


# --- the summary's parts -------------------------------------------------------------------------


def _timeline(doc, events: pd.DataFrame | None, lang: str) -> None:
    if events is None or events.empty:
        _para(doc, t("notice.none", lang))
        return
    header = [t("notice.col.time", lang), _key_label("user_name", lang), _key_label("role", lang),
              _key_label("action", lang), t("notice.col.states", lang), _key_label("fields", lang)]
    rows = []
    for e in events.to_dict("records"):
        fields = _fields(e.get("fields"))
        rows.append([_date(e.get("changed_at"), lang, time=True), clean_text(e.get("user_name")),
                     _value("role", e.get("role"), lang), _value("action", e.get("action"), lang),
                     f"{_value('state', e.get('from_state'), lang)} → {_value('state', e.get('to_state'), lang)}",
                     "\n".join(_key_label(k, lang) + t("sep.colon", lang) + _value(k, v, lang)
                               for k, v in fields.items() if not _missing(v))])
    _table(doc, header, rows)


def _snapshot(doc, snapshot, lang: str) -> None:
    """The frozen evidence: its plain values in one table, then each known key, then the rest."""
    snap = snapshot if isinstance(snapshot, dict) else ({} if _missing(snapshot) else {"snapshot": snapshot})
    if not snap:
        _para(doc, t("notice.none", lang))
        return
    keys = [k for k in SNAPSHOT_KEYS if k in snap] + [k for k in snap if k not in SNAPSHOT_KEYS]
    plain = [k for k in keys if _simple(snap[k])]
    if plain:
        _pairs_table(doc, [(k, snap[k]) for k in plain], lang, evidence=True)
    for k in keys:
        if k not in plain:
            doc.add_heading(_key_label(k, lang, evidence=True), level=2)
            _block(doc, str(k), snap[k], lang, level=2)


def _block(doc, name: str, value, lang: str, level: int) -> None:
    """Any value of the evidence: a list of dicts as a table, a dict as a two-column table (its
    nested parts under their own headings), anything else as a paragraph."""
    if level > MAX_DEPTH:
        _para(doc, json.dumps(value, ensure_ascii=False, default=str))
    elif isinstance(value, (list, tuple)) and value and all(isinstance(x, dict) for x in value):
        _records(doc, name, list(value), lang)
    elif isinstance(value, (list, tuple)) and any(isinstance(x, (dict, list, tuple)) for x in value):
        _records(doc, name, [x if isinstance(x, dict) else {"value": x} for x in value], lang)
    elif isinstance(value, dict):
        plain = [(k, v) for k, v in value.items() if _simple(v)]
        if plain:
            _pairs_table(doc, plain, lang, evidence=True)
        for k, v in value.items():
            if not _simple(v):
                doc.add_heading(_key_label(k, lang, evidence=True), level=min(level + 1, 6))
                _block(doc, str(k), v, lang, level + 1)
        if not value:
            _para(doc, t("notice.none", lang))
    else:
        _para(doc, _value(name, value, lang))


def _records(doc, name: str, items: list[dict], lang: str) -> None:
    """A list of dicts as a table: one column per key (in the order they first appear)."""
    cols: list = []
    for item in items:
        cols += [k for k in item if k not in cols]
    if "rule_id" in cols:  # a hit reads: the rule, where and when, then its evidence
        cols.insert(0, cols.pop(cols.index("rule_id")))
        if "evidence" in cols:
            cols.append(cols.pop(cols.index("evidence")))
    rows = [[_cell(c, item.get(c), item, lang) for c in cols] for item in items[:MAX_ROWS]]
    _table(doc, [_key_label(c, lang, evidence=True) for c in cols], rows)
    if len(items) > MAX_ROWS:
        _para(doc, t("notice.summary.more_rows", lang, n=i18n.fmt_int(len(items) - MAX_ROWS, lang)))


def _cell(name, v, row: dict, lang: str) -> str:
    """A table cell: a hit's evidence in the rule's words, a feature's value as that feature reads."""
    if name == "evidence" and not _missing(row.get("rule_id")):
        return _evidence(str(row["rule_id"]), v, lang)
    if name == "value" and isinstance(row.get("feature"), str) and _number_like(v):
        return i18n.fmt_feature(row["feature"], v, lang)
    return _value(str(name), v, lang)


def _evidence(rule_id: str, evidence, lang: str) -> str:
    ev = evidence
    if isinstance(ev, str):
        try:
            ev = json.loads(ev)
        except ValueError:
            return clean_text(ev)
    if isinstance(ev, dict) and labels.has_rule(rule_id):
        try:
            return labels.rule_explain(rule_id, ev, lang)
        except (KeyError, IndexError, ValueError, TypeError, AttributeError):
            pass  # evidence without what the explanation names: shown as its fields
    return _value("evidence", ev, lang)


# --- words for values ----------------------------------------------------------------------------


def _check_lang(lang: str) -> None:
    if lang not in i18n.LANGS:
        raise ValueError(f"unknown language {lang!r}; expected one of {i18n.LANGS}")


def _office(case: dict, lang: str) -> str:
    """The responsible office: the province of the case's subject, or the national office."""
    return clean_text(case_words.province(str(case.get("province_code") or rules.NATIONAL_OFFICE), lang))


def _last(events: pd.DataFrame | None, action: str) -> dict | None:
    """The last event of `action` (its fields parsed), or None."""
    if events is None or events.empty or "action" not in events.columns:
        return None
    rows = events[events["action"] == action]
    if rows.empty:
        return None
    if "version" in rows.columns:
        rows = rows.sort_values("version")
    e = rows.iloc[-1].to_dict()
    e["fields"] = _fields(e.get("fields"))
    return e


def _as_dict(v) -> dict:
    """The snapshot or the measures: case_row parses them; their JSON text is parsed here."""
    if isinstance(v, str):
        try:
            v = json.loads(v)
        except ValueError:
            return {}
    return v if isinstance(v, dict) else {}


def _fields(raw) -> dict:
    """An event's fields: its JSON as a dict (text that is not a JSON object is one "note")."""
    if isinstance(raw, dict):
        return raw
    if _missing(raw):
        return {}
    try:
        parsed = json.loads(raw)
    except (TypeError, ValueError):
        return {"note": raw}
    return parsed if isinstance(parsed, dict) else {"note": raw}


def _missing(v) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    if isinstance(v, float):
        return math.isnan(v)
    return isinstance(v, str) and not v.strip()


def _simple(v) -> bool:
    """A value that fits one cell: a scalar, an empty container, a list of scalars."""
    if isinstance(v, dict):
        return not v
    if isinstance(v, (list, tuple)):
        return all(not isinstance(x, (dict, list, tuple)) for x in v)
    return True


def _number_like(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _int_or(v):
    return int(v) if _number_like(v) and float(v).is_integer() else v


def _key_label(name, lang: str, evidence: bool = False) -> str:
    """A field's or column's header: the app's word for it, or the name as written. In the
    `evidence` (the snapshot) a name means what the snapshot means by it, not the case's field
    of that name (a hit's evidence is not the evidence of a rectification)."""
    name = str(name)
    case_keys = (f"case.field.{name}", f"case.measure.{name}")
    own = (f"notice.key.{name}",)
    for key in (HEADERS.get(name), *(own + case_keys if evidence else case_keys + own)):
        if key and key in i18n.STRINGS:
            return t(key, lang)
    if name == "office":
        return t("notice.office", lang)
    return clean_text(i18n.label("feature", name, lang))  # a model's explanation names its features


def _number(v, lang: str) -> str:
    x = float(v)
    if not math.isfinite(x):
        return str(x)
    if x.is_integer() and abs(x) < 1e15:
        return i18n.fmt_int(x, lang)
    # as many decimals as the value has (81.2, 0.0262, 1,200.5), at most MAX_DECIMALS: evidence and
    # amounts are shown as recorded, not rounded to a reading precision
    shown = repr(x)
    decimals = len(shown.split(".")[1]) if "." in shown and "e" not in shown else MAX_DECIMALS
    return i18n.fmt_in_unit(x, 1, lang, min(decimals, MAX_DECIMALS))


def _value(name: str, v, lang: str) -> str:
    """A value in words: catalogue families (states, patterns, corrections, roles, ...) translated,
    rules with their titles, dates and times in the language's format, numbers grouped."""
    if isinstance(v, dict):
        return i18n.fmt_list((_key_label(k, lang) + t("sep.colon", lang) + _value(str(k), x, lang)
                              for k, x in v.items()), lang, "clause") if v else t("notice.none", lang)
    if isinstance(v, (list, tuple)):
        if not v:
            return t("notice.none", lang)
        if any(isinstance(x, (dict, list, tuple)) for x in v):
            return clean_text(json.dumps(v, ensure_ascii=False, default=str))
        return i18n.fmt_list((_value(ITEM.get(name, name), x, lang) for x in v), lang)
    if _missing(v):
        return i18n.MISSING
    if isinstance(v, bool) or getattr(getattr(v, "dtype", None), "kind", None) == "b":
        return t("notice.yes" if bool(v) else "notice.no", lang)
    if name in LABELLED:
        return clean_text(i18n.label(LABELLED[name], str(v), lang))
    if name == "rule_id":
        return f"{clean_text(v)} {labels.rule_title(str(v), lang)}" if labels.has_rule(v) else clean_text(v)
    if name == "detector":
        return clean_text(labels.detector_label(str(v), lang))
    if name == "period" and isinstance(v, str):
        if _MONTH.fullmatch(v):
            return i18n.fmt_period(v + "-01", lang)
        if _YEAR.fullmatch(v):
            return i18n.fmt_year_period(int(v), lang)
    if isinstance(v, (dt.date, pd.Timestamp)) or (isinstance(v, str) and _is_time(name)):
        return _date(v, lang, time=_is_time(name) and not (name.endswith("date") or name == "deadline"), zone=True)
    if name in i18n.FEATURE_KIND and _number_like(v):
        return i18n.fmt_feature(name, v, lang)
    if _number_like(v) or hasattr(v, "dtype"):  # numpy scalars from a frame
        try:
            x = float(v)
        except (TypeError, ValueError):
            return clean_text(v)
        if _PLAIN_NUMBERS.search(name) and x.is_integer():
            return str(int(x))
        return _number(x, lang)
    return clean_text(labels.party(v, lang) if isinstance(v, str) else v)


def _date(v, lang: str, time: bool = False, zone: bool = False) -> str:
    """A date (or a time, Beijing time) in the language's format; text that is no date as it is."""
    try:
        return i18n.fmt_datetime(v, lang, zone=zone) if time else i18n.fmt_date(v, lang)
    except (ValueError, TypeError, OverflowError):
        return clean_text(v)


def _is_time(name: str) -> bool:
    return name in ("ts", "date", "deadline") or name.endswith(("_at", "_ts", "_date", "_time"))


# --- Word ------------------------------------------------------------------------------------------


def _document(lang: str, title: str, author: str, case_id: str):
    """A blank A4 document in `lang`: styles with the East Asian fonts, black headings, the case id
    and the page number in the footer, the core properties."""
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = section.bottom_margin = Mm(25)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    locale = i18n.LOCALES[lang]
    tag = "-".join(x for x in (locale.language, locale.territory) if x)  # en-US, zh-CN: what Word names
    for style_id, style_name in (("Normal", "Normal"), *HEADING_STYLES.items()):
        style = doc.styles[style_name]
        rpr = style.element.get_or_add_rPr()
        _fonts(rpr, lang, HEADING_FONT if style_id in HEADING_STYLES else BODY_FONT)
        if style_id == "Normal":
            style.font.size = BODY_SIZE[lang]
            lang_el = rpr.find(qn("w:lang"))
            if lang_el is None:
                lang_el = OxmlElement("w:lang")
                rpr.append(lang_el)
            lang_el.set(qn("w:val"), tag)
            lang_el.set(qn("w:eastAsia"), "zh-CN")
        else:
            style.font.color.rgb = BLACK
    title_style = doc.styles["Title"]
    title_style.font.size = Pt(22)
    title_style.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    border = title_style.element.pPr.find(qn("w:pBdr")) if title_style.element.pPr is not None else None
    if border is not None:
        border.getparent().remove(border)
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    if defaults is not None:
        for rfonts in defaults.iter(qn("w:rFonts")):
            _drop_themes(rfonts)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run(clean_text(case_id) + " · ")
    _page_field(footer)
    props = doc.core_properties
    props.title, props.author, props.last_modified_by = clean_text(title), clean_text(author), "CarbonWatch"
    props.subject, props.comments, props.language = clean_text(case_id), "", tag
    props.created = props.modified = clock.now().replace(microsecond=0)
    return doc


def _drop_themes(rfonts) -> None:
    """A theme font attribute outranks the named font beside it: remove them so the names count."""
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(attr), None)


def _fonts(rpr, lang: str, east_asia: str) -> None:
    """Name the East Asian font on a run's or style's properties (and the Latin one in Chinese)."""
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(1 if len(rpr) and rpr[0].tag == qn("w:rStyle") else 0, rfonts)
    _drop_themes(rfonts)
    rfonts.set(qn("w:eastAsia"), east_asia)
    latin = LATIN_FONT.get(lang)
    if latin:
        rfonts.set(qn("w:ascii"), east_asia if east_asia == HEADING_FONT else latin)
        rfonts.set(qn("w:hAnsi"), east_asia if east_asia == HEADING_FONT else latin)


def _page_field(paragraph) -> None:
    """A PAGE field: Word shows the page's number."""
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        run = paragraph.add_run()
        if kind is not None:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        elif text == " PAGE ":
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        else:
            el = OxmlElement("w:t")
            el.text = text
        run._r.append(el)


def _para(doc, text: str, *, bold: bool = False, align=None, style: str | None = None, size=None):
    p = doc.add_paragraph(style=style)
    run = p.add_run(clean_text(text))
    run.bold = bold or None
    if size is not None:
        run.font.size = size
    if align is not None:
        p.alignment = align
    return p


def _write(cell, text: str, bold: bool = False) -> None:
    run = cell.paragraphs[0].add_run(clean_text(text))
    if bold:
        run.bold = True


def _table(doc, header: list[str], rows: list[list[str]]):
    """A grid table with a bold header row that repeats on every page, and a paragraph after it
    (two tables in a row would otherwise merge into one)."""
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, h in zip(table.rows[0].cells, header):
        _write(cell, h, bold=True)
    trpr = table.rows[0]._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    trpr.append(repeat)
    for r in rows:
        for cell, v in zip(table.add_row().cells, r):
            _write(cell, v)
    doc.add_paragraph()
    return table


def _pairs_table(doc, pairs, lang: str, evidence: bool = False):
    """A two-column table: the field's name, its value."""
    t_ = doc.add_table(rows=0, cols=2)
    t_.style = "Table Grid"
    for k, v in pairs:
        cells = t_.add_row().cells
        _write(cells[0], _key_label(k, lang, evidence), bold=True)
        _write(cells[1], v if k == "office" else _value(str(k), v, lang))
    doc.add_paragraph()
    return t_


def _save(doc, lang: str) -> bytes:
    """Every run names its East Asian font (SimHei in the title and headings), then the bytes."""
    for part in (doc.element.body, *(s.footer._element for s in doc.sections)):
        for p in part.iter(qn("w:p")):
            style = p.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
            heading = style is not None and style.get(qn("w:val")) in HEADING_STYLES
            for r in p.iter(qn("w:r")):
                rpr = r.find(qn("w:rPr"))
                if rpr is None:
                    rpr = OxmlElement("w:rPr")
                    r.insert(0, rpr)
                _fonts(rpr, lang, HEADING_FONT if heading else BODY_FONT)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
