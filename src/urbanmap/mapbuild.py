"""Compose page maps from manifest layers: which layers, in which order, framed how.

The generated map script depends only on the layer set, language, basemap and
the *initial* view — not on the selection — so streamlit-folium does not
remount the map when a feature is clicked (the selection is drawn through
``feature_group_to_add``, and view changes go through ``center``/``zoom``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import folium

from . import mapdata, mapview
from .layers import LayerSpec, get_spec

#: Drawing order by group (first = bottom).
_GROUP_ORDER = {"admin": 0, "control_zones": 2, "clusters": 1, "liupanshui": 3}
_GEOM_ORDER = {"polygon": 0, "line": 1, "point": 2}
#: Admin layers drawn as background, always under thematic layers.
BACKGROUND_LAYERS = ("admin_context", "admin_county", "admin_prefecture", "admin_province")
#: Regions a user can jump to: (south, west, north, east).
REGIONS = {
    "all": (21.0, 97.4, 46.4, 131.4),
    "yunnan": (21.1, 97.5, 29.3, 106.2),
    "guizhou": (24.6, 103.6, 29.3, 109.6),
    "liupanshui": (25.3, 104.3, 26.9, 105.8),
    "liupanshui_region": (25.2, 103.9, 27.2, 106.2),
    "kunming": (24.93, 102.62, 25.12, 102.80),
    "jilin": (40.8, 121.6, 46.3, 131.3),
}


@dataclass(frozen=True)
class View:
    center: tuple[float, float]
    zoom: int

    @classmethod
    def fit(cls, bounds, width_px: int = 560, height_px: int = 560, max_zoom: int = 13) -> "View":
        """Centre and the largest zoom at which (south, west, north, east) fits the frame."""
        s, w, n, e = bounds

        def merc(lat):
            return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

        dx = max(e - w, 1e-6) / 360.0
        dy = max(merc(n) - merc(s), 1e-9) / (2 * math.pi)
        zoom = int(math.floor(min(math.log2(width_px / 256 / dx), math.log2(height_px / 256 / dy))))
        return cls(((s + n) / 2, (w + e) / 2), max(3, min(max_zoom, zoom)))


def region_bounds(region: str) -> tuple[float, float, float, float]:
    """(south, west, north, east) of a named region, or of a layer's extent (slightly padded)."""
    if region in REGIONS:
        return REGIONS[region]
    from . import catalog

    minx, miny, maxx, maxy = catalog.get_layer(region).total_bounds
    pad = 0.08 * max(maxx - minx, maxy - miny)
    return (miny - pad, minx - pad, maxy + pad, maxx + pad)


def _sort_key(spec: LayerSpec) -> tuple:
    if spec.id in BACKGROUND_LAYERS:
        return (-1, BACKGROUND_LAYERS.index(spec.id), 0)
    return (_GROUP_ORDER.get(spec.group, 9), _GEOM_ORDER.get(spec.geometry, 9), 0)


def _categories(spec: LayerSpec) -> dict | None:
    cats = spec.style.categories
    if not cats:
        return None
    values = {}
    for value, colour in (cats.get("values") or {}).items():
        values[str(value)] = {"color": colour, "fillColor": colour} if isinstance(colour, str) else dict(colour)
    return {"field": cats.get("field"), "values": values}


def layer_options(spec: LayerSpec, lang: str, *, datum: str = "wgs84", inline: bool = False) -> dict:
    style = spec.style.leaflet()
    if spec.geometry == "point":
        style.setdefault("fillColor", spec.style.fill or spec.style.stroke)
        style.update(fill=True, fillOpacity=max(spec.style.fill_opacity, 0.7))
    return {
        "id": spec.id,
        "sources": [s.js() for s in mapdata.layer_sources(spec.id, lang, datum=datum, inline=inline)],
        "style": style,
        "categories": _categories(spec),
        "radius": spec.style.radius,
        "interactive": spec.id != "admin_context",
        "back": spec.id == "admin_context",
    }


def build_map(
    layer_ids, *, lang: str = "zh", view: View, basemap: str = "none", inline: bool = False,
    height: str = "100%", labels: bool = True,
) -> folium.Map:
    """A map with the given layers (manifest ids), bottom to top by group."""
    datum = mapview.basemap_datum(basemap)
    specs = sorted((get_spec(i) for i in dict.fromkeys(layer_ids)), key=_sort_key)
    m = mapview.base_map(view.center, view.zoom, basemap=basemap, height=height)
    ids = {s.id for s in specs}
    for order, spec in enumerate(specs):
        if basemap != "none" and spec.id == "admin_context":
            continue  # tiles already show the neighbours
        opts = layer_options(spec, lang, datum=datum, inline=inline)
        opts["order"] = order  # z-order: one Leaflet pane per layer
        if spec.id == "admin_prefecture" and "admin_county" in ids:
            # counties are the clickable base; prefectures become outlines on top
            opts["style"] = dict(opts["style"], fill=False, weight=1.4, color="#5d6b7a")
            opts["interactive"] = False
        if basemap != "none" and spec.group == "admin":
            opts["style"] = dict(opts["style"], fillOpacity=0.0)  # let the tiles show through
        mapview.add_layer(m, opts)
    if labels:
        lab = []
        for spec in specs:
            lab.extend(mapdata.layer_labels(spec.id, datum=datum))
        mapview.add_labels(m, lab)
    return mapview.finish(m)
