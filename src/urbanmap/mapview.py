"""Build folium maps that work offline and render attributes safely.

- No tiles by default: a light background plus our own boundaries.
- Leaflet comes from the app (``offline_assets``), never a CDN.
- Tooltip/popup HTML is built here from HTML-escaped values: folium inserts
  property values raw, so nothing from a data file reaches the page unescaped.
"""

from __future__ import annotations

import html
import json

import folium
import geopandas as gpd
import shapely
from branca.element import Element

from . import offline_assets

BACKGROUND = "#eef1f4"


def base_map(bounds=None, *, height: str = "100%", min_zoom: int = 4, max_zoom: int = 14) -> folium.Map:
    """An empty offline map fitted to ``bounds`` ((south, west), (north, east))."""
    m = folium.Map(
        location=[30, 110], zoom_start=5, tiles=None, control_scale=True,
        min_zoom=min_zoom, max_zoom=max_zoom, height=height, prefer_canvas=False,
    )
    m.get_root().header.add_child(Element(
        f"<style>.leaflet-container{{background:{BACKGROUND};}}"
        ".um-label{font:600 12px/1.2 'Noto Sans CJK SC','Microsoft YaHei',sans-serif;color:#333;"
        "text-shadow:0 0 3px #fff,0 0 3px #fff;white-space:nowrap;pointer-events:none;transform:translate(-50%,-50%);display:inline-block;}"
        ".um-label.big{font-size:15px;color:#1b2a3a;}</style>"
    ))
    if bounds is not None:
        m.fit_bounds(bounds)
    return m


def gdf_bounds(gdf: gpd.GeoDataFrame, pad: float = 0.0):
    """Leaflet bounds [[south, west], [north, east]] of a GeoDataFrame."""
    minx, miny, maxx, maxy = gdf.total_bounds
    return [[miny - pad, minx - pad], [maxy + pad, maxx + pad]]


def tooltip_html(title: str, rows: list[tuple[str, object]] | None = None) -> str:
    """Tooltip content from plain values; every value is HTML-escaped."""
    out = f"<b>{html.escape(str(title))}</b>"
    for label, value in rows or []:
        if value is None or value == "":
            continue
        out += f"<br>{html.escape(str(label))}: {html.escape(str(value))}"
    return out


def add_polygons(
    m: folium.Map,
    gdf: gpd.GeoDataFrame,
    *,
    name: str,
    style: dict,
    tip: list[str] | None = None,
    show: bool = True,
    interactive: bool = True,
) -> folium.GeoJson:
    """Add a polygon/line layer; ``tip`` holds one pre-escaped HTML string per row.

    Only keys (``id``/``adcode``) and the escaped tooltip travel to the
    browser; everything else is looked up server-side from the key.
    """
    cols = [c for c in ("id", "adcode") if c in gdf.columns]
    data = gdf[cols + [gdf.geometry.name]].copy()
    if tip is not None:
        data["_tip"] = tip
    layer = folium.GeoJson(
        data=json.loads(data.to_json(drop_id=True)),
        name=name,
        style_function=lambda _f, s=dict(style): s,
        highlight_function=(lambda _f: {"weight": style.get("weight", 1) + 2, "fillOpacity": min(1.0, style.get("fillOpacity", 0.2) + 0.2)}) if interactive else None,
        tooltip=folium.GeoJsonTooltip(fields=["_tip"], labels=False, sticky=True) if tip is not None else None,
        control=True,
        show=show,
        interactive=interactive,
        smooth_factor=0.5,
    )
    layer.add_to(m)
    return layer


def add_labels(m: folium.Map, gdf: gpd.GeoDataFrame, *, field: str = "name", big: bool = False, name: str = "labels") -> folium.FeatureGroup:
    """Text labels at each feature's representative point."""
    group = folium.FeatureGroup(name=name, control=False)
    pts = shapely.point_on_surface(gdf.geometry.values)
    cls = "um-label big" if big else "um-label"
    for text, p in zip(gdf[field], pts):
        folium.Marker(
            location=[p.y, p.x],
            icon=folium.DivIcon(html=f'<div class="{cls}">{html.escape(str(text))}</div>', icon_size=(0, 0), icon_anchor=(0, 0)),
            interactive=False,
        ).add_to(group)
    group.add_to(m)
    return group


def finish(m: folium.Map) -> folium.Map:
    """Last step before rendering: every asset local, no CDN left."""
    offline_assets.localise_tree(m)
    return m


def admin_overview_map(lang: str = "zh") -> folium.Map:
    """The three provinces with their prefectures, over neighbouring context."""
    from . import admin
    from .i18n import t

    ctx = admin.load_admin("context")
    prov = admin.load_admin("province")
    pref = admin.load_admin("prefecture")
    m = base_map(gdf_bounds(prov, pad=0.5))
    add_polygons(m, ctx, name="context", style={"color": "#ffffff", "weight": 1, "fillColor": "#dde2e8", "fillOpacity": 1.0}, interactive=False)
    add_polygons(
        m, pref, name=t("level.prefecture", lang),
        style={"color": "#7a8795", "weight": 0.8, "fillColor": "#fbfaf7", "fillOpacity": 1.0},
        tip=[tooltip_html(n, [(t("field.adcode", lang), a)]) for n, a in zip(pref["name"], pref["adcode"])],
    )
    add_polygons(m, prov, name=t("level.province", lang), style={"color": "#2b4a6b", "weight": 2.2, "fill": False}, interactive=False)
    add_labels(m, prov, big=True, name="province labels")
    return finish(m)
