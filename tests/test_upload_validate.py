"""validate_upload: CRS, encoding, extent, geometry, attributes, caps — and it writes nothing."""

from __future__ import annotations

import os
import tempfile

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely
from shapely.geometry import LineString, Point, Polygon

from test_upload_fixtures import (
    CHANGCHUN, KUNMING, LIUZHI, ZHONGSHAN, bowtie, control_zone_spec, feature, gdf_geojson, geojson_bytes, lps_gdf,
    rejected, shapefile_parts, shapefile_zip, spec, square, with_nan_vertex, zip_bytes,
)
from urbanmap import gcj02
from urbanmap.upload import Limits, UploadOptions, validate_upload


def _first_vertex(result) -> tuple[float, float]:
    return tuple(shapely.get_coordinates(result.gdf.geometry.iloc[0])[0])


# --------------------------------------------------------------------------- Gauss-Krüger + GBK


@pytest.mark.parametrize("epsg", [4544, 4523])  # CGCS2000 3° GK CM 105°E, without / with the zone prefix
def test_gbk_shapefile_in_gauss_krueger(epsg):
    data = shapefile_zip(lps_gdf().to_crs(f"EPSG:{epsg}"), "GBK")
    result = validate_upload(data, "六盘水.zip", spec())
    assert result.source_format == "ESRI Shapefile"
    assert result.source_crs == f"EPSG:{epsg}"
    assert result.encoding == "GBK"
    assert result.gdf.crs.to_epsg() == 4326
    assert list(result.gdf["name"]) == ["市中心城区", "六枝特区中心城区"]
    assert _first_vertex(result) == pytest.approx(ZHONGSHAN, abs=1e-7)
    assert not result.warnings


def test_gbk_shapefile_without_cpg_is_detected():
    data = shapefile_zip(lps_gdf().to_crs("EPSG:4544"), "GBK", cpg=False)
    result = validate_upload(data, "六盘水.zip", spec())
    assert list(result.gdf["name"]) == ["市中心城区", "六枝特区中心城区"]
    assert result.encoding == "GBK"
    notice = [w for w in result.warnings if w.code == "encoding_detected"]
    assert notice and "GBK" in notice[0].message("zh") and "GBK" in str(notice[0])


def test_gbk_field_names_are_decoded_too():
    gdf = lps_gdf().rename(columns={"name": "名称"})
    result = validate_upload(shapefile_zip(gdf, "GBK", cpg=False), "a.zip", spec(required=("id", "名称")))
    assert list(result.gdf["名称"]) == ["市中心城区", "六枝特区中心城区"]


def test_undetectable_encoding_asks_instead_of_showing_mojibake():
    gdf = lps_gdf().assign(name=["Café Ñandú", "Crème brûlée"])
    data = shapefile_zip(gdf, "cp1252", cpg=False)
    err = rejected("bad_encoding", data, "a.zip")
    assert "GBK" in err.choices and "ISO-8859-1" in err.choices
    result = validate_upload(data, "a.zip", spec(), UploadOptions(encoding="ISO-8859-1"))
    assert list(result.gdf["name"]) == ["Café Ñandú", "Crème brûlée"]


def test_wrong_encoding_choice_is_an_error_not_mojibake():
    data = shapefile_zip(lps_gdf(), "GBK")
    err = rejected("encoding_failed", data, "a.zip", options=UploadOptions(encoding="UTF-8"))
    assert "UTF-8" in err.message("en")


def test_cpg_naming_garbage_asks_for_the_encoding():
    parts = shapefile_parts(lps_gdf(), "GBK")
    parts["data.cpg"] = b"/etc/passwd"
    rejected("bad_encoding", zip_bytes(parts), "a.zip")


def test_unknown_encoding_option_is_refused():
    rejected("bad_option", gdf_geojson(lps_gdf()), "a.geojson", options=UploadOptions(encoding="rot13"))


def test_non_utf8_geojson():
    text = gdf_geojson(lps_gdf()).decode("utf-8").encode("gbk")
    result = validate_upload(text, "a.geojson", spec())
    assert list(result.gdf["name"]) == ["市中心城区", "六枝特区中心城区"]
    assert any(w.code == "encoding_detected" for w in result.warnings)


