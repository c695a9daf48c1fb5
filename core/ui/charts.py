"""Altair charts of the aggregated query results, with translated titles, axes and tooltips.

Inputs are the small frames from core.store; each function only reshapes them for
Vega-Lite and labels them in the page's language. Tooltips show numbers through the
i18n formatters so a chart and a metric never disagree on how a figure reads.
"""
from __future__ import annotations

import altair as alt
import pandas as pd

from core.insight import headline
from core.store import overview
from core.ui.theme import ACCENT, BAND_COLOURS, DARK, LIGHT, NO_DATA, REGION_COLOURS  # noqa: F401
from core.words import colour_key, i18n
from core.words import labels as label_words


PARTIAL_OPACITY = 0.45  # a partial year's marks (fewer than 12 months reported) are drawn this light


def _partial(row) -> bool:
    """Some but not all of the year's months reported (core.insight.headline.is_partial); a frame
    without `months` says so through `complete` (False: fewer than 12), else the year is whole."""
    if "months" in row and pd.notna(row["months"]):
        return headline.is_partial(row["months"]) or (int(row["months"]) == 0 and not row.get("complete", True))
    return not row.get("complete", True)


def _year_label(row) -> str:
    """'2024', or '2026*' for a year with fewer than 12 months of reports."""
    return f"{int(row['year'])}" + ("*" if _partial(row) else "")


def _coverage_text(row, lang: str) -> str:
    """The months a year covers, for its tooltip: All 12 months / Jun–Dec, 7 of 12 months."""
    months = row.get("months")
    if months is None or pd.isna(months):
        return ""
    if int(months) == 0:
        return i18n.t("coverage.none", lang)
    if not headline.is_partial(months):
        return i18n.t("coverage.full", lang)
    return i18n.fmt_coverage(months, row["first_month"], row["last_month"], lang)


def _with_coverage(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """`df` (a yearly frame of core.store) with year (its label, '2025*' when partial), partial and
    coverage (the tooltip's words) for every row: the marking every yearly chart shares."""
    if df.empty:
        return df.assign(year=pd.Series(dtype=str), partial=pd.Series(dtype=bool), coverage=pd.Series(dtype=str))
    rows = df.to_dict("records")
    return df.assign(year=[_year_label(r) for r in rows], partial=[_partial(r) for r in rows],
                     coverage=[_coverage_text(r, lang) for r in rows])


def _partial_opacity():
    return alt.condition(alt.datum.partial, alt.value(PARTIAL_OPACITY), alt.value(1.0))


def _coverage_tip(lang: str) -> alt.Tooltip:
    return alt.Tooltip("coverage:N", title=i18n.t("axis.coverage", lang))


def _year_axis(lang: str) -> alt.X:
    return alt.X("year:O", title=i18n.t("axis.year", lang), axis=alt.Axis(labelAngle=0))


def emissions_by_year(df: pd.DataFrame, lang: str) -> alt.Chart:
    """Side-by-side bars per year: monthly reports summed by the formula, and verified emissions;
    a partial year lighter and marked * (its tooltip names the months)."""
    divisor, unit = i18n.tonnes_unit(df[["computed_t", "verified_t"]].max().max(), lang)
    series = [(i18n.t("series.computed", lang), "computed_t"), (i18n.t("series.verified", lang), "verified_t")]
    years = _with_coverage(df, lang)
    long = pd.concat(
        [pd.DataFrame({"year": years["year"], "series": label, "value": df[col] / divisor,
                       "text": df[col].map(lambda v: i18n.fmt_tonnes(v, lang)),
                       "partial": years["partial"], "coverage": years["coverage"]})
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
            opacity=_partial_opacity(),
            tooltip=[alt.Tooltip("year:O", title=i18n.t("axis.year", lang)),
                     alt.Tooltip("series:N", title=i18n.t("axis.series", lang)),
                     alt.Tooltip("text:N", title=i18n.t("axis.value", lang)), _coverage_tip(lang)],
        )
    )


def share_by_year(df: pd.DataFrame, lang: str, reference: pd.DataFrame | None = None) -> alt.Chart:
    """A share (0-1) per year as a line; optional published reference points as diamonds."""
    observed_label = i18n.t("series.observed", lang)
    observed = _with_coverage(df.assign(year=df["year"].astype(int)), lang)
    frames = [observed.assign(series=observed_label)[["year", "share", "series", "partial", "coverage"]]]
    domain, colours = [observed_label], [DARK]
    if reference is not None and len(reference):
        published_label = i18n.t("series.published", lang)
        frames.append(reference.assign(series=published_label, year=reference["year"].astype(int).astype(str),
                                       partial=False, coverage="")[["year", "share", "series", "partial", "coverage"]])
        domain.append(published_label)
        colours.append(ACCENT)
    long = pd.concat(frames, ignore_index=True)
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
    observed_only = base.transform_filter(alt.datum.series == observed_label)
    # the line joins the years; its points carry the marking (a partial year's point is lighter)
    line = alt.layer(observed_only.mark_line(),
                     observed_only.mark_point(filled=True, size=50).encode(
                         opacity=_partial_opacity(),
                         tooltip=[alt.Tooltip("year:O", title=i18n.t("axis.year", lang)),
                                  alt.Tooltip("series:N", title=i18n.t("axis.series", lang)),
                                  alt.Tooltip("text:N", title=i18n.t("axis.share", lang)), _coverage_tip(lang)]))
    if len(domain) == 1:
        return line
    points = base.transform_filter(alt.datum.series != observed_label).mark_point(
        shape="diamond", size=140, filled=True, opacity=1)
    return alt.layer(line, points)


def measured_share(df: pd.DataFrame, lang: str) -> alt.Chart:
    """share_by_year of the measured carbon content, with the published national figures."""

    return share_by_year(df, lang, reference=overview.published_measured_share())


def emissions_by_province(df: pd.DataFrame, lang: str) -> alt.Chart:
    """Horizontal bars, largest province first, coloured by regional grid."""
    divisor, unit = i18n.tonnes_unit(df["emissions_t"].max() if len(df) else 0, lang)
    data = pd.DataFrame({
        "province": df[f"name_{lang}"],
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
                            legend=alt.Legend(orient="bottom", columns=LEGEND_COLUMNS.get(lang, 3))),
            tooltip=[alt.Tooltip("province:N", title=i18n.t("axis.province", lang)),
                     alt.Tooltip("region:N", title=i18n.t("axis.region", lang)),
                     alt.Tooltip("text:N", title=i18n.t("axis.value", lang)),
                     alt.Tooltip("enterprises:N", title=i18n.t("axis.enterprises", lang))],
        )
    )


