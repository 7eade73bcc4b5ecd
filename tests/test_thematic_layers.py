"""The thematic layers (issue 4): schema, memberships, tiling, seats, 四线, honesty, build.

Expected values here come from the plans and from geography, typed by hand —
never read back from the build code.
"""

from __future__ import annotations

import copy
import filecmp
import re
import shutil

import numpy as np
import pyproj
import pytest
import shapely

from urbanmap import admin, catalog, config, geoservices, layer_build, layers, measure
from urbanmap.cli import main as cli_main

THEMATIC_LAYERS = {
    "yn_city_system": ("clusters", "polygon"),
    "yn_featured_cities": ("clusters", "point"),
    "jl_city_system": ("clusters", "polygon"),
    "jl_border_cities": ("clusters", "point"),
    "gz_town_group": ("clusters", "polygon"),
    "gz_corridors": ("clusters", "line"),
    "lps_centers": ("liupanshui", "point"),
    "lps_belt": ("liupanshui", "polygon"),
    "lps_axes": ("liupanshui", "line"),
    "lps_zones": ("liupanshui", "polygon"),
    "lpscc_lines": ("liupanshui", "line"),
    "lpscc_areas": ("liupanshui", "polygon"),
    "control_zones": ("control_zones", "polygon"),
}

#: The feature ids agreed with the targets team (brief, issue 4).
AGREED_IDS = {
    "yn-kunming-metro", "yn-dianzhong", "yn-border-belt",
    "jl-changchun-metro", "jl-jilin-subcenter", "jl-border-hunchun", "jl-border-linjiang", "jl-border-jian",
    "jl-yanji-changbai-zone",
    "gz-zsn-group", "gz-guikun-corridor", "gz-qianzhong-link",
    "lps-belt", "lps-center-main", "lps-center-liuzhi", "lps-center-panzhou", "lps-axis-liuzhi", "lps-axis-panzhou",
    "lps-zone-north", "lps-zone-east", "lps-zone-south", "lps-zone-central",
    "lpscc-axis", "lpscc-belt", "lpscc-main", "lpscc-luofeiga", "lpscc-wangjiazhai-dahe", "lpscc-yutang",
    "lpscc-airport", "lpscc-laoyingshan",
}

#: Drawn from words (示意); everything else comes from real boundaries or real seats.
SCHEMATIC_IDS = {
    "jl-yanji-changbai-zone", "gz-guikun-corridor", "gz-qianzhong-link",
    "lps-belt", "lps-axis-liuzhi", "lps-axis-panzhou",
    "lps-zone-north", "lps-zone-east", "lps-zone-south", "lps-zone-central",
    "lpscc-axis", "lpscc-belt", "lpscc-main", "lpscc-luofeiga", "lpscc-wangjiazhai-dahe", "lpscc-yutang",
    "lpscc-airport", "lpscc-laoyingshan",
}

KIND = {"Polygon": "polygon", "MultiPolygon": "polygon", "LineString": "line", "MultiLineString": "line",
        "Point": "point", "MultiPoint": "point"}

GEOD = pyproj.Geod(ellps="WGS84")