# --------------------------------------------------------------------------- missing CRS: choose, never guess


def test_missing_prj_offers_the_right_zones():
    data = shapefile_zip(lps_gdf().to_crs("EPSG:4544"), "GBK", prj=False)
    err = rejected("no_crs", data, "a.zip")
    assert err.choices[0] == "EPSG:4544"  # 六盘水 lies in the zone centred on 105°E
    result = validate_upload(data, "a.zip", spec(), UploadOptions(crs="EPSG:4544"))
    assert result.source_crs == "EPSG:4544"
    assert _first_vertex(result) == pytest.approx(ZHONGSHAN, abs=1e-7)


def test_missing_prj_with_zone_prefix_names_that_zone():
    data = shapefile_zip(lps_gdf().to_crs("EPSG:4523"), "GBK", prj=False)
    err = rejected("no_crs", data, "a.zip")
    assert err.choices == ["EPSG:4523"]


def test_missing_prj_in_degrees_offers_geographic_and_gcj02():
    err = rejected("no_crs", shapefile_zip(lps_gdf(), "GBK", prj=False), "a.zip")
    assert set(err.choices) == {"EPSG:4490", "EPSG:4326", "GCJ-02"}


def test_geojson_in_metres_without_crs_asks():
    data = gdf_geojson(lps_gdf().to_crs("EPSG:4544"))
    err = rejected("no_crs", data, "a.geojson")
    assert "EPSG:4544" in err.choices


@pytest.mark.parametrize("bad", ["+init=/etc/passwd:x", "/etc/passwd", "EPSG:999999", "WGS84; DROP", ""])
def test_crs_choice_must_be_an_epsg_code_or_gcj02(bad):
    rejected("bad_option", gdf_geojson(lps_gdf()), "a.geojson", options=UploadOptions(crs=bad))


def test_gcj02_explicit_choice():
    wgs = lps_gdf()
    gcj = wgs.copy()
    gcj["geometry"] = gcj02.geometry_wgs84_to_gcj02(wgs.geometry.values)
    data = gdf_geojson(gcj)
    as_is = validate_upload(data, "amap.geojson", spec())  # GeoJSON = WGS-84 unless the user says otherwise
    shifted = np.hypot(*(np.subtract(_first_vertex(as_is), ZHONGSHAN) * [111e3 * np.cos(np.radians(26.6)), 111e3]))
    assert 300 < shifted < 700  # GCJ-02 is offset by a few hundred metres here
    result = validate_upload(data, "amap.geojson", spec(), UploadOptions(crs="GCJ-02"))
    assert result.source_crs == "GCJ-02"
    assert _first_vertex(result) == pytest.approx(ZHONGSHAN, abs=1e-6)
    assert [w.code for w in result.warnings] == ["gcj02_converted"]


def test_choice_overriding_a_declared_crs_is_noted():
    data = geojson_bytes([feature({"id": "a", "name": "甲"}, square(*ZHONGSHAN))],
                         crs={"type": "name", "properties": {"name": "EPSG:4490"}})
    result = validate_upload(data, "a.geojson", spec(), UploadOptions(crs="GCJ-02"))
    assert {w.code for w in result.warnings} == {"crs_overridden", "gcj02_converted"}


# --------------------------------------------------------------------------- coordinates and extent


def test_swapped_lat_lon_is_recognised():
    swapped = lps_gdf()
    swapped["geometry"] = shapely.transform(swapped.geometry.values, lambda xy: xy[:, ::-1])
    err = rejected("swapped_axes", gdf_geojson(swapped), "a.geojson")
    assert "六盘水市" in err.message("zh")


def test_swapped_axes_in_a_projected_file():
    gk = lps_gdf().to_crs("EPSG:4544")
    gk["geometry"] = shapely.transform(gk.geometry.values, lambda xy: xy[:, ::-1])
    rejected("swapped_axes", shapefile_zip(gk, "GBK"), "a.zip")


