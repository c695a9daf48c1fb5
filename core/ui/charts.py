"""Altair charts of the aggregated query results, with translated titles, axes and tooltips.

Inputs are the small frames from core.queries; each function only reshapes them for
Vega-Lite and labels them in the page's language. Tooltips show numbers through the
i18n formatters so a chart and a metric never disagree on how a figure reads.
"""
from __future__ import annotations

import altair as alt
import pandas as pd

from core import i18n
from core.ui.tables import detector_label

DARK, LIGHT, ACCENT = "#1f4e79", "#9fb7cf", "#b42318"
# One colour per regional grid, the same in every language (tableau10 hues).
REGION_COLOURS = {
    "north": "#e15759", "northeast": "#76b7b2", "east": "#f28e2b", "central": "#4e79a7",
    "south": "#59a14f", "southwest": "#b07aa1", "northwest": "#edc948",
}


def _year_label(row) -> str:
    """'2024', or '2026*' for a year with fewer than 12 months of reports."""
    return f"{int(row['year'])}" + ("" if row.get("complete", True) else "*")


def _year_axis(lang: str) -> alt.X:
    return alt.X("year:O", title=i18n.t("axis.year", lang), axis=alt.Axis(labelAngle=0))


def emissions_by_year(df: pd.DataFrame, lang: str) -> alt.Chart:
    """Side-by-side bars per year: monthly reports summed by the formula, and verified emissions."""
    divisor, unit = i18n.tonnes_unit(df[["computed_t", "verified_t"]].max().max(), lang)
    series = [(i18n.t("series.computed", lang), "computed_t"), (i18n.t("series.verified", lang), "verified_t")]
    years = df.apply(_year_label, axis=1) if len(df) else pd.Series(dtype=str)
    long = pd.concat(
        [pd.DataFrame({"year": years, "series": label, "value": df[col] / divisor,
                       "text": df[col].map(lambda v: i18n.fmt_tonnes(v, lang))})
         for label, col in series],
        ignore_index=True,
    ).dropna(subset=["value"])
    labels = [label for label, _ in series]
    return (
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=_year_axis(lang),
            xOffset=alt.XOffset("series:N", sort=labels),
            y=alt.Y("value:Q", title=i18n.t("axis.emissions", lang, unit=unit)),
            color=alt.Color("series:N", title=None, scale=alt.Scale(domain=labels, range=[DARK, LIGHT]),
                            legend=alt.Legend(orient="bottom")),
            tooltip=[alt.Tooltip("year:O", title=i18n.t("axis.year", lang)),
                     alt.Tooltip("series:N", title=i18n.t("axis.series", lang)),
                     alt.Tooltip("text:N", title=i18n.t("axis.value", lang))],
        )
    )


def share_by_year(df: pd.DataFrame, lang: str, reference: pd.DataFrame | None = None) -> alt.Chart:
    """A share (0-1) per year as a line; optional published reference points as diamonds."""
    observed_label = i18n.t("series.observed", lang)
    frames = [df.assign(series=observed_label)[["year", "share", "series"]]]
    domain, colours = [observed_label], [DARK]
    if reference is not None and len(reference):
        published_label = i18n.t("series.published", lang)
        frames.append(reference.assign(series=published_label)[["year", "share", "series"]])
        domain.append(published_label)
        colours.append(ACCENT)
    long = pd.concat(frames, ignore_index=True)
    long["year"] = long["year"].astype(int).astype(str)
    long["text"] = long["share"].map(lambda v: i18n.fmt_pct(v, lang))
    base = alt.Chart(long).encode(
        x=_year_axis(lang),
        y=alt.Y("share:Q", title=i18n.t("axis.share", lang), scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format="%")),
        color=alt.Color("series:N", title=None, scale=alt.Scale(domain=domain, range=colours),
                        legend=alt.Legend(orient="bottom") if len(domain) > 1 else None),
        tooltip=[alt.Tooltip("year:O", title=i18n.t("axis.year", lang)),
                 alt.Tooltip("series:N", title=i18n.t("axis.series", lang)),
                 alt.Tooltip("text:N", title=i18n.t("axis.share", lang))],
    )
    line = base.transform_filter(alt.datum.series == observed_label).mark_line(point=True)
    if len(domain) == 1:
        return line
    points = base.transform_filter(alt.datum.series != observed_label).mark_point(
        shape="diamond", size=140, filled=True, opacity=1)
    return alt.layer(line, points)


