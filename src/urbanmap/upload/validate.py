"""``validate_upload``: every check an uploaded layer file must pass.

Order of the checks (the first failure is reported, nothing is written):

1. size cap, empty file, the caller's options (CRS / encoding spelled right);
2. format by content, archive caps, readable, layer choice, text encoding,
   non-empty, feature cap (:mod:`.reader`, :mod:`.archive`);
3. vertex cap;
4. required attributes (matched ignoring case and the 10-character DBF
   limit), keys present and unique;
5. geometry present and of the layer's kind;
6. CRS: declared, chosen, or ``no_crs`` with choices (never guessed);
7. coordinates finite; reprojected to WGS-84; within ±180°/±90°; inside the
   layer's region (its admin units buffered by a margin) — with a hint when
   swapping the axes would put the data in place;
8. geometry validity, listed with reasons; repaired only on request;
9. attributes cleaned to plain values (text stays text: HTML is not
   interpreted here — escaping is the display's job).

``validate_upload`` never writes: the reader keeps uploads in memory and in
pyogrio's private ``/vsimem/`` files, which pyogrio removes on every path.
"""

from __future__ import annotations

import datetime as _dt
import math
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from .. import admin, measure
from . import crs as crsmod
from .errors import Notice, UploadError, list_items
from .reader import normalize_encoding, read_upload

MB = 2**20


@dataclass(frozen=True)
class Limits:
    """Caps on uploads; defaults from issue 7, each overridable from the environment."""

    max_upload_bytes: int = 50 * MB  # URBANMAP_UPLOAD_MAX_MB
    max_uncompressed_bytes: int = 200 * MB  # URBANMAP_UPLOAD_MAX_UNCOMPRESSED_MB (archives)
    max_members: int = 32  # URBANMAP_UPLOAD_MAX_MEMBERS (archives)
    max_ratio: float = 200.0  # URBANMAP_UPLOAD_MAX_RATIO (uncompressed : compressed)
    max_features: int = 50_000  # URBANMAP_UPLOAD_MAX_FEATURES
    max_vertices: int = 2_000_000  # URBANMAP_UPLOAD_MAX_VERTICES
    region_margin_km: float = 10.0  # URBANMAP_UPLOAD_REGION_MARGIN_KM

    _ENV = {
        "max_upload_bytes": ("URBANMAP_UPLOAD_MAX_MB", MB),
        "max_uncompressed_bytes": ("URBANMAP_UPLOAD_MAX_UNCOMPRESSED_MB", MB),
        "max_members": ("URBANMAP_UPLOAD_MAX_MEMBERS", 1),
        "max_ratio": ("URBANMAP_UPLOAD_MAX_RATIO", 1),
        "max_features": ("URBANMAP_UPLOAD_MAX_FEATURES", 1),
        "max_vertices": ("URBANMAP_UPLOAD_MAX_VERTICES", 1),
        "region_margin_km": ("URBANMAP_UPLOAD_REGION_MARGIN_KM", 1),
    }

    @classmethod
    def from_env(cls, environ: dict | None = None) -> "Limits":
        """Defaults overridden by ``URBANMAP_UPLOAD_*`` variables (ValueError names a bad one)."""
        env = os.environ if environ is None else environ
        values = {}
        for name, (var, unit) in cls._ENV.items():
            raw = env.get(var)
            if raw is None or str(raw).strip() == "":
                continue
            try:
                number = float(raw)
            except ValueError:
                raise ValueError(f"{var}={raw!r} is not a number") from None
            if not math.isfinite(number) or number <= 0:
                raise ValueError(f"{var}={raw!r} must be a positive number")
            value = number * unit
            values[name] = value if name in ("max_ratio", "region_margin_km") else int(value)
        return cls(**values)


@dataclass(frozen=True)
class UploadOptions:
    encoding: str | None = None  # DBF text encoding chosen by the user (e.g. "GBK"); None = .cpg / detect
    crs: str | None = None  # "EPSG:4490", "EPSG:4544", … or "GCJ-02"; overrides what the file says
    layer_name: str | None = None  # GeoPackage / KML layer (or KMZ document / zipped shapefile) to import
    make_valid: bool = False  # repair invalid geometries instead of rejecting them


