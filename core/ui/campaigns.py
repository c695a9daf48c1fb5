"""The Cases page's self-examination campaigns and look-back (pages/10_Cases.py calls
campaign_section and lookback_section): start a campaign for the clients of an intermediary in a
year, follow it and record the enterprises' responses; draw the year's look-back sample, read its
report and record each drawn case's outcome.

Every write is version-checked in the store: a form acts on the version shown when it was drawn
(kept in the session between the run that draws it and the run that submits it), so an answer
made meanwhile by someone else is refused with the newer state, never overwritten. After a write
the page reruns to show the new state (the campaign queries are cached under the store's version);
the look-back's draws are read live (a few rows).
"""
from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from core.contract import campaigns as campaign_rules
from core.contract import cases as case_rules
from core.insight import lookback
from core.store import campaigns
from core.store import lookback as lookback_store
from core.ui import auth, tables
from core.ui.dossier import parse_id  # an id from untrusted URL text
from core.ui.page import Page
from core.words import cases as case_words
from core.words import i18n

AGENCY_PARAM = "agency"  # ?agency=<agency_id> preselects the intermediary of a new campaign
DUE_DAYS = 30  # a new campaign's responses are due this many days after today (a default)
SIZE_DEFAULT = 20
_FLASH = "campaigns_flash_"  # + section: the message of the last write, shown once after the rerun
_SEEN = "campaigns_seen_"  # + form: {id: version} as the form last showed them
_SEED = "lookback_seed_offered"


# --- shared bits -----------------------------------------------------------------------------------

def _flash(section: str) -> None:
    message = st.session_state.pop(_FLASH + section, None)
    if message:
        st.success(message, icon=":material/check_circle:")


def _done(section: str, message: str) -> None:
    """After a write: say what was done on the next run, and rerun to show the new state."""
    st.session_state[_FLASH + section] = message
    st.rerun()


def _refused(page: Page, e: Exception) -> None:
    st.error(page.t("campaigns.error", problem=i18n.md_literal(str(e))[:400]), icon=":material/block:")


def _seen(form: str, current: dict) -> dict:
    """The versions the form showed last run (what a submit now acts on); remembers `current` for the next."""
    before = st.session_state.get(_SEEN + form) or {}
    st.session_state[_SEEN + form] = dict(current)
    return before


def _date(v, lang: str) -> str:
    return i18n.MISSING if v is None or pd.isna(v) else i18n.fmt_date(v, lang)


def _when(v, lang: str) -> str:
    return i18n.MISSING if v is None or pd.isna(v) else i18n.fmt_datetime(v, lang)


def _keep_choice(key: str, options: list) -> None:
    """Forget a stored choice that is no longer offered (a filter changed, a row left the scope)."""
    if key in st.session_state and st.session_state[key] not in options:
        del st.session_state[key]


# --- campaigns -------------------------------------------------------------------------------------

def campaign_section(page: Page) -> None:
    """Start a campaign, the campaigns of the view, and the chosen campaign's tasks and response form."""
    t = page.t
    with st.container(key="campaign_section"):
        st.subheader(t("campaigns.title"))
        st.caption(t("campaigns.intro"))
        _flash("campaign")
        at = campaigns.version(page.con)
        listed = page.query(campaigns.campaign_list, at=at)
        with st.expander(t("campaigns.start"), icon=":material/campaign:",
                         expanded=AGENCY_PARAM in st.query_params):
            with st.container(key="campaign_start"):
                _start_form(page, listed)
        with st.container(key="campaign_list"):
            st.markdown(f"**{t('campaigns.list')}**")
            if listed.empty:
                st.info(t("campaigns.none"), icon=":material/inbox:")
                return
            tables.show(_campaign_table(listed, page.lang), formats={t("campaigns.col.share"): "%.0f%%"})
            ids = list(listed["campaign_id"])
            key = page.key("campaign_open")
            _keep_choice(key, ids)
            titles = dict(zip(listed["campaign_id"], listed["title"]))
            chosen = st.selectbox(t("campaigns.open"), ids, key=key,
                                  format_func=lambda c: t("campaigns.open.option", title=titles[c], id=c))
        with st.container(key="campaign_tasks"):
            _tasks(page, listed[listed["campaign_id"] == chosen].iloc[0], at)


