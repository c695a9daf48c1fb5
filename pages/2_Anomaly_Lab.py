"""Anomaly Lab: run the detectors your way, compare them, inspect what they flag, re-weight the
ranking and measure it against past inspections."""
import streamlit as st

from core.engine import risk
from core.ui import auth, lab, page_setup, tables
from core.ui.widgets import chart_block
from core.words import i18n
from core.words import labels as label_words

page = page_setup("lab.title", applies=("provinces",), not_applied_key="lab.filters_not_applied")
lang, t = page.lang, page.t
st.caption(t("lab.intro"))

# 1. Settings (a form: nothing refits until Run), then the run: stored, or computed with progress.
config, threshold, submitted = lab.controls(page)
run = lab.current_run(page, config, submitted)
if run is None:
    st.stop()
names = lab.used_detectors(run)

# 2. What was run.
st.subheader(t("lab.summary"))
summary = st.columns(4)
summary[0].metric(t("lab.summary.rows"), i18n.fmt_int(run.n_rows, lang), border=True,
                  help=page.help("lab.summary.rows.help", level=t(f"level.{run.config.level}"),
                         scope=lab.scope_label(run.config.scope, lang)))
summary[1].metric(t("lab.summary.detectors"), i18n.fmt_int(len(names), lang), border=True)
summary[2].metric(t("lab.summary.features"), i18n.fmt_int(len(run.agreement.get("features", [])), lang),
                  border=True)
summary[3].metric(t("lab.summary.duration"), i18n.fmt_seconds(run.duration_s, lang), border=True,
                  help=page.help("lab.summary.duration.help"))
sep = t("sep.list")
st.caption(" ".join([
    t("lab.summary.id", run_id=run.run_id),
    t("lab.summary.stored", when=i18n.fmt_datetime(run.created_at, lang),
      seconds=i18n.fmt_seconds(run.duration_s, lang)) if run.from_store
    else t("lab.summary.fresh", seconds=i18n.fmt_seconds(run.duration_s, lang)),
    t("lab.summary.detector_list", detectors=sep.join(label_words.detector_label(n, lang) for n in names)),
]))
if dropped := lab.dropped_features(run):
    st.caption(t("lab.summary.dropped", features=sep.join(i18n.label("feature", f, lang) for f in dropped)))
if run.failed:
    st.warning(t("lab.summary.failed", failed="".join(f"\n- {label_words.detector_label(n, lang)}: `{why}`"
                                                      for n, why in run.failed.items())))
if fixed := lab.repaired(run):
    st.warning(t("lab.summary.repaired", repaired=sep.join(
        t("lab.summary.repaired_rows", detector=label_words.detector_label(n, lang), rows=i18n.fmt_int(k, lang))
        for n, k in fixed.items())))

# 3. Do the detectors agree?
st.subheader(t("lab.agreement"))
if len(names) < 2:
    st.caption(t("lab.agreement.single"))
else:
    left, right = st.columns(2, gap="large")
    with left:
        chart_block(t("lab.agreement.spearman"),
                    lab.agreement_spec(run, "spearman", lang, t("lab.agreement.spearman"), diverging=True),
                    t("lab.agreement.spearman.caption"), key="chart_spearman")
    with right:
        chart_block(t("lab.agreement.overlap"),
                    lab.agreement_spec(run, "top1pct_overlap", lang, t("lab.agreement.overlap")),
                    t("lab.agreement.overlap.caption"), key="chart_overlap")

# 4. The rows above the threshold, highest ensemble score first.
st.subheader(t("lab.flagged"))
flagged, n_flagged = lab.flagged_table(page, run, threshold)
counts = dict(flagged=i18n.fmt_int(n_flagged, lang), rows=i18n.fmt_int(run.n_rows, lang),
              shown=i18n.fmt_int(len(flagged), lang))
st.markdown(t("lab.flagged.count.z", z=f"{threshold.z:g}", **counts) if threshold.method == "z"
            else t("lab.flagged.count.contamination", share=i18n.fmt_pct(threshold.contamination, lang), **counts))
