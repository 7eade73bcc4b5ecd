"""Plotly figures of plan targets (no Streamlit: pages pass them to st.plotly_chart).

Numbers come only from the parsed target table (``targets.load_targets``):
``lower``/``upper``/``comparator`` for the target, ``baseline_lower``/
``baseline_upper`` for the baseline.  Every bar is labelled with the plan's own
text ("65左右", "[33]以上"), so a chart never shows a number the plan does not
state.  Indicators with different units are never drawn on one axis: each
gets its own small panel.
"""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

FONT = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, sans-serif"
BASE_COLOUR = "#9aa5b1"
TARGET_COLOUR = "#1f5f99"
PALETTE = ["#1f5f99", "#e4572e", "#29a36a", "#f2a541", "#6a3d9a", "#17becf", "#8c564b", "#bcbd22"]

_T = {
    "baseline": {"zh": "基期", "en": "Baseline"},
    "target": {"zh": "目标", "en": "Target"},
    "no_numbers": {"zh": "没有可绘制的数值目标", "en": "No numeric targets to chart"},
    "year": {"zh": "年份", "en": "Year"},
    "more": {"zh": "另有 {n} 项未显示（见下表）", "en": "{n} more not shown (see the table)"},
}


def _t(key: str, lang: str, **fmt) -> str:
    text = _T[key]["en" if lang == "en" else "zh"]
    return text.format(**fmt) if fmt else text


def point_value(lower, upper, comparator) -> float | None:
    """One number to draw for a parsed value: the bound for ≥/≤, the middle of a range."""
    lo = None if lower is None or (isinstance(lower, float) and math.isnan(lower)) else float(lower)
    hi = None if upper is None or (isinstance(upper, float) and math.isnan(upper)) else float(upper)
    if lo is None and hi is None:
        return None
    if comparator == "range" and lo is not None and hi is not None:
        return (lo + hi) / 2
    return lo if lo is not None else hi


def chartable(df: pd.DataFrame) -> pd.DataFrame:
    """Quantitative rows with a numeric target that is a level (not a yearly rate)."""
    if df.empty:
        return df.assign(target_point=[], baseline_point=[])
    q = df[(df["kind"] == "quantitative") & ~df["annual"].astype(bool) & ~df["no_data"].astype(bool)].copy()
    q["target_point"] = [point_value(lo, hi, c) for lo, hi, c in zip(q["lower"], q["upper"], q["comparator"])]
    q["baseline_point"] = [point_value(lo, hi, c) for lo, hi, c in zip(q["baseline_lower"], q["baseline_upper"], q["baseline_comparator"])]
    return q[q["target_point"].notna()]


def richest_category(df: pd.DataFrame, categories: list[str]) -> str | None:
    """The category with the most chartable comparisons (baseline and target), then targets: a good default."""
    q = chartable(df)
    if q.empty:
        return categories[0] if categories else None
    score = {c: (int(((q["category"] == c) & q["baseline_point"].notna()).sum()), int((q["category"] == c).sum()))
             for c in categories}
    return max(categories, key=lambda c: score[c])  # ties keep the manifest order (max returns the first)


def _layout(fig: go.Figure, height: int, title: str | None = None) -> go.Figure:
    fig.update_layout(
        height=height, margin=dict(l=10, r=10, t=60 if title else 30, b=10), title=title,
        font=dict(family=FONT, size=13), plot_bgcolor="white", paper_bgcolor="white",
        legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0), bargap=0.25,
    )
    return fig


def empty_figure(lang: str, message: str | None = None) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(text=message or _t("no_numbers", lang), showarrow=False, font=dict(size=14, color="#666"))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _layout(fig, 160)