def test_swapped_axes_in_jilin():
    layer = spec(region=("220000",))
    gdf = gpd.GeoDataFrame({"id": ["jl-changchun-metro"], "name": ["长春"]},
                           geometry=[square(CHANGCHUN[1], CHANGCHUN[0])], crs="EPSG:4326")
    rejected("swapped_axes", gdf_geojson(gdf), "a.geojson", layer)


def test_features_outside_the_region_are_named():
    gdf = lps_gdf()
    gdf.loc[1, "geometry"] = square(*KUNMING)
    err = rejected("out_of_region", gdf_geojson(gdf), "a.geojson")
    assert "lps-center-liuzhi" in err.message("zh") and "lps-center-main" not in err.message("zh")
    assert err.items == [{"key": "lps-center-liuzhi", "reason": "outside"}]


def test_wrong_crs_choice_lands_outside():
    data = shapefile_zip(lps_gdf().to_crs("EPSG:4544"), "GBK", prj=False)
    rejected("out_of_region", data, "a.zip", options=UploadOptions(crs="EPSG:4543"))  # CM 102°E: ~300 km west


def test_coordinates_beyond_lon_lat_range():
    gdf = lps_gdf()
    gdf.loc[0, "geometry"] = square(200.0, 26.6)
    err = rejected("coordinates_out_of_range", gdf_geojson(gdf), "a.geojson")
    assert "lps-center-main" in err.message("en")


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_non_finite_coordinates_in_geojson(literal):
    text = gdf_geojson(lps_gdf()).decode()
    text = text.replace(f"{LIUZHI[0]}", literal, 1)
    assert literal in text
    err = rejected("bad_coordinates", text.encode(), "a.geojson")
    assert "lps-center-liuzhi" in err.message("zh")


def test_nan_coordinate_in_shapefile():
    parts = shapefile_parts(lps_gdf(), "GBK")
    parts["data.shp"] = with_nan_vertex(parts["data.shp"], ZHONGSHAN[0])
    err = rejected("bad_coordinates", zip_bytes(parts), "a.zip")
    assert "lps-center-main" in err.message("en")


# --------------------------------------------------------------------------- geometry


def test_bow_tie_is_listed_with_its_reason():
    gdf = lps_gdf()
    gdf.loc[0, "geometry"] = bowtie(*ZHONGSHAN)
    err = rejected("invalid_geometry", gdf_geojson(gdf), "a.geojson")
    assert err.items and err.items[0]["key"] == "lps-center-main"
    assert "Self-intersection" in err.items[0]["reason"]
    assert "lps-center-main" in err.message("zh") and "Self-intersection" in err.message("en")


def test_bow_tie_is_repaired_only_on_request():
    gdf = lps_gdf()
    gdf.loc[0, "geometry"] = bowtie(*ZHONGSHAN, d=0.02)
    result = validate_upload(gdf_geojson(gdf), "a.geojson", spec(), UploadOptions(make_valid=True))
    fixed = result.gdf.geometry.iloc[0]
    assert fixed.is_valid and fixed.geom_type == "MultiPolygon" and len(fixed.geoms) == 2
    assert fixed.area == pytest.approx(0.02 * 0.02 / 2, rel=1e-9)  # two triangles, a quarter square each
    assert result.gdf.geometry.iloc[1].equals(square(*LIUZHI))  # valid features untouched
    notice = [w for w in result.warnings if w.code == "repaired_geometries"]
    assert notice and "lps-center-main" in notice[0].message("en")


def test_line_uploaded_to_a_polygon_layer():
    gdf = gpd.GeoDataFrame({"id": ["a", "b"], "name": ["甲", "乙"]},
                           geometry=[LineString([ZHONGSHAN, LIUZHI]), square(*ZHONGSHAN)], crs="EPSG:4326")
    err = rejected("wrong_geometry_type", gdf_geojson(gdf), "a.geojson")
    assert "LineString" in err.message("zh") and "面" in err.message("zh") and "polygons" in err.message("en")


