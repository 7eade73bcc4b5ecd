"""Geometry services for the pages: measures, membership dissolves, overlays, styles.

- ``area_km2`` / ``length_km``: real units for any WGS-84 geometry.  Edges are
  densified in lon/lat first (a GeoJSON edge is straight in lon/lat), then
  areas are taken in China Albers (equal-area, :mod:`urbanmap.measure`) and
  lengths on the WGS-84 ellipsoid.
- ``layer_measures``: area and length of every feature of a layer.
- ``members_geometry`` / ``dissolve_membership``: union of admin units given
  by adcode (a prefecture or province code stands for all its counties).
- ``intersect_layers``: everything a point, line or polygon touches across
  layers, with overlap area (km²) and the features' key attributes — the
  core of the 四线 page's 合规性审查 site check.
- ``style_for`` / ``legend``: Leaflet style dicts derived from the manifest,
  including per-category colours (e.g. ``line_type`` → colour) and dashes
  for schematic features.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from . import admin, catalog, measure
from .layers import LayerSpec, get_spec, load_manifest

#: Longest edge (degrees) kept before projecting: ~1 km, far below any map scale we use.
SEGMENT_DEG = 0.01
#: Dash pattern for schematic features whose layer style sets none.
SCHEMATIC_DASH = "6 4"

INTERSECT_COLUMNS = [
    "layer_id", "layer_title_zh", "layer_title_en", "group", "geometry_kind", "key", "name",
    "relation", "overlap_km2", "overlap_length_km", "site_share_pct", "feature_share_pct",
]


# ----------------------------------------------------------------- measures

def as_geometry(obj) -> shapely.Geometry:
    """A single WGS-84 shapely geometry from a geometry, GeoSeries or GeoDataFrame."""
    if isinstance(obj, (gpd.GeoDataFrame, gpd.GeoSeries)):
        series = obj.geometry if isinstance(obj, gpd.GeoDataFrame) else obj
        if series.crs is not None and series.crs.to_epsg() != 4326:
            series = series.to_crs(4326)
        return shapely.union_all(series.values)
    if isinstance(obj, shapely.Geometry):
        return obj
    raise TypeError(f"expected a shapely geometry, GeoSeries or GeoDataFrame, not {type(obj).__name__}")


def _densify(geoms):
    return shapely.segmentize(geoms, SEGMENT_DEG)


def area_km2(geom) -> float:
    """Area in km² (equal-area projection) of one WGS-84 geometry; 0 for points and lines."""
    g = as_geometry(geom)
    return float(measure.area_km2(_densify(g)))


def length_km(geom) -> float:
    """Length in km on the WGS-84 ellipsoid (perimeter for polygons, 0 for points)."""
    g = as_geometry(geom)
    return float(measure.length_km(_densify(g)))


def layer_measures(layer_id: str) -> pd.DataFrame:
    """key, name, area_km2 and length_km of every feature of a layer.

    ``length_km`` is the line length for line layers and the perimeter for
    polygon layers; both are 0 for points.
    """
    spec = get_spec(layer_id)
    gdf = catalog.get_layer(layer_id)
    geoms = _densify(np.asarray(gdf.geometry.values, dtype=object))
    return pd.DataFrame({
        "key": gdf[spec.key_field].astype(str).to_numpy(),
        "name": gdf["name"].astype(str).to_numpy() if "name" in gdf.columns else gdf[spec.key_field].astype(str).to_numpy(),
        "area_km2": np.asarray(measure.area_km2(geoms), dtype=float),
        "length_km": np.asarray(measure.length_km(geoms), dtype=float),
    })


# --------------------------------------------------------------- membership

def expand_members(adcodes: Iterable[str] | str) -> list[str]:
    """County adcodes covered by ``adcodes`` (county, prefecture or province codes).

    A comma-separated string is accepted.  Unknown codes raise ``KeyError``.
    """
    if isinstance(adcodes, str):
        adcodes = [a for a in adcodes.replace("，", ",").split(",")]
    codes = [str(a).strip() for a in adcodes if str(a).strip()]
    counties = admin.load_admin("county")
    prefectures = set(admin.load_admin("prefecture").adcode)
    provinces = set(admin.load_admin("province").adcode)
    county_codes = set(counties.adcode)
    out: list[str] = []
    for code in codes:
        if code in county_codes:
            found = [code]
        elif code in prefectures:
            found = sorted(counties.loc[counties.parent_adcode == code, "adcode"])
        elif code in provinces:
            found = sorted(counties.loc[counties.adcode.str[:2] == code[:2], "adcode"])
        else:
            raise KeyError(f"unknown adcode {code!r}")
        out.extend(c for c in found if c not in out)
    return out


def members_geometry(adcodes: Iterable[str] | str) -> shapely.Geometry:
    """Union of the counties covered by ``adcodes`` (exact: the counties form a coverage)."""
    codes = expand_members(adcodes)
    if not codes:
        raise ValueError("no members given")
    counties = admin.load_admin("county").set_index("adcode")
    geoms = counties.loc[codes].geometry.values
    merged = shapely.coverage_union_all(geoms)
    if not merged.is_valid:  # pragma: no cover - only for a broken coverage
        merged = shapely.union_all(geoms)
    return merged


def dissolve_membership(groups: Mapping[str, Sequence[str] | str]) -> gpd.GeoDataFrame:
    """One polygon per group: ``{"group id": [adcodes…]}`` → GeoDataFrame(id, members, geometry)."""
    rows, geoms = [], []
    for gid, members in groups.items():
        codes = members if isinstance(members, str) else ",".join(str(m) for m in members)
        rows.append({"id": str(gid), "members": codes})
        geoms.append(members_geometry(codes))
    return gpd.GeoDataFrame(rows, geometry=geoms, crs="EPSG:4326")


# ----------------------------------------------------------- intersections

def _relation(site, feat) -> str:
    if shapely.touches(site, feat):
        return "touches"
    if shapely.within(site, feat):
        return "within"
    if shapely.within(feat, site):
        return "contains"
    return "intersects"


def intersect_layers(geom, layer_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """Every feature of ``layer_ids`` that ``geom`` (point, line or polygon) touches.

    One row per feature hit, in layer order, largest overlap first:
    ``layer_id``, titles, ``group``, ``geometry_kind``, ``key`` (the layer's
    key field), ``name``, ``relation`` (within = the site lies inside the
    feature, contains, touches, intersects), ``overlap_km2`` (0 unless both the
    site and the feature are areas), ``overlap_length_km`` (length of a line
    feature inside the site, or of a line site inside the feature),
    ``site_share_pct`` and ``feature_share_pct`` (overlap as a share of each
    area), then the layer's required attributes (e.g. ``line_type``,
    ``legal_basis`` for the 四线).  ``layer_ids=None`` means every non-admin layer.
    """
    site = shapely.make_valid(as_geometry(geom))
    if site.is_empty:
        raise ValueError("the site geometry is empty")
    specs = [get_spec(i) for i in layer_ids] if layer_ids is not None else [s for s in load_manifest() if s.group != "admin"]
    site_dim = shapely.get_dimensions(site)
    site_area = area_km2(site) if site_dim == 2 else 0.0
    rows: list[dict] = []
    extra_cols: list[str] = []
    for spec in specs:
        gdf = catalog.get_layer(spec.id)
        values = np.asarray(gdf.geometry.values, dtype=object)
        tree = shapely.STRtree(values)
        hits = np.sort(tree.query(site, predicate="intersects"))
        layer_rows = []
        for i in hits:
            feat = values[i]
            inter = shapely.intersection(site, feat)
            fdim = shapely.get_dimensions(feat)
            overlap = area_km2(inter) if (site_dim == 2 and fdim == 2) else 0.0
            line_part = inter if shapely.get_dimensions(inter) == 1 else None
            feat_area = area_km2(feat) if fdim == 2 else 0.0
            rec = gdf.iloc[int(i)]
            row = {
                "layer_id": spec.id, "layer_title_zh": spec.title_zh, "layer_title_en": spec.title_en,
                "group": spec.group, "geometry_kind": spec.geometry,
                "key": str(rec[spec.key_field]), "name": str(rec.get("name", rec[spec.key_field])),
                "relation": _relation(site, feat),
                "overlap_km2": overlap,
                "overlap_length_km": length_km(line_part) if line_part is not None else 0.0,
                "site_share_pct": 100.0 * overlap / site_area if site_area > 0 else 0.0,
                "feature_share_pct": 100.0 * overlap / feat_area if feat_area > 0 else 0.0,
            }
            for col in spec.required_attributes:
                if col in row:
                    continue
                if col not in extra_cols:
                    extra_cols.append(col)
                value = rec.get(col)
                row[col] = None if (isinstance(value, float) and np.isnan(value)) else value
            layer_rows.append(row)
        layer_rows.sort(key=lambda r: -r["overlap_km2"])
        rows.extend(layer_rows)
    return pd.DataFrame(rows, columns=INTERSECT_COLUMNS + extra_cols)


# ------------------------------------------------------------------ styles

def _truthy(value) -> bool:
    return value in (True, "true", "True", 1)


def style_for(spec: LayerSpec, feature_props: Mapping | None = None) -> dict:
    """Leaflet style options for one feature of ``spec``.

    Starts from the manifest style; a ``style.categories`` entry
    (``{"field": f, "values": {value: colour-or-dict}}``) overrides the colour
    (or any option given as a dict) for features whose ``f`` has that value;
    schematic features get a dash pattern when the style sets none.  Point
    layers also get ``radius`` and a solid fill, as circle markers.
    """
    props = dict(feature_props or {})
    st = spec.style
    out = st.leaflet()
    if spec.geometry == "point":
        out.update(radius=st.radius, fill=True, fillColor=st.fill or st.stroke, fillOpacity=max(st.fill_opacity, 0.7))
    cats = st.categories or {}
    field = cats.get("field")
    if field and field in props and props[field] is not None:
        value = (cats.get("values") or {}).get(str(props[field]))
        if isinstance(value, str):
            out["color"] = value
            if out.get("fill"):
                out["fillColor"] = value
        elif isinstance(value, Mapping):
            out.update(value)
    if spec.geometry != "point" and "dashArray" not in out and (spec.schematic or _truthy(props.get("schematic"))):
        out["dashArray"] = SCHEMATIC_DASH
    return out


def legend(spec: LayerSpec, lang: str = "zh") -> list[dict]:
    """Legend entries ``{"value", "label", "style"}``: one per category, else one for the layer.

    Category labels come from ``style.categories.labels`` (``{value: {zh, en}}``)
    when given, else the value itself.
    """
    cats = spec.style.categories or {}
    values = cats.get("values") or {}
    if not values:
        return [{"value": None, "label": spec.title(lang), "style": style_for(spec, {})}]
    labels = cats.get("labels") or {}
    out = []
    for value in values:
        lab = labels.get(value, value)
        if isinstance(lab, Mapping):
            lab = lab.get(lang) or lab.get("zh") or value
        out.append({"value": value, "label": str(lab), "style": style_for(spec, {cats["field"]: value})})
    return out
