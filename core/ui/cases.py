"""The Cases page's glue (pages/10_Cases.py) and the "open a case" controls of the other pages.

Queues (mine, open, overdue, decided, all) in the URL like every view, the case page with its
frozen evidence, timeline and the next moves the user's role may make, and bulk actions. Case
queries are page queries keyed by core.store.cases.version (a case changes far more often than
the data); the case page itself reads its case live, because a change is made on the version shown.

A change is made in the submit button's callback with the version the form was drawn with: if
someone changed the case in between, core.store.cases refuses it (StaleCase) and the page says who
changed it, when, and to what; nothing is merged silently.
"""
from __future__ import annotations

import datetime as dt
import json
import re

import pandas as pd
import streamlit as st

from core.contract import cases as rules
from core.contract import roles
from core.engine import risk as risk_engine
from core.export import notice
from core.insight import cases as insight
from core.insight import agencies as agency_insight
from core.store import accounts, dossiers, intermediaries
from core.store import cases as store
from core.ui import auth, tables
from core.ui.page import Page
from core.words import cases as words
from core.words import i18n
from core.words import labels as label_words
from core.words import reasons as reason_words

PATH = "pages/10_Cases.py"
PARAMS = ("case", "queue", "state", "kind", "section")
SECTIONS = ("queues", "campaigns", "lookback")
_CASE_ID = re.compile(r"CW-[0-9A-F]{10}")
_RESULT = "cases_result"  # the last change's outcome, shown once after the rerun
BULK_MAX = 100  # cases opened at once for the top N of a ranking


# --- URL --------------------------------------------------------------------------------------

def param(name: str, allowed) -> str | None:
    v = st.query_params.get(name)
    return v if isinstance(v, str) and v in allowed else None


def case_param() -> str | None:
    v = st.query_params.get("case")
    return v if isinstance(v, str) and _CASE_ID.fullmatch(v) else None


def states_param() -> list[str]:
    v = st.query_params.get("state")
    return [s for s in (v.split(",") if isinstance(v, str) else []) if s in rules.STATES]


def cases_version(page: Page) -> str:
    return store.version(page.con)


def case_list(page: Page) -> pd.DataFrame:
    return page.query(store.case_list, at=cases_version(page))


# --- who can own a case -------------------------------------------------------------------------

def owners(page: Page, province: str | None = None) -> list[str]:
    """Who a case (of `province`) can be assigned to: the enabled local accounts that work on cases
    and may see the province, the owners the view's cases already have, the user, and in demo mode
    the demo roles that work on cases."""
    cur = page.con.cursor()
    try:
        people = accounts.users(cur)
    finally:
        cur.close()
    names = {page.user.name}
    for r in people.itertuples(index=False):
        if r.disabled or "cases" not in roles.RIGHTS[r.role]:
            continue
        user = roles.User(r.name, r.role, roles.provinces_from_text(r.provinces))
        if province is None or user.scope.allows(province):
            names.add(r.name)
    if page.user.source == "demo":
        names |= {f"demo-{r}" for r in roles.ROLES if "cases" in roles.RIGHTS[r]}
    known = case_list(page)
    if province is not None:
        known = known[known["province_code"] == province]
    names |= {o for o in known["owner"].dropna().unique() if isinstance(o, str)}
    return sorted(names)


# --- display tables ---------------------------------------------------------------------------

def _c(key: str, lang: str) -> str:
    return i18n.t(f"cases.col.{key}", lang)