def test_polygons_uploaded_to_a_point_layer():
    rejected("wrong_geometry_type", gdf_geojson(lps_gdf()), "a.geojson", spec(geometry="point"))


def test_points_are_fine_for_a_point_layer():
    gdf = gpd.GeoDataFrame({"id": ["a"], "name": ["甲"]}, geometry=[Point(ZHONGSHAN)], crs="EPSG:4326")
    result = validate_upload(gdf_geojson(gdf), "a.geojson", spec(geometry="point"))
    assert result.gdf.geometry.iloc[0].equals(Point(ZHONGSHAN))


def test_feature_without_geometry():
    data = geojson_bytes([feature({"id": "a", "name": "甲"}, square(*ZHONGSHAN)),
                          feature({"id": "b", "name": "乙"}, None)])
    err = rejected("missing_geometry", data, "a.geojson")
    assert "b" in err.message("en")


# --------------------------------------------------------------------------- attributes


def test_missing_required_attribute_line_type():
    gdf = gpd.GeoDataFrame({"id": ["cz-blue-1"], "name": ["盘龙江"]}, geometry=[square(*KUNMING, d=0.01)],
                           crs="EPSG:4326")
    err = rejected("missing_attributes", gdf_geojson(gdf), "a.geojson", control_zone_spec())
    assert "line_type" in err.message("zh") and "line_type" in err.message("en")


def test_control_zone_with_line_type_passes():
    gdf = gpd.GeoDataFrame({"id": ["cz-blue-1"], "name": ["盘龙江"], "line_type": ["blue"]},
                           geometry=[square(*KUNMING, d=0.01)], crs="EPSG:4326")
    result = validate_upload(gdf_geojson(gdf), "a.geojson", control_zone_spec())
    assert list(result.gdf.columns[:3]) == ["id", "name", "line_type"]


def test_field_names_match_ignoring_case_and_dbf_truncation():
    gdf = gpd.GeoDataFrame({"ID": ["cz-green-2"], "NAME": ["翠湖"], "line_type_zh": ["绿线"]},
                           geometry=[square(*KUNMING, d=0.01)], crs="EPSG:4326")
    layer = spec(region=("530100",), required=("id", "name", "line_type_zh"))
    result = validate_upload(shapefile_zip(gdf, "GBK"), "a.zip", layer)  # DBF cuts line_type_zh to 10 chars
    assert list(result.gdf.columns[:3]) == ["id", "name", "line_type_zh"]
    assert result.gdf.loc[0, "line_type_zh"] == "绿线"
    assert any(w.code == "fields_renamed" for w in result.warnings)


def test_duplicate_keys_are_listed():
    gdf = lps_gdf()
    gdf.loc[1, "id"] = "lps-center-main"
    err = rejected("duplicate_keys", gdf_geojson(gdf), "a.geojson")
    assert "lps-center-main" in err.message("zh") and "id" in err.message("en")


def test_empty_keys_are_listed():
    gdf = lps_gdf()
    gdf.loc[1, "id"] = "  "
    err = rejected("missing_keys", gdf_geojson(gdf), "a.geojson")
    assert "2" in err.message("en")


def test_numeric_keys_become_text():
    gdf = gpd.GeoDataFrame({"adcode": [520201], "name": ["钟山区"]}, geometry=[square(*ZHONGSHAN)], crs="EPSG:4326")
    result = validate_upload(shapefile_zip(gdf, "GBK"), "a.zip", spec(key="adcode", required=("adcode", "name")))
    assert result.gdf.loc[0, "adcode"] == "520201"


def test_html_in_attributes_is_kept_as_plain_text():
    html = '<script>alert("x")</script><b onclick="steal()">钟山</b> &amp; <img src=x onerror=1>'
    gdf = lps_gdf().assign(name=[html, "六枝"], note=["<a href='javascript:alert(1)'>链接</a>", None])
    for data, fname in ((gdf_geojson(gdf), "a.geojson"), (shapefile_zip(gdf, "UTF-8"), "a.zip")):
        result = validate_upload(data, fname, spec())
        assert result.gdf.loc[0, "name"] == html
        assert result.gdf.loc[0, "note"] == "<a href='javascript:alert(1)'>链接</a>"
        assert result.gdf.loc[1, "note"] is None


