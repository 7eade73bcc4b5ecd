"""Readable target tables, filters and downloads."""

import io

import pandas as pd
import pytest

from urbanmap import target_tables, targets


@pytest.fixture(scope="module")
def df():
    return targets.load_targets()


def test_readable_has_source_and_quote_for_every_row(df):
    t = target_tables.readable(df, "zh", with_region=True)
    assert len(t) == len(df)
    assert (t["来源"].str.match(r"^00[0-4] · .+")).all()
    assert (t["原文摘录"] == df["source_quote"].values).all()


def test_readable_english_headers_and_meaning(df):
    t = target_tables.readable(df[df["target_value"] == "8以上"], "en")
    assert list(t.columns)[:3] == ["ID", "Indicator", "Unit"]
    assert t["Meaning"].str.contains("at least 8").all()


def test_filters_combine(df):
    out = target_tables.filter_targets(df, regions=["520200"], categories=["人口与城镇化"], years=[2025], kinds=["quantitative"])
    assert len(out) > 0
    assert (out["region_code"] == "520200").all() and (out["category"] == "人口与城镇化").all()
    assert (out["target_year"] == 2025).all() and (out["kind"] == "quantitative").all()
    assert len(target_tables.filter_targets(df, text="棚户区")) > 0
    assert target_tables.filter_targets(df, text="zzzz-nothing").empty


def test_downloads_round_trip(df):
    t = target_tables.readable(df.head(20), "zh")
    csv = target_tables.to_csv_bytes(t)
    assert csv.startswith(b"\xef\xbb\xbf")  # BOM for Excel
    back = pd.read_csv(io.BytesIO(csv), encoding="utf-8-sig", dtype=str)
    assert list(back["编号"]) == list(t["编号"])
    xlsx = target_tables.to_excel_bytes(t)
    back = pd.read_excel(io.BytesIO(xlsx), dtype=str)
    assert list(back["指标"]) == list(t["指标"])


def test_district_rows_are_per_district_of_zhuanlan6(df):
    rows = target_tables.district_rows(df)
    assert len(rows) >= 20
    assert set(rows["region_code"]) <= {"520201", "520203", "520204", "520281"}
    assert rows["source_section"].str.contains("专栏6").all()
