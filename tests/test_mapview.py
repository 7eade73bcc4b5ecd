"""Maps render offline (no CDN) and never let attribute values run as HTML."""

import re

import folium
import geopandas as gpd
import pytest
from shapely.geometry import box

from urbanmap import mapview, offline_assets

EVIL = '<img src=x onerror="alert(1)">'


def _rendered(m: folium.Map) -> str:
    return m.get_root().render()


def test_overview_map_references_no_remote_asset():
    html = _rendered(mapview.admin_overview_map())
    srcs = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
    assert srcs, "expected Leaflet to be referenced"
    assert all(s.startswith(offline_assets.STATIC_URL) for s in srcs), srcs
    assert not re.search(r"https?://(?!www\.w3\.org)", html.split("<body>")[0])


def test_vendored_assets_exist():
    for rel in offline_assets.LOCAL_ASSETS.values():
        assert offline_assets.read_static(rel).strip()


def test_unvendored_plugin_fails_loudly():
    from folium.plugins import Fullscreen

    m = mapview.base_map()
    Fullscreen().add_to(m)
    with pytest.raises(offline_assets.OfflineAssetError):
        mapview.finish(m)


def test_tooltip_values_are_escaped():
    gdf = gpd.GeoDataFrame({"id": ["a"], "name": [EVIL]}, geometry=[box(104, 26, 105, 27)], crs="EPSG:4326")
    m = mapview.base_map()
    mapview.add_polygons(m, gdf, name="t", style={}, tip=[mapview.tooltip_html(n) for n in gdf["name"]])
    mapview.add_labels(m, gdf)
    html = _rendered(mapview.finish(m))
    # undo JSON/JS string escaping: what the browser's JS would see
    decoded = html.replace("\\u003c", "<").replace("\\u003e", ">").replace("\\u0026", "&").replace('\\"', '"')
    assert EVIL not in decoded
    assert decoded.count("&lt;img src=x onerror=") >= 2  # tooltip data and label


def test_tooltip_html_escapes_labels_and_values():
    out = mapview.tooltip_html("<b>x</b>", [("<i>k</i>", EVIL), ("empty", None)])
    assert "<b>x</b>" not in out.replace("<b>&lt;b&gt;x&lt;/b&gt;</b>", "")
    assert "&lt;i&gt;k&lt;/i&gt;" in out and "onerror=&quot;" in out
    assert "empty" not in out