def test_control_characters_are_stripped_from_text():
    gdf = lps_gdf().assign(name=["  钟山\x07区\x1b ", "六枝\n特区"])
    result = validate_upload(gdf_geojson(gdf), "a.geojson", spec())
    assert list(result.gdf["name"]) == ["钟山区", "六枝\n特区"]


# --------------------------------------------------------------------------- caps


def test_size_cap():
    data = gdf_geojson(lps_gdf())
    err = rejected("too_large", data, "a.geojson", limits=Limits(max_upload_bytes=len(data) - 1))
    assert err.params["limit_mb"] == round((len(data) - 1) / 2**20, 1)
    assert validate_upload(data, "a.geojson", spec(), limits=Limits(max_upload_bytes=len(data)))


def test_default_limits_and_environment():
    assert Limits().max_upload_bytes == 50 * 2**20
    limits = Limits.from_env({"URBANMAP_UPLOAD_MAX_MB": "5", "URBANMAP_UPLOAD_MAX_VERTICES": "1000"})
    assert limits.max_upload_bytes == 5 * 2**20 and limits.max_vertices == 1000
    with pytest.raises(ValueError, match="URBANMAP_UPLOAD_MAX_MB"):
        Limits.from_env({"URBANMAP_UPLOAD_MAX_MB": "lots"})


def test_vertex_cap():
    ring = [(ZHONGSHAN[0] + 0.02 * np.cos(a), ZHONGSHAN[1] + 0.02 * np.sin(a)) for a in np.linspace(0, 6.2, 40)]
    gdf = gpd.GeoDataFrame({"id": ["a"], "name": ["圆"]}, geometry=[Polygon(ring)], crs="EPSG:4326")
    err = rejected("too_many_vertices", gdf_geojson(gdf), "a.geojson", limits=Limits(max_vertices=30))
    assert "41" in err.message("en") and "30" in err.message("en")


def test_feature_cap():
    rejected("too_many_features", gdf_geojson(lps_gdf()), "a.geojson", limits=Limits(max_features=1))


# --------------------------------------------------------------------------- nothing written, nothing left


def _vsimem_files() -> list[str]:
    try:
        return pyogrio.vsi_listtree("/vsimem/")
    except (FileNotFoundError, NotADirectoryError):
        return []


def test_vsimem_listing_sees_files():
    """The leftover check below can fail: a file written to /vsimem/ shows up in the listing."""
    path = "/vsimem/urbanmap_test_probe/probe.gpkg"
    pyogrio.write_dataframe(lps_gdf(), path, driver="GPKG")
    try:
        assert any("urbanmap_test_probe" in f for f in _vsimem_files())
    finally:
        pyogrio.vsi_rmtree("/vsimem/urbanmap_test_probe")
    assert not any("urbanmap_test_probe" in f for f in _vsimem_files())


def test_no_temporary_files_left_behind(tmp_path, monkeypatch):
    private = tmp_path / "tmp"
    private.mkdir()
    uploads = [  # built before the temp directory is redirected
        (shapefile_zip(lps_gdf().to_crs("EPSG:4544"), "GBK"), "ok.zip", {}),
        (shapefile_zip(lps_gdf(), "GBK", prj=False), "no_crs.zip", {}),
        (gdf_geojson(lps_gdf()), "ok.geojson", {}),
        (geojson_bytes([feature({"id": "a", "name": "x"}, bowtie(*ZHONGSHAN))]), "bad.geojson", {}),
        (zip_bytes({"../x.shp": b"x"}), "evil.zip", {}),
        (b"not geodata", "x.txt", {}),
    ]
    before_vsimem = _vsimem_files()
    before_tmp = set(os.listdir(tempfile.gettempdir()))
    monkeypatch.setenv("TMPDIR", str(private))
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    pyogrio.set_gdal_config_options({"CPL_TMPDIR": str(private)})
    try:
        outcomes = []
        for data, name, _ in uploads:
            try:
                validate_upload(data, name, spec())
                outcomes.append("ok")
            except Exception as exc:  # noqa: BLE001
                outcomes.append(getattr(exc, "code", repr(exc)))
    finally:
        pyogrio.set_gdal_config_options({"CPL_TMPDIR": None})
    assert outcomes == ["ok", "no_crs", "ok", "invalid_geometry", "zip_path_traversal", "not_geodata"]
    assert list(private.iterdir()) == []
    assert _vsimem_files() == before_vsimem
    # and nothing with our or pyogrio's name appeared in the usual temp directory either
    monkeypatch.undo()
    new = set(os.listdir(tempfile.gettempdir())) - before_tmp
    assert not [n for n in new if "pyogrio" in n or "urbanmap" in n]


