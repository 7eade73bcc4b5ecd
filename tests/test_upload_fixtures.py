"""Builders for upload fixtures (used by the other test_upload_* modules) and checks of the builders.

Every fixture is made here, in memory or in a temporary directory that is
removed at once: no binary fixture is committed.  The checks at the bottom
prove the fixtures are what their names say (the GBK file really is GBK,
the zip bomb really has a huge ratio …), so a passing rejection test means
the rule fired for the right reason.
"""

from __future__ import annotations

import io
import json
import struct
import tempfile
import warnings
import zipfile
from pathlib import Path

import geopandas as gpd
import pyogrio
import shapely
from shapely.geometry import LineString, Polygon

from urbanmap.layers import LayerSpec, Style

# Places (WGS-84 lon, lat) inside the admin units used below.
ZHONGSHAN = (104.85, 26.62)  # 钟山区, 六盘水 520200
LIUZHI = (105.47, 26.22)  # 六枝特区
KUNMING = (102.72, 25.04)  # 昆明 530100 — outside 六盘水
CHANGCHUN = (125.32, 43.82)  # 长春 220100


def spec(region=("520200",), geometry="polygon", required=("id", "name"), key="id", layer_id="test_layer") -> LayerSpec:
    """A LayerSpec built for a test (independent of the manifest's current contents)."""
    return LayerSpec(
        id=layer_id, title_zh="测试图层", title_en="Test layer", group="liupanshui", geometry=geometry,
        path=f"layers/{layer_id}.geojson", key_field=key, schematic=True, region=tuple(region),
        required_attributes=tuple(required), style=Style(), source={}, description_zh="测试", description_en="test",
    )


def control_zone_spec() -> LayerSpec:
    """A 城市四线 layer: polygons in central Kunming that must carry ``line_type``."""
    return spec(region=("530100",), required=("id", "name", "line_type"), layer_id="test_control_zones")


def square(lon: float, lat: float, d: float = 0.02) -> Polygon:
    return Polygon([(lon, lat), (lon + d, lat), (lon + d, lat + d), (lon, lat + d)])


def bowtie(lon: float, lat: float, d: float = 0.02) -> Polygon:
    """A self-intersecting 'figure eight' ring: two triangles touching at the centre."""
    return Polygon([(lon, lat), (lon + d, lat + d), (lon + d, lat), (lon, lat + d), (lon, lat)])


def lps_gdf() -> gpd.GeoDataFrame:
    """Two valid features of a 六盘水 layer, in WGS-84, with Chinese names."""
    return gpd.GeoDataFrame(
        {"id": ["lps-center-main", "lps-center-liuzhi"], "name": ["市中心城区", "六枝特区中心城区"]},
        geometry=[square(*ZHONGSHAN), square(*LIUZHI)], crs="EPSG:4326",
    )


def geojson_bytes(features: list[dict], **top) -> bytes:
    return json.dumps({"type": "FeatureCollection", **top, "features": features}, ensure_ascii=False).encode("utf-8")


def feature(props: dict, geom) -> dict:
    return {"type": "Feature", "properties": props,
            "geometry": json.loads(shapely.to_geojson(geom)) if geom is not None else None}


def gdf_geojson(gdf: gpd.GeoDataFrame) -> bytes:
    cols = [c for c in gdf.columns if c != gdf.geometry.name]
    return geojson_bytes([feature({c: row[c] for c in cols}, row.geometry) for _, row in gdf.iterrows()])


def zip_bytes(members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=compression) as zf:
        for name, data in members.items():
            zf.writestr(zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0)), data, compress_type=compression)
    return buf.getvalue()


def shapefile_parts(gdf: gpd.GeoDataFrame, encoding: str = "GBK", name: str = "data") -> dict[str, bytes]:
    """The .shp/.shx/.dbf/.prj/.cpg of ``gdf`` (written by GDAL in a temp dir that is removed at once)."""
    with tempfile.TemporaryDirectory(prefix="urbanmap-fixture-") as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # GDAL notes the 10-character DBF field names
        path = Path(tmp) / f"{name}.shp"
        gdf.to_file(path, driver="ESRI Shapefile", encoding=encoding)
        return {p.name: p.read_bytes() for p in sorted(Path(tmp).iterdir())}


def shapefile_zip(gdf: gpd.GeoDataFrame, encoding: str = "GBK", name: str = "data", cpg: bool = True,
                  prj: bool = True, extra: dict[str, bytes] | None = None) -> bytes:
    parts = shapefile_parts(gdf, encoding, name)
    if not cpg:
        parts.pop(f"{name}.cpg", None)
    if not prj:
        parts.pop(f"{name}.prj", None)
    parts.update(extra or {})
    return zip_bytes(parts)


