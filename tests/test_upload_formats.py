"""Format allow-list: what reaches GDAL, and what never does.

GDAL opens by content; an OGR VRT (or a GeoJSON "crs" link) makes it read
local files or fetch URLs.  These tests prove such uploads are refused
before GDAL sees them — pyogrio is replaced by a tripwire where it matters —
and that the legitimate formats (GeoJSON, GeoPackage, KML, KMZ) load.
"""

from __future__ import annotations

import http.server
import json
import threading
import warnings

import pyogrio
import pytest

from test_upload_fixtures import (
    LIUZHI, ZHONGSHAN, feature, geojson_bytes, gdf_geojson, gpkg_bytes, kml_bytes, kml_polygon, lps_gdf,
    rejected, shapefile_zip, spec, square, vrt_pointing_at, zip_bytes,
)
from urbanmap.upload import UploadOptions, harden_gdal, validate_upload


@pytest.fixture
def gdal_tripwire(monkeypatch):
    """Any attempt to open the upload with GDAL fails the test."""
    calls = []

    def refuse(*args, **kwargs):
        calls.append(args[:1])
        raise AssertionError("GDAL was asked to open an upload that should have been refused")

    for name in ("read_info", "read_dataframe", "list_layers", "read_bounds"):
        monkeypatch.setattr(pyogrio, name, refuse)
    yield calls
    assert calls == []


