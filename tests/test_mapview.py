"""Maps render offline (no CDN) and never let attribute values run as HTML."""

import json
import re

import geopandas as gpd
import pytest
from shapely.geometry import box

import shapely.geometry

from urbanmap import catalog, config, mapbuild, mapdata, mapview, offline_assets
from urbanmap.layers import LayerSpec, Style

EVIL = '<img src=x onerror="alert(1)">'


def _spec(**kw) -> LayerSpec:
    base = dict(
        id="t", title_zh="测试", title_en="Test", group="clusters", geometry="polygon", path="x.geojson",
        key_field="id", schematic=True, region=("520000",), required_attributes=("id", "name"),
        style=Style(label_field="name"), source={}, description_zh="", description_en="",
    )
    base.update(kw)
    return LayerSpec(**base)


def test_overview_map_references_no_remote_asset():
    view = mapbuild.View.fit(mapbuild.REGIONS["all"])
    html = mapbuild.build_map(["admin_context", "admin_prefecture", "admin_province"], view=view).get_root().render()
    srcs = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
    assert any(s.endswith("leaflet.js") for s in srcs) and any(s.endswith("um-map.js") for s in srcs)
    assert all(s.startswith(offline_assets.STATIC_URL) for s in srcs), srcs
    assert not re.search(r"https?://", html.split("<body>")[0])
    # data comes from the app too (static cache), never from elsewhere
    urls = re.findall(r'"url":"([^"]+)"', html)
    assert urls and all(u.startswith(offline_assets.STATIC_URL + "/cache/") for u in urls)


def test_vendored_assets_exist():
    for rel in offline_assets.LOCAL_ASSETS.values():
        assert offline_assets.read_static(rel).strip()


def test_unvendored_plugin_fails_loudly():
    from folium.plugins import Fullscreen

    m = mapview.base_map()
    Fullscreen().add_to(m)
    with pytest.raises(offline_assets.OfflineAssetError):
        mapview.finish(m)


def test_tooltips_carry_escaped_values_only():
    gdf = gpd.GeoDataFrame({"id": ["a"], "name": [EVIL], "role": [EVIL]}, geometry=[box(104, 26, 105, 27)], crs="EPSG:4326")
    fc = mapdata._feature_collection(_spec(), gdf, gdf.geometry.values, "zh")
    props = fc["features"][0]["properties"]
    assert set(props) == {"id", "_tip"}  # nothing else travels to the browser
    assert EVIL not in props["_tip"] and "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in props["_tip"]
    assert "示意" in props["_tip"]  # schematic features say so


def test_tooltip_html_escapes_labels_and_values():
    out = mapview.tooltip_html("<b>x</b>", [("<i>k</i>", EVIL), ("empty", None)])
    assert out.startswith("<b>&lt;b&gt;x&lt;/b&gt;</b>")
    assert "&lt;i&gt;k&lt;/i&gt;" in out and "onerror=&quot;" in out
    assert "empty" not in out


def test_labels_are_plain_text_set_with_textcontent():
    js = offline_assets.read_static("urbanmap/um-map.js")
    assert "textContent = l.text" in js and "innerHTML" not in js


def test_coarse_level_of_detail_is_smaller_and_used_at_overview_zooms():
    srcs = mapdata.layer_sources("admin_county", "zh")
    coarse, parts = srcs[0], srcs[1:]
    assert {(s.min_zoom, s.max_zoom) for s in parts} == {(mapdata.DETAIL_FROM_ZOOM, 30)}
    assert coarse.max_zoom < mapdata.DETAIL_FROM_ZOOM and coarse.bbox is None
    assert coarse.nbytes < sum(p.nbytes for p in parts) / 2


def _features_of(src) -> list[dict]:
    if src.data is not None:
        return src.data["features"]
    return json.loads((config.static_dir() / src.url.split("/app/static/", 1)[1]).read_text("utf-8"))["features"]


def test_detail_parts_hold_every_county_once_inside_their_bbox():
    srcs = mapdata.layer_sources("admin_county", "zh")
    parts = srcs[1:]
    assert len(parts) > 3  # three provinces cannot fit in one 2-degree cell
    seen = []
    for p in parts:
        w, s, e, n = p.bbox
        for f in _features_of(p):
            minx, miny, maxx, maxy = shapely.geometry.shape(f["geometry"]).bounds
            assert w - 1e-3 <= minx and maxx <= e + 1e-3 and s - 1e-3 <= miny and maxy <= n + 1e-3
            seen.append(f["properties"]["id"])
    assert sorted(seen) == sorted(catalog.get_layer("admin_county")["adcode"].astype(str))


def test_a_city_view_needs_a_small_share_of_the_detail():
    parts = mapdata.layer_sources("admin_county", "zh")[1:]
    kunming_w, kunming_s, kunming_e, kunming_n = 102.6, 24.9, 102.8, 25.1
    near = [p for p in parts if not (p.bbox[0] > kunming_e or p.bbox[2] < kunming_w
                                     or p.bbox[1] > kunming_n or p.bbox[3] < kunming_s)]
    assert near and sum(p.nbytes for p in near) < sum(p.nbytes for p in parts) / 3


def test_view_fit_frames_the_bounds():
    v = mapbuild.View.fit(mapbuild.REGIONS["liupanshui"])
    w = mapbuild.View.fit(mapbuild.REGIONS["all"])
    assert v.zoom > w.zoom  # a city frames closer than three provinces
    assert 25.3 < v.center[0] < 26.9 and 104.3 < v.center[1] < 105.8


def test_inline_mode_embeds_data_for_offline_exports():
    view = mapbuild.View.fit(mapbuild.REGIONS["liupanshui"])
    html = mapbuild.build_map(["admin_province"], view=view, inline=True).get_root().render()
    assert '"url":' not in html and '"data":{"type":"FeatureCollection"' in html
    assert json.dumps("贵州省", ensure_ascii=False) in html


def _first_xy(fc_or_feature) -> tuple[float, float]:
    feats = fc_or_feature.get("features") or [fc_or_feature]
    g = shapely.geometry.shape(feats[0]["geometry"])
    p = g.exterior.coords[0] if hasattr(g, "exterior") else g.geoms[0].exterior.coords[0]
    return p[0], p[1]


def test_amap_basemap_shifts_layers_and_selection_onto_gcj02():
    from urbanmap import features, gcj02

    plain = mapdata.layer_sources("admin_province", "zh", inline=True)[0].data
    shifted = mapdata.layer_sources("admin_province", "zh", datum="gcj02", inline=True)[0].data
    (x0, y0), (x1, y1) = _first_xy(plain), _first_xy(shifted)
    ex, ey = gcj02.wgs84_to_gcj02(x0, y0)
    assert (x1, y1) != (x0, y0) and abs(x1 - float(ex)) < 1e-4 and abs(y1 - float(ey)) < 1e-4  # data has 4-5 decimals
    assert mapview.basemap_datum("amap") == "gcj02" and mapview.basemap_datum("none") == "wgs84"
    sel, sel_gcj = features.geojson_of("520201"), features.geojson_of("520201", datum="gcj02")
    (sx, sy), (gx, gy) = _first_xy(sel), _first_xy(sel_gcj)
    ex, ey = gcj02.wgs84_to_gcj02(sx, sy)
    assert abs(gx - float(ex)) < 1e-9 and abs(gy - float(ey)) < 1e-9
    assert 300 < measure_m(sx, sy, gx, gy) < 700  # about 475 m around Liupanshui


def measure_m(x0, y0, x1, y1) -> float:
    from pyproj import Geod

    return Geod(ellps="WGS84").inv(x0, y0, x1, y1)[2]
