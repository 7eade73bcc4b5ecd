"""City systems (城镇体系) of the three provinces: which layers, members, areas (no Streamlit)."""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

from . import admin, catalog, measure, targets
from .layers import get_spec

#: system id -> (polygon/line/point layers, region to frame)
SYSTEMS = {
    "yunnan": (["yn_city_system", "yn_featured_cities"], "yunnan"),
    "jilin": (["jl_city_system", "jl_border_cities"], "jilin"),
    "guizhou": (["gz_town_group", "gz_corridors", "lps_centers"], "liupanshui_region"),
}


def members_table(layer_id: str, lang: str = "zh") -> pd.DataFrame:
    """One row per cluster: name, role, members (names), count, area, basis, assumed?

    Computed once per published version of the layer (areas need a projection).
    """
    return _members_table(layer_id, lang, catalog.version_token(layer_id)).copy()


@lru_cache(maxsize=32)
def _members_table(layer_id: str, lang: str, token: str) -> pd.DataFrame:
    spec = get_spec(layer_id)
    gdf = catalog.get_layer(layer_id)
    names = dict(zip(admin.all_units()["adcode"], admin.all_units()["name"]))
    rows = []
    for rec, geom in zip(gdf.drop(columns=gdf.geometry.name).to_dict("records"), gdf.geometry.values):
        codes = [c.strip() for c in str(rec.get("members") or "").split(",") if c.strip()]
        rows.append({
            "id": rec.get(spec.key_field),
            "name": rec.get("name"),
            "role": rec.get("role") or "",
            "members": "、".join(names.get(c, c) for c in codes),
            "n_members": len(codes),
            "area_km2": round(float(measure.area_km2(geom)), 0) if spec.geometry == "polygon" else None,
            "basis": rec.get("membership_basis") or rec.get("schematic_note") or "",
            "assumed": bool(rec.get("membership_assumed") in (True, "true")),
            "schematic": bool(rec.get("schematic") in (True, "true")),
            "targets": len(targets.targets_for(str(rec.get(spec.key_field)))),
        })
    return pd.DataFrame(rows)


def system_targets(system: str) -> pd.DataFrame:
    """Targets of every feature of a system (clusters, cities, corridors)."""
    ids: list[str] = []
    for layer_id in SYSTEMS[system][0]:
        spec = get_spec(layer_id)
        ids += [str(v) for v in catalog.get_layer(layer_id)[spec.key_field]]
    df = targets.load_targets()
    return df[df["region_code"].isin(ids)].sort_values("target_id")
