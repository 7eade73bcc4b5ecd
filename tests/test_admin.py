"""The committed admin boundaries: counts, hierarchy, coverage, fidelity, size."""

from pathlib import Path

import numpy as np
import pytest
import shapely

from urbanmap import admin, gcj02, measure
from urbanmap.geodata_build import build, find_source, read_index

ADMIN_DIR = Path(__file__).resolve().parents[1] / "geodata" / "admin"


@pytest.fixture(scope="module")
def counties():
    return admin.load_admin("county")


@pytest.fixture(scope="module")
def prefectures():
    return admin.load_admin("prefecture")


@pytest.fixture(scope="module")
def source():
    return find_source()


@pytest.mark.parametrize("prov,expected", [("53", 129), ("52", 88), ("22", 60)])
def test_county_counts_match_the_source(counties, source, prov, expected):
    assert (counties.adcode.str[:2] == prov).sum() == expected
    # and the source index says the same
    idx = read_index(source)
    assert ((idx.level == "county") & (idx.adcode.str[:2] == prov)).sum() == expected


def test_every_county_has_a_prefecture_of_its_own_province(counties, prefectures):
    pref_codes = set(prefectures.adcode)
    assert counties.parent_adcode.isin(pref_codes).all()
    assert (counties.parent_adcode.str[:2] == counties.adcode.str[:2]).all()
    assert (prefectures.parent_adcode == prefectures.adcode.str[:2] + "0000").all()
    assert set(counties.level) == {"county"} and set(prefectures.level) == {"prefecture"}


def test_known_units_are_present(counties, prefectures):
    names = dict(zip(counties.adcode, counties.name))
    assert names["520201"] == "钟山区" and names["520281"] == "盘州市"
    assert dict(zip(prefectures.adcode, prefectures.name))["520200"] == "六盘水市"


def test_counties_form_a_coverage_without_overlaps(counties):
    geoms = counties.geometry.values
    assert shapely.is_valid(geoms).all()
    assert shapely.coverage_is_valid(geoms)
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    keep = left < right
    overlap_m2 = shapely.area(measure.to_equal_area(shapely.intersection(geoms[left[keep]], geoms[right[keep]])))
    assert overlap_m2.max() < 1.0  # float noise at most


def test_prefecture_is_exactly_the_union_of_its_counties(counties, prefectures):
    for row in prefectures.itertuples():
        members = counties[counties.parent_adcode == row.adcode].geometry.values
        assert len(members) > 0
        union = shapely.union_all(members)
        diff_km2 = measure.area_km2(union.symmetric_difference(row.geometry))
        assert diff_km2 < 1e-3, (row.adcode, diff_km2)


def test_prefecture_areas_within_one_percent_of_the_source(prefectures, source):
    idx = read_index(source)
    paths = dict(zip(idx.adcode, idx.path))
    for row in prefectures.itertuples():
        raw = gcj02.geometry_gcj02_to_wgs84(source.geometry(paths[row.adcode]))
        raw_km2, ours_km2 = measure.area_km2(raw), measure.area_km2(row.geometry)
        assert abs(ours_km2 - raw_km2) / raw_km2 < 0.01, (row.name, raw_km2, ours_km2)


def test_provinces_are_the_union_of_their_prefectures(prefectures):
    provinces = admin.load_admin("province")
    assert sorted(provinces.adcode) == ["220000", "520000", "530000"]
    for row in provinces.itertuples():
        union = shapely.union_all(prefectures[prefectures.parent_adcode == row.adcode].geometry.values)
        assert measure.area_km2(union.symmetric_difference(row.geometry)) < 1e-3


def test_boundaries_are_wgs84_not_gcj02(source, counties):
    """Our 钟山区 sits ~475 m from the raw Amap geometry, shifted as the inverse GCJ offset."""
    idx = read_index(source)
    raw = source.geometry(idx.loc[idx.adcode == "520201", "path"].iloc[0])
    ours = counties.loc[counties.adcode == "520201", "geometry"].iloc[0]
    shift_m = measure.hausdorff_m(shapely.centroid(raw), shapely.centroid(ours))
    assert 400 < shift_m < 550
    back = gcj02.geometry_wgs84_to_gcj02(ours)
    assert measure.hausdorff_m(shapely.centroid(raw), shapely.centroid(back)) < 30


def test_committed_admin_layers_are_small():
    total = sum(p.stat().st_size for p in ADMIN_DIR.glob("*.geojson"))
    assert 0 < total <= 4 * 1024 * 1024


@pytest.mark.slow
def test_build_is_deterministic(tmp_path):
    build(tmp_path, built="2000-01-01")
    for name in ("province.geojson", "prefecture.geojson", "county.geojson", "context.geojson"):
        assert (tmp_path / name).read_bytes() == (ADMIN_DIR / name).read_bytes(), name
