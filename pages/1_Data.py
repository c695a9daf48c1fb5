"""Data & import: what the database holds, the import format, and an all-or-nothing import."""
import streamlit as st

from core.contract import schema
from core.export import templates
from core.store import loader, loads
from core.ui import auth, cache, page_setup, tables
from core.ui.upload import ImportBusy, file_picker, import_uploads
from core.words import i18n

page = page_setup("data.title", applies=(), not_applied_key="data.filters_not_applied")
lang, t = page.lang, page.t

# The result of an import made on the previous run (the page reran to show fresh counts).
report = st.session_state.pop("import_report", None)
if report is not None:
    ins = sum(i for i, _ in report.tables.values())
    upd = sum(u for _, u in report.tables.values())
    st.success(t("data.import.success", files=len(report.tables), inserted=i18n.fmt_int(ins, lang),
                 updated=i18n.fmt_int(upd, lang)), icon=":material/check_circle:")
    tables.show(tables.load_report(report, lang), width="content")
    if report.warnings:
        st.warning(t("data.import.warnings") + "\n\n" + "\n".join(f"- {w}" for w in report.warnings))

counts_col, history_col = st.columns([2, 3], gap="large")
with counts_col:
    st.subheader(t("data.counts"))
    tables.show(tables.table_counts(page.query(loads.table_counts), lang), height="content")
with history_col:
    st.subheader(t("data.history"))
    history = page.query(loads.load_history) if page.user.can("load_data") else None
    if history is None:  # the load log is national; who loaded what is the national office's to read
        st.caption(t("data.history.national", role=t(f"role.{page.user.role}")))
    elif history.empty:
        st.caption(t("data.history.empty"))
    else:
        tables.show(tables.load_history(history, lang))

st.subheader(t("data.import"))
can_load = page.user.can("load_data")
with st.form("import", clear_on_submit=True):
    uploads = file_picker(lang)
    submitted = st.form_submit_button(t("data.import.submit"), type="primary", disabled=not can_load)
    auth.may(page, "load_data", "data.import.refused")
if submitted and can_load:
    if not uploads:
        st.warning(t("data.import.none"))
    else:
        try:
            report = import_uploads(page.con, [(f.name, f.getvalue()) for f in uploads],
                                    source="upload: " + ", ".join(f.name for f in uploads), user=page.user,
                                    scope=page.scope)
        except loader.LoadRejected as e:
            st.error(t("data.import.rejected", problems=i18n.fmt_int(e.total, lang)), icon=":material/block:")
            tables.show(tables.problems(e, lang))
        except ImportBusy:
            st.warning(t("data.import.busy"))
        else:
            cache.clear()
            st.session_state["import_report"] = report
            st.rerun()

st.subheader(t("data.contract"))
st.markdown(t("data.contract.intro"))
for table in schema.TABLES:
    label = f"`{table.name}` · {t(f'table.{table.name}')}"
    if table.required_file:
        label += t("data.contract.required_file")
    with st.expander(label):
        tables.show(tables.contract(table, lang))
        with st.container(horizontal=True):
            for fmt in templates.FORMATS:
                auth.download(page, t(f"data.template.{fmt}"), lambda table=table, fmt=fmt: templates.template(
                                  table, lang, fmt), file_name=templates.file_name(table, fmt),
                              mime=templates.MIMES[fmt], level="aggregate", what="template", key=f"template-{table.name}-{fmt}",
                              icon=":material/download:", help=page.help("data.template.help"))