def baseline_vs_target(df: pd.DataFrame, lang: str = "zh", max_panels: int = 12, title: str | None = None) -> go.Figure:
    """Small multiples: one row per indicator, baseline bar vs target bar, each on its own scale."""
    q = chartable(df)
    if q.empty:
        return empty_figure(lang)
    # comparisons (a baseline and a target) first, then targets alone; plan order within
    q = q.assign(_has_base=q["baseline_point"].notna()).sort_values(["_has_base", "target_id"], ascending=[False, True])
    shown = q.head(max_panels)
    n = len(shown)
    labels = [f"{r.indicator}（{r.unit}）" if r.unit else str(r.indicator) for r in shown.itertuples()]
    fig = make_subplots(rows=n, cols=1, subplot_titles=labels, vertical_spacing=min(0.08, 0.5 / n))
    for i, r in enumerate(shown.itertuples(), start=1):
        ys, xs, texts, colours = [], [], [], []
        if r.baseline_point is not None and not pd.isna(r.baseline_point):
            ys.append(f"{_t('baseline', lang)} {r.baseline_year if not pd.isna(r.baseline_year) else ''}".strip())
            xs.append(r.baseline_point)
            texts.append(str(r.baseline_value))
            colours.append(BASE_COLOUR)
        ys.append(f"{_t('target', lang)} {r.target_year if not pd.isna(r.target_year) else ''}".strip())
        xs.append(r.target_point)
        texts.append(str(r.target_value))
        colours.append(TARGET_COLOUR)
        fig.add_trace(go.Bar(
            x=xs, y=ys, orientation="h", marker_color=colours, text=texts, textposition="auto",
            hovertemplate="%{y}: %{text}<extra>" + str(r.target_id) + "</extra>", showlegend=False,
        ), row=i, col=1)
        fig.update_xaxes(showgrid=True, gridcolor="#eee", zeroline=True, row=i, col=1)
    fig.update_annotations(font_size=13, xanchor="left", x=0)
    height = 40 + 95 * n
    if len(q) > n:
        fig.add_annotation(text=_t("more", lang, n=len(q) - n), xref="paper", yref="paper", x=1, y=-0.02,
                           xanchor="right", yanchor="top", showarrow=False, font=dict(size=12, color="#666"))
        height += 20
    return _layout(fig, height, title)


def by_year(df: pd.DataFrame, region_names: dict[str, str], lang: str = "zh", title: str | None = None) -> go.Figure:
    """Grouped bars of one indicator across regions and years (baseline year and target years).

    ``df`` holds the rows of one indicator for several regions (e.g. the
    三心' population for 2025 and 2035); baselines are drawn at their year.
    """
    q = chartable(df)
    if q.empty:
        return empty_figure(lang)
    points: dict[tuple[str, int], tuple[float, str]] = {}
    for r in q.itertuples():
        if r.baseline_point is not None and not pd.isna(r.baseline_point) and not pd.isna(r.baseline_year):
            points.setdefault((r.region_code, int(r.baseline_year)), (r.baseline_point, str(r.baseline_value)))
        if not pd.isna(r.target_year):
            points[(r.region_code, int(r.target_year))] = (r.target_point, str(r.target_value))
    years = sorted({y for _, y in points})
    fig = go.Figure()
    for i, code in enumerate(dict.fromkeys(q["region_code"])):
        xs = [str(y) for y in years if (code, y) in points]
        fig.add_trace(go.Bar(
            name=region_names.get(code, code), x=xs, y=[points[(code, int(x))][0] for x in xs],
            text=[points[(code, int(x))][1] for x in xs], textposition="outside",
            marker_color=PALETTE[i % len(PALETTE)],
        ))
    unit = next((u for u in q["unit"] if u), "")
    fig.update_layout(barmode="group", yaxis_title=unit, xaxis_title=_t("year", lang))
    fig.update_yaxes(gridcolor="#eee")
    return _layout(fig, 360, title)