def queue_table(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A queue for reading: case, subject, province, state, owner, due, flagged year, score, decision."""
    due = [d if s == "rectification_ordered" and pd.notna(d) else u
           for s, d, u in zip(df["state"], df["deadline"], df["due_date"])]
    return pd.DataFrame({
        _c("case", lang): df["case_id"],
        _c("subject", lang): df["subject_name"],
        _c("kind", lang): df["subject_kind"].map(lambda k: i18n.t(f"case.subject.{k}", lang)),
        _c("province", lang): df["province_code"].map(lambda c: words.province(c, lang)),
        _c("state", lang): [words.state(s, lang) + (" · " + i18n.t("cases.overdue", lang) if o else "")
                            for s, o in zip(df["state"], df["overdue"].fillna(False))],
        _c("owner", lang): df["owner"].fillna(i18n.MISSING),
        _c("due", lang): [i18n.fmt_date(d, lang) if pd.notna(d) else i18n.MISSING for d in due],
        _c("year", lang): df["flag_year"].map(lambda y: str(int(y)) if pd.notna(y) else i18n.MISSING),
        _c("score", lang): df["risk_score"].round(1),
        _c("decision", lang): [(words.state(d, lang) + (" · " + i18n.t(f"case.pattern.{p}", lang)
                                                       if isinstance(p, str) else "")) if isinstance(d, str)
                               else i18n.MISSING for d, p in zip(df["decision"], df["pattern"])],
        _c("updated", lang): df["updated_at"].map(lambda v: i18n.fmt_datetime(v, lang, zone=False)),
    })


def queue_columns(lang: str) -> dict:
    text = st.column_config.TextColumn
    return {_c("case", lang): text(width=120, pinned=True), _c("subject", lang): text(width="large", pinned=True),
            _c("state", lang): text(width="medium"), _c("score", lang): st.column_config.NumberColumn(format="%.1f"),
            _c("decision", lang): text(width="medium")}


def timeline_columns(lang: str) -> dict:
    text = st.column_config.TextColumn
    return {_c("version", lang): st.column_config.NumberColumn(format="%d", width=56), _c("at", lang): text(width=170),
            _c("user", lang): text(width=130), _c("role", lang): text(width=110), _c("action", lang): text(width=110),
            _c("change", lang): text(width=170), _c("fields", lang): text(width="large")}


def timeline_table(events: pd.DataFrame, lang: str) -> pd.DataFrame:
    return pd.DataFrame({
        _c("version", lang): events["version"].astype(int),
        _c("at", lang): events["changed_at"].map(lambda v: i18n.fmt_datetime(v, lang)),
        _c("user", lang): events["user_name"],
        _c("role", lang): events["role"].map(lambda r: i18n.t(f"role.{r}", lang) if f"role.{r}" in i18n.STRINGS else r),
        _c("action", lang): events["action"].map(lambda a: words.move(a, lang)),
        _c("change", lang): [words.state(t, lang) if f == t or not isinstance(f, str) else
                             f"{words.state(f, lang)} → {words.state(t, lang)}"
                             for f, t in zip(events["from_state"], events["to_state"])],
        _c("fields", lang): events["fields"].map(lambda f: words.describe_fields(f, lang)),
    })


# --- the queue view ---------------------------------------------------------------------------

def queue_view(page: Page) -> None:
    t, lang = page.t, page.lang
    everything = case_list(page)
    kind = param("kind", rules.SUBJECT_KINDS)
    states = states_param()
    shown = everything
    if kind:
        shown = shown[shown["subject_kind"] == kind]
    if states:
        shown = shown[shown["state"].isin(states)]
    counts = insight.counts(shown, page.user.name)
    default = "mine" if counts["mine"] else "open"
    queue = "open" if st.query_params.get("queue") == "province" else param("queue", insight.QUEUES) or default
    # the open queue of a view narrowed to provinces (the account's or the filter's) is the province's queue
    regional = page.scope.provinces is not None or bool(page.filters.provinces)

    def label(q: str) -> str:
        key = "cases.queue.open.province" if q == "open" and regional else f"cases.queue.{q}"
        return t(key, n=i18n.fmt_int(counts[q], lang))

    with st.container(key="queue_controls", horizontal=True):
        picked = st.segmented_control(t("cases.queue"), insight.QUEUES, default=queue, key=page.key("queue", queue),
                                      format_func=label)
        st.multiselect(t("cases.filter.state"), rules.STATES, default=states, format_func=lambda s: words.state(s, lang),
                       key=page.key("states", tuple(states)), on_change=_set_list_param,
                       args=("state", page.key("states", tuple(states))), width=360)
        st.selectbox(t("cases.filter.kind"), [None, *rules.SUBJECT_KINDS], index=0 if kind is None else
                     1 + rules.SUBJECT_KINDS.index(kind), key=page.key("kind", kind), width=200,
                     format_func=lambda k: t("cases.all") if k is None else t(f"case.subject.{k}"),
                     on_change=_set_param, args=("kind", page.key("kind", kind)))
    if picked and picked != queue:
        st.query_params["queue"] = picked
        st.rerun()
    rows = insight.queue(shown, queue, page.user.name)
    display = page.derive(_queue_display, store.case_list, query_params={"at": cases_version(page)}, queue=queue,
                          kind=kind, states=tuple(states), user_name=page.user.name)
    if everything.empty:
        st.info(t("cases.none"), icon=":material/inbox:")
        return
    st.markdown(t("cases.queue.count", shown=i18n.fmt_int(len(rows), lang), n=i18n.fmt_int(len(everything), lang),
                  queue=t(f"cases.queue.{queue}.name")))
    ev = tables.show(display, columns=queue_columns(lang), height=440 if len(rows) > 12 else "content",
                     on_select="rerun", selection_mode="single-row", key=page.key("queue_table", queue, kind, tuple(states)))
    st.caption(t("cases.queue.caption"))
    if ev["selection"]["rows"]:
        page.go(PATH, case=rows.iloc[ev["selection"]["rows"][0]]["case_id"])
    bulk_assign(page, rows)


def _queue_display(cases: pd.DataFrame, *, lang: str, queue: str, kind: str | None, states: tuple[str, ...],
                   user_name: str) -> pd.DataFrame:
    """One queue's display table (page.derive: once per cases version, view, queue and language)."""
    shown = cases if kind is None else cases[cases["subject_kind"] == kind]
    shown = shown[shown["state"].isin(states)] if states else shown
    return queue_table(insight.queue(shown, queue, user_name), lang)


def _set_param(name: str, key: str) -> None:
    v = st.session_state.get(key)
    if v:
        st.query_params[name] = v
    elif name in st.query_params:
        del st.query_params[name]


def _set_list_param(name: str, key: str) -> None:
    v = st.session_state.get(key) or []
    if v:
        st.query_params[name] = ",".join(v)
    elif name in st.query_params:
        del st.query_params[name]


def bulk_assign(page: Page, rows: pd.DataFrame) -> None:
    """Assign many: the chosen cases of the queue (all shown by default) to one owner, each a
    version-checked change."""
    t, lang = page.t, page.lang
    if rows.empty or not auth.may(page, "cases", "cases.refused.read_only"):
        return
    mine = rows[[rules.may_edit(page.user, p) for p in rows["province_code"]]]
    if mine.empty:
        return
    with st.expander(t("cases.bulk.title", n=i18n.fmt_int(len(mine), lang)), icon=":material/group_add:"):
        key = page.key("bulk", tuple(mine["case_id"]))
        labels = dict(zip(mine["case_id"], mine["subject_name"]))
        chosen = st.multiselect(t("cases.bulk.cases"), list(mine["case_id"]), default=list(mine["case_id"][:20]),
                                format_func=lambda c: f"{c} · {labels[c]}", key=f"{key}-cases")
        owner = st.selectbox(t("case.field.owner"), owners(page), key=f"{key}-owner")
        versions = dict(zip(mine["case_id"], mine["version"].astype(int)))
        st.button(t("cases.bulk.assign", n=i18n.fmt_int(len(chosen), lang)), key=f"{key}-go", disabled=not chosen,
                  icon=":material/assignment_ind:", on_click=_assign_many,
                  args=(page, {c: versions[c] for c in chosen}, owner))


def _assign_many(page: Page, versions: dict[str, int], owner: str) -> None:
    done, refused = store.assign_many(page.con, page.user, versions, owner)
    _result("success" if not refused else "warning",
            page.t("cases.bulk.done", done=i18n.fmt_int(len(done), page.lang), owner=i18n.md_literal(owner),
                   refused=i18n.fmt_int(len(refused), page.lang)))


# --- results of a change ----------------------------------------------------------------------

def _result(kind: str, text: str) -> None:
    st.session_state[_RESULT] = (kind, text)


def show_result() -> None:
    """The outcome of the last change (made in a callback, before this run), once."""
    kind, text = st.session_state.pop(_RESULT, (None, None))
    if kind == "success":
        st.success(text, icon=":material/check_circle:")
    elif kind == "warning":
        st.warning(text, icon=":material/sync_problem:")
    elif kind == "error":
        st.error(text, icon=":material/error:")


def _refused(page: Page, e: rules.CaseError) -> None:
    if isinstance(e, store.StaleCase):
        _result("warning", words.stale(e.current, page.lang, e.at_once))
    else:
        _result("error", words.refusal(str(e), page.lang))


# --- the case view ----------------------------------------------------------------------------

def case_view(page: Page, cid: str) -> None:
    t, lang = page.t, page.lang
    case = store.case_row(page.con, page.scope, cid)
    # a button, not a link: a link to this same page keeps the URL's ?case= (Streamlit 1.67)
    st.button(t("cases.back"), icon=":material/arrow_back:", key="cases_back", type="tertiary", on_click=_back)
    if case is None:  # unknown, or another province's: they look alike
        st.warning(t("cases.not_found"), icon=":material/search_off:")
        return
    events = store.timeline(page.con, page.scope, cid)
    with st.container(key="case_head"):
        st.header(f"{case['subject_name']} · {cid}", divider="gray")
        overdue = bool(case["overdue"])  # the store's rule, as in the queues
        badges = [f":blue-badge[{words.state(case['state'], lang)}]"]
        if overdue:
            badges.append(f":red-badge[{t('cases.overdue')}]")
        if isinstance(case.get("decision"), str):
            badges.append(f":gray-badge[{t('cases.decided', decision=words.state(case['decision'], lang))}]")
        st.markdown(" ".join(badges))
        colon = t("sep.colon")
        facts = [("subject", _subject_link(page, case)), ("province", words.province(case["province_code"], lang)),
                 ("source", t(f"case.source.{case['source']}")),
                 ("opened", t("cases.opened_by", at=i18n.fmt_datetime(case["opened_at"], lang),
                              by=i18n.md_literal(case["opened_by"]))),
                 ("owner", i18n.md_literal(case["owner"]) if isinstance(case["owner"], str) else i18n.MISSING),
                 ("due", _date(case.get("due_date"), lang)), ("deadline", _date(case.get("deadline"), lang)),
                 ("version", str(int(case["version"])))]
        st.markdown("  \n".join(f"**{t('cases.fact.' + k)}**{colon}{v}" for k, v in facts
                                if v and v != i18n.MISSING or k in ("owner", "due")))
    show_result()
    actions(page, case)
    evidence(page, case)
    if case["measures"]:
        with st.container(key="case_measures"):
            st.subheader(t("cases.measures"))
            st.markdown(words.describe_fields(case["measures"], lang))
    kids = store.children(page.con, page.scope, cid)
    if not kids.empty:
        with st.container(key="case_children"):
            st.subheader(t("cases.children"))
            for r in kids.itertuples(index=False):
                st.page_link(PATH, label=f"{r.case_id} · {r.subject_name} · {words.state(r.state, lang)}",
                             query_params=page.link(case=r.case_id), icon=":material/subdirectory_arrow_right:")
    if isinstance(case.get("parent_case"), str):
        st.page_link(PATH, label=t("cases.parent", case=case["parent_case"]), icon=":material/account_tree:",
                     query_params=page.link(case=case["parent_case"]))
    with st.container(key="case_timeline"):
        st.subheader(t("cases.timeline"))
        tables.show(timeline_table(events, lang), columns=timeline_columns(lang), wrap=True, height="content")
        st.caption(t("cases.timeline.caption"))
    documents(page, case, events, kids)


def _back() -> None:
    for name in ("case", "section"):
        if name in st.query_params:
            del st.query_params[name]


def _date(v, lang: str) -> str:
    return i18n.fmt_date(v, lang) if v is not None and not pd.isna(v) else i18n.MISSING


def _subject_link(page: Page, case: dict) -> str:
    kind, sid = case["subject_kind"], case["subject_id"]
    label = f"{page.t('case.subject.' + kind)} `{sid}`"
    target = {"enterprise": ("pages/4_Enterprise.py", {"enterprise": sid}),
              "agency": ("pages/6_Intermediaries.py", {"agency": sid}),
              "account": ("pages/5_Market.py", {})}[kind]
    return f"[{label}]({page.url(target[0], **target[1])})"


def evidence(page: Page, case: dict) -> None:
    """The evidence as frozen at opening: risk, rule hits, model scores, alert and trades, clients."""
    t, lang = page.t, page.lang
    snap = case["snapshot"] or {}
    with st.container(key="case_evidence"):
        st.subheader(t("cases.evidence"))
        st.caption(t("cases.evidence.caption", run=snap.get("run_id") or i18n.MISSING,
                     at=i18n.fmt_datetime(case["opened_at"], lang)))
        risk = snap.get("risk")
        if risk:
            cols = st.columns(4)
            cols[0].metric(t("col.risk_score"), f"{risk.get('risk_score') or 0:.1f}",
                           delta=t(f"band.{risk['band']}") if risk.get("band") else None, delta_arrow="off",
                           delta_color="off", border=True)
            for col, k in zip(cols[1:], ("rules", "model", "context")):
                if risk.get(k) is not None:
                    col.metric(t("enterprise.risk.component", component=t(f"component.{k}"),
                                 weight=f"{risk_engine.DEFAULT_WEIGHTS[k]:.2f}"), f"{risk[k]:.2f}", border=True)
            reasons = risk.get("reasons") if isinstance(risk.get("reasons"), dict) else None
            if reasons and "rules" in reasons:
                st.markdown(t("enterprise.risk.reasons",
                              reasons=reason_words.describe_reasons(json.dumps(reasons), lang)))
            ids = risk.get("rule_ids") or (reasons or {}).get("rules")
            if ids:
                st.markdown(t("cases.evidence.rules", rules=i18n.fmt_list(
                    (f"{r} {label_words.rule_title(r, lang)}" if label_words.has_rule(r) else r for r in ids), lang)))
        if snap.get("hits"):
            hits = pd.DataFrame(snap["hits"])
            hits["evidence"] = hits["evidence"].map(lambda e: json.dumps(e) if not isinstance(e, str) else e)
            tables.show(tables.dossier_hits(hits, case["subject_id"], lang), wrap=True, height="content")
        if snap.get("scores"):
            sc = pd.DataFrame(snap["scores"]).assign(
                period=lambda d: pd.to_datetime(d["period"]),
                explanation=lambda d: d["explanation"].map(lambda e: json.dumps(e) if isinstance(e, (list, dict)) else e))
            explained = tables.dossier_explained(sc, case["subject_id"], lang)
            if not explained.empty:
                st.markdown(f"**{t('enterprise.model.explained')}**")
                tables.show(explained, formats=tables.dossier_explained_formats(lang), wrap=True, height="content")
        for key in ("alert", "agency"):
            if snap.get(key):
                st.markdown(f"**{t('cases.evidence.' + key)}**")
                st.dataframe(pd.DataFrame({t("cases.col.field"): list(snap[key]),
                                           t("cases.col.value"): [_cell(v) for v in snap[key].values()]}),
                             hide_index=True)
        for key in ("trades", "clients"):
            if snap.get(key):
                st.markdown(f"**{t('cases.evidence.' + key)}**")
                st.dataframe(pd.DataFrame(snap[key]).map(_cell), hide_index=True, height="content"
                             if len(snap[key]) <= 12 else 360)


def _cell(v) -> str:
    if isinstance(v, (dict, list)):
        return json.dumps(v, ensure_ascii=False)
    return "" if v is None else str(v)


# --- moves and edits ---------------------------------------------------------------------------

def actions(page: Page, case: dict) -> None:
    """The next moves the user's role may make from the case's state, and the edits, each a form
    submitted with the version shown."""
    t, lang = page.t, page.lang
    with st.container(key="case_actions"):
        st.subheader(t("cases.actions"))
        if not auth.may(page, "cases", "cases.refused.read_only"):
            return
        moves = rules.next_moves(case["state"], page.user, case["province_code"])
        edits = list(rules.EDITS) if rules.may_edit(page.user, case["province_code"]) else []
        if case["state"] not in rules.CONFIRMED_STATES:
            edits = [e for e in edits if e != "measures"]
        others = [a for a in rules.allowed(case["state"]) if a not in moves]
        if not moves and not edits:
            st.caption(t("cases.actions.none", state=words.state(case["state"], lang)))
            return
        choice = st.segmented_control(t("cases.actions.pick"), [*moves, *edits], default=(moves or edits)[0],
                                      format_func=lambda a: words.move(a, lang),
                                      key=page.key("action", case["case_id"], int(case["version"])))
        if others:
            st.caption(t("cases.actions.others", moves=i18n.fmt_list((words.move(a, lang) for a in others), lang)))
        if choice:
            _form(page, case, choice)


def _form(page: Page, case: dict, action: str) -> None:
    t, lang = page.t, page.lang
    cid, version = case["case_id"], int(case["version"])
    key = page.key("form", cid, version, action)
    today = i18n.now_beijing().date()
    with st.form(key, border=True, clear_on_submit=False):
        fields = insight.fields_of(action)
        for f in fields:
            fkey = f"{key}-{f}"
            if f in ("reason", "finding", "evidence", "note"):
                st.text_area(words.field_label(f, lang), key=fkey, max_chars=rules.TEXT_MAX, height=90)
            elif f == "pattern":
                st.selectbox(words.field_label(f, lang), rules.PATTERNS, key=fkey, index=_pattern_guess(case),
                             format_func=lambda p: t(f"case.pattern.{p}"))
            elif f == "deadline":
                st.date_input(words.field_label(f, lang), today + dt.timedelta(days=60), min_value=today, key=fkey)
            elif f == "due_date":
                current = case.get("due_date")
                st.date_input(words.field_label(f, lang), current.date() if pd.notna(current) else today +
                              dt.timedelta(days=rules.DUE_DAYS), key=fkey)
            elif f == "corrections":
                st.multiselect(words.field_label(f, lang), rules.CORRECTIONS, key=fkey,
                               format_func=lambda c: t(f"case.correction.{c}"))
            elif f == "outcome":
                st.radio(words.field_label(f, lang), rules.LOOK_BACK_OUTCOMES, key=fkey, horizontal=True,
                         format_func=lambda o: t(f"case.outcome.{o}"))
            elif f == "owner":
                names = owners(page, case["province_code"])
                st.selectbox(words.field_label(f, lang), names, key=fkey,
                             index=names.index(case["owner"]) if case["owner"] in names else 0)
            elif f in ("fine_cny", "allowance_adjustment_t"):
                st.number_input(words.field_label(f, lang), value=float(case["measures"].get(f, 0.0)), key=fkey,
                                step=10_000.0 if f == "fine_cny" else 1_000.0, format="%.0f")
            else:  # the measures' texts
                st.text_input(words.field_label(f, lang), value=str(case["measures"].get(f, "")), key=fkey,
                              max_chars=400)
        st.form_submit_button(words.move(action, lang), type="primary", on_click=_submit,
                              args=(page, cid, version, action, key, fields))


def _pattern_guess(case: dict) -> int:
    """The pattern a confirmation most likely names: the case's pattern, else 'other'."""
    p = case.get("pattern")
    return rules.PATTERNS.index(p if p in rules.PATTERNS else "other")


def _submit(page: Page, cid: str, version: int, action: str, key: str, fields: tuple[str, ...]) -> None:
    values = {f: st.session_state.get(f"{key}-{f}") for f in fields}
    if action == "measures":  # what was left empty is not a measure
        values = {k: v for k, v in values.items() if v not in (None, "") and not (isinstance(v, float) and v == 0.0)}
    missing = [f for f in fields if action != "measures" and values.get(f) in (None, "", [])]
    if missing:
        _result("error", page.t("cases.missing", fields=i18n.fmt_list((words.field_label(f, page.lang)
                                                                         for f in missing), page.lang)))
        return
    try:
        new = store.change(page.con, page.user, cid, version, action, values)
    except rules.CaseError as e:
        _refused(page, e)
        return
    _result("success", page.t("cases.done", move=words.move(action, page.lang), version=new))


# --- documents ---------------------------------------------------------------------------------

def documents(page: Page, case: dict, events: pd.DataFrame, kids: pd.DataFrame) -> None:
    """The rectification notice (once ordered) and the evidence summary, as Word files in either language."""
    t = page.t
    docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    with st.container(key="case_documents"):
        st.subheader(t("cases.documents"))
        ordered = "order" in set(events["action"])
        with st.container(horizontal=True):
            for lang in i18n.LANGS:
                name = i18n.LANG_NAMES[lang]
                if ordered:
                    auth.download(page, t("cases.documents.notice", language=name),
                                  lambda lang=lang: notice.rectification_notice(case, events, lang),
                                  file_name=f"{case['case_id']}-notice-{lang}.docx", mime=docx, level="enterprise",
                                  what="case_notice", key=f"notice-{lang}", icon=":material/gavel:")
                auth.download(page, t("cases.documents.summary", language=name),
                              lambda lang=lang: notice.evidence_summary(case, events, lang, children=kids),
                              file_name=f"{case['case_id']}-evidence-{lang}.docx", mime=docx, level="enterprise",
                              what="case_summary", key=f"summary-{lang}", icon=":material/description:")
        st.caption(t("cases.documents.caption" if ordered else "cases.documents.caption.unordered"))


# --- opening cases from the other pages ---------------------------------------------------------

def open_button(page: Page, subject: dict, *, source: str, key: str, label_key: str = "cases.open",
                parent_case: str | None = None) -> None:
    """"Open a case" on a flag (subject: open_case's keywords and snapshot); once open, a link to it.
    Disabled, with the reason, for a role that does not work on cases."""
    t = page.t
    show_result()
    existing = _open_case_of(page, subject["subject_kind"], subject["subject_id"])
    if existing is not None:
        st.page_link(PATH, label=t("cases.open.exists", case=existing), icon=":material/folder_open:",
                     query_params=page.link(case=existing))
        return
    if not page.user.can("cases"):
        st.button(t(label_key), key=key, disabled=True, icon=":material/create_new_folder:",
                  help=t("cases.refused.read_only", role=t(f"role.{page.user.role}")))
        return
    st.button(t(label_key), key=key, icon=":material/create_new_folder:", on_click=_open_one,
              args=(page, subject, source, parent_case))


def _open_case_of(page: Page, kind: str, sid: str) -> str | None:
    df = case_list(page)
    hit = df[(df["subject_kind"] == kind) & (df["subject_id"] == sid) & ~df["state"].isin(["dismissed", "closed"])]
    return None if hit.empty else str(hit.iloc[0]["case_id"])


def _open_one(page: Page, subject: dict, source: str, parent_case: str | None) -> None:
    try:
        o = store.open_for_subjects(page.con, page.user, [subject], source=source, parent_case=parent_case)[0]
    except rules.CaseError as e:
        _refused(page, e)
        return
    _result("success", page.t("cases.opened", case=o.case_id))


def open_top(page: Page, ranking: pd.DataFrame, *, key: str) -> None:
    """Open cases for the top N of a ranking (core.store.risk_views.enterprise_risk rows, best first):
    the enterprises without an open case get one each; a link to the queue afterwards."""
    t, lang = page.t, page.lang
    rated = ranking.dropna(subset=["risk_score"])
    if rated.empty or not page.user.can("cases"):
        return
    with st.popover(t("cases.open_top"), icon=":material/create_new_folder:"):
        n = st.number_input(t("cases.open_top.n"), 1, min(BULK_MAX, len(rated)), min(10, len(rated)), key=f"{key}-n")
        st.caption(t("cases.open_top.caption", n=i18n.fmt_int(n, lang)))
        st.button(t("cases.open_top.go", n=i18n.fmt_int(n, lang)), key=f"{key}-go", type="primary",
                  on_click=_open_ranked, args=(page, rated.head(int(n)), "ranking"))
        show_result()


def _open_ranked(page: Page, rows: pd.DataFrame, source: str, parent_case: str | None = None) -> None:
    """Open a case for each ranking row (the top N, an intermediary's clients under its case)."""
    subjects = [insight.ranking_evidence(page.run_id, r, source=source) for _, r in rows.iterrows()]
    try:
        opened = store.open_for_subjects(page.con, page.user, subjects, source=source, parent_case=parent_case)
    except rules.CaseError as e:
        _refused(page, e)
        return
    new = sum(o.new for o in opened)
    _result("success", page.t("cases.open_top.done", new=i18n.fmt_int(new, page.lang),
                              existing=i18n.fmt_int(len(opened) - new, page.lang)))


def enterprise_open(page: Page, profile: pd.Series) -> None:
    """The dossier's "Open a case": the enterprise with its risk, rule hits and model scores as the
    dossier shows them (its own cached page queries)."""
    eid = profile["enterprise_id"]
    snap, year, score = insight.enterprise_evidence(
        page.run_id, page.query(dossiers.enterprise_risk_years, enterprise_id=eid),
        page.query(dossiers.enterprise_rule_hits, enterprise_id=eid),
        page.query(dossiers.enterprise_model_scores, enterprise_id=eid), source="rule_hit")
    source = "rule_hit" if snap["hits"] else "model_score"
    snap["source"] = source
    open_button(page, insight.enterprise_subject(profile, snap, year, score), source=source, key="open_case")


def alert_open(page: Page, alert: pd.Series, trades: pd.DataFrame) -> None:
    """A market alert's "Open a case", on its first account inside the user's scope."""
    subject = insight.alert_subject(page.run_id, alert, trades, page.scope.allows)
    if subject is not None:
        open_button(page, subject, source="market_alert", key=page.key("open_alert", alert.get("alert_id")))


def agency_open(page: Page, agency: pd.Series) -> None:
    """An intermediary's "Open a case"; once open, its flagged clients can be given cases under it."""
    aid = agency["agency_id"]
    clients = agency_insight.clients_from(page.query(intermediaries.agency_clients, agency_id=aid),
                                          page.query(intermediaries.agency_patterns, agency_id=aid))
    year = page.filters.year_to
    subject = insight.agency_subject(page.run_id, agency, clients, year)
    if not page.scope.allows(subject["province_code"]) and page.scope.provinces is not None:
        return  # an agency of another province (or a national one) is the national office's to open
    open_button(page, subject, source="agency", key=page.key("open_agency", agency["agency_id"]))
    parent = _open_case_of(page, "agency", str(agency["agency_id"]))
    flagged = clients[clients["band"].isin(["critical", "high"])] if "band" in clients else clients.iloc[0:0]
    flagged = flagged[[page.scope.allows(p) for p in flagged["province_code"]]] if len(flagged) else flagged
    if parent is None or flagged.empty or not page.user.can("cases"):
        return
    st.button(page.t("cases.open_clients", n=i18n.fmt_int(len(flagged), page.lang)), key=f"open-clients-{parent}",
              icon=":material/account_tree:", on_click=_open_ranked, args=(page, flagged, "agency", parent))
