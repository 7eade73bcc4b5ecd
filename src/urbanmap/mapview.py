"""Build folium maps that work offline and render attributes safely.

- No tiles by default: a light background plus our own boundaries; online
  basemaps (OpenStreetMap, 天地图, 高德) only when the user picks one.
- Leaflet and our helpers come from the app (``offline_assets``), never a CDN.
- Layer data reaches the browser as compact GeoJSON prepared by ``mapdata``
  (escaped tooltip HTML, levels of detail), loaded by ``static/urbanmap/um-map.js``.
- Tooltip HTML is built here from HTML-escaped values: nothing from a data
  file is ever inserted into the page unescaped.
"""

from __future__ import annotations

import html
import json
import os

import folium
from branca.element import Element, MacroElement
from folium.elements import JSCSSMixin
from jinja2 import Template

from . import offline_assets

BACKGROUND = "#eef1f4"
#: ring around a selected point feature (the thematic point layers are drawn in reds)
POINT_HIGHLIGHT = "#111827"
FONT = "'Noto Sans CJK SC','Source Han Sans SC','Microsoft YaHei','PingFang SC',sans-serif"

#: Optional online basemaps: id -> (tiles URL template, attribution, datum).
BASEMAPS = {
    "none": None,
    "osm": ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "© OpenStreetMap contributors", "wgs84"),
    "tianditu": ("https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=vec"
                 "&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={key}",
                 "© 天地图 (CGCS2000)", "wgs84"),
    "amap": ("https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}",
             "© 高德地图 (GCJ-02)", "gcj02"),
}
TIANDITU_LABELS = ("https://t{s}.tianditu.gov.cn/cva_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=cva"
                   "&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={key}")


def basemap_datum(basemap: str) -> str:
    """Datum overlays must be drawn in for a basemap (高德 tiles are GCJ-02)."""
    spec = BASEMAPS.get(basemap)
    return spec[2] if spec else "wgs84"


def available_basemaps() -> list[str]:
    """Basemaps that can be offered (天地图 only with a key in TIANDITU_KEY)."""
    return [b for b in BASEMAPS if b != "tianditu" or os.environ.get("TIANDITU_KEY")]


class UMLayer(JSCSSMixin, MacroElement):
    """A layer drawn by ``umLayer`` in static/urbanmap/um-map.js."""

    default_js = [("urbanmap_js", "urbanmap/um-map.js")]
    _template = Template(
        "{% macro script(this, kwargs) %}"
        "var {{ this.get_name() }} = umLayer({{ this._parent.get_name() }}, {{ this.options_json }});"
        "{% endmacro %}"
    )

    def __init__(self, options: dict):
        super().__init__()
        self._name = "UMLayer"
        self.options_json = json.dumps(options, ensure_ascii=False, separators=(",", ":"))


class UMLabels(JSCSSMixin, MacroElement):
    """Zoom-dependent text labels drawn by ``umLabels``."""

    default_js = [("urbanmap_js", "urbanmap/um-map.js")]
    _template = Template(
        "{% macro script(this, kwargs) %}"
        "var {{ this.get_name() }} = umLabels({{ this._parent.get_name() }}, {{ this.options_json }});"
        "{% endmacro %}"
    )

    def __init__(self, labels: list[dict]):
        super().__init__()
        self._name = "UMLabels"
        self.options_json = json.dumps({"labels": labels}, ensure_ascii=False, separators=(",", ":"))


