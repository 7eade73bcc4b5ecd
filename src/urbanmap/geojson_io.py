"""Deterministic GeoJSON reading and writing for committed geodata.

Files are written one feature per line (readable diffs), keys in a fixed
order, UTF-8 without escaping, so the same input always gives the same bytes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry import shape


def _clean(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and value != value:  # NaN
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        return value.item()  # numpy scalar
    return value


def feature_lines(gdf: gpd.GeoDataFrame) -> Iterable[str]:
    cols = [c for c in gdf.columns if c != gdf.geometry.name]
    for row, geom in zip(gdf[cols].itertuples(index=False, name=None), gdf.geometry.values):
        props = {c: _clean(v) for c, v in zip(cols, row)}
        feat = {
            "type": "Feature",
            "properties": props,
            "geometry": json.loads(shapely.to_geojson(geom)) if geom is not None else None,
        }
        yield json.dumps(feat, ensure_ascii=False, separators=(",", ":"))


def write_geojson(gdf: gpd.GeoDataFrame, path: Path, name: str | None = None) -> int:
    """Write ``gdf`` (must be EPSG:4326) deterministically; returns bytes written."""
    if gdf.crs is not None and gdf.crs.to_epsg() != 4326:
        raise ValueError(f"refusing to write {path}: CRS is {gdf.crs}, expected EPSG:4326")
    head = {"type": "FeatureCollection", "name": name or Path(path).stem}
    lines = list(feature_lines(gdf))
    text = json.dumps(head, ensure_ascii=False, separators=(",", ":"))[:-1]
    text += ',"features":[\n' + ",\n".join(lines) + "\n]}\n"
    data = text.encode("utf-8")
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_bytes(data)
    return len(data)


def read_geojson(path: Path) -> gpd.GeoDataFrame:
    """Read a committed GeoJSON into a GeoDataFrame (EPSG:4326), properties as-is."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    feats = data.get("features", [])
    props = [f.get("properties") or {} for f in feats]
    geoms = [shape(f["geometry"]) if f.get("geometry") else None for f in feats]
    df = pd.DataFrame(props)
    return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(geoms, crs="EPSG:4326"), crs="EPSG:4326")