@dataclass
class ValidatedUpload:
    gdf: gpd.GeoDataFrame  # EPSG:4326, attributes cleaned, key field first and unique
    spec: object  # LayerSpec
    source_format: str  # "GeoJSON" | "ESRI Shapefile" | "GPKG" | "KML" | "KMZ"
    source_crs: str
    encoding: str | None
    warnings: list[str] = field(default_factory=list)  # Notice objects: "中文 / English", .code, .message(lang)
    layer: str | None = None  # the layer read, when the file had several


# --------------------------------------------------------------------------- geometry kinds

_KIND_TYPES = {"polygon": {3, 6}, "line": {1, 5}, "point": {0, 4}}
_KIND_TEXT = {
    "polygon": ("面（Polygon / MultiPolygon）", "polygons (Polygon / MultiPolygon)"),
    "line": ("线（LineString / MultiLineString）", "lines (LineString / MultiLineString)"),
    "point": ("点（Point / MultiPoint）", "points (Point / MultiPoint)"),
}
_TYPE_NAMES = {0: "Point", 1: "LineString", 2: "LinearRing", 3: "Polygon", 4: "MultiPoint", 5: "MultiLineString",
               6: "MultiPolygon", 7: "GeometryCollection"}
#: English names of the units layer regions are made of (others show as "name (adcode)")
_PROVINCES_EN = {"530000": "Yunnan", "520000": "Guizhou", "220000": "Jilin", "520200": "Liupanshui", "530100": "Kunming"}


# --------------------------------------------------------------------------- region


@dataclass(frozen=True)
class Region:
    area: shapely.Geometry  # China Albers (metres), buffered by the margin, prepared
    label_zh: str
    label_en: str
    lon_range: tuple[float, float]


@lru_cache(maxsize=16)
def layer_region(adcodes: tuple[str, ...], margin_km: float) -> Region:
    """The union of the admin units ``adcodes``, in equal-area metres, buffered by ``margin_km``."""
    units = admin.all_units()
    sel = units[units["adcode"].astype(str).isin(adcodes)]
    missing = sorted(set(adcodes) - set(sel["adcode"].astype(str)))
    if missing:
        raise ValueError(f"layer region names unknown admin units {missing}")
    union = shapely.union_all(sel.geometry.values)
    # Simplifying by a tenth of the margin first keeps the buffer fast; the
    # margin more than covers what the simplification moves.
    projected = shapely.simplify(measure.to_equal_area(union), margin_km * 100.0)
    area = shapely.buffer(projected, margin_km * 1000.0, quad_segs=4)
    shapely.prepare(area)
    order = {code: i for i, code in enumerate(adcodes)}
    rows = sorted(sel.itertuples(), key=lambda r: order[str(r.adcode)])
    zh = "、".join(str(r.name) for r in rows)
    en = ", ".join(_PROVINCES_EN.get(str(r.adcode), f"{r.name} ({r.adcode})") for r in rows)
    minx, _, maxx, _ = union.bounds
    return Region(area, zh, en, (minx, maxx))


# --------------------------------------------------------------------------- helpers


def _labels(keys: pd.Series) -> list[str]:
    return [k if k else f"#{i + 1}" for i, k in enumerate(keys)]


def _key_text(value) -> str:
    """A key value as text ('' when empty); 530100.0 -> '530100'."""
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, (float, np.floating)):
        if not math.isfinite(value):
            return ""
        if float(value).is_integer():
            return str(int(value))
        return repr(float(value))
    if isinstance(value, (bytes, bytearray)):
        return ""
    return _clean_text(str(value))


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _clean_text(text: str) -> str:
    """Strip surrounding white space and control characters; everything else stays as typed."""
    return _CONTROL.sub("", text).strip()