@pytest.fixture(scope="module", autouse=True)
def _fresh_data_dir(tmp_path_factory):
    """Read layers through the one loader, from a layer store seeded afresh from geodata/."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("URBANMAP_DATA_DIR", str(tmp_path_factory.mktemp("data")))
        yield


def _layer(layer_id):
    return catalog.get_layer(layer_id)


def _feature(layer_id, fid):
    gdf = _layer(layer_id)
    hit = gdf[gdf["id"] == fid]
    assert len(hit) == 1, f"{fid} not found once in {layer_id}"
    return hit.iloc[0]


def _counties():
    return admin.load_admin("county")


def _unit(adcode):
    for level in ("county", "prefecture", "province"):
        gdf = admin.load_admin(level)
        hit = gdf[gdf.adcode == adcode]
        if len(hit):
            return hit.geometry.values[0]
    raise KeyError(adcode)


def _county_codes_of(code):
    """Independent expansion: a county code, or all counties whose parent is ``code``."""
    c = _counties()
    if code in set(c.adcode):
        return [code]
    kids = sorted(c.loc[c.parent_adcode == code, "adcode"])
    assert kids, f"{code} is neither a county nor a prefecture"
    return kids


def _geodesic_area_km2(geom):
    return abs(GEOD.geometry_area_perimeter(geom)[0]) / 1e6


# ---------------------------------------------------------------- schema

def test_manifest_lists_every_thematic_layer_in_its_group():
    specs = {s.id: s for s in layers.load_manifest() if s.group != "admin"}
    assert set(specs) == set(THEMATIC_LAYERS)
    for lid, (group, geometry) in THEMATIC_LAYERS.items():
        assert (specs[lid].group, specs[lid].geometry) == (group, geometry), lid
        assert specs[lid].key_field == "id"


@pytest.mark.parametrize("layer_id", sorted(THEMATIC_LAYERS))
def test_layer_matches_its_manifest_entry(layer_id):
    spec = layers.get_spec(layer_id)
    gdf = _layer(layer_id)
    assert len(gdf) > 0
    missing = set(spec.required_attributes) - set(gdf.columns)
    assert not missing, f"{layer_id} lacks {missing}"
    for col in spec.required_attributes:
        assert gdf[col].notna().all(), f"{layer_id}.{col} has nulls"
    kinds = {KIND[t] for t in gdf.geometry.geom_type}
    assert kinds == {spec.geometry}, f"{layer_id}: {kinds} vs manifest {spec.geometry}"
    assert gdf.geometry.is_valid.all() and not gdf.geometry.is_empty.any()
    assert gdf["id"].is_unique
    assert gdf["schematic"].dtype == bool, "schematic must be a boolean on every feature"
    if spec.schematic:
        assert gdf["schematic"].all(), f"{layer_id} is schematic in the manifest: every feature must say so"
    for fid, sch, note in zip(gdf["id"], gdf["schematic"], gdf.get("schematic_note", [None] * len(gdf))):
        if sch:
            assert isinstance(note, str) and ("示意" in note or "演示" in note), f"{fid}: schematic without a note"
    # inside the manifest's region (bounding box of its units, 0.01° slack)
    minx, miny, maxx, maxy = shapely.union_all([_unit(r) for r in spec.region]).bounds
    bx = gdf.total_bounds
    assert bx[0] >= minx - 0.01 and bx[1] >= miny - 0.01 and bx[2] <= maxx + 0.01 and bx[3] <= maxy + 0.01
    # coordinates rounded to 1e-5°
    xy = shapely.get_coordinates(gdf.geometry.values)
    assert np.allclose(xy, np.round(xy, 5), rtol=0, atol=1e-9)


def test_feature_ids_are_unique_across_all_layers_and_include_the_agreed_ids():
    seen = {}
    for spec in layers.load_manifest():
        for key in _layer(spec.id)[spec.key_field].astype(str):
            assert key not in seen, f"id {key} in both {seen[key]} and {spec.id}"
            seen[key] = spec.id
    thematic = {k for k, lid in seen.items() if lid in THEMATIC_LAYERS}
    assert AGREED_IDS <= thematic, AGREED_IDS - thematic
    assert {f"cz-{t}-{i}" for t in ("blue", "green", "purple", "yellow") for i in (1, 2)} <= thematic


def test_exactly_the_features_drawn_from_words_are_flagged_schematic():
    for lid in THEMATIC_LAYERS:
        gdf = _layer(lid)
        for fid, sch in zip(gdf["id"], gdf["schematic"]):
            expected = fid in SCHEMATIC_IDS or fid.startswith("cz-")
            assert bool(sch) == expected, f"{fid}: schematic={sch}, expected {expected}"


def test_schematic_lines_and_shapes_are_dashed():
    for lid in THEMATIC_LAYERS:
        spec = layers.get_spec(lid)
        if spec.geometry == "point":
            continue
        for rec in _layer(lid).drop(columns="geometry").to_dict("records"):
            style = geoservices.style_for(spec, rec)
            assert ("dashArray" in style) is bool(rec["schematic"]), (lid, rec["id"], style)
    for lid in ("gz_corridors", "lps_axes", "lpscc_lines"):
        assert layers.get_spec(lid).style.dash, f"{lid}: schematic line layer must be dashed in the manifest"


# ------------------------------------------------------------ memberships

CLUSTER_LAYERS = ("yn_city_system", "jl_city_system", "gz_town_group")


def test_cluster_polygons_equal_the_union_of_their_member_counties():
    checked = 0
    for lid in CLUSTER_LAYERS:
        gdf = _layer(lid)
        counties = _counties().set_index("adcode")
        for fid, members, geom, sch in zip(gdf["id"], gdf["members"], gdf.geometry, gdf["schematic"]):
            if sch:
                continue
            codes = [c for m in members.split(",") for c in _county_codes_of(m.strip())]
            expected = shapely.union_all(counties.loc[codes].geometry.values)
            diff = measure.area_km2(shapely.symmetric_difference(geom, expected))
            assert diff < 1e-6 * measure.area_km2(expected) + 0.01, f"{fid}: differs from its members by {diff:.3f} km²"
            checked += 1
    assert checked == 6


@pytest.mark.parametrize("fid,layer_id,members", [
    ("yn-dianzhong", "yn_city_system", {"530100", "530300", "530400", "532300", "532500"}),  # 滇中五州(市)
    ("jl-changchun-metro", "jl_city_system", {"220100", "220200", "220300", "220400"}),      # 长吉四辽
    ("jl-jilin-subcenter", "jl_city_system", {"220200"}),
    ("gz-zsn-group", "gz_town_group", {"520201", "520204", "520525"}),                      # 钟山、水城、纳雍
    # Yunnan's eight border prefectures: 保山 普洱 临沧 红河 文山 西双版纳 德宏 怒江
    ("yn-border-belt", "yn_city_system", {"530500", "530800", "530900", "532500", "532600", "532800", "533100", "533300"}),
])
def test_memberships_follow_the_plans(fid, layer_id, members):
    row = _feature(layer_id, fid)
    assert set(row["members"].split(",")) == members
    assert row["membership_basis"].startswith(("000", "004", "003"))  # quotes its seed
    assert not bool(row["membership_assumed"])


def test_border_belt_members_touch_a_foreign_country_and_others_do_not():
    ctx = admin.load_admin("context")
    abroad = measure.to_equal_area(shapely.union_all(ctx[ctx.adcode.isin(["MMR", "LAO", "VNM"])].geometry.values))
    members = set(_feature("yn_city_system", "yn-border-belt")["members"].split(","))
    prefs = admin.load_admin("prefecture")
    for code, geom in zip(prefs.adcode, prefs.geometry.values):
        if not code.startswith("53"):
            continue
        dist_km = shapely.distance(measure.to_equal_area(geom), abroad) / 1000
        if code in members:
            assert dist_km < 1.0, f"{code} is a member but {dist_km:.1f} km from the border"
        else:
            assert dist_km > 10.0, f"{code} is {dist_km:.1f} km from the border but not a member"


def test_kunming_metro_membership_is_marked_as_an_assumption():
    row = _feature("yn_city_system", "yn-kunming-metro")
    assert bool(row["membership_assumed"])
    assert "假设" in row["membership_basis"]
    codes = set(row["members"].split(","))
    assert set(_county_codes_of("530100")) <= {c for m in codes for c in _county_codes_of(m)}


# --------------------------------------------------------------- Liupanshui

def test_four_zones_tile_the_liupanshui_boundary():
    city = _unit("520200")
    zones = _layer("lps_zones").set_index("id")
    assert set(zones.index) == {"lps-zone-north", "lps-zone-east", "lps-zone-south", "lps-zone-central"}
    total = measure.area_km2(city)
    union = shapely.union_all(zones.geometry.values)
    assert abs(measure.area_km2(union) - total) < 0.005 * total
    assert measure.area_km2(shapely.symmetric_difference(union, city)) < 0.005 * total
    geoms = list(zones.geometry.values)
    for i in range(len(geoms)):
        for j in range(i + 1, len(geoms)):
            assert measure.area_km2(shapely.intersection(geoms[i], geoms[j])) < 0.001 * total


def test_four_zones_follow_the_plan_text():
    z = _layer("lps_zones").set_index("id").geometry
    zhongshan, liuzhi, shuicheng, panzhou = (_unit(c) for c in ("520201", "520203", "520204", "520281"))
    a = measure.area_km2
    # 北部 = 钟山区全域 + 水城区北部
    assert a(shapely.difference(zhongshan, z["lps-zone-north"])) < 0.01
    north_in_shuicheng = a(shapely.intersection(z["lps-zone-north"], shuicheng))
    assert 0.05 * a(shuicheng) < north_in_shuicheng < 0.5 * a(shuicheng)
    # 东部 = 六枝特区郎岱以北: inside 六枝, most of it
    assert a(shapely.difference(z["lps-zone-east"], liuzhi)) < 0.01
    assert a(z["lps-zone-east"]) > 0.7 * a(liuzhi)
    # 南部 = 盘州柏果至英武以南大部分区域
    assert a(shapely.difference(z["lps-zone-south"], panzhou)) < 0.01
    assert a(z["lps-zone-south"]) > 0.5 * a(panzhou)
    # the seats: 市中心城区 in the north, 六枝 seat in the east, 盘州 seat 红果 in the south
    pts = _layer("lps_centers").set_index("id").geometry
    assert z["lps-zone-north"].contains(pts["lps-center-main"])
    assert z["lps-zone-east"].contains(pts["lps-center-liuzhi"])
    assert z["lps-zone-south"].contains(pts["lps-center-panzhou"])
    # 中部 reaches into all three of 水城、六枝、盘州
    for county in (shuicheng, liuzhi, panzhou):
        assert a(shapely.intersection(z["lps-zone-central"], county)) > 1.0


@pytest.mark.parametrize("fid,district", [
    ("lps-center-main", "520201"), ("lps-center-liuzhi", "520203"), ("lps-center-panzhou", "520281"),
])
def test_three_centres_fall_inside_their_districts(fid, district):
    pt = _feature("lps_centers", fid).geometry
    assert _unit(district).contains(pt)


@pytest.mark.parametrize("layer_id,fid,counties", [
    ("yn_featured_cities", "yn-city-kunming", {"530102", "530103", "530111", "530112"}),  # 昆明主城四区
    ("yn_featured_cities", "yn-city-lijiang", {"530702"}),     # 古城区
    ("yn_featured_cities", "yn-city-jinghong", {"532801"}),    # 景洪市
    ("yn_featured_cities", "yn-city-qujing", {"530302"}),      # 麒麟区
    ("yn_featured_cities", "yn-city-yuxi", {"530402"}),        # 红塔区
    ("yn_featured_cities", "yn-city-dali", {"532901"}),        # 大理市
    ("yn_featured_cities", "yn-city-puer", {"530802"}),        # 思茅区
    ("yn_featured_cities", "yn-city-shangri-la", {"533401"}),
    ("yn_featured_cities", "yn-city-chengjiang", {"530481"}),
    ("yn_featured_cities", "yn-city-mile", {"532504"}),
    ("yn_featured_cities", "yn-city-jianshui", {"532524"}),
    ("jl_border_cities", "jl-border-hunchun", {"222404"}),
    ("jl_border_cities", "jl-border-linjiang", {"220681"}),
    ("jl_border_cities", "jl-border-jian", {"220582"}),
])
def test_seat_points_fall_inside_their_counties(layer_id, fid, counties):
    row = _feature(layer_id, fid)
    assert row["county_adcode"] in counties
    assert _unit(row["county_adcode"]).contains(row.geometry)


def test_liupanshui_schematic_elements_stay_in_the_municipality():
    city = _unit("520200")
    for lid in ("lps_belt", "lps_zones", "lpscc_areas", "lpscc_lines", "lps_axes"):
        for fid, g in zip(_layer(lid)["id"], _layer(lid).geometry):
            outside = shapely.difference(g, shapely.buffer(city, 1e-4))
            assert outside.is_empty or measure.area_km2(outside) + measure.length_km(outside) < 0.01, fid
    lpscc = _layer("lpscc_areas").set_index("id")
    assert set(lpscc.index) == {"lpscc-main", "lpscc-belt", "lpscc-luofeiga", "lpscc-wangjiazhai-dahe",
                                "lpscc-yutang", "lpscc-airport", "lpscc-laoyingshan"}
    # the five outer areas and the belt lie outside the main city
    main = lpscc.geometry["lpscc-main"]
    for fid, g in lpscc.geometry.items():
        if fid != "lpscc-main":
            assert measure.area_km2(shapely.intersection(g, main)) < 0.001, fid
    # the belt lies north of the main city
    assert lpscc.geometry["lpscc-belt"].centroid.y > main.centroid.y


def test_axes_run_from_the_main_centre_to_each_sub_centre():
    centres = _layer("lps_centers").set_index("id").geometry
    axes = _layer("lps_axes").set_index("id").geometry
    for axis, end in (("lps-axis-liuzhi", "lps-center-liuzhi"), ("lps-axis-panzhou", "lps-center-panzhou")):
        coords = list(axes[axis].coords)
        assert shapely.Point(coords[0]).distance(centres["lps-center-main"]) < 1e-5
        assert shapely.Point(coords[-1]).distance(centres[end]) < 1e-5


def test_beipan_belt_is_a_corridor_of_a_few_km():
    belt = _feature("lps_belt", "lps-belt").geometry
    city = _unit("520200")
    area = measure.area_km2(belt)
    assert 0.03 * measure.area_km2(city) < area < 0.2 * measure.area_km2(city)


# ------------------------------------------------------------------- 四线

LINE_TYPES = {
    "blue": ("蓝线", "城市蓝线管理办法", "#1f78b4"),
    "green": ("绿线", "城市绿线管理办法", "#33a02c"),
    "purple": ("紫线", "城市紫线管理办法", "#6a3d9a"),
    "yellow": ("黄线", "城市黄线管理办法", "#e6b800"),
}


def test_control_zones_manifest_says_demonstration_and_colours_by_type():
    spec = layers.get_spec("control_zones")
    assert spec.extra.get("demonstration") is True
    assert "演示" in spec.description_zh and "上传" in spec.description_zh
    assert "emonstration" in spec.description_en
    cats = spec.style.categories
    assert cats["field"] == "line_type"
    assert {k: v.lower() for k, v in cats["values"].items()} == {k: v[2] for k, v in LINE_TYPES.items()}


def test_control_zones_attributes_colours_and_areas():
    gdf = _layer("control_zones")
    spec = layers.get_spec("control_zones")
    kunming = _unit("530100")
    counts = gdf["line_type"].value_counts().to_dict()
    assert set(counts) == set(LINE_TYPES) and min(counts.values()) >= 2
    for rec, geom in zip(gdf.drop(columns="geometry").to_dict("records"), gdf.geometry):
        zh, law, colour = LINE_TYPES[rec["line_type"]]
        assert rec["line_type_zh"] == zh and rec["legal_basis"] == law
        assert rec["demonstration"] is True and rec["schematic"] is True
        assert "示意" in rec["name"]
        assert re.fullmatch(rf"cz-{rec['line_type']}-\d+", rec["id"])
        assert rec["area_km2"] == pytest.approx(_geodesic_area_km2(geom), rel=0.005)
        assert kunming.contains(geom)
        style = geoservices.style_for(spec, rec)
        assert style["color"].lower() == colour and style["fillColor"].lower() == colour
    geoms = list(gdf.geometry)
    for i in range(len(geoms)):
        for j in range(i + 1, len(geoms)):
            assert measure.area_km2(shapely.intersection(geoms[i], geoms[j])) < 1e-4


# --------------------------------------------------------------- honesty

def test_descriptions_are_short_verbatim_plan_text():
    seeds = config.seeds_dir()
    assert seeds.is_dir(), f"plan texts not found at {seeds} (set URBANMAP_SEEDS_DIR)"
    for lid in THEMATIC_LAYERS:
        for rec in _layer(lid).drop(columns="geometry").to_dict("records"):
            text = (seeds / rec["source"]).read_text(encoding="utf-8")
            assert len(rec["description"]) <= 90, rec["id"]
            for part in rec["description"].split("……"):
                assert part and part in text, f"{rec['id']}: {part!r} is not in {rec['source']}"
            assert rec["source_section"], rec["id"]


def test_every_place_in_the_sources_states_it_is_approximate():
    src = layer_build.load_sources()
    for key, place in src["places"].items():
        assert place.get("note"), key
        lon, lat = place["lonlat"]
        assert 97 < lon < 132 and 20 < lat < 47, key


# ----------------------------------------------------------------- build

@pytest.fixture(scope="module")
def built_twice(tmp_path_factory):
    a, b = tmp_path_factory.mktemp("build_a"), tmp_path_factory.mktemp("build_b")
    return a, layer_build.build(a), b, layer_build.build(b)


def test_build_is_deterministic_and_matches_the_committed_layers(built_twice):
    a, summary, b, _ = built_twice
    assert set(summary) == set(THEMATIC_LAYERS)
    committed = config.geodata_dir() / "layers"
    for lid in summary:
        assert (a / f"{lid}.geojson").read_bytes() == (b / f"{lid}.geojson").read_bytes(), lid
        assert filecmp.cmp(a / f"{lid}.geojson", committed / f"{lid}.geojson", shallow=False), (
            f"{lid}: committed file is stale; run `urbanmap build-layers`")


def test_layers_are_small(built_twice):
    _, summary, _, _ = built_twice
    assert all(info["bytes"] < 300_000 for info in summary.values()), summary
    assert sum(info["bytes"] for info in summary.values()) < 600_000


def test_layers_doc_lists_every_layer_with_its_current_count_and_size():
    doc = (config.geodata_dir() / "LAYERS.md").read_text(encoding="utf-8")
    for lid in THEMATIC_LAYERS:
        row = next((line for line in doc.splitlines() if line.startswith(f"| `{lid}` |")), None)
        assert row, f"{lid} missing from LAYERS.md"
        cells = [c.strip() for c in row.strip("|").split("|")]
        size_kib = (config.geodata_dir() / "layers" / f"{lid}.geojson").stat().st_size / 1024
        assert int(cells[4]) == len(_layer(lid)), lid
        assert cells[5] == f"{size_kib:.1f} KiB", lid


def test_build_refuses_a_seat_outside_its_county():
    src = copy.deepcopy(layer_build.load_sources())
    src["places"]["lps_main"]["lonlat"] = [105.476, 26.213]  # 六枝's seat, not in 钟山区
    with pytest.raises(layer_build.BuildError, match="lps_main"):
        layer_build.build_all(src)


def test_build_refuses_a_border_belt_that_disagrees_with_the_boundaries():
    src = copy.deepcopy(layer_build.load_sources())
    feats = src["layers"]["yn_city_system"]["features"]
    belt = next(f for f in feats if f["id"] == "yn-border-belt")
    belt["members"] = [m for m in belt["members"] if m != "533300"]  # drop 怒江
    with pytest.raises(layer_build.BuildError, match="border prefectures"):
        layer_build.build_all(src)


def test_cli_builds_and_checks(tmp_path, capsys):
    out = tmp_path / "layers"
    assert cli_main(["build-layers", "-o", str(out), "--no-doc"]) == 0
    assert {p.stem for p in out.glob("*.geojson")} == set(THEMATIC_LAYERS)
    assert cli_main(["build-layers", "--check", "-o", str(out)]) == 0
    stale = tmp_path / "stale"
    shutil.copytree(out, stale)
    (stale / "lps_zones.geojson").write_text("{}", encoding="utf-8")
    assert cli_main(["build-layers", "--check", "-o", str(stale)]) == 1
    assert "lps_zones" in capsys.readouterr().err