def emissions_by_province(df: pd.DataFrame, lang: str) -> alt.Chart:
    """Horizontal bars, largest province first, coloured by regional grid."""
    divisor, unit = i18n.tonnes_unit(df["emissions_t"].max() if len(df) else 0, lang)
    data = pd.DataFrame({
        "province": df["name_zh" if lang == "zh" else "name_en"],
        "region": df["grid_region"].map(lambda r: i18n.t(f"region.{r}", lang)),
        "value": df["emissions_t"] / divisor,
        "text": df["emissions_t"].map(lambda v: i18n.fmt_tonnes(v, lang)),
        "enterprises": df["enterprises"].map(lambda v: i18n.fmt_int(v, lang)),
    })
    return (
        alt.Chart(data, height=alt.Step(20))
        .mark_bar()
        .encode(
            y=alt.Y("province:N", sort="-x", title=None, axis=alt.Axis(labelOverlap=False, labelLimit=150)),
            x=alt.X("value:Q", title=i18n.t("axis.emissions", lang, unit=unit)),
            color=alt.Color("region:N", title=i18n.t("axis.region", lang),
                            scale=alt.Scale(domain=[i18n.t(f"region.{r}", lang) for r in REGION_COLOURS],
                                            range=list(REGION_COLOURS.values())),
                            legend=alt.Legend(orient="bottom", columns=4 if lang == "zh" else 3)),
            tooltip=[alt.Tooltip("province:N", title=i18n.t("axis.province", lang)),
                     alt.Tooltip("region:N", title=i18n.t("axis.region", lang)),
                     alt.Tooltip("text:N", title=i18n.t("axis.value", lang)),
                     alt.Tooltip("enterprises:N", title=i18n.t("axis.enterprises", lang))],
        )
    )


def detector_matrix(matrix: pd.DataFrame, lang: str, value_title: str, *, diverging: bool = False) -> alt.Chart:
    """A detector x detector heatmap with the value written in each cell. `matrix` is indexed by
    the row detector, its columns the detector compared with (as core.runs stores the agreement);
    diverging=True for correlations (-1 to 1), else a share (0 to 1)."""
    names = [detector_label(n, lang) for n in matrix.index]
    others = [detector_label(n, lang) for n in matrix.columns]
    long = pd.DataFrame([(detector_label(a, lang), detector_label(b, lang), float(matrix.loc[a, b]))
                         for a in matrix.index for b in matrix.columns], columns=["detector", "other", "value"])
    long["text"] = long["value"].map(lambda v: f"{v:.2f}")
    scale = (alt.Scale(scheme="redblue", domain=[-1, 1], reverse=True) if diverging
             else alt.Scale(scheme="blues", domain=[0, 1]))
    base = alt.Chart(long, height=alt.Step(44)).encode(
        x=alt.X("other:N", sort=others, title=i18n.t("axis.compared", lang),
                axis=alt.Axis(orient="bottom", labelAngle=-35, labelAlign="right", labelBaseline="top",
                              labelLimit=150, labelOverlap=False)),
        y=alt.Y("detector:N", sort=names, title=i18n.t("axis.detector", lang),
                axis=alt.Axis(labelLimit=160, labelOverlap=False)),
        tooltip=[alt.Tooltip("detector:N", title=i18n.t("axis.detector", lang)),
                 alt.Tooltip("other:N", title=i18n.t("axis.compared", lang)),
                 alt.Tooltip("text:N", title=value_title)],
    )
    cells = base.mark_rect(stroke="white").encode(color=alt.Color("value:Q", scale=scale, title=value_title,
                                                                  legend=None))
    strong = alt.datum.value > 0.6 if not diverging else (alt.datum.value > 0.6) | (alt.datum.value < -0.6)
    text = base.mark_text(fontSize=13).encode(
        text="text:N", color=alt.condition(strong, alt.value("white"), alt.value("#1a1a1a")))
    return alt.layer(cells, text)
