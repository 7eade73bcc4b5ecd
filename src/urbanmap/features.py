"""One index over every clickable feature: lookup by id, search by name, describe.

Feature ids are unique across layers (adcodes for admin units, agreed string
ids such as ``lps-center-main`` for thematic features), so a click that
returns only ``properties.id`` identifies layer and row.
"""

from __future__ import annotations

from functools import lru_cache

import pandas as pd
import shapely

from . import catalog
from .layers import LayerSpec, get_spec, load_manifest

#: Layers whose features are not selectable (background context).
NON_INTERACTIVE = {"admin_context"}


def interactive_specs() -> list[LayerSpec]:
    return [s for s in load_manifest() if s.id not in NON_INTERACTIVE]


@lru_cache(maxsize=8)
def _index(tokens: tuple[tuple[str, str], ...]) -> pd.DataFrame:
    rows = []
    for layer_id, _tok in tokens:
        spec = get_spec(layer_id)
        gdf = catalog.get_layer(layer_id)
        bounds = shapely.bounds(gdf.geometry.values)
        for i, rec in enumerate(gdf.drop(columns=gdf.geometry.name).to_dict("records")):
            fid = str(rec.get(spec.key_field))
            rows.append({
                "id": fid, "layer_id": layer_id, "name": str(rec.get("name") or fid),
                "group": spec.group, "level": rec.get("level"), "schematic": bool(rec.get("schematic") in (True, "true") or spec.schematic),
                "minx": bounds[i][0], "miny": bounds[i][1], "maxx": bounds[i][2], "maxy": bounds[i][3],
            })
    df = pd.DataFrame(rows)
    # first layer wins if an id were ever repeated (manifest order = priority)
    return df.drop_duplicates("id", keep="first").set_index("id", drop=False)


def index() -> pd.DataFrame:
    """id, layer_id, name, group, level, schematic, bounds of every interactive feature."""
    return _index(tuple((s.id, catalog.version_token(s.id)) for s in interactive_specs()))


def lookup(fid: str) -> dict | None:
    """The attributes (and layer) of one feature, or None."""
    idx = index()
    if fid not in idx.index:
        return None
    hit = idx.loc[fid]
    spec = get_spec(hit["layer_id"])
    gdf = catalog.get_layer(spec.id)
    row = gdf[gdf[spec.key_field].astype(str) == fid].iloc[0]
    attrs = {k: v for k, v in row.items() if k != gdf.geometry.name}
    return {"id": fid, "spec": spec, "attrs": attrs, "geometry": row[gdf.geometry.name],
            "bounds": (hit["minx"], hit["miny"], hit["maxx"], hit["maxy"])}


def search(query: str, limit: int = 20) -> pd.DataFrame:
    """Features whose name or id contains the query (case-insensitive)."""
    q = (query or "").strip().lower()
    idx = index()
    if not q:
        return idx.head(0)
    hit = idx[idx["name"].str.lower().str.contains(q, regex=False) | idx["id"].str.lower().str.contains(q, regex=False)]
    # exact and prefix matches first, then shorter names
    score = (hit["name"].str.lower() != q).astype(int) * 2 + (~hit["name"].str.lower().str.startswith(q)).astype(int)
    return hit.assign(_score=score, _len=hit["name"].str.len()).sort_values(["_score", "_len"]).head(limit).drop(columns=["_score", "_len"])


def geojson_of(fid: str, *, datum: str = "wgs84") -> dict | None:
    """The feature's geometry as a GeoJSON Feature (for highlighting).

    ``datum="gcj02"`` shifts it onto GCJ-02 tiles (the 高德 basemap), as the layers are.
    """
    import json

    f = lookup(fid)
    if f is None:
        return None
    geom = f["geometry"]
    if datum == "gcj02":
        from .gcj02 import geometry_wgs84_to_gcj02

        geom = geometry_wgs84_to_gcj02(geom)
    return {"type": "Feature", "properties": {"id": fid}, "geometry": json.loads(shapely.to_geojson(geom))}
