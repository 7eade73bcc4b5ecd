"""Geometry services: areas and lengths against closed formulas, dissolves, overlays, styles."""

from __future__ import annotations

import json
import math

import pyproj
import pytest
import shapely
import yaml
from shapely.geometry import box

from urbanmap import admin, catalog, config, geoservices, layers, measure

@pytest.fixture(scope="module", autouse=True)
def _fresh_data_dir(tmp_path_factory):
    """Read layers through the one loader, from a layer store seeded afresh from geodata/."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("URBANMAP_DATA_DIR", str(tmp_path_factory.mktemp("data")))
        yield


A = 6378137.0
F = 1 / 298.257223563
E2 = F * (2 - F)
E = math.sqrt(E2)
GEOD = pyproj.Geod(ellps="WGS84")


def quadrangle_km2(lon0, lat0, lon1, lat1):
    """Exact area of a lon/lat quadrangle on the WGS-84 ellipsoid (authalic q function)."""

    def q(lat_deg):
        s = math.sin(math.radians(lat_deg))
        return s / (1 - E2 * s * s) - (1 / (2 * E)) * math.log((1 - E * s) / (1 + E * s))

    return A * A * (1 - E2) / 2 * math.radians(lon1 - lon0) * (q(lat1) - q(lat0)) / 1e6


# ---------------------------------------------------------------- measures

@pytest.mark.parametrize("lon0,lat0", [(104.0, 25.0), (125.0, 43.0), (100.0, 21.0)])
def test_area_of_a_one_degree_box_matches_the_ellipsoid_formula(lon0, lat0):
    expected = quadrangle_km2(lon0, lat0, lon0 + 1, lat0 + 1)
    # sanity of the formula itself: close to the spherical estimate (111.2 km)² · cos(mid-latitude)
    assert expected == pytest.approx(111.19 ** 2 * math.cos(math.radians(lat0 + 0.5)), rel=0.01)
    # 1e-6: edges must be densified along the parallels (undensified chords are off by ~2e-5)
    assert geoservices.area_km2(box(lon0, lat0, lon0 + 1, lat0 + 1)) == pytest.approx(expected, rel=1e-6)


def test_area_of_points_and_lines_is_zero_and_of_a_geodataframe_is_its_union():
    assert geoservices.area_km2(shapely.Point(104, 26)) == 0.0
    assert geoservices.area_km2(shapely.LineString([(104, 26), (105, 26)])) == 0.0
    import geopandas as gpd

    gdf = gpd.GeoDataFrame(geometry=[box(104, 25, 104.5, 26), box(104.5, 25, 105, 26)], crs="EPSG:4326")
    assert geoservices.area_km2(gdf) == pytest.approx(quadrangle_km2(104, 25, 105, 26), rel=1e-4)


def test_length_along_the_equator_is_the_arc_of_the_semi_major_axis():
    expected = A * math.radians(1.0) / 1000  # 111.3195 km
    assert geoservices.length_km(shapely.LineString([(100, 0), (101, 0)])) == pytest.approx(expected, rel=1e-6)


def test_length_of_a_meridian_degree():
    # meridian arc 0°→1° on WGS-84 is 110.574 km (standard geodesy tables)
    assert geoservices.length_km(shapely.LineString([(105, 0), (105, 1)])) == pytest.approx(110.574, abs=0.002)


def test_layer_measures_agree_with_geodesic_measures():
    zones = catalog.get_layer("control_zones").set_index("id")
    m = geoservices.layer_measures("control_zones").set_index("key")
    assert set(m.index) == set(zones.index)
    for fid, geom in zones.geometry.items():
        assert m.loc[fid, "area_km2"] == pytest.approx(abs(GEOD.geometry_area_perimeter(geom)[0]) / 1e6, rel=0.005)
    lines = catalog.get_layer("gz_corridors").set_index("id")
    lm = geoservices.layer_measures("gz_corridors").set_index("key")
    for fid, geom in lines.geometry.items():
        assert lm.loc[fid, "length_km"] == pytest.approx(GEOD.geometry_length(geom) / 1000, rel=0.001)
        assert lm.loc[fid, "area_km2"] == 0.0
    # Guiyang → Kunming along the corridor is several hundred km
    assert 400 < lm.loc["gz-guikun-corridor", "length_km"] < 700


# --------------------------------------------------------------- membership

def test_expand_members_handles_counties_prefectures_and_strings():
    assert geoservices.expand_members(["520200"]) == ["520201", "520203", "520204", "520281"]
    assert geoservices.expand_members("520525, 520201") == ["520525", "520201"]
    assert geoservices.expand_members(["520201", "520200"]) == ["520201", "520203", "520204", "520281"]
    with pytest.raises(KeyError):
        geoservices.expand_members(["999999"])


def test_members_geometry_of_a_prefecture_is_the_prefecture():
    pref = admin.load_admin("prefecture").set_index("adcode").geometry["520200"]
    got = geoservices.members_geometry("520200")
    assert measure.area_km2(shapely.symmetric_difference(got, pref)) < 0.01


def test_dissolve_membership_one_row_per_group():
    gdf = geoservices.dissolve_membership({"a": ["520201", "520204"], "b": "520525"})
    assert list(gdf["id"]) == ["a", "b"] and list(gdf["members"]) == ["520201,520204", "520525"]
    counties = admin.load_admin("county").set_index("adcode").geometry
    expected_a = measure.area_km2(counties["520201"]) + measure.area_km2(counties["520204"])
    assert measure.area_km2(gdf.geometry.iloc[0]) == pytest.approx(expected_a, rel=1e-6)
    with pytest.raises(ValueError):
        geoservices.members_geometry([])


# ------------------------------------------------------- intersections: synthetic

ZONE = (102.70, 25.00, 102.72, 25.02)      # a 0.02° square zone
SITE = box(102.71, 25.00, 102.73, 25.02)   # overlaps the zone's east half exactly


@pytest.fixture
def synthetic_geodata(tmp_path, monkeypatch):
    """A geodata dir with one hand-made polygon, line and point layer."""
    feats = {
        "t_zones": [{"id": "z1", "name": "zone", "line_type": "blue"}, box(*ZONE)],
        "t_lines": [{"id": "l1", "name": "line"}, shapely.LineString([(102.705, 25.01), (102.74, 25.01)])],
        "t_points": [{"id": "p1", "name": "point"}, shapely.Point(102.725, 25.015)],
    }
    entries = []
    (tmp_path / "layers").mkdir()
    for lid, (props, geom) in feats.items():
        fc = {"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": props, "geometry": json.loads(shapely.to_geojson(geom))}]}
        (tmp_path / "layers" / f"{lid}.geojson").write_text(json.dumps(fc), encoding="utf-8")
        kind = {"Polygon": "polygon", "LineString": "line", "Point": "point"}[geom.geom_type]
        entries.append({
            "id": lid, "title_zh": lid, "title_en": lid, "group": "control_zones", "geometry": kind,
            "path": f"layers/{lid}.geojson", "key_field": "id", "schematic": False, "region": ["530100"],
            "required_attributes": ["id", "name"] + (["line_type"] if lid == "t_zones" else []),
            "style": {"stroke": "#123456"}, "source": {}, "description_zh": "", "description_en": "",
        })
    (tmp_path / "layers.yaml").write_text(yaml.safe_dump({"layers": entries}), encoding="utf-8")
    monkeypatch.setenv("URBANMAP_GEODATA_DIR", str(tmp_path))
    monkeypatch.setenv("URBANMAP_DATA_DIR", str(tmp_path / "data"))
    assert config.geodata_dir() == tmp_path
    return ["t_zones", "t_lines", "t_points"]


def test_polygon_site_over_half_a_zone(synthetic_geodata):
    df = geoservices.intersect_layers(SITE, synthetic_geodata).set_index("key")
    assert set(df.index) == {"z1", "l1", "p1"}
    half = quadrangle_km2(102.71, 25.00, 102.72, 25.02)
    assert df.loc["z1", "overlap_km2"] == pytest.approx(half, rel=1e-3)
    assert df.loc["z1", "feature_share_pct"] == pytest.approx(50.0, abs=0.05)
    assert df.loc["z1", "site_share_pct"] == pytest.approx(50.0, abs=0.05)
    assert df.loc["z1", "relation"] == "intersects"
    assert df.loc["z1", "line_type"] == "blue"
    # the line runs through the site from 102.71 to 102.73 along 25.01°N
    along = GEOD.line_length([102.71, 102.73], [25.01, 25.01]) / 1000
    assert df.loc["l1", "overlap_length_km"] == pytest.approx(along, rel=1e-3)
    assert df.loc["l1", "overlap_km2"] == 0.0 and df.loc["p1", "overlap_km2"] == 0.0
    assert df.loc["p1", "relation"] == "contains"


def test_point_inside_gives_the_feature_and_outside_gives_nothing(synthetic_geodata):
    inside = geoservices.intersect_layers(shapely.Point(102.701, 25.019), synthetic_geodata)
    assert list(inside["key"]) == ["z1"]
    assert inside.loc[0, "relation"] == "within" and inside.loc[0, "overlap_km2"] == 0.0
    outside = geoservices.intersect_layers(shapely.Point(102.69, 25.03), synthetic_geodata)
    assert outside.empty
    assert list(outside.columns[:len(geoservices.INTERSECT_COLUMNS)]) == geoservices.INTERSECT_COLUMNS


def test_site_touching_a_zone_edge_reports_touches_without_area(synthetic_geodata):
    df = geoservices.intersect_layers(box(102.72, 25.00, 102.725, 25.005), ["t_zones"])
    assert list(df["relation"]) == ["touches"] and list(df["overlap_km2"]) == [0.0]


# ------------------------------------------------------ intersections: real layers

def test_hand_made_polygon_over_half_a_control_zone():
    cuihu = catalog.get_layer("control_zones").set_index("id").geometry["cz-green-1"]
    minx, miny, maxx, maxy = cuihu.bounds
    cx = (minx + maxx) / 2
    west_half = box(minx - 0.001, miny - 0.001, cx, maxy + 0.001)
    df = geoservices.intersect_layers(west_half, ["control_zones"]).set_index("key")
    full = abs(GEOD.geometry_area_perimeter(cuihu)[0]) / 1e6
    assert df.loc["cz-green-1", "overlap_km2"] == pytest.approx(full / 2, rel=0.01)
    assert df.loc["cz-green-1", "line_type"] == "green"
    assert df.loc["cz-green-1", "legal_basis"] == "城市绿线管理办法"
    # the purple ring around 翠湖 is also cut by the half box
    assert df.loc["cz-purple-2", "overlap_km2"] > 0


def test_site_check_point_in_a_historic_block_across_all_layers():
    purple = catalog.get_layer("control_zones").set_index("id").geometry["cz-purple-1"]
    df = geoservices.intersect_layers(shapely.point_on_surface(purple))
    keys = set(df["key"])
    assert "cz-purple-1" in keys
    assert {"yn-dianzhong", "yn-kunming-metro"} <= keys  # 昆明 lies in both
    assert "yn-border-belt" not in keys
    assert not (set(df["group"]) & {"admin"})
    far = geoservices.intersect_layers(shapely.Point(115.0, 35.0))
    assert far.empty


# ------------------------------------------------------------------ styles

def test_style_for_uses_categories_dashes_and_point_radius():
    cz = layers.get_spec("control_zones")
    s = geoservices.style_for(cz, {"line_type": "purple", "schematic": True})
    assert s["color"] == "#6a3d9a" and s["fillColor"] == "#6a3d9a" and s["fill"] is True
    assert s["dashArray"] == geoservices.SCHEMATIC_DASH
    unknown = geoservices.style_for(cz, {"line_type": "orange"})
    assert unknown["color"] == cz.style.stroke
    yn = layers.get_spec("yn_city_system")
    real = geoservices.style_for(yn, {"id": "yn-dianzhong", "schematic": False})
    assert "dashArray" not in real and real["fillColor"] == "#fec44f"
    jl = layers.get_spec("jl_city_system")
    assert geoservices.style_for(jl, {"id": "jl-yanji-changbai-zone", "schematic": True})["dashArray"] == "6 4"
    pts = layers.get_spec("lps_centers")
    p = geoservices.style_for(pts, {"id": "lps-center-liuzhi"})
    assert p["radius"] == pts.style.radius and p["fill"] is True and p["color"] == "#ef3b2c"
    assert "dashArray" not in p


def test_legend_of_the_control_lines():
    entries = geoservices.legend(layers.get_spec("control_zones"), "zh")
    assert [e["value"] for e in entries] == ["blue", "green", "purple", "yellow"]
    assert entries[0]["label"].startswith("蓝线") and entries[3]["label"].startswith("黄线")
    assert [e["style"]["fillColor"] for e in entries] == ["#1f78b4", "#33a02c", "#6a3d9a", "#e6b800"]
    en = geoservices.legend(layers.get_spec("control_zones"), "en")
    assert en[1]["label"].startswith("Green")
    single = geoservices.legend(layers.get_spec("lps_belt"), "en")
    assert len(single) == 1 and single[0]["label"] == layers.get_spec("lps_belt").title_en
