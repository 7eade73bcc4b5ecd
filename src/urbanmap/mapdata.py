"""Browser-ready layer data: compact GeoJSON with escaped tooltips, in levels of detail.

For every (layer, version, language, datum) the map needs a small
FeatureCollection: the key (``id``), the tooltip HTML built here from escaped
values (``_tip``) and the category field used for styling — nothing else.
Polygon layers that are large (the admin levels) also get a coarse level of
detail for overview zooms, simplified as a coverage so neighbours still share
borders.  Files are written once per version under ``static/cache/`` and
served by Streamlit (the browser caches them); if that directory is not
writable the data is inlined into the map instead.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from . import catalog, config, gcj02
from .layers import LayerSpec, get_spec
from .mapview import tooltip_html
from .offline_assets import STATIC_URL
from .simplify import CoverageError, round_coordinates, simplify_coverage

#: Layers with more vertices than this get a coarse level of detail.
LOD_MIN_VERTICES = 10_000
#: Coarse tolerance (degrees, ~500 m): sub-pixel below zoom 8, where it is used.
COARSE_TOLERANCE = 0.005
#: Zoom from which the detailed geometry is loaded.
DETAIL_FROM_ZOOM = 8
#: The detailed geometry of large layers is cut into parts on a grid of this size
#: (degrees, by each feature's point on surface); the browser fetches only the
#: parts that intersect the view, so a city view does not load three provinces.
DETAIL_PART_DEG = 2.0


@dataclass(frozen=True)
class Source:
    """One level of detail of a layer as the browser gets it."""

    min_zoom: int
    max_zoom: int
    url: str | None
    data: dict | None
    nbytes: int
    #: (west, south, east, north) of the features in this part; None = the whole layer
    bbox: tuple[float, float, float, float] | None = None

    def js(self) -> dict:
        out = {"minZoom": self.min_zoom, "maxZoom": self.max_zoom}
        if self.bbox is not None:
            out["bbox"] = list(self.bbox)
        if self.url:
            out["url"] = self.url
        else:
            out["data"] = self.data
        return out


def _name_of(row) -> str:
    return str(row.get("name") or row.get("id") or "")


def tooltip_rows(spec: LayerSpec, row: dict, lang: str) -> list[tuple[str, object]]:
    """Label/value pairs shown under a feature's name in its tooltip."""
    from .i18n import t

    rows: list[tuple[str, object]] = []
    if spec.group == "admin" and row.get("level"):
        rows.append((t("field.level", lang), t(f"level.{row['level']}", lang)))
        rows.append((t("field.adcode", lang), row.get("adcode")))
    else:
        rows.append((t("field.layer", lang), spec.title(lang)))
        if row.get("role"):
            rows.append((t("field.role", lang), row.get("role")))
        if row.get("line_type_zh"):
            rows.append((t("field.line_type", lang), row.get("line_type_zh")))
    if row.get("schematic") in (True, "true", 1) or spec.schematic:
        rows.append(("", t("badge.schematic", lang)))
    return rows


def _feature_collection(spec: LayerSpec, gdf: gpd.GeoDataFrame, geoms, lang: str) -> dict:
    cat_field = (spec.style.categories or {}).get("field")
    feats = []
    for row, geom in zip(gdf.drop(columns=gdf.geometry.name).to_dict("records"), geoms):
        if geom is None or geom.is_empty:
            continue
        props = {"id": str(row.get(spec.key_field)), "_tip": tooltip_html(_name_of(row), tooltip_rows(spec, row, lang))}
        if cat_field and cat_field in row:
            props[cat_field] = row[cat_field]
        feats.append({"type": "Feature", "properties": props, "geometry": json.loads(shapely.to_geojson(geom))})
    return {"type": "FeatureCollection", "features": feats}


def _coarse(geoms: np.ndarray) -> np.ndarray:
    try:
        return round_coordinates(simplify_coverage(geoms, COARSE_TOLERANCE), 4)
    except CoverageError:
        # not a clean coverage (e.g. an uploaded layer): per-feature simplification
        return round_coordinates(shapely.simplify(geoms, COARSE_TOLERANCE, preserve_topology=True), 4)


def _cache_dir() -> Path | None:
    d = config.static_dir() / "cache"
    try:
        d.mkdir(parents=True, exist_ok=True)
        probe = d / ".write-test"
        probe.write_text("ok")
        probe.unlink()
        return d
    except OSError:
        return None


@lru_cache(maxsize=1)
def _code_fingerprint() -> str:
    """Changes when the code or texts that shape the browser data change (stale cache guard)."""
    from . import i18n

    h = hashlib.sha1()
    for mod in (__file__, i18n.__file__):
        h.update(Path(mod).read_bytes())
    return h.hexdigest()[:8]