def _start_form(page: Page, listed: pd.DataFrame) -> None:
    """Intermediary (?agency= preselects it), year, due date, title and note; the enterprises it
    would ask (its clients in the user's scope that year), a note when such a campaign was already
    started (`listed`: the view's campaigns); the start button for users allowed."""
    t, lang = page.t, page.lang
    choices = page.query(campaigns.client_years)
    if choices.empty:
        st.caption(t("campaigns.agency.none"))
        return
    agencies = choices.drop_duplicates("agency_id").set_index("agency_id")
    ids = list(agencies.index)
    raw = st.query_params.get(AGENCY_PARAM)
    wanted = parse_id(raw) if raw is not None else None
    if raw is not None and wanted not in ids:  # unknown, or no client in scope: said alike
        st.warning(t("campaigns.agency.unknown"), icon=":material/search_off:")
    key = page.key("campaign_agency", wanted)
    _keep_choice(key, ids)
    left, mid, right = st.columns([3, 1, 1])
    agency = left.selectbox(
        t("campaigns.agency"), ids, index=ids.index(wanted) if wanted in ids else 0, key=key,
        format_func=lambda a: t("campaigns.agency.option", name=agencies.loc[a, "name"], id=a,
                                kind=t(f"agency.{agencies.loc[a, 'kind']}")))
    years = choices[choices["agency_id"] == agency].sort_values("year", ascending=False)
    clients_in = dict(zip(years["year"].astype(int), years["clients"].astype(int)))
    year = mid.selectbox(t("campaigns.year"), list(clients_in), key=page.key("campaign_year", agency),
                         format_func=lambda y: t("campaigns.year.option", year=y, n=i18n.fmt_int(clients_in[y], lang)))
    today = i18n.now_beijing().date()
    due = right.date_input(t("campaigns.due"), today + dt.timedelta(days=DUE_DAYS), min_value=today,
                           key=page.key("campaign_due"), help=page.help("campaigns.due.help"))
    title = st.text_input(t("campaigns.title_input"), key=page.key("campaign_title", agency, year),
                          value=t("campaigns.default_title", agency=agencies.loc[agency, "name"], year=year),
                          max_chars=campaign_rules.TITLE_MAX)
    note = st.text_area(t("campaigns.note"), key=page.key("campaign_note", agency, year), height=68,
                        max_chars=case_rules.TEXT_MAX)
    clients = campaigns.clients_of(page.con, page.scope, agency, int(year))
    if clients.empty:
        st.caption(t("campaigns.preview.none"))
    else:
        st.caption(t("campaigns.preview", n=i18n.fmt_int(len(clients), lang)))
        tables.show(pd.DataFrame({
            t("campaigns.col.enterprise"): clients["enterprise_id"], t("campaigns.col.name"): clients["enterprise_name"],
            t("campaigns.col.province"): clients["province_code"].map(lambda c: case_words.province(c, lang))}), height=220)
    before = listed[(listed["agency_id"] == agency) & (listed["year"] == int(year))]
    if len(before):
        st.caption(t("campaigns.start.exists", id=before["campaign_id"].iloc[0],
                     when=_when(before["created_at"].iloc[0], lang)))
    allowed = auth.may(page, "cases", "campaigns.refused")
    why = campaign_rules.start_refusal(page.user, set(clients["province_code"])) if allowed and len(clients) else None
    if why is not None:
        st.caption(t("campaigns.start.outside"))
    go = st.button(t("campaigns.start.button"), type="primary", icon=":material/campaign:",
                   key=page.key("campaign_start_button"), disabled=not allowed or clients.empty or why is not None)
    if not go:
        return
    try:
        cid = campaigns.start_campaign(page.con, page.user, title=title, agency_id=agency, year=int(year),
                                       due_date=due, enterprises=clients, note=note or None)
    except case_rules.CaseError as e:
        _refused(page, e)
        return
    st.session_state[page.key("campaign_open")] = cid
    _done("campaign", t("campaigns.started", id=cid, n=i18n.fmt_int(len(clients), lang)))