def _plain(value):
    """A plain Python value (str/int/float/bool/None) for storage."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str):
        return _clean_text(value)
    if isinstance(value, (pd.Timestamp, _dt.datetime, _dt.date, _dt.time)):
        return value.isoformat()
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else str(value)
    if isinstance(value, (list, tuple, np.ndarray)):  # e.g. a GeoJSON array property
        return [_plain(v) for v in list(value)]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return _clean_text(str(value))


def _match_required(df: pd.DataFrame, spec, notices: list) -> pd.DataFrame:
    """Rename columns that match a required attribute ignoring case (or DBF's 10-char cut)."""
    cols = [c for c in df.columns if c != df.geometry.name]
    renames, missing = {}, []
    for req in spec.required_attributes:
        if req in cols:
            continue
        cands = [c for c in cols if str(c).lower() == req.lower() and c not in renames]
        if not cands and len(req) > 10:
            cands = [c for c in cols if str(c).lower() == req[:10].lower() and c not in renames]
        if len(cands) == 1 and cands[0] not in spec.required_attributes:
            renames[cands[0]] = req
        else:
            missing.append(req)
    if missing:
        raise UploadError("missing_attributes", f"missing {missing}; columns {cols[:30]}",
                          params={"fields": ", ".join(missing), "required": ", ".join(spec.required_attributes)})
    if renames:
        notices.append(Notice("fields_renamed", fields=", ".join(f"{a}→{b}" for a, b in renames.items())))
        df = df.rename(columns=renames)
    return df


def _check_keys(keys: list[str], key_field: str) -> None:
    empty = [i + 1 for i, k in enumerate(keys) if not k]
    if empty:
        raise UploadError("missing_keys", f"{len(empty)} empty keys", params={
            "count": len(empty), "key": key_field, "items": list_items(empty)})
    counts = pd.Series(keys).value_counts()
    dups = [k for k, n in counts.items() if n > 1]
    if dups:
        raise UploadError("duplicate_keys", f"duplicates {dups[:20]}", params={
            "key": key_field, "items": list_items(f"{k}（×{counts[k]}）" for k in dups)},
            items=[{"key": k, "reason": f"×{counts[k]}"} for k in dups])


def _check_broken(broken: dict[int, str], labels: list[str], fmt: str) -> None:
    """Geometries the reader could not parse: NaN/inf coordinates, or damaged records."""
    nonfinite = [labels[i] for i, why in sorted(broken.items()) if why == "nonfinite"]
    if nonfinite:
        raise UploadError("bad_coordinates", f"{len(nonfinite)} stored geometries with NaN/inf",
                          params={"count": len(nonfinite), "items": list_items(nonfinite)},
                          items=[{"key": k, "reason": "NaN/Infinity"} for k in nonfinite])
    if broken:
        raise UploadError("corrupt_file", f"unparsable geometries in rows {sorted(broken)[:10]}", params={"format": fmt})


def _check_geometry_kind(geoms: np.ndarray, labels: list[str], kind: str) -> None:
    missing = [labels[i] for i in np.flatnonzero(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    if missing:
        raise UploadError("missing_geometry", f"{len(missing)} without geometry",
                          params={"count": len(missing), "items": list_items(missing)},
                          items=[{"key": k, "reason": "empty"} for k in missing])
    ids = shapely.get_type_id(geoms)
    wrong = ~np.isin(ids, list(_KIND_TYPES[kind]))
    if wrong.any():
        found = pd.Series([_TYPE_NAMES.get(int(t), str(t)) for t in ids[wrong]]).value_counts()
        zh, en = _KIND_TEXT[kind]
        raise UploadError("wrong_geometry_type", f"{dict(found)} for a {kind} layer", params={
            "expected": zh, "expected_en": en,
            "found": ", ".join(f"{name} ×{n}" for name, n in found.items())},
            items=[{"key": labels[i], "reason": _TYPE_NAMES.get(int(ids[i]), "?")} for i in np.flatnonzero(wrong)])


def _source_crs(src, options, coords: np.ndarray, region: Region, notices: list):
    """(source CRS or GCJ-02 marker, label) — or ``no_crs`` with choices."""
    if options.crs:
        choice = crsmod.parse_choice(options.crs)
        if src.crs is not None and not src.crs_implied and crsmod.crs_name(src.crs) != choice:
            notices.append(Notice("crs_overridden", declared=crsmod.crs_name(src.crs), chosen=choice))
        return crsmod.choice_to_crs(choice), choice
    finite = coords[np.isfinite(coords).all(axis=1)] if len(coords) else coords
    # Metres, not degrees (even swapped or slightly off degrees stay far below 1000).
    looks_projected = len(finite) > 0 and np.abs(finite).max() > 1000
    if src.crs is None or (src.crs_implied and looks_projected):
        raise UploadError("no_crs", f"no CRS in {src.source_format}",
                          choices=crsmod.suggest_choices(coords, region.lon_range))
    return src.crs, crsmod.crs_name(src.crs)


def _in_range(geoms: np.ndarray) -> np.ndarray:
    """Per geometry: every coordinate finite and within ±180° / ±90°."""
    coords, idx = shapely.get_coordinates(geoms, return_index=True)
    bad = ~(np.isfinite(coords).all(axis=1) & (np.abs(coords[:, 0]) <= 180) & (np.abs(coords[:, 1]) <= 90))
    ok = np.ones(len(geoms), dtype=bool)
    ok[np.unique(idx[bad])] = False
    return ok


def _inside(geoms_wgs84: np.ndarray, region: Region) -> np.ndarray:
    ok = _in_range(geoms_wgs84)
    inside = np.zeros(len(geoms_wgs84), dtype=bool)
    if ok.any():
        projected = measure.to_equal_area(geoms_wgs84[ok])
        inside[ok] = shapely.contains(region.area, projected)
    return inside


def _swapped_fits(geoms_src: np.ndarray, source, region: Region) -> bool:
    """Would swapping x and y (in the source CRS) put every feature inside the region?"""
    try:
        swapped = shapely.transform(geoms_src, lambda xy: xy[:, ::-1])
        out = crsmod.to_wgs84(swapped, source)
    except Exception:  # noqa: BLE001 - a failed guess is just "no"
        return False
    return bool(_inside(out, region).all())


def _reproject(geoms: np.ndarray, source) -> np.ndarray:
    try:
        return crsmod.to_wgs84(geoms, source)
    except (pyproj.exceptions.ProjError, pyproj.exceptions.CRSError) as exc:
        raise UploadError("unsupported_crs", f"transform: {exc}"[:300], params={"crs": crsmod.crs_name(source)}) from None


def _check_extent(geoms_src: np.ndarray, out: np.ndarray, source, region: Region, labels: list[str]) -> None:
    in_range = _in_range(out)
    if not in_range.all():
        if _swapped_fits(geoms_src, source, region):
            raise UploadError("swapped_axes", "x/y swapped", params={"region": region.label_zh, "region_en": region.label_en})
        bad = [labels[i] for i in np.flatnonzero(~in_range)]
        raise UploadError("coordinates_out_of_range", f"{len(bad)} out of lon/lat range with {crsmod.crs_name(source)}",
                          params={"items": list_items(bad)}, items=[{"key": k, "reason": "range"} for k in bad])
    inside = _inside(out, region)
    if not inside.all():
        if _swapped_fits(geoms_src, source, region):
            raise UploadError("swapped_axes", "x/y swapped", params={"region": region.label_zh, "region_en": region.label_en})
        bad = [labels[i] for i in np.flatnonzero(~inside)]
        raise UploadError("out_of_region", f"{len(bad)} outside {region.label_en}", params={
            "count": len(bad), "items": list_items(bad), "region": region.label_zh, "region_en": region.label_en},
            items=[{"key": k, "reason": "outside"} for k in bad])


def _keep_kind(geom, kind: str):
    """The parts of a repaired geometry that match the layer's kind (collapsed bits dropped)."""
    if geom is None or shapely.is_empty(geom):
        return geom
    want = _KIND_TYPES[kind]
    if shapely.get_type_id(geom) in want:
        return geom
    parts = [p for p in shapely.get_parts(geom) if shapely.get_type_id(p) in want]
    if not parts:
        return shapely.Polygon() if kind == "polygon" else shapely.LineString() if kind == "line" else shapely.Point()
    merged = shapely.union_all(parts) if kind != "point" else shapely.MultiPoint(parts)
    return merged


def _check_validity(out: np.ndarray, labels: list[str], kind: str, make_valid: bool, notices: list) -> np.ndarray:
    invalid = np.flatnonzero(~shapely.is_valid(out))
    if len(invalid) == 0:
        return out
    reasons = shapely.is_valid_reason(out[invalid])
    items = [{"key": labels[i], "reason": str(r)} for i, r in zip(invalid, reasons)]
    listed = list_items(f"{it['key']}（{it['reason']}）" for it in items)
    if not make_valid:
        raise UploadError("invalid_geometry", f"{len(items)} invalid: {items[:10]}",
                          params={"count": len(items), "items": listed}, items=items)
    method = "structure" if kind == "polygon" else "linework"
    repaired = shapely.make_valid(out[invalid], method=method, keep_collapsed=False) if method == "structure" \
        else shapely.make_valid(out[invalid])
    repaired = np.array([_keep_kind(g, kind) for g in repaired], dtype=object)
    still = [labels[i] for i, g in zip(invalid, repaired)
             if g is None or shapely.is_empty(g) or not shapely.is_valid(g)
             or shapely.get_type_id(g) not in _KIND_TYPES[kind]]
    if still:
        raise UploadError("repair_failed", f"{len(still)} still invalid after make_valid",
                          params={"count": len(still), "items": list_items(still)},
                          items=[{"key": k, "reason": "repair failed"} for k in still])
    fixed = out.copy()
    fixed[invalid] = repaired
    notices.append(Notice("repaired_geometries", count=len(items), items=listed))
    return fixed


def _clean_attributes(df: pd.DataFrame, spec, keys: list[str], notices: list) -> pd.DataFrame:
    geom_col = df.geometry.name
    cols: dict[str, list] = {}
    dropped = []
    for col in df.columns:
        if col == geom_col:
            continue
        name = _clean_text(str(col))
        if not name or name in cols or name == "geometry":
            dropped.append(str(col))
            continue
        values = df[col].tolist()
        if any(isinstance(v, (bytes, bytearray, memoryview)) for v in values):
            dropped.append(name)
            continue
        cols[name] = [_plain(v) for v in values]
    cols[spec.key_field] = keys
    if dropped:
        notices.append(Notice("dropped_fields", fields=", ".join(dropped)))
    order = [spec.key_field] + [a for a in spec.required_attributes if a != spec.key_field]
    order += [c for c in cols if c not in order]
    return pd.DataFrame({c: pd.Series(cols[c], dtype=object) for c in order})


# --------------------------------------------------------------------------- entry point


def validate_upload(data: bytes, filename: str, spec, options: UploadOptions = UploadOptions(),
                    limits: Limits = Limits()) -> ValidatedUpload:
    """Check an uploaded file for layer ``spec``; returns the cleaned layer or raises UploadError."""
    if isinstance(data, (bytearray, memoryview)):
        data = bytes(data)
    if not isinstance(data, bytes):
        raise TypeError("validate_upload takes the uploaded bytes")
    filename = os.path.basename(str(filename or "").replace("\\", "/"))[:200]  # a hint, never a path
    if len(data) > limits.max_upload_bytes:
        raise UploadError("too_large", f"{len(data)} bytes", params={
            "size_mb": round(len(data) / MB, 1), "limit_mb": round(limits.max_upload_bytes / MB, 1)})
    if not data.strip():
        raise UploadError("empty_file", f"{len(data)} bytes of white space" if data else "0 bytes")
    if options.crs is not None:
        crsmod.parse_choice(options.crs)
    if options.encoding is not None:
        normalize_encoding(options.encoding)
    region = layer_region(tuple(spec.region), float(limits.region_margin_km))

    src = read_upload(data, filename, options, limits, key_field=spec.key_field)
    notices: list = list(src.notices)
    gdf = src.gdf
    geoms = np.asarray(gdf.geometry.values, dtype=object)

    n_vertices = int(shapely.get_num_coordinates(geoms).sum())
    if n_vertices > limits.max_vertices:
        raise UploadError("too_many_vertices", f"{n_vertices} vertices",
                          params={"count": n_vertices, "limit": limits.max_vertices})

    gdf = _match_required(gdf, spec, notices)
    keys = [_key_text(v) for v in gdf[spec.key_field].tolist()]
    _check_keys(keys, spec.key_field)
    labels = _labels(pd.Series(keys))
    _check_broken(src.broken, labels, src.source_format)
    _check_geometry_kind(geoms, labels, spec.geometry)

    coords, idx = shapely.get_coordinates(geoms, return_index=True)
    nonfinite = np.unique(idx[~np.isfinite(coords).all(axis=1)])
    if len(nonfinite):
        bad = [labels[i] for i in nonfinite]
        raise UploadError("bad_coordinates", f"{len(bad)} features with NaN/inf",
                          params={"count": len(bad), "items": list_items(bad)},
                          items=[{"key": k, "reason": "NaN/Infinity"} for k in bad])
    source, source_label = _source_crs(src, options, coords, region, notices)
    out = _reproject(geoms, source)
    if isinstance(source, str):  # the GCJ-02 marker
        notices.append(Notice("gcj02_converted"))
    _check_extent(geoms, out, source, region, labels)
    out = _check_validity(out, labels, spec.geometry, options.make_valid, notices)

    attrs = _clean_attributes(gdf, spec, keys, notices)
    result = gpd.GeoDataFrame(attrs, geometry=gpd.GeoSeries(out, crs="EPSG:4326"), crs="EPSG:4326")
    return ValidatedUpload(gdf=result, spec=spec, source_format=src.source_format, source_crs=source_label,
                           encoding=src.encoding, warnings=notices, layer=src.layer)