# --------------------------------------------------------------------------- rarer rules


@pytest.mark.parametrize("crs", [{"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::999999"}},
                                 {"type": "name", "properties": {"name": "urn:ogc:def:crs:ACME::local"}},
                                 {"type": "EPSG", "properties": {"code": 999999}}])
def test_unknown_declared_crs(crs):
    data = geojson_bytes([feature({"id": "a", "name": "甲"}, square(*ZHONGSHAN))], crs=crs)
    rejected("unsupported_crs", data, "a.geojson")


def test_repair_that_leaves_nothing_is_refused():
    layer = spec(geometry="line")
    data = geojson_bytes([feature({"id": "a", "name": "退化线"}, LineString([ZHONGSHAN, ZHONGSHAN]))])
    err = rejected("invalid_geometry", data, "a.geojson", layer)
    assert "Too few points" in err.items[0]["reason"]
    err = rejected("repair_failed", data, "a.geojson", layer, options=UploadOptions(make_valid=True))
    assert "a" in err.message("en")


def test_binary_fields_are_left_out_with_a_notice(tmp_path):
    import sqlite3
    import warnings

    path = tmp_path / "blob.gpkg"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lps_gdf().to_file(path, layer="x", driver="GPKG", SPATIAL_INDEX="NO")  # no rtree triggers
    with sqlite3.connect(path) as con:
        con.execute("ALTER TABLE x ADD COLUMN raw BLOB")
        con.execute("UPDATE x SET raw = X'00FF10'")
    result = validate_upload(path.read_bytes(), "blob.gpkg", spec())
    assert "raw" not in result.gdf.columns
    notice = [w for w in result.warnings if w.code == "dropped_fields"]
    assert notice and "raw" in notice[0].message("en")


# --------------------------------------------------------------------------- the committed layers


def _manifest_layers():
    from urbanmap.layers import load_manifest

    # admin_context holds the *neighbouring* provinces and countries, so by design it lies
    # outside its manifest region (the three provinces): it is not an uploadable layer.
    return [s for s in load_manifest() if s.id != "admin_context"]


@pytest.mark.parametrize("layer", _manifest_layers(), ids=lambda s: s.id)
def test_every_committed_layer_validates_as_an_upload_of_itself(layer, tmp_path):
    from urbanmap.geojson_io import read_geojson, write_geojson
    from urbanmap.upload import diff_layers

    if not layer.file.exists():
        pytest.skip(f"{layer.path} not built yet")
    result = validate_upload(layer.file.read_bytes(), layer.file.name, layer)
    current = read_geojson(layer.file)
    assert len(result.gdf) == len(current)
    diff = diff_layers(current, result.gdf, layer.key_field)
    assert not diff.has_changes, diff.summary("en")
    assert write_geojson(result.gdf, tmp_path / "out.geojson") > 0  # plain, JSON-ready values


def test_every_layer_region_has_an_english_name():
    import re

    from urbanmap.layers import load_manifest
    from urbanmap.upload.validate import layer_region

    for layer in load_manifest():
        region = layer_region(tuple(str(c) for c in layer.region), 10.0)
        assert region.label_en and not re.search(r"[\u4e00-\u9fff]", region.label_en), (layer.id, region.label_en)
        assert region.label_zh  # and the Chinese name stays Chinese