def _publish(make_fc, key: str, name: str, inline: bool) -> Source:
    """Write (once) or reuse the file for ``key``; inline the data when no cache dir."""
    d = None if inline else _cache_dir()
    if d is None:
        fc = make_fc()
        return Source(0, 30, None, fc, len(json.dumps(fc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")))
    digest = hashlib.sha1(f"{key}|{_code_fingerprint()}".encode("utf-8")).hexdigest()[:16]
    fname = f"{name}-{digest}.geojson"
    path = d / fname
    if not path.exists():  # files are keyed by data version + code: reuse across restarts
        text = json.dumps(make_fc(), ensure_ascii=False, separators=(",", ":"))
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)  # atomic: the browser never sees half a file
    return Source(0, 30, f"{STATIC_URL}/cache/{fname}", None, path.stat().st_size)


@lru_cache(maxsize=128)
def _sources(layer_id: str, token: str, lang: str, datum: str, inline: bool) -> tuple[Source, ...]:
    spec = get_spec(layer_id)
    gdf = catalog.get_layer(layer_id)
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    if datum == "gcj02":
        geoms = gcj02.geometry_wgs84_to_gcj02(geoms)
    key = f"{layer_id}|{token}|{lang}|{datum}"
    name = f"{layer_id}-{lang}-{datum}"
    nverts = int(shapely.get_num_coordinates(geoms).sum())
    if spec.geometry != "polygon" or nverts < LOD_MIN_VERTICES:
        return (_publish(lambda: _feature_collection(spec, gdf, geoms, lang), key + "|d", name + "-d", inline),)
    coarse = _publish(lambda: _feature_collection(spec, gdf, _coarse(geoms), lang), key + "|c", name + "-c", inline)
    out = [Source(0, DETAIL_FROM_ZOOM - 1, coarse.url, coarse.data, coarse.nbytes)]
    for (cx, cy), idx in detail_parts(geoms):
        part = _publish(lambda idx=idx: _feature_collection(spec, gdf.iloc[idx], geoms[idx], lang),
                        f"{key}|d|{cx},{cy}", f"{name}-d{cx}_{cy}", inline)
        bbox = tuple(round(float(v), 4) for v in shapely.total_bounds(geoms[idx]))
        out.append(Source(DETAIL_FROM_ZOOM, 30, part.url, part.data, part.nbytes, bbox))
    return tuple(out)


def detail_parts(geoms: np.ndarray) -> list[tuple[tuple[int, int], np.ndarray]]:
    """Feature indices grouped by the grid cell of their point on surface (each feature once)."""
    pts = shapely.point_on_surface(geoms)
    x = np.nan_to_num(shapely.get_x(pts)) / DETAIL_PART_DEG
    y = np.nan_to_num(shapely.get_y(pts)) / DETAIL_PART_DEG
    cells = np.stack([np.floor(x), np.floor(y)], axis=1).astype(int)
    keys, inverse = np.unique(cells, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    return [((int(k[0]), int(k[1])), np.flatnonzero(inverse == i)) for i, k in enumerate(keys)]


def layer_sources(layer_id: str, lang: str = "zh", *, datum: str = "wgs84", inline: bool = False) -> tuple[Source, ...]:
    """Levels of detail of a layer for the browser (cached per data version)."""
    return _sources(layer_id, catalog.version_token(layer_id), lang, datum, inline)


@lru_cache(maxsize=64)
def _labels(layer_id: str, token: str, datum: str) -> tuple[dict, ...]:
    spec = get_spec(layer_id)
    field = spec.style.label_field
    if not field:
        return ()
    gdf = catalog.get_layer(layer_id)
    pts = shapely.point_on_surface(np.asarray(gdf.geometry.values, dtype=object))
    if datum == "gcj02":
        pts = gcj02.geometry_wgs84_to_gcj02(pts)
    min_zoom = int(spec.extra.get("label_min_zoom", 0))
    cls = spec.extra.get("label_class", "")
    if spec.geometry == "point":  # below the marker, not on it
        cls = f"{cls} pt".strip()
    rank = int(spec.extra.get("label_priority", 0))  # higher wins when labels would overlap
    return tuple(
        {"lat": round(p.y, 5), "lng": round(p.x, 5), "text": str(v), "minZoom": min_zoom, "cls": cls, "rank": rank}
        for v, p in zip(gdf[field], pts) if p is not None and not p.is_empty
    )


def warm(lang: str = "zh") -> None:
    """Prepare every layer's browser data (called in the background at server start)."""
    from .layers import load_manifest

    for spec in load_manifest():
        layer_sources(spec.id, lang)
        layer_labels(spec.id)


def layer_labels(layer_id: str, *, datum: str = "wgs84") -> list[dict]:
    """Label points of a layer (text set client-side with textContent)."""
    return list(_labels(layer_id, catalog.version_token(layer_id), datum))