def detector_matrix(matrix: pd.DataFrame, lang: str, value_title: str, *, diverging: bool = False) -> alt.Chart:
    """A detector x detector heatmap with the value written in each cell. `matrix` is indexed by
    the row detector, its columns the detector compared with (as core.insight.runs stores the agreement);
    diverging=True for correlations (-1 to 1), else a share (0 to 1)."""
    names = [label_words.detector_label(n, lang) for n in matrix.index]
    others = [label_words.detector_label(n, lang) for n in matrix.columns]
    long = pd.DataFrame([(label_words.detector_label(a, lang), label_words.detector_label(b, lang), float(matrix.loc[a, b]))
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


# --- Overview: tile map, risk trend, market strip ---------------------------------------------
TILE_HEIGHT = 46  # px per tile row; columns share the container's width
TILE_SELECTIONS = ("tile", "tile_name", "tile_count")  # a click on the tile, its name or its count

# Typography per language (data, as a font per language is): Chinese region names are short
# enough for four legend columns, and a tile's one-character abbreviation (鲁) reads larger than a
# written-out name. Other languages: three columns, 9.5 px.
LEGEND_COLUMNS = {"zh": 4}
TILE_LABEL_SIZE = {"zh": 13}


def province_tiles(df: pd.DataFrame, lang: str, *, select: bool = True) -> alt.Chart:
    """The tile-grid map (GUIDE 3: no boundary map by default): one equal tile per province at
    (tile_col, tile_row), coloured by the map's colour key (core.words.colour_key: how many of its
    enterprises are at high or critical risk, in classes shared with the exported deck), labelled
    with the short name and that count; provinces outside the scope or without assessed enterprises
    are grey. The chart fills its container's width (rows are TILE_HEIGHT px). `select`: a click
    selects the province (params TILE_SELECTIONS, field province_code) for drill-down; see `picked_tile`."""
    legend = colour_key.map_legend(df, lang)
    classes = colour_key.map_classes(df, lang, legend)
    has_data = colour_key.has_data(df)
    data = df.assign(
        label=label_words.province_tile_labels(df, lang),
        name=df[f"name_{lang}"],
        key=[e.label for e in classes],
        ink=[e.ink for e in classes],
        count=df["flagged"].map(lambda v: i18n.fmt_int(v, lang)).where(has_data, ""),
        enterprises_text=df["enterprises"].map(lambda v: i18n.fmt_int(v, lang)),
        max_text=df["max_risk"].map(lambda v: "—" if pd.isna(v) else f"{v:.0f}"),
        emissions_text=df["emissions_t"].map(lambda v: i18n.fmt_tonnes(v, lang)),
    )[["province_code", "tile_row", "tile_col", "label", "name", "key", "ink", "count", "enterprises_text",
       "max_text", "emissions_text"]]
    base = alt.Chart(data).encode(
        x=alt.X("tile_col:O", axis=None, scale=alt.Scale(paddingInner=0.06)),
        y=alt.Y("tile_row:O", axis=None, scale=alt.Scale(paddingInner=0.08)),
        tooltip=[alt.Tooltip("name:N", title=i18n.t("axis.province", lang)),
                 alt.Tooltip("count:N", title=i18n.t("map.flagged", lang)),
                 alt.Tooltip("enterprises_text:N", title=i18n.t("map.enterprises", lang)),
                 alt.Tooltip("max_text:N", title=i18n.t("map.max_risk", lang)),
                 alt.Tooltip("emissions_text:N", title=i18n.t("map.emissions", lang))],
    )
    labels = [e.label for e in legend]
    colour = alt.Color("key:N", title=colour_key.map_title(lang), sort=labels,
                       scale=alt.Scale(domain=labels, range=[e.colour for e in legend]),
                       legend=alt.Legend(orient="bottom", direction="horizontal", symbolType="square",
                                         symbolSize=140, symbolStrokeWidth=0, labelLimit=0, titleLimit=0))
    tiles = base.mark_rect(cornerRadius=4).encode(color=colour)
    ink = alt.Color("ink:N", scale=None)  # the key's text colour for the tile's class, as in the deck
    label = base.mark_text(baseline="bottom", dy=-1, fontSize=TILE_LABEL_SIZE.get(lang, 9.5), fontWeight="bold").encode(
        text="label:N", color=ink)
    count = base.mark_text(baseline="top", dy=3, fontSize=11).encode(text="count:N", color=ink)
    if select:
        # the name and the count sit on top of the tile and catch its clicks: each layer selects
        picks = [alt.selection_point(name=n, fields=["province_code"], on="click", clear="dblclick")
                 for n in TILE_SELECTIONS]
        tiles = tiles.add_params(picks[0]).encode(opacity=alt.condition(picks[0], alt.value(1.0), alt.value(0.55)))
        label, count = label.add_params(picks[1]), count.add_params(picks[2])
    rows = data["tile_row"].nunique()
    return alt.layer(tiles, label, count).properties(
        width="container", height=rows * TILE_HEIGHT,
        autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))  # fill the width; rows keep their height


def picked_tile(event) -> str | None:
    """The province a click on province_tiles selected, from st.altair_chart's event."""
    for name in TILE_SELECTIONS:
        for point in event["selection"].get(name) or []:
            if "province_code" in point:
                return point["province_code"]
    return None


def risk_trend(df: pd.DataFrame, lang: str) -> alt.Chart:
    """Stacked bars per year of enterprises in the critical and high bands (the review workload); a
    year scored on fewer than 12 months of reports lighter and marked * (its tooltip names the months)."""
    shown = ["critical", "high"]
    data = _with_coverage(df[df["band"].isin(shown)], lang).assign(
        band_label=lambda d: d["band"].map(lambda b: i18n.t(f"band.{b}", lang)),
        order=lambda d: d["band"].map(shown.index))
    labels = [i18n.t(f"band.{b}", lang) for b in shown]
    return alt.Chart(data).mark_bar().encode(
        x=_year_axis(lang),
        y=alt.Y("enterprises:Q", title=i18n.t("axis.enterprises", lang), stack="zero"),
        color=alt.Color("band_label:N", title=None, sort=labels,
                        scale=alt.Scale(domain=labels, range=[BAND_COLOURS[b] for b in shown]),
                        legend=alt.Legend(orient="bottom")),
        order=alt.Order("order:Q", sort="ascending"),
        opacity=_partial_opacity(),
        tooltip=[alt.Tooltip("year:O", title=i18n.t("axis.year", lang)),
                 alt.Tooltip("band_label:N", title=i18n.t("col.band", lang)),
                 alt.Tooltip("enterprises:Q", title=i18n.t("axis.enterprises", lang), format=","),
                 _coverage_tip(lang)],
    )


def market_strip(df: pd.DataFrame, lang: str) -> alt.Chart:
    """Monthly volume as bars and the volume-weighted price as a line, on two axes."""
    divisor, unit = i18n.tonnes_unit(df["volume_t"].max() if len(df) else 0, lang)
    data = df.assign(volume=df["volume_t"] / divisor,
                     volume_text=df["volume_t"].map(lambda v: i18n.fmt_tonnes(v, lang)),
                     price_text=df["vwap_cny"].map(lambda v: i18n.t("unit.price", lang, value=f"{v:,.2f}")
                                                   if pd.notna(v) else i18n.MISSING),
                     amount_text=df["amount_cny"].map(lambda v: i18n.fmt_cny(v, lang)))
    x = alt.X("month:T", title=None, axis=alt.Axis(format="%Y-%m", labelAngle=0))
    tips = [alt.Tooltip("month:T", title=i18n.t("axis.month", lang), format="%Y-%m"),
            alt.Tooltip("price_text:N", title=i18n.t("axis.price", lang)),
            alt.Tooltip("volume_text:N", title=i18n.t("axis.volume", lang)),
            alt.Tooltip("amount_text:N", title=i18n.t("axis.amount", lang))]
    bars = alt.Chart(data).mark_bar(color=LIGHT).encode(
        x=x, y=alt.Y("volume:Q", title=i18n.t("axis.volume_unit", lang, unit=unit)), tooltip=tips)
    line = alt.Chart(data).mark_line(color=DARK, point=alt.OverlayMarkDef(size=18, color=DARK)).encode(
        x=x, y=alt.Y("vwap_cny:Q", title=i18n.t("axis.price_unit", lang)), tooltip=tips)
    return alt.layer(bars, line).resolve_scale(y="independent").properties(height=200)


# --- Province: risk distribution, flag heatmap ----------------------------------------------------

SEVERITY_COLOURS = {"critical": BAND_COLOURS["critical"], "high": BAND_COLOURS["high"],
                    "medium": BAND_COLOURS["medium"], "info": LIGHT}
RISK_BIN = 5  # points of the 0-100 risk score per histogram bar


def risk_histogram(df: pd.DataFrame, lang: str, width: int = RISK_BIN) -> alt.Chart:
    """Enterprises per `width`-point bin of their risk score (risk_views.enterprise_risk), stacked by band,
    with dashed rules at the band thresholds of core.engine.risk.BANDS. Binned here: a few dozen bars
    reach the browser, not one row per enterprise."""
    from core.engine import risk

    bands = [name for name, _ in risk.BANDS]
    labels = [i18n.t(f"band.{b}", lang) for b in bands]
    scored = df.dropna(subset=["risk_score"])
    lo = (scored["risk_score"].clip(0, 100 - 1e-9) // width * width).astype(int)
    data = (pd.DataFrame({"lo": lo, "band": scored["band"]}).groupby(["lo", "band"]).size()
            .rename("enterprises").reset_index())
    data = data.assign(hi=data["lo"] + width, range=data["lo"].astype(str) + "–" + (data["lo"] + width).astype(str),
                       band_label=data["band"].map(lambda b: i18n.t(f"band.{b}", lang)),
                       order=data["band"].map(bands.index))
    x_scale = alt.Scale(domain=[0, 100])
    tallest = int(data.groupby("lo")["enterprises"].sum().max()) if len(data) else 1
    y_scale = alt.Scale(domain=[0, max(2, round(tallest * 1.2))], nice=False)  # headroom for the labels
    bars = alt.Chart(data).mark_bar(stroke="white", strokeWidth=0.5).encode(
        x=alt.X("lo:Q", bin="binned", title=i18n.t("province.axis.risk_score", lang), scale=x_scale,
                axis=alt.Axis(values=list(range(0, 101, 10)))),
        x2="hi:Q",
        y=alt.Y("enterprises:Q", title=i18n.t("province.axis.enterprises", lang), stack="zero", scale=y_scale,
                axis=alt.Axis(tickMinStep=1, format="d")),
        color=alt.Color("band_label:N", title=i18n.t("col.band", lang), sort=labels,
                        scale=alt.Scale(domain=labels, range=[BAND_COLOURS[b] for b in bands]),
                        legend=alt.Legend(orient="right")),
        order=alt.Order("order:Q", sort="ascending"),
        tooltip=[alt.Tooltip("range:N", title=i18n.t("province.axis.bin", lang)),
                 alt.Tooltip("band_label:N", title=i18n.t("col.band", lang)),
                 alt.Tooltip("enterprises:Q", title=i18n.t("province.axis.enterprises", lang), format=",")],
    )
    thresholds = pd.DataFrame({"at": [lo for _, lo in risk.BANDS[:-1]],
                               "label": [f"{i18n.t(f'band.{b}', lang)} ≥ {lo:g}" for b, lo in risk.BANDS[:-1]]})
    rules = alt.Chart(thresholds).mark_rule(strokeDash=[4, 3], color="#475467").encode(
        x=alt.X("at:Q", scale=x_scale), tooltip=[alt.Tooltip("label:N", title=i18n.t("col.band", lang))])
    text = alt.Chart(thresholds).mark_text(align="left", baseline="top", dx=3, dy=2, color="#475467",
                                           fontSize=11).encode(x=alt.X("at:Q", scale=x_scale),
                                                               y=alt.value(0), text="label:N")
    return alt.layer(bars, rules, text).properties(height=300)


def _month_format(lang: str) -> str:
    """A month as i18n.fmt_period writes it, for Vega: 2023年4月 / Apr 2023."""
    return i18n.t("format.chart.month", lang)


def flag_heatmap(df: pd.DataFrame, lang: str, *, select: bool = True) -> alt.Chart:
    """Enterprise x month cells of risk_views.flag_heatmap, coloured by the most severe rule of the month,
    highest-risk enterprise on top; `select`: a click selects the enterprise (param "cell", field
    enterprise_id) for drill-down."""
    from core.engine.rules import SEVERITIES

    name = df["name"].where(~_ambiguous(df), df["name"] + " · " + df["enterprise_id"].str[-6:])
    order = name.iloc[df["risk_rank"].argsort(kind="stable")].drop_duplicates().tolist()
    severities = [i18n.t(f"province.severity.{s}", lang) for s in SEVERITIES]
    data = pd.DataFrame({
        "enterprise_id": df["enterprise_id"], "name": name, "month": df["month"],
        "month_text": df["month"].map(lambda m: i18n.fmt_period(m, lang)),
        "hits": df["hits"].astype(int), "rules": df["rules"].map(lambda r: ", ".join(r)),
        "severity": df["max_severity"].map(lambda s: i18n.t(f"province.severity.{s}", lang)),
        "risk": df["risk_score"].map(lambda v: "—" if pd.isna(v) else f"{v:.1f}"),
    })
    cells = alt.Chart(data, height=alt.Step(18)).mark_rect(stroke="white", strokeWidth=0.5).encode(
        x=alt.X("yearmonth(month):T", title=i18n.t("province.axis.month", lang),
                axis=alt.Axis(format=_month_format(lang), labelAngle=0, tickCount="year", grid=False)),
        y=alt.Y("name:N", sort=order, title=None, axis=alt.Axis(labelLimit=240, labelOverlap=False)),
        color=alt.Color("severity:N", title=i18n.t("province.axis.severity", lang), sort=severities,
                        scale=alt.Scale(domain=severities, range=[SEVERITY_COLOURS[s] for s in SEVERITIES]),
                        legend=alt.Legend(orient="bottom")),
        tooltip=[alt.Tooltip("name:N", title=i18n.t("col.enterprise", lang)),
                 alt.Tooltip("month_text:N", title=i18n.t("province.axis.month", lang)),
                 alt.Tooltip("rules:N", title=i18n.t("province.axis.rules", lang)),
                 alt.Tooltip("hits:Q", title=i18n.t("province.axis.hits", lang)),
                 alt.Tooltip("severity:N", title=i18n.t("province.axis.severity", lang)),
                 alt.Tooltip("risk:N", title=i18n.t("col.risk_score", lang))],
    )
    if select:
        pick = alt.selection_point(name="cell", fields=["enterprise_id"], on="click")
        cells = cells.add_params(pick).encode(opacity=alt.condition(pick, alt.value(1.0), alt.value(0.6)))
    return cells


def _ambiguous(df: pd.DataFrame) -> pd.Series:
    """Rows whose enterprise name is shared with another enterprise (the y axis keys on the name)."""
    ids_per_name = df.groupby("name")["enterprise_id"].transform("nunique")
    return ids_per_name > 1


# --- What-if scenarios: change by province, review curve ------------------------------------------
SCENARIO_PROVINCES_CHARTED = 20  # bars per chart: the provinces with the largest change


def _scenario_series(lang: str) -> tuple[str, str]:
    return i18n.t("scenarios.series.before", lang), i18n.t("scenarios.series.after", lang)


def scenario_change_by_province(df: pd.DataFrame, lang: str) -> alt.Chart:
    """Horizontal bars: the change in emissions (compliance basis) of each province that changes,
    largest first, with the enterprises affected and the penalty range in the tooltip."""
    d = df.assign(change=df["emissions_after_t"] - df["emissions_before_t"])
    d = d[d["change"] != 0].sort_values("change", key=abs, ascending=False).head(SCENARIO_PROVINCES_CHARTED)
    divisor, unit = i18n.tonnes_unit(d["change"].abs().max() if len(d) else 0, lang)
    data = pd.DataFrame({
        "province": d[f"province_{lang}"],
        "value": d["change"] / divisor,
        "text": d["change"].map(lambda v: ("+" if v > 0 else "−") + i18n.fmt_tonnes(abs(v), lang)),
        "changed": d["enterprises_changed"].map(lambda v: i18n.fmt_int(v, lang)),
        "penalty": [i18n.t("scenarios.range", lang, low=i18n.fmt_cny(lo, lang), high=i18n.fmt_cny(hi, lang))
                    for lo, hi in zip(d["penalty_low_cny"], d["penalty_high_cny"])],
    })
    return alt.Chart(data, height=alt.Step(20)).mark_bar(color=DARK).encode(
        y=alt.Y("province:N", sort="-x", title=None, axis=alt.Axis(labelOverlap=False, labelLimit=150)),
        x=alt.X("value:Q", title=i18n.t("scenarios.axis.change", lang, unit=unit), axis=alt.Axis(tickCount=8)),
        tooltip=[alt.Tooltip("province:N", title=i18n.t("axis.province", lang)),
                 alt.Tooltip("text:N", title=i18n.t("scenarios.axis.change", lang, unit=unit)),
                 alt.Tooltip("changed:N", title=i18n.t("scenarios.col.changed", lang)),
                 alt.Tooltip("penalty:N", title=i18n.t("scenarios.metric.penalty", lang))],
    )


def scenario_reviewed_by_province(df: pd.DataFrame, lang: str) -> alt.Chart:
    """Grouped horizontal bars: enterprises each province would review, before and after."""
    d = df[(df["reviewed_before"] > 0) | (df["reviewed_after"] > 0)]
    d = d.sort_values(["reviewed_after", "reviewed_before"], ascending=False).head(SCENARIO_PROVINCES_CHARTED)
    before, after = _scenario_series(lang)
    names = d[f"province_{lang}"]
    long = pd.concat([pd.DataFrame({"province": names, "series": label, "value": d[col].astype(int),
                                    "caught": d[caught].astype(int)})
                      for label, col, caught in ((before, "reviewed_before", "caught_before"),
                                                 (after, "reviewed_after", "caught_after"))], ignore_index=True)
    return alt.Chart(long, height=alt.Step(11)).mark_bar().encode(
        y=alt.Y("province:N", sort=list(names), title=None, axis=alt.Axis(labelOverlap=False, labelLimit=150)),
        yOffset=alt.YOffset("series:N", sort=[before, after]),
        x=alt.X("value:Q", title=i18n.t("scenarios.axis.reviewed", lang), axis=alt.Axis(tickMinStep=1)),
        color=alt.Color("series:N", title=None, scale=alt.Scale(domain=[before, after], range=[LIGHT, DARK]),
                        legend=alt.Legend(orient="bottom")),
        tooltip=[alt.Tooltip("province:N", title=i18n.t("axis.province", lang)),
                 alt.Tooltip("series:N", title=i18n.t("axis.series", lang)),
                 alt.Tooltip("value:Q", title=i18n.t("scenarios.axis.reviewed", lang)),
                 alt.Tooltip("caught:Q", title=i18n.t("scenarios.metric.caught", lang))],
    )


def curve_extent(df: pd.DataFrame, budget: int | None = None) -> int:
    """How far the review curve's x axis runs: a quarter beyond the k at which both curves have
    caught every case (and beyond the budget), at most every enterprise. Nationally the cases are
    found within the first few hundred of 2,000+; the rest of the axis would be a flat line."""
    n = int(df["k"].max())
    reach = max(int(df.loc[df[c] == df[c].iloc[-1], "k"].min()) for c in ("caught_before", "caught_after"))
    return min(n, max(round(1.25 * max(reach, budget or 0)), 20))


def review_curve(df: pd.DataFrame, lang: str, budget: int | None = None) -> alt.LayerChart:
    """Known cases caught against the review budget k (top k by risk), before and after, as steps.
    Only the points where a count changes are kept (and both ends): a step line drawn through them
    is the full curve, and a national one stays a few hundred rows."""
    change = (df["caught_before"].diff() != 0) | (df["caught_after"].diff() != 0)
    change.iloc[[0, -1]] = True
    d = df[change]
    before, after = _scenario_series(lang)
    long = pd.concat([pd.DataFrame({"k": d["k"], "series": label, "caught": d[col]})
                      for label, col in ((before, "caught_before"), (after, "caught_after"))], ignore_index=True)
    x = alt.X("k:Q", title=i18n.t("scenarios.axis.k", lang), scale=alt.Scale(domain=[0, curve_extent(df, budget)]))
    lines = alt.Chart(long).mark_line(interpolate="step-after", clip=True).encode(
        x=x, y=alt.Y("caught:Q", title=i18n.t("scenarios.axis.caught", lang), axis=alt.Axis(tickMinStep=1)),
        color=alt.Color("series:N", title=None, scale=alt.Scale(domain=[before, after], range=[LIGHT, DARK]),
                        legend=alt.Legend(orient="bottom")),
        strokeWidth=alt.condition(alt.datum.series == after, alt.value(2.5), alt.value(2)),
        strokeDash=alt.condition(alt.datum.series == after, alt.value([1, 0]), alt.value([6, 3])),
        tooltip=[alt.Tooltip("series:N", title=i18n.t("axis.series", lang)),
                 alt.Tooltip("k:Q", title=i18n.t("scenarios.axis.k", lang)),
                 alt.Tooltip("caught:Q", title=i18n.t("scenarios.axis.caught", lang))],
    )
    if budget is None:
        return alt.layer(lines).properties(height=300)
    rule = alt.Chart(pd.DataFrame({"k": [min(int(budget), curve_extent(df, budget))]})).mark_rule(
        strokeDash=[4, 4], color=ACCENT).encode(x="k:Q")
    return alt.layer(lines, rule).properties(height=300)


# --- Market surveillance: the daily market, the counterparty network -------------------------------

METHOD_COLOURS = {"listing": LIGHT, "block": DARK, "auction": "#f28e2b"}
CLOSE_COLOUR = "#344054"
# One colour per kind of alert (core.insight.trading.KINDS), the same in the table, the network and both languages.
KIND_COLOURS = {
    "round_trip": "#e15759", "wash_group": "#f28e2b", "cycle": "#b07aa1", "off_market": "#4e79a7",
    "limit_pinned": "#76b7b2", "marking_close": "#59a14f", "deadline_concentration": "#edc948",
    "flagged_net_seller": "#9c755f",
}
WEEKLY_FROM_DAYS = 120  # longer periods show volume per week: daily bars would be thinner than a pixel


def market_daily(df: pd.DataFrame, lang: str) -> alt.LayerChart:
    """surveillance.market_daily_by_method: the daily close as a line over volume bars stacked by trading
    method (per day for a short period, per week beyond WEEKLY_FROM_DAYS days), on two axes."""
    days = pd.to_datetime(df["day"])
    weekly = len(df) > 0 and (days.max() - days.min()).days > WEEKLY_FROM_DAYS
    bucket = (days - pd.to_timedelta(days.dt.day_of_week, unit="D")) if weekly else days
    methods = [m for m in METHOD_COLOURS if f"{m}_t" in df.columns and df[f"{m}_t"].sum() > 0] or ["listing"]
    labels = [i18n.label("enterprise.method", m, lang) for m in methods]
    long = (pd.DataFrame({"bucket": bucket, **{m: df[f"{m}_t"] for m in methods}})
            .melt(id_vars="bucket", var_name="method", value_name="volume_t")
            .groupby(["bucket", "method"], as_index=False)["volume_t"].sum())
    divisor, unit = i18n.tonnes_unit(long.groupby("bucket")["volume_t"].sum().max() if len(long) else 0, lang)
    long = long.assign(volume=(long["volume_t"] / divisor).round(3),
                       label=long["method"].map(dict(zip(methods, labels))),
                       text=long["volume_t"].map(lambda v: i18n.fmt_tonnes(v, lang)),
                       when=long["bucket"].map(lambda d: i18n.fmt_date(d, lang)))
    when_title = i18n.t("market.axis.week" if weekly else "market.axis.day", lang)
    x = alt.X("bucket:T", title=None, axis=alt.Axis(format=_month_format(lang), labelAngle=0, tickCount=8))
    bars = alt.Chart(long).mark_bar(opacity=0.85).encode(
        x=x, y=alt.Y("volume:Q", stack="zero", title=i18n.t("axis.volume_unit", lang, unit=unit)),
        color=alt.Color("label:N", title=i18n.t("market.axis.method", lang), sort=labels,
                        scale=alt.Scale(domain=labels, range=[METHOD_COLOURS[m] for m in methods]),
                        legend=alt.Legend(orient="bottom")),
        order=alt.Order("method:N"),
        tooltip=[alt.Tooltip("when:N", title=when_title), alt.Tooltip("label:N", title=i18n.t("market.axis.method", lang)),
                 alt.Tooltip("text:N", title=i18n.t("axis.volume", lang))])
    close = pd.DataFrame({"bucket": days, "close": df["close"].round(2),
                          "when": days.map(lambda d: i18n.fmt_date(d, lang)),
                          "text": df["close"].map(lambda v: i18n.t("unit.price", lang, value=f"{v:,.2f}")
                                                  if pd.notna(v) else i18n.MISSING)}).dropna(subset=["close"])
    line = alt.Chart(close).mark_line(color=CLOSE_COLOUR, strokeWidth=1.4).encode(
        x=x, y=alt.Y("close:Q", title=i18n.t("market.axis.close", lang), scale=alt.Scale(zero=False),
                     axis=alt.Axis(orient="right")),
        tooltip=[alt.Tooltip("when:N", title=i18n.t("market.axis.day", lang)),
                 alt.Tooltip("text:N", title=i18n.t("axis.price", lang))])
    return alt.layer(bars, line).resolve_scale(y="independent").properties(height=300)


def market_bucket(df: pd.DataFrame) -> str:
    """'week' or 'day': how market_daily groups the volume bars of `df`."""
    days = pd.to_datetime(df["day"])
    return "week" if len(df) and (days.max() - days.min()).days > WEEKLY_FROM_DAYS else "day"


def _short(name: str, limit: int = 22) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


NETWORK_LABELS = 15  # accounts named on a large trading network


def alert_network(edges: pd.DataFrame, nodes: pd.DataFrame, lang: str) -> alt.LayerChart:
    """core.insight.trading.network: a line per seller -> buyer and kind (thicker for more tonnes), a dot
    per account (sized by its tonnes on these lines, coloured by the kind of its best alert), on the
    deterministic layout the nodes carry (x, y); every account named on a small graph, the
    NETWORK_LABELS largest on a large one. A party outside the reader's scope is named in words."""
    nodes = nodes.assign(holder=nodes["holder"].map(lambda v: label_words.party(v, lang)))
    kinds = [k for k in KIND_COLOURS if k in set(edges["kind"]) | set(nodes["kind"])]
    labels = [i18n.t(f"market.kind.{k}", lang) for k in kinds]
    colour = alt.Color("kind_label:N", title=i18n.t("market.col.kind", lang), sort=labels,
                       scale=alt.Scale(domain=labels, range=[KIND_COLOURS[k] for k in kinds]),
                       legend=alt.Legend(orient="bottom", columns=4, labelLimit=200))
    xs, ys = pd.concat([nodes["x"], edges["x"]]), pd.concat([nodes["y"], edges["y"]])
    pad = 0.5
    x = alt.X("x:Q", axis=None, scale=alt.Scale(domain=[float(xs.min()) - pad, float(xs.max()) + pad], nice=False))
    y = alt.Y("y:Q", axis=None, scale=alt.Scale(domain=[float(ys.min()) - pad, float(ys.max()) + pad], nice=False))
    holder = nodes.set_index("account")["holder"]
    e = pd.DataFrame({
        "x": edges["x"], "y": edges["y"], "x2": edges["x2"], "y2": edges["y2"], "volume_t": edges["volume_t"],
        "kind_label": edges["kind"].map(lambda k: i18n.t(f"market.kind.{k}", lang)),
        "pair": edges["seller"].map(holder) + " → " + edges["buyer"].map(holder),
        "text": edges["volume_t"].map(lambda v: i18n.fmt_tonnes(v, lang)), "trades": edges["trades"].astype(int),
    })
    lines = alt.Chart(e).mark_rule(opacity=0.65).encode(
        x=x, y=y, x2="x2:Q", y2="y2:Q", color=colour,
        strokeWidth=alt.StrokeWidth("volume_t:Q", scale=alt.Scale(range=[1, 7]), legend=None),
        tooltip=[alt.Tooltip("pair:N", title=i18n.t("market.network.from_to", lang)),
                 alt.Tooltip("kind_label:N", title=i18n.t("market.col.kind", lang)),
                 alt.Tooltip("text:N", title=i18n.t("market.trade.volume", lang)),
                 alt.Tooltip("trades:Q", title=i18n.t("market.network.trades", lang))])
    n = pd.DataFrame({
        "x": nodes["x"], "y": nodes["y"], "volume_t": nodes["volume_t"], "account": nodes["account"],
        "holder": nodes["holder"], "label": nodes["holder"].map(_short),
        "kind_label": nodes["kind"].map(lambda k: i18n.t(f"market.kind.{k}", lang)),
        "text": nodes["volume_t"].map(lambda v: i18n.fmt_tonnes(v, lang)),
    })
    tips = [alt.Tooltip("holder:N", title=i18n.t("market.network.holder", lang)),
            alt.Tooltip("account:N", title=i18n.t("market.network.account", lang)),
            alt.Tooltip("kind_label:N", title=i18n.t("market.col.kind", lang)),
            alt.Tooltip("text:N", title=i18n.t("market.network.volume", lang))]
    dots = alt.Chart(n).mark_circle(opacity=1, stroke="white", strokeWidth=1).encode(
        x=x, y=y, color=colour, size=alt.Size("volume_t:Q", scale=alt.Scale(range=[40, 500]), legend=None),
        tooltip=tips)
    layers = [lines, dots]
    # labels: every account of a small graph, else the NETWORK_LABELS with most tonnes (the rest by hover)
    named = n if len(n) <= 40 else n.nlargest(NETWORK_LABELS, "volume_t")
    layers.append(alt.Chart(named).mark_text(dy=-11, fontSize=10, color="#344054").encode(
        x=x, y=y, text="label:N", tooltip=tips))
    rows = float(ys.max() - ys.min()) + 2 * pad if len(ys) else 1.0
    return alt.layer(*layers).properties(height=int(min(720, max(280, 150 * rows))))


# --- Enterprise dossier: units against peers, model scores, report dates, trades -----------------

# Units in colours that stay clear of the red that marks flagged months.
UNIT_COLOURS = ["#1f4e79", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#9c755f", "#bab0ac"]
PEER_BAND, PEER_MEDIAN = "#c9d6e3", "#667085"
DATE_KINDS = {  # kind -> (shape, colour): the test dates are the ones to read, so they are the darkest
    "sample": ("circle", "#9fb7cf"), "test": ("square", DARK), "report": ("triangle-up", "#f28e2b"),
    "deposit": ("cross", "#59a14f"),
}
_MEASURE_DIGITS = {"coal_rate": 0, "carbon_content": 5, "ncv": 2, "intensity": 3, "operating_hours": 0}


def _day_format(lang: str) -> str:
    """A date as i18n.fmt_date writes it, for Vega: 2023年4月15日 / 15 Apr 2023."""
    return i18n.t("format.chart.day", lang)


def _month_x(lang: str, title: bool = False) -> alt.X:
    return alt.X("period:T", title=i18n.t("enterprise.axis.month", lang) if title else None,
                 axis=alt.Axis(format=_month_format(lang), labelAngle=0, tickCount="year"))


def _units_colour(units: list[str], lang: str) -> alt.Color:
    return alt.Color("unit:N", title=i18n.t("enterprise.axis.unit", lang), sort=units,
                     scale=alt.Scale(domain=units, range=(UNIT_COLOURS * (len(units) // len(UNIT_COLOURS) + 1))
                                     [:len(units)]),
                     legend=alt.Legend(orient="bottom") if len(units) > 1 else None)


def _unit_names(unit_ids: pd.Series, enterprise_id: str) -> pd.Series:
    return unit_ids.map(lambda u: u.removeprefix(f"{enterprise_id}-") if isinstance(u, str) else "—")


def peer_band(df: pd.DataFrame, measure: str, enterprise_id: str, lang: str) -> alt.LayerChart:
    """One measure of dossiers.enterprise_monthly: the enterprise's units as lines, the P5-P95 band
    of their peers shaded with the peer median dashed, and months with a rule hit as red points.
    Only the numbers travel to the browser (each layer its own columns, rounded); Vega formats the
    tooltips."""
    digits = _MEASURE_DIGITS.get(measure, 2)
    fmt = f",.{digits}f"
    keep = digits + 1  # one digit more than shown, so the lines keep their shape
    title = i18n.t(f"enterprise.measure.{measure}", lang)
    month = alt.Tooltip("period:T", title=i18n.t("enterprise.axis.month", lang), format=_month_format(lang))
    x = _month_x(lang)
    groups = (df["unit_class"].map(lambda c: i18n.label("unit_class", c, lang)) + " · " + df["capacity_band"]
              + " MW · " + df["grid_region"].map(lambda r: i18n.label("region", r, lang)))
    band = pd.DataFrame({"group": groups, "period": df["period"], "peers": df[f"{measure}_peers"].astype(int),
                         **{p: df[f"{measure}_{p}"].round(keep) for p in ("p5", "p50", "p95")}})
    band = band.dropna(subset=["p5"]).drop_duplicates(["group", "period"])
    peer_tips = [alt.Tooltip("group:N", title=i18n.t("enterprise.axis.peer_group", lang)), month,
                 alt.Tooltip("p5:Q", title="P5", format=fmt),
                 alt.Tooltip("p50:Q", title=i18n.t("enterprise.axis.peer_median", lang), format=fmt),
                 alt.Tooltip("p95:Q", title="P95", format=fmt),
                 alt.Tooltip("peers:Q", title=i18n.t("enterprise.axis.peers", lang), format=",")]
    area = alt.Chart(band).mark_area(color=PEER_BAND, opacity=0.55).encode(
        x=x, y=alt.Y("p5:Q", title=None, scale=alt.Scale(zero=False)), y2="p95:Q", detail="group:N",
        tooltip=peer_tips)
    median = alt.Chart(band).mark_line(color=PEER_MEDIAN, strokeDash=[4, 3], strokeWidth=1).encode(
        x=x, y="p50:Q", detail="group:N", tooltip=peer_tips)
    values = pd.DataFrame({"unit": _unit_names(df["unit_id"], enterprise_id), "period": df["period"],
                           "value": df[measure].round(keep),
                           "rules": df["rule_ids"].map(lambda r: ", ".join(r) if len(r) else "")}).dropna(
        subset=["value"])
    units = sorted(values["unit"].unique().tolist())
    y = alt.Y("value:Q", title=None, scale=alt.Scale(zero=False))  # the chart's heading names the measure
    unit_tips = [alt.Tooltip("unit:N", title=i18n.t("enterprise.axis.unit", lang)), month,
                 alt.Tooltip("value:Q", title=title, format=fmt),
                 alt.Tooltip("rules:N", title=i18n.t("enterprise.axis.rules", lang))]
    lines = alt.Chart(values).mark_line(strokeWidth=1.6, point=alt.OverlayMarkDef(size=14)).encode(
        x=x, y=y, color=_units_colour(units, lang), tooltip=unit_tips)
    flagged = alt.Chart(values[values["rules"] != ""]).mark_point(
        filled=True, color=ACCENT, size=60, opacity=1).encode(x=x, y=y, tooltip=unit_tips)
    # Streamlit fits the whole chart (axes, legend) into the height when it stretches the width
    return alt.layer(area, median, lines, flagged).properties(height=300)


def score_history(df: pd.DataFrame, enterprise_id: str, lang: str) -> alt.LayerChart:
    """dossiers.enterprise_model_scores as one line per unit, with the model component's floor dashed."""
    from core.engine import risk

    data = pd.DataFrame({"unit": _unit_names(df["unit_id"], enterprise_id), "period": df["period"],
                         "score": df["score"].round(3), "percentile": df["percentile"].round(5)})
    units = sorted(data["unit"].unique().tolist())
    tips = [alt.Tooltip("unit:N", title=i18n.t("enterprise.axis.unit", lang)),
            alt.Tooltip("period:T", title=i18n.t("enterprise.axis.month", lang), format=_month_format(lang)),
            alt.Tooltip("score:Q", title=i18n.t("enterprise.axis.score", lang), format=".2f"),
            alt.Tooltip("percentile:Q", title=i18n.t("enterprise.axis.percentile", lang), format=".2%")]
    lines = alt.Chart(data).mark_line(strokeWidth=1.6, point=alt.OverlayMarkDef(size=14)).encode(
        x=_month_x(lang), y=alt.Y("score:Q", title=i18n.t("enterprise.axis.score", lang)),
        color=_units_colour(units, lang), tooltip=tips)
    floor = pd.DataFrame({"z": [risk.MODEL_Z_FLOOR],
                          "label": [i18n.t("enterprise.axis.model_floor", lang, z=f"{risk.MODEL_Z_FLOOR:g}")]})
    rule = alt.Chart(floor).mark_rule(strokeDash=[4, 3], color=ACCENT).encode(
        y="z:Q", tooltip=[alt.Tooltip("label:N", title=i18n.t("enterprise.axis.score", lang))])
    text = alt.Chart(floor).mark_text(align="left", baseline="bottom", dx=3, dy=-2, color=ACCENT,
                                      fontSize=11).encode(x=alt.value(0), y="z:Q", text="label:N")
    return alt.layer(lines, rule, text).properties(height=320)


def date_timeline(df: pd.DataFrame, lang: str) -> alt.Chart:
    """dossiers.enterprise_timeline: x = the date, y = the reported month (earliest on top), one mark
    per kind of date. Monthly testing draws a diagonal; a batch test is a vertical column."""
    kinds = [k for k in DATE_KINDS if k in set(df["kind"])] or list(DATE_KINDS)
    labels = [i18n.t(f"enterprise.date.{k}", lang) for k in kinds]
    data = pd.DataFrame({
        "period": df["period"], "date": df["date"],
        "kind": df["kind"].map(lambda k: i18n.t(f"enterprise.date.{k}", lang)),
        "same": df["months_same_date"].astype(int), "units": df["units"].astype(int),
    })
    months = data["period"].nunique()
    return alt.Chart(data).mark_point(filled=True, size=42, opacity=0.9).encode(
        x=alt.X("date:T", title=i18n.t("enterprise.axis.date", lang),
                axis=alt.Axis(format=_month_format(lang), labelAngle=0, tickCount="year")),
        y=alt.Y("period:T", title=i18n.t("enterprise.axis.reporting_month", lang), scale=alt.Scale(reverse=True),
                axis=alt.Axis(format=_month_format(lang), tickCount="year")),
        color=alt.Color("kind:N", title=i18n.t("enterprise.axis.kind", lang), sort=labels,
                        scale=alt.Scale(domain=labels, range=[DATE_KINDS[k][1] for k in kinds]),
                        legend=alt.Legend(orient="bottom")),
        shape=alt.Shape("kind:N", sort=labels, title=i18n.t("enterprise.axis.kind", lang),
                        scale=alt.Scale(domain=labels, range=[DATE_KINDS[k][0] for k in kinds])),
        tooltip=[alt.Tooltip("period:T", title=i18n.t("enterprise.axis.reporting_month", lang),
                             format=_month_format(lang)),
                 alt.Tooltip("kind:N", title=i18n.t("enterprise.axis.kind", lang)),
                 alt.Tooltip("date:T", title=i18n.t("enterprise.axis.date", lang), format=_day_format(lang)),
                 alt.Tooltip("same:Q", title=i18n.t("enterprise.axis.same_date", lang)),
                 alt.Tooltip("units:Q", title=i18n.t("enterprise.axis.units", lang))],
    ).properties(height=min(max(260, 8 * months), 700))


def net_trades(df: pd.DataFrame, lang: str) -> alt.Chart:
    """dossiers.enterprise_trade_months: net tonnes bought per month, buying up and selling down."""
    divisor, unit = i18n.tonnes_unit(df[["bought_t", "sold_t"]].abs().max().max() if len(df) else 0, lang)
    data = pd.DataFrame({
        "period": df["month"], "net": df["net_t"] / divisor,
        "side": df["net_t"].map(lambda v: i18n.t("enterprise.side.buy" if v >= 0 else "enterprise.side.sell", lang)),
        "month": df["month"].map(lambda p: i18n.fmt_period(p, lang)),
        "bought": df["bought_t"].map(lambda v: i18n.fmt_tonnes(v, lang)),
        "sold": df["sold_t"].map(lambda v: i18n.fmt_tonnes(v, lang)),
        "net_text": df["net_t"].map(lambda v: ("+" if v > 0 else "") + i18n.fmt_tonnes(v, lang)),
        "trades": df["trades"].astype(int),
    })
    sides = [i18n.t("enterprise.side.buy", lang), i18n.t("enterprise.side.sell", lang)]
    return alt.Chart(data).mark_bar(width=6).encode(
        x=_month_x(lang),
        y=alt.Y("net:Q", title=i18n.t("enterprise.axis.net", lang, unit=unit)),
        color=alt.Color("side:N", title=None, scale=alt.Scale(domain=sides, range=[DARK, LIGHT]),
                        legend=alt.Legend(orient="bottom")),
        tooltip=[alt.Tooltip("month:N", title=i18n.t("enterprise.axis.month", lang)),
                 alt.Tooltip("bought:N", title=i18n.t("enterprise.axis.bought", lang)),
                 alt.Tooltip("sold:N", title=i18n.t("enterprise.axis.sold", lang)),
                 alt.Tooltip("net_text:N", title=i18n.t("enterprise.axis.net_text", lang)),
                 alt.Tooltip("trades:Q", title=i18n.t("enterprise.axis.trades", lang))],
    ).properties(height=260)


# --- Intermediaries: clients' risk against the view, test dates ----------------------------------

def agency_risk_mix(clients: pd.DataFrame, view: pd.DataFrame, lang: str) -> alt.Chart:
    """Two 100 % bars of enterprises by risk band: an agency's clients (intermediaries.agency_clients of one
    agency) against every enterprise of the view (risk_views.enterprise_risk); critical and high first,
    so the flagged share and the base rate line up on the left."""
    from core.engine import risk

    bands = [name for name, _ in risk.BANDS]
    labels = [i18n.t(f"band.{b}", lang) for b in bands]
    series = [i18n.t("agencies.chart.series.agency", lang), i18n.t("agencies.chart.series.all", lang)]
    frames = []
    for label, df in zip(series, (clients, view)):
        counts = df["band"].value_counts().reindex(bands, fill_value=0)
        total = max(int(counts.sum()), 1)
        frames.append(pd.DataFrame({"series": label, "band": bands, "n": counts.to_numpy(),
                                    "share": counts.to_numpy() / total}))
    data = pd.concat(frames, ignore_index=True)
    data = data.assign(band_label=data["band"].map(lambda b: i18n.t(f"band.{b}", lang)),
                       order=data["band"].map(bands.index),
                       share_text=data["share"].map(lambda v: i18n.fmt_pct(v, lang)),
                       n_text=data["n"].map(lambda v: i18n.fmt_int(v, lang)))
    return alt.Chart(data).mark_bar(stroke="white", strokeWidth=0.5).encode(
        y=alt.Y("series:N", title=None, sort=series, axis=alt.Axis(labelLimit=160)),
        x=alt.X("share:Q", title=i18n.t("agencies.chart.share", lang), stack="zero",
                scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
        color=alt.Color("band_label:N", title=i18n.t("col.band", lang), sort=labels,
                        scale=alt.Scale(domain=labels, range=[BAND_COLOURS[b] for b in bands]),
                        legend=alt.Legend(orient="bottom", direction="horizontal")),
        order=alt.Order("order:Q", sort="ascending"),
        tooltip=[alt.Tooltip("series:N", title=i18n.t("axis.series", lang)),
                 alt.Tooltip("band_label:N", title=i18n.t("col.band", lang)),
                 alt.Tooltip("share_text:N", title=i18n.t("agencies.chart.share", lang)),
                 alt.Tooltip("n_text:N", title=i18n.t("axis.enterprises", lang))],
    ).properties(height=200)  # Streamlit fits the whole chart, axis and legend included, into this


def agency_test_dates(df: pd.DataFrame, lang: str) -> alt.Chart:
    """intermediaries.agency_test_dates of one lab: test date (x) against the month reported (y), one point
    per date and month sized by client-months; batch points in red. Monthly testing is a diagonal a
    few weeks after each month; a batch is a column of many months on one date."""
    from core.engine import rules

    batch, monthly = (i18n.t("agencies.chart.batch", lang, n=rules.BATCH_MIN_MONTHS),
                      i18n.t("agencies.chart.monthly", lang))
    sep = i18n.t("sep.list", lang)
    data = pd.DataFrame({
        "test_date": df["test_date"], "period": df["period"], "client_months": df["client_months"].astype(int),
        "kind": df["batch"].map(lambda b: batch if b else monthly),
        "test_text": df["test_date"].map(lambda d: i18n.fmt_date(d, lang)),
        "period_text": df["period"].map(lambda p: i18n.fmt_period(p, lang)),
        "clients": df["clients"].map(lambda c: sep.join(c)),
        "date_months": df["date_client_months"].astype(int),
    }).sort_values("kind", key=lambda s: s.eq(batch))  # batch points drawn last, on top
    return alt.Chart(data).mark_circle(opacity=0.75).encode(
        x=alt.X("test_date:T", title=i18n.t("agencies.chart.test_date", lang),
                axis=alt.Axis(format="%Y-%m", labelAngle=0)),
        y=alt.Y("period:T", title=i18n.t("agencies.chart.period", lang), axis=alt.Axis(format="%Y-%m")),
        size=alt.Size("client_months:Q", title=i18n.t("agencies.chart.client_months", lang),
                      scale=alt.Scale(range=[15, 260]), legend=None),
        color=alt.Color("kind:N", title=None, scale=alt.Scale(domain=[monthly, batch], range=[LIGHT, ACCENT]),
                        legend=alt.Legend(orient="bottom", labelLimit=0)),
        tooltip=[alt.Tooltip("test_text:N", title=i18n.t("agencies.chart.test_date", lang)),
                 alt.Tooltip("period_text:N", title=i18n.t("agencies.chart.period", lang)),
                 alt.Tooltip("client_months:Q", title=i18n.t("agencies.chart.client_months", lang)),
                 alt.Tooltip("date_months:Q", title=i18n.t("agencies.chart.date_months", lang)),
                 alt.Tooltip("clients:N", title=i18n.t("agencies.chart.clients", lang))],
    ).properties(height=340)