def milestones(df: pd.DataFrame, lang: str = "zh", start: int = 2023, end: int = 2035) -> go.Figure:
    """Every target placed at its target year, one row per category (qualitative goals as diamonds)."""
    d = df[df["target_year"].notna()].copy()
    d = d[(d["target_year"] >= start) & (d["target_year"] <= end)]
    if d.empty:
        return empty_figure(lang)
    cat = d["category_en"] if lang == "en" else d["category"]
    d = d.assign(_cat=cat.fillna(d["category"]))
    # spread same-year, same-category markers a little so they do not hide each other
    d["_x"] = d["target_year"].astype(float) + d.groupby(["_cat", "target_year"]).cumcount().map(lambda k: ((k % 7) - 3) * 0.06)
    fig = go.Figure()
    for kind, symbol in (("quantitative", "circle"), ("qualitative", "diamond")):
        part = d[d["kind"] == kind]
        if part.empty:
            continue
        fig.add_trace(go.Scatter(
            x=part["_x"], y=part["_cat"], mode="markers", name=kind if lang == "en" else ("数值目标" if kind == "quantitative" else "定性目标"),
            marker=dict(symbol=symbol, size=11, color=TARGET_COLOUR if kind == "quantitative" else "#e4572e", opacity=0.75,
                        line=dict(width=1, color="white")),
            customdata=list(zip(part["region_name"], part["indicator"], part["target_value"], part["target_id"], part["target_year"])),
            hovertemplate="%{customdata[4]} · %{customdata[0]}<br>%{customdata[1]}: %{customdata[2]}<extra>%{customdata[3]}</extra>",
        ))
    fig.update_xaxes(range=[start - 0.5, end + 0.5], dtick=1, gridcolor="#eee")
    fig.update_yaxes(gridcolor="#f3f3f3", categoryorder="category ascending")
    return _layout(fig, 120 + 34 * d["_cat"].nunique())


def district_breakdown(df: pd.DataFrame, lang: str = "zh", max_panels: int = 9) -> go.Figure:
    """Per-district grouped bars, one panel per indicator (units never mixed)."""
    q = chartable(df)
    if q.empty:
        return empty_figure(lang)
    indicators = list(dict.fromkeys(q["indicator"]))[:max_panels]
    cols = 3 if len(indicators) > 4 else max(1, len(indicators))
    rows = math.ceil(len(indicators) / cols)
    titles = []
    for ind in indicators:
        unit = next((u for u in q.loc[q["indicator"] == ind, "unit"] if u), "")
        titles.append(f"{ind}（{unit}）" if unit else ind)
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=titles, horizontal_spacing=0.08, vertical_spacing=0.18)
    districts = list(dict.fromkeys(q["region_name"]))
    colours = {d: PALETTE[i % len(PALETTE)] for i, d in enumerate(districts)}
    for i, ind in enumerate(indicators):
        part = q[q["indicator"] == ind]
        fig.add_trace(go.Bar(
            x=part["region_name"], y=part["target_point"], text=part["target_value"], textposition="outside",
            marker_color=[colours[d] for d in part["region_name"]], showlegend=False,
            hovertemplate="%{x}: %{text}<extra>" + ind + "</extra>",
        ), row=i // cols + 1, col=i % cols + 1)
    fig.update_annotations(font_size=12)
    fig.update_yaxes(gridcolor="#eee")
    return _layout(fig, 260 * rows + 40)


def compare_areas(rows: list[tuple[str, float, float, str]], lang: str = "zh", labels=("示意图层", "全省中心城区"),
                  title: str | None = None) -> go.Figure:
    """Area per control-line type: our layer vs the plan's provincial total, side by side.

    ``rows``: (type name, layer area km², plan area km² or NaN, colour).
    """
    fig = make_subplots(rows=1, cols=2, subplot_titles=labels, horizontal_spacing=0.12)
    names = [r[0] for r in rows]
    fig.add_trace(go.Bar(x=names, y=[r[1] for r in rows], marker_color=[r[3] for r in rows],
                         text=[f"{r[1]:.2f}" for r in rows], textposition="outside", showlegend=False), row=1, col=1)
    fig.add_trace(go.Bar(x=names, y=[r[2] for r in rows], marker_color=[r[3] for r in rows], opacity=0.75,
                         text=["" if pd.isna(r[2]) else f"{r[2]:.2f}" for r in rows], textposition="outside",
                         showlegend=False), row=1, col=2)
    fig.update_yaxes(title_text="km²", gridcolor="#eee")
    return _layout(fig, 380, title)