def with_nan_vertex(shp: bytes, value: float) -> bytes:
    """Replace the little-endian double ``value`` by NaN in every record of a .shp (bbox and vertices)."""
    needle = struct.pack("<d", value)
    assert shp.find(needle, 100) > 0, "vertex value not found in .shp"
    return shp[:100] + shp[100:].replace(needle, struct.pack("<d", float("nan")))  # the file header stays


def gpkg_bytes(layers: dict[str, gpd.GeoDataFrame]) -> bytes:
    with tempfile.TemporaryDirectory(prefix="urbanmap-fixture-") as tmp:
        path = Path(tmp) / "data.gpkg"
        for name, gdf in layers.items():
            gdf.to_file(path, layer=name, driver="GPKG")
        return path.read_bytes()


def kml_bytes(placemarks: list[tuple[dict, str]], folders: dict[str, list] | None = None) -> bytes:
    """A KML document; each placemark is (ExtendedData dict, geometry KML)."""
    def pm(data: dict, geom: str) -> str:
        ext = "".join(f'<Data name="{k}"><value>{v}</value></Data>' for k, v in data.items())
        return f"<Placemark><name>{data.get('name', '')}</name><ExtendedData>{ext}</ExtendedData>{geom}</Placemark>"

    body = "".join(pm(d, g) for d, g in placemarks)
    for fname, items in (folders or {}).items():
        body += f"<Folder><name>{fname}</name>{''.join(pm(d, g) for d, g in items)}</Folder>"
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2">'
            f"<Document><name>测试</name>{body}</Document></kml>").encode("utf-8")


def kml_polygon(poly: Polygon) -> str:
    coords = " ".join(f"{x},{y},0" for x, y in poly.exterior.coords)
    return f"<Polygon><outerBoundaryIs><LinearRing><coordinates>{coords}</coordinates></LinearRing></outerBoundaryIs></Polygon>"


def vrt_pointing_at(path: str) -> bytes:
    """An OGR VRT whose layer reads ``path`` as CSV — the classic local-file trap."""
    return (f'<OGRVRTDataSource><OGRVRTLayer name="x"><SrcDataSource>CSV:{path}</SrcDataSource>'
            f"<GeometryType>wkbNone</GeometryType></OGRVRTLayer></OGRVRTDataSource>").encode()


# --------------------------------------------------------------------------- the fixtures are what they claim


def test_gbk_shapefile_really_is_gbk_and_gauss_krueger():
    data = shapefile_parts(lps_gdf().to_crs("EPSG:4544"), "GBK")
    dbf = data["data.dbf"]
    assert "市中心城区".encode("gbk") in dbf
    assert "市中心城区".encode("utf-8") not in dbf
    assert data["data.cpg"].strip().upper() == b"GBK"
    assert b"Gauss_Kruger" in data["data.prj"] or b"GK" in data["data.prj"]
    assert b"105" in data["data.prj"]  # central meridian 105°E


def test_zip_bomb_fixture_has_a_huge_ratio():
    bomb = zip_bytes({"data.dbf": b"\0" * (8 << 20)})
    info = zipfile.ZipFile(io.BytesIO(bomb)).infolist()[0]
    assert info.file_size / info.compress_size > 500


def test_nan_vertex_fixture_holds_a_nan():
    shp = shapefile_parts(lps_gdf(), "UTF-8")["data.shp"]
    patched = with_nan_vertex(shp, ZHONGSHAN[0])
    nan = struct.pack("<d", float("nan"))
    assert nan not in shp and nan in patched and len(patched) == len(shp)
    # the record's bounding box and at least one vertex (ring start and end) now hold NaN
    assert patched.count(nan) >= 3 and struct.pack("<d", ZHONGSHAN[0]) not in patched[100:]


def test_gpkg_fixture_has_two_layers():
    data = gpkg_bytes({"one": lps_gdf(), "two": lps_gdf()})
    assert data[:16] == b"SQLite format 3\x00" and data[68:72] == b"GPKG"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert [n for n, _ in pyogrio.list_layers(data)] == ["one", "two"]


def test_line_fixture_is_a_line():
    assert LineString([ZHONGSHAN, LIUZHI]).geom_type == "LineString"


def rejected(code: str, data: bytes, filename: str, layer: LayerSpec | None = None, options=None, limits=None):
    """Run validate_upload, assert it fails with ``code`` and fully formatted zh/en messages; return the error."""
    import pytest

    from urbanmap.upload import Limits, UploadError, UploadOptions, validate_upload

    with pytest.raises(UploadError) as info:
        validate_upload(data, filename, layer or spec(), options or UploadOptions(), limits or Limits())
    err = info.value
    assert err.code == code, f"expected {code}, got {err.code}: {err.detail}"
    zh, en = err.message("zh"), err.message("en")
    assert zh and en and zh != en
    assert "{" not in zh and "{" not in en, (zh, en)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in zh)
    return err
