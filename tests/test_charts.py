"""Charts draw only numbers the plans state, never mix units, and label bars with plan text."""

import math

import pandas as pd
import pytest

from urbanmap import charts, targets


@pytest.fixture(scope="module")
def df():
    return targets.load_targets()


@pytest.mark.parametrize("lo,hi,cmp,expected", [
    (8.0, None, ">=", 8.0), (None, 0.04, "<=", 0.04), (1.0, 2.0, "range", 1.5), (86.0, 86.0, "≈", 86.0),
    (None, None, None, None), (float("nan"), float("nan"), None, None),
])
def test_point_value(lo, hi, cmp, expected):
    got = charts.point_value(lo, hi, cmp)
    assert got == expected or (got is None and expected is None)


def test_chartable_drops_rates_words_and_no_data(df):
    q = charts.chartable(df)
    assert len(q) > 100
    assert not q["annual"].any() and (q["kind"] == "quantitative").all() and not q["no_data"].any()
    assert q["target_point"].notna().all()


def test_small_multiples_one_panel_per_indicator_labelled_with_plan_text(df):
    lps = targets.targets_for("520200", df=df)
    q = charts.chartable(lps)
    fig = charts.baseline_vs_target(lps, max_panels=6)
    assert len(fig.data) == 6  # one trace per indicator panel, each on its own axis
    axes = {tr.xaxis for tr in fig.data}
    assert len(axes) == 6
    # comparisons come first: every shown panel with two bars carries the baseline text of that row
    first = fig.data[0]
    row = q[q["target_id"] == first.hovertemplate.split("<extra>")[1].split("</extra>")[0]].iloc[0]
    assert list(first.text)[-1] == row["target_value"]
    if len(first.x) == 2:
        assert list(first.text)[0] == row["baseline_value"] and first.x[0] == pytest.approx(row["baseline_point"])


def test_empty_input_gives_a_message_not_an_error():
    fig = charts.baseline_vs_target(targets.load_targets().head(0))
    assert fig.layout.annotations and "没有" in fig.layout.annotations[0].text


def test_by_year_groups_three_centres_by_year(df):
    rows = df[df["region_code"].str.startswith("lps-center") & df["indicator"].str.contains("人口") & (df["kind"] == "quantitative")]
    fig = charts.by_year(rows, {"lps-center-main": "市中心城区", "lps-center-liuzhi": "六枝", "lps-center-panzhou": "盘州"})
    names = {tr.name for tr in fig.data}
    assert {"市中心城区", "六枝", "盘州"} <= names
    years = {x for tr in fig.data for x in tr.x}
    assert {"2025", "2035"} <= years


def test_milestones_place_targets_at_their_year(df):
    fig = charts.milestones(df)
    xs = [x for tr in fig.data for x in tr.x]
    assert xs and all(2022.5 < x < 2035.5 for x in xs)
    assert sum(len(tr.x) for tr in fig.data) == int(df["target_year"].between(2023, 2035).sum())


def test_district_breakdown_panels_per_indicator(df):
    from urbanmap.target_tables import district_rows

    rows = district_rows(df)
    fig = charts.district_breakdown(rows)
    assert len(fig.data) >= 4
    for tr in fig.data:  # every bar is a district of Liupanshui
        assert all(str(x).endswith(("区", "市", "特区")) for x in tr.x)


def test_the_default_chart_category_is_the_one_with_most_comparisons():
    from urbanmap import targets

    df = targets.load_targets()
    cats = [c for c in targets.CATEGORIES if c in set(df["category"])]
    best = charts.richest_category(df, cats)
    q = charts.chartable(df)
    with_base = q[q["baseline_point"].notna()].groupby("category").size()
    assert with_base[best] == with_base.max() and with_base[best] > 1
    assert charts.richest_category(df.head(0), cats) == cats[0]  # nothing to chart: the first, not an error