class UMPanes(MacroElement):
    """Panes above all our layers for the selection highlight (clicks pass through)."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "{{ this._parent.get_name() }}.createPane('umSelection');"
        "{{ this._parent.get_name() }}.getPane('umSelection').style.zIndex = 480;"
        "{{ this._parent.get_name() }}.getPane('umSelection').style.pointerEvents = 'none';"
        # folium draws a GeoJson's point markers in the overlay pane whatever pane it is given:
        # lift that pane over our layer panes (401+) so a selected point's ring is not hidden
        "{{ this._parent.get_name() }}.getPane('overlayPane').style.zIndex = 470;"
        "{% endmacro %}"
    )


def base_map(
    center=(30.0, 110.0), zoom: int = 5, *, height: str = "100%", basemap: str = "none",
    min_zoom: int = 4, max_zoom: int = 15,
) -> folium.Map:
    """An empty map: plain background by default, or an opted-in tile basemap."""
    m = folium.Map(
        location=list(center), zoom_start=zoom, tiles=None, control_scale=True,
        min_zoom=min_zoom, max_zoom=max_zoom, height=height, prefer_canvas=False,
    )
    m.get_root().header.add_child(Element(
        f"<style>.leaflet-container{{background:{BACKGROUND};font-family:{FONT};}}"
        f".um-label{{font:600 12px/1.2 {FONT};color:#2f3b47;text-shadow:0 0 3px #fff,0 0 3px #fff,0 0 2px #fff;"
        "white-space:nowrap;pointer-events:none;transform:translate(-50%,-50%);display:inline-block;}"
        ".um-label.big{font-size:16px;color:#1b2a3a;}.um-label.small{font-size:11px;font-weight:500;color:#4a5561;}"
        ".um-label.theme{color:#7a2e0e;}.um-label.pt{transform:translate(-50%,9px);}.um-label-icon{background:none;border:none;}"
        ".um-tip{font-size:13px;line-height:1.4;}</style>"
    ))
    m.add_child(UMPanes())
    spec = BASEMAPS.get(basemap)
    if spec:
        url, attribution, _ = spec
        key = os.environ.get("TIANDITU_KEY", "")
        subdomains = "01234567" if basemap == "tianditu" else "1234"
        folium.TileLayer(url.replace("{key}", key), attr=attribution, subdomains=subdomains, name=basemap, control=False).add_to(m)
        if basemap == "tianditu":
            folium.TileLayer(TIANDITU_LABELS.replace("{key}", key), attr=attribution, subdomains=subdomains,
                             name="tianditu-labels", control=False, overlay=True).add_to(m)
    return m


def tooltip_html(title: str, rows: list[tuple[str, object]] | None = None) -> str:
    """Tooltip content from plain values; every label and value is HTML-escaped."""
    out = f"<b>{html.escape(str(title))}</b>"
    for label, value in rows or []:
        if value is None or value == "":
            continue
        out += f"<br>{html.escape(str(label))}: {html.escape(str(value))}" if label else f"<br>{html.escape(str(value))}"
    return out


def add_layer(m: folium.Map, options: dict) -> UMLayer:
    layer = UMLayer(options)
    m.add_child(layer)
    return layer


def add_labels(m: folium.Map, labels: list[dict]) -> UMLabels | None:
    if not labels:
        return None
    el = UMLabels(labels)
    m.add_child(el)
    return el


def _highlight_style(feature: dict, color: str) -> dict:
    if ((feature or {}).get("geometry") or {}).get("type") in ("Point", "MultiPoint"):
        return {"color": POINT_HIGHLIGHT, "weight": 4, "fill": False, "opacity": 1, "radius": 15}
    return {"color": color, "weight": 4, "fillColor": color, "fillOpacity": 0.12, "opacity": 1}


def highlight_group(geojson: dict | None, *, color: str = "#e4572e", name: str = "selection") -> folium.FeatureGroup:
    """The selected feature (or a site), drawn on top (passed to st_folium as a dynamic group)."""
    fg = folium.FeatureGroup(name=name, control=False)
    if geojson:
        folium.GeoJson(
            geojson, style_function=lambda f: _highlight_style(f, color),
            interactive=False, pane="umSelection",
            # points of our layers are red already: a wide dark ring around them stands out on any fill
            marker=folium.CircleMarker(radius=15, color=POINT_HIGHLIGHT, weight=4, fill=False, pane="umSelection"),
        ).add_to(fg)
    offline_assets.localise_tree(fg)
    return fg


def finish(m: folium.Map) -> folium.Map:
    """Last step before rendering: every asset local, no CDN left."""
    offline_assets.localise_tree(m)
    return m