with st.container(key="flagged_rows"):
    if flagged.empty:
        st.caption(t("lab.flagged.none"))
    else:
        # the run and threshold are in the key: a selection never outlives the rows it was made on
        picked = tables.show(flagged, formats=tables.flagged_formats(names, lang), columns=tables.wide(lang, "why"),
                             height=420, wrap=True, on_select="rerun", selection_mode="single-row",
                             key=f"flagged_{run.run_id}_{threshold}")
        rows = picked["selection"]["rows"]
        if rows:
            row = flagged.iloc[rows[0]]
            with st.container(border=True, key="flagged_detail"):
                st.markdown(t("lab.flagged.detail", enterprise=row[t("col.enterprise")], unit=row[t("col.unit")],
                              period=row[t("col.period")], score=f"{row[t('col.score')]:.2f}",
                              percentile=f"{row[t('col.percentile')]:.3f}%"))
                st.markdown("\n".join(f"- {part}" for part in tables.explanation_parts(row[t("col.why")], lang)))
        else:
            st.caption(t("lab.flagged.select"))
    st.caption(t("lab.flagged.caption"))
    auth.download(page, t("lab.download.flagged"), lab.flagged_csv(page, run, threshold), key="download_flagged",
                  file_name=f"carbonwatch_flagged_{run.run_id}.csv", mime="text/csv", level="enterprise",
                  what="lab_flagged", icon=":material/download:", disabled=flagged.empty,
                  help=page.help("lab.download.flagged.help", limit=i18n.fmt_int(lab.EXPORT_LIMIT, lang)))

# 5. Enterprises by risk, with weights the analyst can change.
st.subheader(t("lab.ranking"))
st.markdown(f"**{t('lab.weights')}**")
weights = lab.weights_input(page)
st.caption(lab.formula(weights, lang))
bands = lab.ranked(page, run, weights)["band"].value_counts()
ranking = lab.ranked_table(page, run, weights)
for col, (band, _) in zip(st.columns(len(risk.BANDS)), risk.BANDS):
    col.metric(t(f"band.{band}"), i18n.fmt_int(bands.get(band, 0), lang), border=True,
               help=page.help("lab.band.help", range=lab.band_range(band)))
with st.container(key="ranked_enterprises"):
    tables.show(ranking.head(lab.RANKED_SHOWN), formats=tables.ranked_formats(lang),
                columns=tables.wide(lang, "reasons"), height=420, wrap=True)
    st.caption(t("lab.ranking.shown", shown=i18n.fmt_int(min(len(ranking), lab.RANKED_SHOWN), lang),
                 n=i18n.fmt_int(len(ranking), lang)))
    auth.download(page, t("lab.download.ranked"), lab.ranked_csv(ranking), key="download_ranked",
                  file_name=f"carbonwatch_ranking_{run.run_id}.csv", mime="text/csv", level="enterprise",
                  what="lab_ranking", icon=":material/download:")

# 6. How well does the ranking find the cases inspectors confirmed? Against the planted demo labels
# (the synthetic demo only) or the decided cases, each with its count of labels.
st.subheader(t("lab.eval"))
budget = st.slider(t("lab.eval.budget"), 1, 20, 5, step=1, format="%d%%", key="lab_budget") / 100
evs = lab.evaluations(page, run, budget, weights)
counts = lab.label_counts(page, run, evs)
source = lab.label_choice(page, counts)
ev = evs[source]
if source == "planted":
    if ev is None:
        st.caption(t("lab.eval.none"))
    else:
        with st.container(key="evaluation"):
            st.markdown(t("lab.eval.summary", positive=i18n.fmt_int(ev.n_positive, lang),
                          n=i18n.fmt_int(ev.n_enterprises, lang), budget=i18n.fmt_pct(ev.budget, lang, digits=0),
                          k=i18n.fmt_int(ev.budget_k, lang))
                        + (" " + t("lab.eval.synthetic") if page.synthetic else ""))
            tables.show(tables.evaluation(ev.table, lang), formats=tables.evaluation_formats(ev.table, lang),
                        height="content")
            st.caption(t("lab.eval.caption"))
            st.markdown(f"**{t('lab.eval.patterns')}**")
            tables.show(tables.per_pattern(ev.per_pattern, lang), formats={t("col.recall"): "%.1f%%"},
                        height="content", width="content")
elif ev is None:
    st.caption(t("lab.eval.decided.none", cases=i18n.fmt_int(counts["decided"], lang)) if counts["decided"]
               else t("lab.eval.decided.empty"))
else:
    with st.container(key="evaluation_decided"):
        st.markdown(t("lab.eval.decided.summary", cases=i18n.fmt_int(ev.n_labels, lang),
                      decided=i18n.fmt_int(ev.n_decided, lang), positive=i18n.fmt_int(ev.n_positive, lang),
                      n=i18n.fmt_int(ev.n_enterprises, lang), budget=i18n.fmt_pct(ev.budget, lang, digits=0),
                      k=i18n.fmt_int(ev.budget_k, lang)))
        st.markdown(t("lab.eval.decided.bias"))
        table, formats = lab.evaluation_table(ev, lang)
        tables.show(table, formats=formats, height="content")
        st.caption(t("lab.eval.caption") + " " + t("lab.eval.decided.caption"))
        st.markdown(f"**{t('lab.eval.decided.patterns')}**")
        tables.show(tables.per_pattern(ev.per_pattern, lang), formats={t("col.recall"): "%.1f%%"}, height="content",
                    width="content")