@pytest.fixture
def http_canary():
    """A local HTTP server that records every request (nothing may reach it)."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563]],'
                             b'PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]]')

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()
    server.server_close()


LPS_FEATURES = [feature({"id": "lps-center-main", "name": "市中心城区"}, square(*ZHONGSHAN))]


# --------------------------------------------------------------------------- references to files and URLs


@pytest.mark.parametrize("target", ["/etc/passwd", "/etc/hostname"])
def test_vrt_pointing_at_a_system_file_is_refused_unread(target, gdal_tripwire):
    err = rejected("forbidden_format", vrt_pointing_at(target), "layer.vrt")
    assert "VRT" in err.message("en")
    assert "root:" not in err.detail and "root:" not in err.message("en")


def test_vrt_with_declaration_comment_and_bom_is_refused(gdal_tripwire):
    data = b'\xef\xbb\xbf<?xml version="1.0"?>\n<!-- looks harmless -->\n' + vrt_pointing_at("/etc/passwd")
    rejected("forbidden_format", data, "boundary.kml")


def test_vrt_inside_a_zip_is_refused_unread(gdal_tripwire):
    rejected("zip_unexpected_member", zip_bytes({"layer.vrt": vrt_pointing_at("/etc/passwd")}), "upload.zip")


def test_vrt_inside_a_kmz_is_refused_unread(gdal_tripwire):
    rejected("forbidden_format", zip_bytes({"doc.kml": vrt_pointing_at("/etc/passwd")}), "upload.kmz")


def test_gdalg_pipeline_is_refused_unread(gdal_tripwire):
    data = json.dumps({"type": "gdal_streamed_alg", "command_line": "gdal vector read /etc/passwd"}).encode()
    rejected("forbidden_format", data, "layer.json")


@pytest.mark.parametrize("text", ["/etc/passwd", "file:///etc/passwd", "https://example.com/layer.geojson",
                                  "CSV:/etc/passwd", "/vsicurl/http://127.0.0.1/x.json"])
def test_upload_text_that_is_a_path_or_url_is_not_opened(text, gdal_tripwire):
    rejected("not_geodata", text.encode(), "layer.geojson")


@pytest.mark.parametrize("kind,key", [("link", "href"), ("url", "url")])
def test_geojson_crs_link_is_refused_without_fetching(kind, key, http_canary):
    url, hits = http_canary
    data = geojson_bytes(LPS_FEATURES, crs={"type": kind, "properties": {key: f"{url}/crs.wkt", "type": "ogcwkt"}})
    err = rejected("external_reference", data, "layer.geojson")
    assert url in err.message("en")
    assert hits == []


@pytest.mark.parametrize("name", ["/etc/passwd", "file:///etc/passwd"])
def test_geojson_crs_name_that_is_a_path_is_refused(name, gdal_tripwire):
    data = geojson_bytes(LPS_FEATURES, crs={"type": "name", "properties": {"name": name}})
    rejected("external_reference", data, "layer.geojson")


def test_crs_link_inside_a_feature_is_refused(http_canary):
    url, hits = http_canary
    feat = dict(LPS_FEATURES[0], crs={"type": "link", "properties": {"href": f"{url}/x"}})
    rejected("external_reference", geojson_bytes([feat]), "layer.geojson")
    assert hits == []


def test_geojson_named_crs_is_used():
    data = geojson_bytes(LPS_FEATURES, crs={"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4490"}})
    result = validate_upload(data, "layer.geojson", spec())
    assert result.source_crs == "EPSG:4490"
    assert result.gdf.geometry.iloc[0].bounds[0] == pytest.approx(ZHONGSHAN[0], abs=1e-6)


def test_kml_with_external_entity_is_refused(gdal_tripwire):
    data = (b'<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b'<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>&x;</name></Document></kml>')
    rejected("forbidden_format", data, "layer.kml")


def test_hardening_removes_the_dereferencing_drivers():
    assert harden_gdal()
    drivers = pyogrio.list_drivers()
    for name in ("OGR_VRT", "GDALG", "WFS", "GML"):
        assert name not in drivers
    # Second line of defence: even handed over directly, GDAL no longer understands a VRT.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(Exception) as info:
            pyogrio.read_info(vrt_pointing_at("/etc/passwd"))
    assert "not recognized" in str(info.value) or "supported" in str(info.value)


# --------------------------------------------------------------------------- not geodata, empty, truncated


def test_empty_file():
    rejected("empty_file", b"", "layer.geojson")
    rejected("empty_file", b" \n\t ", "layer.geojson")


@pytest.mark.parametrize("data", ["这不是地图数据，只是一段说明文字。".encode(), b"id,name\n1,a\n", b"hello world"])
def test_text_that_is_not_geodata(data, gdal_tripwire):
    rejected("not_geodata", data, "notes.txt")


def test_json_that_is_not_geojson(gdal_tripwire):
    rejected("not_geodata", b'{"name": "not a map", "items": [1, 2]}', "data.json")
    rejected("not_geodata", b"[1, 2, 3]", "data.json")


def test_xml_that_is_not_kml(gdal_tripwire):
    rejected("not_geodata", b"<html><body>hi</body></html>", "page.kml")


def test_binary_that_is_not_geodata(gdal_tripwire):
    rejected("unsupported_format", bytes(range(256)) * 4, "photo.jpg")
    rejected("unsupported_format", b"Rar!\x1a\x07\x00" + b"\0" * 50, "data.rar")


def test_bare_shp_asks_for_a_zip(gdal_tripwire):
    shp = shapefile_zip(lps_gdf())
    import io
    import zipfile

    raw = zipfile.ZipFile(io.BytesIO(shp)).read("data.shp")
    err = rejected("shapefile_not_zipped", raw, "data.shp")
    assert ".zip" in err.message("en")


def test_sqlite_that_is_not_a_geopackage(gdal_tripwire):
    rejected("unsupported_format", b"SQLite format 3\x00" + b"\0" * 200, "data.sqlite")


def test_duplicate_json_keys_are_refused(gdal_tripwire):
    data = b'{"type": "gdal_streamed_alg", "type": "FeatureCollection", "features": []}'
    rejected("corrupt_file", data, "layer.geojson")


def test_empty_layers():
    rejected("empty_layer", geojson_bytes([]), "layer.geojson")
    rejected("empty_layer", shapefile_zip(lps_gdf().iloc[0:0], "UTF-8"), "layer.zip")
    rejected("empty_layer", gpkg_bytes({"empty": lps_gdf().iloc[0:0]}), "layer.gpkg")


def test_truncated_files():
    gj = gdf_geojson(lps_gdf())
    rejected("corrupt_file", gj[: len(gj) // 2], "layer.geojson")
    kml = kml_bytes([({"id": "lps-center-main", "name": "市中心城区"}, kml_polygon(square(*ZHONGSHAN)))])
    rejected("corrupt_file", kml[: len(kml) - 30], "layer.kml")
    gpkg = gpkg_bytes({"one": lps_gdf()})
    rejected("corrupt_file", gpkg[: len(gpkg) // 3], "layer.gpkg")


# --------------------------------------------------------------------------- legitimate formats


def test_geojson_loads():
    result = validate_upload(gdf_geojson(lps_gdf()), "layer.geojson", spec())
    assert result.source_format == "GeoJSON" and result.source_crs == "EPSG:4326"
    assert list(result.gdf["name"]) == ["市中心城区", "六枝特区中心城区"]


def test_geopackage_with_two_layers_needs_a_choice():
    one = lps_gdf()
    two = lps_gdf().assign(name=["第二层甲", "第二层乙"])
    data = gpkg_bytes({"one": one, "two": two})
    err = rejected("choose_layer", data, "layers.gpkg")
    assert err.choices == ["one", "two"]
    assert "one" in err.message("zh") and "two" in err.message("en")
    result = validate_upload(data, "layers.gpkg", spec(), UploadOptions(layer_name="two"))
    assert result.source_format == "GPKG" and result.layer == "two"
    assert list(result.gdf["name"]) == ["第二层甲", "第二层乙"]
    unknown = rejected("unknown_layer", data, "layers.gpkg", options=UploadOptions(layer_name="three"))
    assert unknown.choices == ["one", "two"]


def test_geopackage_in_gauss_krueger():
    data = gpkg_bytes({"only": lps_gdf().to_crs("EPSG:4544")})
    result = validate_upload(data, "layer.gpkg", spec())
    assert result.source_crs == "EPSG:4544"
    x0, y0, _, _ = result.gdf.geometry.iloc[0].bounds
    assert (x0, y0) == pytest.approx(ZHONGSHAN, abs=1e-7)


def _kml():
    return kml_bytes([
        ({"id": "lps-center-main", "name": "市中心城区"}, kml_polygon(square(*ZHONGSHAN))),
        ({"id": "lps-center-liuzhi", "name": "六枝特区中心城区"}, kml_polygon(square(*LIUZHI))),
    ])


def test_kml_loads():
    result = validate_upload(_kml(), "layer.kml", spec())
    assert result.source_format == "KML"
    assert sorted(result.gdf["id"]) == ["lps-center-liuzhi", "lps-center-main"]
    assert result.gdf.geometry.iloc[0].geom_type == "Polygon"
    assert not result.gdf.geometry.iloc[0].has_z


def test_kmz_loads_and_ignores_icons():
    data = zip_bytes({"doc.kml": _kml(), "files/icon.png": b"\x89PNG\r\n\x1a\n" + b"\0" * 20})
    result = validate_upload(data, "layer.kmz", spec())
    assert result.source_format == "KMZ"
    assert sorted(result.gdf["name"]) == ["六枝特区中心城区", "市中心城区"]


def test_kml_with_two_folders_needs_a_choice():
    data = kml_bytes([], folders={
        "规划一": [({"id": "lps-center-main", "name": "市中心城区"}, kml_polygon(square(*ZHONGSHAN)))],
        "规划二": [({"id": "lps-center-liuzhi", "name": "六枝"}, kml_polygon(square(*LIUZHI)))],
    })
    err = rejected("choose_layer", data, "layer.kml")
    assert err.choices == ["规划一", "规划二"]
    result = validate_upload(data, "layer.kml", spec(), UploadOptions(layer_name="规划二"))
    assert list(result.gdf["id"]) == ["lps-center-liuzhi"]


def test_geopackage_without_crs_asks_for_one():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = gpkg_bytes({"x": lps_gdf().to_crs("EPSG:4544").set_crs(None, allow_override=True)})
    err = rejected("no_crs", data, "layer.gpkg")
    assert err.choices[0] == "EPSG:4544"
    result = validate_upload(data, "layer.gpkg", spec(), UploadOptions(crs="EPSG:4544"))
    assert result.gdf.geometry.iloc[0].bounds[:2] == pytest.approx(ZHONGSHAN, abs=1e-7)
