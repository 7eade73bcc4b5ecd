"""diff_layers: added / removed / changed by key, equal-area km², attribute changes."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pytest
import shapely

from test_upload_fixtures import LIUZHI, ZHONGSHAN, gdf_geojson, lps_gdf, spec, square
from urbanmap.upload import diff_layers, validate_upload


def _layer(rows: list[tuple[str, str, object]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"id": [r[0] for r in rows], "name": [r[1] for r in rows]},
                            geometry=[r[2] for r in rows], crs="EPSG:4326")


def _approx_square_km2(lat: float, d: float) -> float:
    """Area of a d°×d° cell by the spherical-Earth formula (independent of the code under test)."""
    r = 6371.0088
    return r * r * math.radians(d) * (math.sin(math.radians(lat + d)) - math.sin(math.radians(lat)))


@pytest.fixture
def versions():
    current = _layer([
        ("a", "甲", square(104.60, 26.50, 0.1)),
        ("b", "乙", square(*ZHONGSHAN, 0.1)),
        ("c", "丙", square(*LIUZHI, 0.1)),
    ])
    new = _layer([
        ("b", "乙", square(*ZHONGSHAN, 0.2)),  # grown: 4× the area
        ("c", "丙（调整）", square(*LIUZHI, 0.1)),  # renamed only
        ("d", "丁", square(104.95, 26.70, 0.05)),  # new
    ])
    return current, new


def test_added_removed_changed(versions):
    diff = diff_layers(*versions, "id")
    assert diff.added == ["d"] and diff.removed == ["a"]
    assert sorted(diff.changed) == ["b", "c"] and diff.unchanged == 0
    assert diff.geometry_changed == ["b"]


def test_area_change_per_feature(versions):
    diff = diff_layers(*versions, "id")
    rows = diff.area_change.set_index("key")
    assert list(diff.area_change.columns) == ["key", "name", "area_before_km2", "area_after_km2", "delta_km2", "delta_pct"]
    b = rows.loc["b"]
    assert b["area_before_km2"] == pytest.approx(_approx_square_km2(ZHONGSHAN[1], 0.1), rel=5e-3)
    assert b["area_after_km2"] == pytest.approx(_approx_square_km2(ZHONGSHAN[1], 0.2), rel=5e-3)
    assert b["delta_pct"] == pytest.approx(300.0, abs=1.5)
    assert b["name"] == "乙"
    d = rows.loc["d"]
    assert math.isnan(d["area_before_km2"]) and d["delta_km2"] == pytest.approx(d["area_after_km2"])
    a = rows.loc["a"]
    assert math.isnan(a["area_after_km2"]) and a["delta_km2"] == pytest.approx(-a["area_before_km2"])
    assert rows.loc["c", "delta_km2"] == pytest.approx(0.0, abs=1e-9)
    assert diff.area_change["key"].iloc[0] == "b"  # biggest change first


def test_attribute_changes(versions):
    diff = diff_layers(*versions, "id")
    changes = diff.attribute_changes
    assert changes.to_dict("records") == [{"key": "c", "field": "name", "before": "丙", "after": "丙（调整）"}]


def test_round_trip_noise_and_number_types_are_not_changes():
    current = _layer([("b", "乙", square(*ZHONGSHAN, 0.1))]).assign(rank=[1])
    jitter = shapely.transform(current.geometry.values, lambda xy: xy + 1e-12)
    new = current.copy()
    new["geometry"] = jitter
    new["rank"] = [1.0]
    diff = diff_layers(current, new, "id")
    assert not diff.has_changes and diff.unchanged == 1
    assert diff.area_change.empty and diff.attribute_changes.empty


def test_reordered_ring_is_not_a_change():
    poly = square(*ZHONGSHAN, 0.1)
    coords = list(poly.exterior.coords)[:-1]
    rotated = shapely.Polygon(coords[2:] + coords[:2])
    diff = diff_layers(_layer([("b", "乙", poly)]), _layer([("b", "乙", rotated)]), "id")
    assert diff.changed == []


def test_new_field_is_reported():
    current = _layer([("b", "乙", square(*ZHONGSHAN, 0.1))])
    new = current.assign(line_type=["blue"])
    diff = diff_layers(current, new, "id")
    assert diff.changed == ["b"]
    assert diff.attribute_changes.to_dict("records") == [{"key": "b", "field": "line_type", "before": None, "after": "blue"}]


def test_summary_in_both_languages(versions):
    diff = diff_layers(*versions, "id")
    zh, en = diff.summary("zh"), diff.summary("en")
    assert "新增 1 个" in zh and "删除 1 个" in zh and "修改 2 个" in zh and "km²" in zh
    assert "1 added, 1 removed, 2 changed, 0 unchanged" in en
    same = diff_layers(versions[0], versions[0], "id")
    assert same.summary("en") == "No changes: all 3 features are identical."
    assert "没有变化" in same.summary("zh")


def test_duplicate_keys_are_refused():
    dup = _layer([("a", "甲", square(*ZHONGSHAN)), ("a", "乙", square(*LIUZHI))])
    with pytest.raises(ValueError, match="duplicate"):
        diff_layers(dup, dup.iloc[:1], "id")


def test_numeric_and_text_keys_match():
    current = gpd.GeoDataFrame({"adcode": ["520201"], "name": ["钟山区"]}, geometry=[square(*ZHONGSHAN)], crs="EPSG:4326")
    new = gpd.GeoDataFrame({"adcode": [520201], "name": ["钟山区"]}, geometry=[square(*ZHONGSHAN)], crs="EPSG:4326")
    diff = diff_layers(current, new, "adcode")
    assert diff.unchanged == 1 and not diff.added and not diff.removed


def test_validated_upload_diffs_cleanly_against_its_source():
    source = lps_gdf()
    result = validate_upload(gdf_geojson(source), "a.geojson", spec())
    diff = diff_layers(source, result.gdf, "id")
    assert not diff.has_changes and diff.unchanged == 2
    areas = diff_layers(source.iloc[:1], result.gdf, "id").area_change
    assert list(areas["key"]) == ["lps-center-liuzhi"]
    assert areas["area_after_km2"].iloc[0] == pytest.approx(_approx_square_km2(LIUZHI[1], 0.02), rel=5e-3)
    assert np.isnan(areas["area_before_km2"].iloc[0])
