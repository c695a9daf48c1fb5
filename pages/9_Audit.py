"""Audit log and accounts: who signed in, loaded, ran a model, saved a scenario or exported what,
when (Beijing time), in which scope, with what outcome. Append-only (core.store.audit); read by
the national administrator (the read_audit right), filtered here and exported (that export is
itself audited)."""
import datetime as dt
import json

import pandas as pd
import streamlit as st

from core.store import accounts, audit
from core.ui import auth, page_setup, tables
from core.words import i18n

page = page_setup("audit.title", applies=())
lang, t = page.lang, page.t
if not page.user.can("read_audit"):
    st.info(t("audit.refused", role=t(f"role.{page.user.role}")), icon=":material/lock:")
    st.stop()
st.caption(t("audit.intro"))

cur = page.con.cursor()  # live reads, never cached: the log grows while the page is open
try:
    everything = audit.entries(cur, limit=100_000)
finally:
    cur.close()
c1, c2, c3 = st.columns([2, 2, 3])
users = sorted(everything["user_name"].unique())
who = c1.selectbox(t("audit.filter.user"), [None, *users], format_func=lambda u: t("audit.all") if u is None else u,
                   key="audit_user")
what = c2.selectbox(t("audit.filter.action"), [None, *audit.ACTIONS], key="audit_action",
                    format_func=lambda a: t("audit.all") if a is None else t(f"audit.action.{a}"))
today = i18n.now_beijing().date()
first = everything["logged_at"].min().date() if len(everything) else today
period = c3.date_input(t("audit.filter.period"), (first, today), min_value=first, max_value=today, key="audit_period")
since, until = (period + (period[0],))[:2] if isinstance(period, tuple) and period else (first, today)
cur = page.con.cursor()
try:
    shown = audit.entries(cur, user=who, action=what, since=dt.datetime.combine(since, dt.time()),
                          until=dt.datetime.combine(until + dt.timedelta(days=1), dt.time()), limit=100_000)
finally:
    cur.close()
table = tables.audit_entries(shown, lang)
st.markdown(t("audit.count", shown=i18n.fmt_int(len(shown), lang), n=i18n.fmt_int(len(everything), lang)))
tables.show(table, columns=tables.audit_columns(lang), height=480)
stem = f"carbonwatch-audit-{lang}-{today.isoformat()}"
auth.download(page, t("audit.export"), lambda: tables.csv_bytes(table), file_name=f"{stem}.csv", mime="text/csv",
              level="aggregate", what="audit_log", key="audit_csv", icon=":material/download:",
              help=page.help("audit.export.help"))
st.caption(t("audit.caption"))

st.subheader(t("audit.accounts"))
cur = page.con.cursor()
try:
    users_table = accounts.users(cur)
finally:
    cur.close()
if users_table.empty:
    st.caption(t("audit.accounts.none"))
else:
    tables.show(tables.accounts(users_table, lang))
st.caption(t("audit.accounts.caption"))