def _campaign_table(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    c = lambda k: i18n.t(f"campaigns.col.{k}", lang)  # noqa: E731
    return pd.DataFrame({
        c("id"): df["campaign_id"], c("title"): df["title"],
        c("basis"): df["basis"].map(lambda b: i18n.t(f"campaigns.basis.{b}", lang)),
        c("agency"): df["agency_name"].fillna(i18n.MISSING), c("year"): df["year"].astype(str),
        c("due"): df["due_date"].map(lambda d: _date(d, lang)),
        c("tasks"): df["tasks"].astype(int), c("pending"): df["pending"].astype(int),
        c("self_corrected"): df["self_corrected"].astype(int), c("no_issue"): df["no_issue"].astype(int),
        c("refused"): df["refused"].astype(int), c("overdue"): df["overdue"].astype(int),
        c("share"): df["response_share"].astype(float) * 100,
        c("created"): df["created_at"].map(lambda v: _when(v, lang)), c("by"): df["created_by"],
    })


def _tasks(page: Page, row: pd.Series, at: str) -> None:
    """One campaign: what it asks, its figures, its tasks in the view and the response form."""
    t, lang = page.t, page.lang
    cid = row["campaign_id"]
    st.markdown(f"**{i18n.md_literal(row['title'])}**")
    st.caption(t("campaigns.detail", basis=t(f"campaigns.basis.{row['basis']}"), year=row["year"],
                 agency=i18n.md_literal(row["agency_name"] if isinstance(row["agency_name"], str) else i18n.MISSING),
                 due=_date(row["due_date"], lang), created=_when(row["created_at"], lang),
                 by=i18n.md_literal(row["created_by"])))
    if isinstance(row["note"], str) and row["note"]:
        st.caption(i18n.md_literal(row["note"]))
    a, b, c = st.columns(3)
    a.metric(t("campaigns.metric.tasks"), i18n.fmt_int(row["tasks"], lang))
    b.metric(t("campaigns.metric.responded"), i18n.fmt_pct(row["response_share"], lang, digits=0))
    c.metric(t("campaigns.metric.overdue"), i18n.fmt_int(row["overdue"], lang))
    tasks = page.query(campaigns.campaign_tasks, campaign_id=cid, at=at)
    if tasks.empty:
        st.info(t("campaigns.tasks.none"))
        return
    tables.show(_task_table(tasks, lang), height=min(420, 38 + 35 * len(tasks)))
    _respond_form(page, cid, tasks)


def _status(s: str, lang: str) -> str:
    return i18n.t(f"campaigns.status.{s}", lang)


def _task_table(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    c = lambda k: i18n.t(f"campaigns.col.{k}", lang)  # noqa: E731
    return pd.DataFrame({
        c("enterprise"): df["enterprise_id"], c("name"): df["enterprise_name"],
        c("province"): df["province_code"].map(lambda p: case_words.province(p, lang)),
        c("status"): df["status"].map(lambda s: _status(s, lang)),
        c("overdue"): df["overdue"].map(lambda o: i18n.t("campaigns.yes", lang) if o else ""),
        c("answered"): df["responded_at"].map(lambda v: _when(v, lang)),
        c("answered_by"): df["responded_by"].fillna(""), c("note"): df["note"].fillna(""),
    })


def _respond_form(page: Page, cid: str, tasks: pd.DataFrame) -> None:
    """Record an enterprise's response on the version shown; disabled (and saying why) without the cases right."""
    t, lang = page.t, page.lang
    st.markdown(f"**{t('campaigns.respond')}**")
    allowed = auth.may(page, "cases", "campaigns.refused")
    rows = tasks.set_index("enterprise_id").sort_index()
    form = page.key("campaign_respond", cid)
    shown = _seen(form, dict(zip(rows.index, rows["version"].astype(int))))
    with st.form(form, border=True, clear_on_submit=True):
        # the options and their labels stay the same whatever is answered (Streamlit keeps a choice by
        # its label): a response made meanwhile must not move the choice to another enterprise
        eid = st.selectbox(t("campaigns.respond.task"), list(rows.index), disabled=not allowed,
                           key=page.key("campaign_respond_task", cid),
                           format_func=lambda e: t("campaigns.respond.task.option", name=rows.loc[e, "enterprise_name"],
                                                   id=e))
        status = st.radio(t("campaigns.respond.status"), campaign_rules.RESPONSES, horizontal=True,
                          format_func=lambda s: _status(s, lang), disabled=not allowed)
        note = st.text_area(t("campaigns.respond.note"), height=68, max_chars=case_rules.TEXT_MAX, disabled=not allowed,
                            help=page.help("campaigns.respond.note.help"))
        submitted = st.form_submit_button(t("campaigns.respond.submit"), icon=":material/task_alt:",
                                          disabled=not allowed)
    if not submitted or eid is None:
        return
    version = int(shown.get(eid, rows.loc[eid, "version"]))
    try:
        campaigns.respond(page.con, page.user, cid, eid, version, status, note or None)
    except case_rules.CaseError as e:
        _refused(page, e)
        return
    _done("campaign", t("campaigns.responded", name=i18n.md_literal(rows.loc[eid, "enterprise_name"]),
                        status=_status(status, lang)))


# --- the look-back ---------------------------------------------------------------------------------

def lookback_section(page: Page) -> None:
    """Draw a year's sample (the national administrator), the draws, and the chosen draw's report,
    its cases and the outcome form."""
    t = page.t
    with st.container(key="lookback_section"):
        st.subheader(t("lookback.title"))
        st.caption(t("lookback.intro"))
        _flash("lookback")
        with st.container(key="lookback_draw", border=True):
            _draw_form(page)
        listed = lookback.draws(page.con, page.scope)  # a live read: a few rows
        with st.container(key="lookback_draws"):
            st.markdown(f"**{t('lookback.draws')}**")
            if listed.empty:
                st.info(t("lookback.none"), icon=":material/inbox:")
                return
            tables.show(_draw_table(listed, page.lang), formats={t("lookback.col.share"): "%.0f%%"})
            ids = list(listed["draw_id"])
            key = page.key("lookback_open")
            _keep_choice(key, ids)
            rows = listed.set_index("draw_id")
            chosen = st.selectbox(t("lookback.open"), ids, key=key,
                                  format_func=lambda d: t("lookback.open.option", id=d, year=rows.loc[d, "year"],
                                                          seed=rows.loc[d, "seed"]))
        with st.container(key="lookback_cases"):
            _report(page, chosen)


def _draw_form(page: Page) -> None:
    t, lang = page.t, page.lang
    years = lookback_store.handled_years(page.con, page.scope)
    if years.empty:
        st.caption(t("lookback.years.none"))
        return
    handled = dict(zip(years["year"].astype(int), years["cases"].astype(int)))
    left, mid, right = st.columns(3)
    year = left.selectbox(t("lookback.year"), list(handled), key=page.key("lookback_year"))
    size = mid.number_input(t("lookback.size"), min_value=1, max_value=lookback.SIZE_MAX, step=1,
                            value=SIZE_DEFAULT, key=page.key("lookback_size"), help=page.help("lookback.size.help"))
    offered = st.session_state.setdefault(_SEED, lookback.new_seed())  # one per session, shown and editable
    seed = right.number_input(t("lookback.seed"), min_value=0, max_value=lookback.SEED_MAX, step=1, value=offered,
                              key=page.key("lookback_seed"), help=page.help("lookback.seed.help"))
    st.caption(t("lookback.population", year=year, n=i18n.fmt_int(handled[year], lang)))
    allowed = auth.may(page, "cases", "lookback.refused")
    admin = allowed and lookback.refusal(page.user) is None
    if allowed and not admin:
        st.caption(t("lookback.admin_only"))
    if not st.button(t("lookback.draw.button"), type="primary", icon=":material/casino:", disabled=not admin,
                     key=page.key("lookback_draw_button")):
        return
    try:
        did = lookback.draw(page.con, page.user, int(year), int(size), int(seed), scope=page.scope)
    except case_rules.CaseError as e:
        _refused(page, e)
        return
    rep = lookback.report(page.con, page.scope, did) or {}
    st.session_state[page.key("lookback_open")] = did
    _done("lookback", t("lookback.drawn", id=did, n=i18n.fmt_int(rep.get("drawn", 0), lang),
                        population=i18n.fmt_int(rep.get("population", 0), lang)))


def _share(v, lang: str) -> str:
    return i18n.MISSING if v is None or pd.isna(v) else i18n.fmt_pct(v, lang)


def _draw_table(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    c = lambda k: i18n.t(f"lookback.col.{k}", lang)  # noqa: E731
    return pd.DataFrame({
        c("id"): df["draw_id"], c("year"): df["year"].astype(str), c("seed"): df["seed"].astype(str),
        c("drawn"): df["drawn"].astype(int), c("population"): df["population"].astype(int),
        c("recorded"): df["recorded"].astype(int), c("held"): df["held"].astype(int),
        c("recurred"): df["recurred"].astype(int), c("share"): df["reopened_share"].astype(float) * 100,
        c("at"): df["drawn_at"].map(lambda v: _when(v, lang)), c("by"): df["drawn_by"],
    })


def _report(page: Page, draw_id: str) -> None:
    """The draw's figures, its cases as they are now and the outcome form."""
    t, lang = page.t, page.lang
    rep = lookback.report(page.con, page.scope, draw_id)
    if rep is None:
        return
    cols = st.columns(5)
    cols[0].metric(t("lookback.metric.drawn"), i18n.fmt_int(rep["drawn"], lang))
    cols[1].metric(t("lookback.metric.recorded"), i18n.fmt_int(rep["recorded"], lang))
    cols[2].metric(t("lookback.metric.held"), i18n.fmt_int(rep["held"], lang))
    cols[3].metric(t("lookback.metric.recurred"), i18n.fmt_int(rep["recurred"], lang))
    cols[4].metric(t("lookback.metric.share"), _share(rep["reopened_share"], lang),
                   help=page.help("lookback.metric.share.help"))
    st.caption(t("lookback.report.caption", at=_when(rep["drawn_at"], lang), by=i18n.md_literal(rep["drawn_by"]),
                 population=i18n.fmt_int(rep["population"], lang), year=rep["year"], seed=rep["seed"]))
    drawn = lookback.drawn_cases(page.con, page.scope, draw_id)
    st.markdown(f"**{t('lookback.cases')}**")
    tables.show(_drawn_table(drawn, lang), formats={t("lookback.col.weight"): "%.1f"},
                height=min(420, 38 + 35 * len(drawn)))
    _outcome_form(page, draw_id, drawn)


def _outcome_word(o, lang: str) -> str:
    return i18n.t(f"case.outcome.{o}", lang) if isinstance(o, str) else ""


def _drawn_table(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    c = lambda k: i18n.t(f"lookback.col.{k}", lang)  # noqa: E731
    return pd.DataFrame({
        c("rank"): df["draw_rank"].astype(int), c("case"): df["case_id"],
        c("subject"): [f"{i18n.t(f'case.subject.{k}', lang)}: {n}" for k, n in zip(df["subject_kind"], df["subject_name"])],
        c("province"): df["province_code"].map(lambda p: case_words.province(p, lang)),
        c("state"): df["state"].map(lambda s: i18n.t(f"case.state.{s}", lang)),
        c("decision"): df["decision"].map(lambda d: i18n.t(f"case.decision.{d}", lang) if isinstance(d, str) else ""),
        c("decided"): df["decided_at"].map(lambda v: _date(v, lang)),
        c("weight"): df["weight"].astype(float),
        c("outcome"): df["outcome"].map(lambda o: _outcome_word(o, lang)),
        c("recorded_at"): df["recorded_at"].map(lambda v: _when(v, lang) if pd.notna(v) else ""),
    })


def _outcome_form(page: Page, draw_id: str, drawn: pd.DataFrame) -> None:
    """A drawn case's outcome: held (closed) or recurred (re-opened with the reason), by the national
    administrator, on the version shown; the cases still awaiting one are offered."""
    t, lang = page.t, page.lang
    st.markdown(f"**{t('lookback.outcome')}**")
    waiting = drawn["outcome"].isna() & drawn["state"].isin(lookback_store.HANDLED)
    if not waiting.any():
        st.caption(t("lookback.outcome.none"))
        return
    allowed = auth.may(page, "cases", "lookback.refused")
    admin = allowed and lookback.refusal(page.user) is None
    if allowed and not admin:
        st.caption(t("lookback.admin_only"))
    rows = drawn.set_index("case_id")
    form = page.key("lookback_outcome", draw_id)
    shown = _seen(form, dict(zip(rows.index, rows["version"].astype(int))))
    with st.form(form, border=True, clear_on_submit=True):
        # every drawn case, labelled alike whatever its state (Streamlit keeps a choice by its label):
        # an outcome recorded meanwhile must not move the choice to another case; the first waiting is offered
        cid = st.selectbox(t("lookback.outcome.case"), list(rows.index), index=int(waiting.to_numpy().argmax()),
                           disabled=not admin, key=page.key("lookback_outcome_case", draw_id),
                           format_func=lambda c: t("lookback.outcome.case.option", rank=rows.loc[c, "draw_rank"], id=c,
                                                   name=rows.loc[c, "subject_name"]))
        outcome = st.radio(t("case.field.outcome"), case_rules.LOOK_BACK_OUTCOMES, horizontal=True, disabled=not admin,
                           format_func=lambda o: _outcome_word(o, lang), help=page.help("lookback.outcome.help"))
        reason = st.text_area(t("lookback.outcome.reason"), height=68, max_chars=case_rules.TEXT_MAX, disabled=not admin)
        submitted = st.form_submit_button(t("lookback.outcome.submit"), icon=":material/fact_check:", disabled=not admin)
    if not submitted or cid is None:
        return
    if pd.notna(rows.loc[cid, "outcome"]):
        st.error(t("lookback.outcome.already", id=cid, outcome=_outcome_word(rows.loc[cid, "outcome"], lang)),
                 icon=":material/block:")
        return
    version = int(shown.get(cid, rows.loc[cid, "version"]))
    try:
        lookback.record_outcome(page.con, page.user, cid, version, outcome, reason or None)
    except case_rules.CaseError as e:
        _refused(page, e)
        return
    after = "closed" if outcome == "held" else case_rules.MOVES["reopen"].target
    _done("lookback", t("lookback.recorded", id=cid, outcome=_outcome_word(outcome, lang),
                        state=i18n.t(f"case.state.{after}", lang)))
