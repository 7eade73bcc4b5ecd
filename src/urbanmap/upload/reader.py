"""Read an upload — bytes only, never a path — through an explicit format allow-list.

GDAL chooses a driver by content, and some drivers dereference what they
read: an OGR VRT (or a GDALG pipeline, a WFS description, a GML schema
location) makes GDAL open local files or URLs, and GDAL's GeoJSON driver
fetches a ``"crs": {"type": "link" | "url"}`` member over the network.  So:

1. The format is sniffed here, in Python, from the content: GeoJSON (parsed
   by ``json``), KML (checked by ``expat``: root ``<kml>``, no DTD or
   entities), GeoPackage (SQLite header *and* GeoPackage application id), a
   zip holding one Shapefile or a KMZ.  Anything else is rejected before GDAL
   sees a byte.
2. What GDAL gets is rebuilt by us: a canonical GeoJSON (only ``type``,
   ``properties``, ``geometry``; the ``crs`` member is interpreted here and
   removed), the KML document, the GeoPackage bytes, or a fresh in-memory zip
   holding only the Shapefile's .shp/.shx/.dbf/.prj under fixed names.
   Uploaded names never become paths; pyogrio opens the bytes from a
   private ``/vsimem/`` file that it removes afterwards.
3. GDAL drivers that dereference content (OGR_VRT, GDALG, WFS, GML) are
   deregistered once (:func:`harden_gdal`), external SQLite access stays off,
   and the driver that actually opened the data is confirmed against the
   format's allow-list before any feature is read.
"""

from __future__ import annotations

import codecs
import io
import json
import logging
import math
import re
import struct
import threading
import warnings
import zipfile
from dataclasses import dataclass, field, replace
from xml.parsers import expat

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyogrio.raw
import pyproj

from . import crs as crsmod
from .archive import is_zip, read_archive
from .errors import Notice, UploadError, list_items

log = logging.getLogger(__name__)

#: source_format -> GDAL drivers allowed to open it.
ALLOWED_DRIVERS = {
    "GeoJSON": {"GeoJSON"},
    "ESRI Shapefile": {"ESRI Shapefile"},
    "GPKG": {"GPKG"},
    "KML": {"LIBKML", "KML"},
    "KMZ": {"LIBKML", "KML"},
}
#: Drivers that open other files or URLs named in the content; removed from GDAL.
DENIED_DRIVERS = ("OGR_VRT", "GDALG", "WFS", "GML")

GPKG_APPLICATION_IDS = (b"GPKG", b"GP10", b"GP11")
SHP_MAGIC = b"\x00\x00\x27\x0a"
GEOMETRY_TYPES = {"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon",
                  "GeometryCollection"}
#: Encodings a user may choose (label -> Python codec), in the order offered.
ENCODING_CHOICES = {"GBK": "gbk", "GB18030": "gb18030", "UTF-8": "utf-8", "BIG5": "big5", "ISO-8859-1": "latin-1"}
_ALLOWED_CODECS = {codecs.lookup(c).name: label for label, c in ENCODING_CHOICES.items()}
_ALLOWED_CODECS.update({codecs.lookup("gb2312").name: "GB2312", codecs.lookup("cp1252").name: "CP1252",
                        codecs.lookup("big5hkscs").name: "BIG5-HKSCS"})
#: Columns LIBKML adds to every layer; dropped when they carry nothing.
_KML_STANDARD = ("timestamp", "begin", "end", "altitudeMode", "tessellate", "extrude", "visibility",
                 "drawOrder", "icon", "snippet")
_PRJ_MAX = 64 * 1024
_DTD = re.compile(rb"<!\s*(doctype|entity)", re.IGNORECASE)

_harden_lock = threading.Lock()
_hardened = False


def harden_gdal() -> bool:
    """Remove the content-dereferencing drivers from GDAL (once per process).

    Uses GDAL's own ``GDAL_SKIP`` mechanism, which takes effect when the
    drivers are registered again.  Returns True when none of
    :data:`DENIED_DRIVERS` is left.  The upload path does not depend on it —
    the content sniffing already keeps such files away from GDAL — it is a
    second line of defence.
    """
    global _hardened
    with _harden_lock:
        if _hardened:
            return True
        pyogrio.set_gdal_config_options({"OGR_SQLITE_ALLOW_EXTERNAL_ACCESS": "NO"})
        present = [d for d in DENIED_DRIVERS if d in pyogrio.list_drivers()]
        if present:
            skip = (pyogrio.get_gdal_config_option("GDAL_SKIP") or "").split()
            pyogrio.set_gdal_config_options({"GDAL_SKIP": " ".join(dict.fromkeys([*skip, *present]))})
            try:
                from pyogrio._ogr import _register_drivers  # GDALAllRegister(): applies GDAL_SKIP

                _register_drivers()
            except Exception as exc:  # pragma: no cover - private API moved
                log.warning("could not re-register GDAL drivers: %s", exc)
        left = [d for d in DENIED_DRIVERS if d in pyogrio.list_drivers()]
        if left:  # pragma: no cover - depends on the GDAL build
            log.warning("GDAL drivers still registered despite GDAL_SKIP: %s", left)
        _hardened = not left
        return _hardened


@dataclass
class SourceData:
    """What the file holds, in its own CRS, before any validation."""

    gdf: gpd.GeoDataFrame  # geometry + attributes; .crs is not used — see ``crs``
    source_format: str  # "GeoJSON" | "ESRI Shapefile" | "GPKG" | "KML" | "KMZ"
    layer: str | None
    encoding: str | None
    crs: pyproj.CRS | None  # declared by the file (None = no CRS)
    crs_implied: bool  # the format fixes the CRS (GeoJSON without "crs", KML): not a declaration
    notices: list[Notice] = field(default_factory=list)

    @property
    def broken(self) -> dict[int, str]:
        """Rows whose stored geometry could not be parsed: {row: "nonfinite" | "unreadable"}."""
        return dict(self.gdf.attrs.get("broken_geometries", {}))


# --------------------------------------------------------------------------- sniffing


def _xml_root(data: bytes, fmt: str = "KML") -> str:
    """Local name of the XML root element; refuses DTDs and entities; checks well-formedness."""
    if _DTD.search(data):
        raise UploadError("forbidden_format", "XML with DTD/entities", params={"what": "XML DOCTYPE/ENTITY"})
    root: list[str] = []
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def start(name, _attrs):
        if not root:
            root.append(name.rsplit(":", 1)[-1])

    def refuse(*_args):
        raise UploadError("forbidden_format", "XML entity declaration", params={"what": "XML ENTITY"})

    parser.StartElementHandler = start
    parser.EntityDeclHandler = refuse
    parser.StartDoctypeDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        name = root[0] if root else ""
        _refuse_root(name)
        if name.lower() == "kml":
            raise UploadError("corrupt_file", f"XML: {exc}", params={"format": fmt}) from None
        raise UploadError("not_geodata", f"XML: {exc}") from None
    return root[0] if root else ""


def _refuse_root(name: str) -> None:
    forbidden = {"ogrvrtdatasource": "OGR VRT", "vrtdataset": "GDAL VRT", "ogrwfsdatasource": "WFS",
                 "wms_capabilities": "WMS", "gdal_wms": "WMS"}
    if name.lower() in forbidden:
        raise UploadError("forbidden_format", f"XML root <{name}>", params={"what": forbidden[name.lower()]})


def _looks_like_text(data: bytes) -> bool:
    sample = data[:4096]
    if b"\x00" in sample:
        return False
    for enc in ("utf-8", "gb18030"):
        try:
            sample.decode(enc)
            return True
        except UnicodeDecodeError as exc:
            if exc.start >= len(sample) - 4:  # a character cut at the sample's end
                return True
    return False


def sniff(data: bytes, filename: str = "") -> str:
    """One of "zip", "gpkg", "json", "xml" — or an UploadError saying what it is instead."""
    ext = filename.lower().rsplit(".", 1)[-1] if "." in filename else ""
    if is_zip(data):
        return "zip"
    if data.startswith(b"SQLite format 3\x00"):
        if data[68:72] in GPKG_APPLICATION_IDS:
            return "gpkg"
        raise UploadError("unsupported_format", "SQLite database that is not a GeoPackage")
    if data[:4] == SHP_MAGIC:
        raise UploadError("shapefile_not_zipped", "bare .shp")
    if data[:4] in (b"Rar!", b"7z\xbc\xaf") or data[:2] == b"\x1f\x8b":
        raise UploadError("unsupported_format", f"other archive format {data[:4]!r}")
    text = data.lstrip(b"\xef\xbb\xbf").lstrip()
    if text[:1] in (b"{", b"["):
        return "json"
    if text[:1] == b"<":
        return "xml"
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16 text: only XML declares itself so
        return "xml"
    if ext in ("shp", "shx", "dbf", "prj", "cpg"):  # one part of a shapefile on its own
        raise UploadError("shapefile_not_zipped", f"bare shapefile part .{ext}")
    if _looks_like_text(data):
        raise UploadError("not_geodata", f"text starting {data[:40]!r}")
    raise UploadError("unsupported_format", f"binary starting {data[:8]!r}")


# --------------------------------------------------------------------------- encodings


def normalize_encoding(value: str) -> tuple[str, str]:
    """(label, codec) for a user- or .cpg-named encoding from the allowed set; UploadError otherwise."""
    raw = str(value).strip()
    cleaned = raw.upper().replace("ANSI ", "").replace("CP", "").strip()
    numeric = {"936": "gbk", "54936": "gb18030", "65001": "utf-8", "950": "big5", "1252": "cp1252",
               "28591": "latin-1", "88591": "latin-1"}
    candidates = [numeric.get(cleaned), raw, raw.replace("_", "-")]
    for cand in candidates:
        if not cand:
            continue
        try:
            name = codecs.lookup(cand).name
        except LookupError:
            continue
        if name in _ALLOWED_CODECS:
            return _ALLOWED_CODECS[name], name
    raise UploadError("bad_option", f"encoding {raw!r:.40}", params={"option": "encoding", "value": raw[:40]},
                      choices=list(ENCODING_CHOICES))


def _is_cjk(ch: str) -> bool:
    o = ord(ch)
    return (0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0xF900 <= o <= 0xFAFF or 0x3000 <= o <= 0x303F
            or 0xFF00 <= o <= 0xFFEF or 0x2E80 <= o <= 0x2FDF or 0x20000 <= o <= 0x2FA1F or 0x2000 <= o <= 0x206F)


def detect_encoding(raw: list[bytes]) -> str | None:
    """Label of the encoding the raw strings are in, or None when it cannot be told.

    ASCII and valid UTF-8 are recognised directly.  Otherwise the bytes must
    decode strictly as GBK (or GB18030) *and* read as Chinese text; anything
    else is left to the user rather than risk mojibake.
    """
    blob = b"\n".join(raw)
    if blob.isascii():
        return "UTF-8"
    try:
        blob.decode("utf-8")
        return "UTF-8"
    except UnicodeDecodeError:
        pass
    for label, codec in (("GBK", "gbk"), ("GB18030", "gb18030")):
        try:
            text = blob.decode(codec)
        except UnicodeDecodeError:
            continue
        wide = [c for c in text if ord(c) > 0x7F]
        if wide and sum(_is_cjk(c) for c in wide) / len(wide) >= 0.9:
            return label
    return None


# --------------------------------------------------------------------------- GeoJSON


class _Duplicate(Exception):
    pass


def _no_duplicates(pairs):
    out = {}
    for k, v in pairs:
        if k in out:
            raise _Duplicate(k)
        out[k] = v
    return out


def _coords_ok(c) -> bool | None:
    """True: all finite numbers; False: a NaN/inf found; None: not numbers at all."""
    if isinstance(c, bool):
        return None
    if isinstance(c, (int, float)):
        return math.isfinite(c)
    if isinstance(c, list):
        result = True
        for v in c:
            r = _coords_ok(v)
            if r is None:
                return None
            result = result and r
        return result
    return None


def _canon_geometry(g, check_finite: bool):
    """(geometry dict or None, finite?) keeping only type / coordinates / geometries.

    Malformed coordinates are left to GDAL, which reads them as no geometry
    (reported as ``missing_geometry``); only NaN/Infinity need finding here,
    and only when the parser met one (``check_finite``).
    """
    if g is None:
        return None, True
    if not isinstance(g, dict) or g.get("type") not in GEOMETRY_TYPES:
        raise UploadError("corrupt_file", f"bad geometry object {str(g)[:80]}", params={"format": "GeoJSON"})
    if g["type"] == "GeometryCollection":
        parts = g.get("geometries")
        if not isinstance(parts, list):
            raise UploadError("corrupt_file", "GeometryCollection without geometries", params={"format": "GeoJSON"})
        out, ok = [], True
        for p in parts:
            cg, pok = _canon_geometry(p, check_finite)
            if cg is None:
                raise UploadError("corrupt_file", "null member of a GeometryCollection", params={"format": "GeoJSON"})
            out.append(cg)
            ok = ok and pok
        return {"type": "GeometryCollection", "geometries": out}, ok
    coords = g.get("coordinates")
    ok = _coords_ok(coords) is not False if check_finite else True
    return {"type": g["type"], "coordinates": coords}, ok


def _finite_props(v):
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, list):
        return [_finite_props(x) for x in v]
    if isinstance(v, dict):
        return {k: _finite_props(x) for k, x in v.items()}
    return v


def canonical_geojson(data: bytes, options, key_field: str | None = None) -> tuple[bytes, str | None, bool, str, list]:
    """(canonical UTF-8 GeoJSON, declared CRS "EPSG:n" or None, crs member present?, encoding label, notices)."""
    notices: list[Notice] = []
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    label = "UTF-8"
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        if options.encoding:
            label, codec = normalize_encoding(options.encoding)
            try:
                text = body.decode(codec)
            except UnicodeDecodeError as exc:
                raise UploadError("encoding_failed", f"GeoJSON as {label}: {exc}", params={"encoding": label},
                                  choices=list(ENCODING_CHOICES)) from None
        else:
            label = detect_encoding([body])
            if label is None:
                raise UploadError("bad_encoding", "GeoJSON is not UTF-8", choices=list(ENCODING_CHOICES))
            text = body.decode(ENCODING_CHOICES.get(label, label))
            notices.append(Notice("encoding_detected", encoding=label))
    nonfinite: list[str] = []  # NaN / Infinity literals, or numbers too large for a double

    def constant(name):
        nonfinite.append(name)
        return float("nan")

    def number(literal):
        value = float(literal)
        if not math.isfinite(value):
            nonfinite.append(literal[:20])
        return value

    try:
        obj = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=constant, parse_float=number)
    except _Duplicate as exc:
        raise UploadError("corrupt_file", f"duplicate JSON key {exc.args[0]!r:.40}", params={"format": "GeoJSON"}) from None
    except (json.JSONDecodeError, RecursionError) as exc:
        raise UploadError("corrupt_file", f"JSON: {exc}"[:300], params={"format": "GeoJSON"}) from None
    if not isinstance(obj, dict):
        raise UploadError("not_geodata", f"JSON {type(obj).__name__}")
    kind = obj.get("type")
    if kind == "gdal_streamed_alg":
        raise UploadError("forbidden_format", "GDALG pipeline", params={"what": "GDALG"})
    declared = crsmod.from_geojson_member(obj.get("crs"))
    if kind == "FeatureCollection":
        feats = obj.get("features")
        if not isinstance(feats, list):
            raise UploadError("corrupt_file", "FeatureCollection without a features list", params={"format": "GeoJSON"})
    elif kind == "Feature":
        feats = [obj]
    elif kind in GEOMETRY_TYPES:
        feats = [{"type": "Feature", "properties": {}, "geometry": obj}]
    else:
        raise UploadError("not_geodata", f"JSON type {str(kind)[:40]!r}")
    out, bad = [], []
    for i, f in enumerate(feats):
        if not isinstance(f, dict) or f.get("type") != "Feature":
            raise UploadError("corrupt_file", f"features[{i}] is not a Feature", params={"format": "GeoJSON"})
        if isinstance(f.get("crs"), dict) or (isinstance(f.get("geometry"), dict) and "crs" in f["geometry"]):
            crsmod.from_geojson_member(f.get("crs") or f["geometry"]["crs"])  # refuses links
        props = f.get("properties")
        if props is None:
            props = {}
        if not isinstance(props, dict):
            raise UploadError("corrupt_file", f"features[{i}].properties is not an object", params={"format": "GeoJSON"})
        props = _finite_props(props)
        if f.get("id") is not None and "id" not in props:
            props["id"] = f["id"]
        geom, finite = _canon_geometry(f.get("geometry"), bool(nonfinite))
        if not finite:
            bad.append(str(props.get(key_field)) if key_field and props.get(key_field) is not None else f"#{i + 1}")
        out.append({"type": "Feature", "properties": props, "geometry": geom})
    if bad:
        raise UploadError("bad_coordinates", f"{len(bad)} features with NaN/inf ({nonfinite[:3]})",
                          params={"count": len(bad), "items": list_items(bad)},
                          items=[{"key": k, "reason": "NaN/Infinity"} for k in bad])
    if not out:
        raise UploadError("empty_layer", "FeatureCollection with no features")
    canon = json.dumps({"type": "FeatureCollection", "features": out}, ensure_ascii=False, allow_nan=False)
    return canon.encode("utf-8"), declared, "crs" in obj, label, notices


# --------------------------------------------------------------------------- GDAL


def _choose(names: list[str], wanted: str | None) -> str:
    if wanted is not None:
        if wanted in names:
            return wanted
        raise UploadError("unknown_layer", f"layer {wanted!r:.60} not in {names[:20]}",
                          params={"name": str(wanted)[:60], "layers": list_items(names, 8, "、")}, choices=names)
    if len(names) > 1:
        raise UploadError("choose_layer", f"{len(names)} layers", params={"layers": list_items(names, 8, "、")},
                          choices=names)
    return names[0]


def _gdal_error(exc: Exception, fmt: str, encoding: str | None = None) -> UploadError:
    if isinstance(exc, UnicodeDecodeError):
        return UploadError("encoding_failed", f"{fmt}: {exc}", params={"encoding": encoding or "UTF-8"},
                           choices=list(ENCODING_CHOICES))
    return UploadError("corrupt_file", f"{fmt}: {type(exc).__name__}: {exc}"[:500], params={"format": fmt})


def _open_checked(buf: bytes, fmt: str, limits, layer: str | None = None, encoding: str | None = None,
                  read_geometry: bool = True) -> tuple[gpd.GeoDataFrame | pd.DataFrame, dict]:
    """Open with GDAL, confirm the driver, then read (2-D geometries)."""
    harden_gdal()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            info = pyogrio.read_info(buf, layer=layer, encoding=encoding)
        except Exception as exc:  # noqa: BLE001 - every GDAL failure is the file's fault here
            raise _gdal_error(exc, fmt, encoding) from None
        driver = info.get("driver")
        if driver not in ALLOWED_DRIVERS[fmt]:
            raise UploadError("unsupported_format", f"{fmt} opened by driver {driver!r}")
        count = int(info.get("features") or 0)
        if count == 0:
            raise UploadError("empty_layer", f"{fmt} layer {layer!r} has no features")
        if count > limits.max_features:
            raise UploadError("too_many_features", f"{count} features",
                              params={"count": count, "limit": limits.max_features})
        try:
            df = pyogrio.read_dataframe(buf, layer=layer, encoding=encoding, force_2d=True,
                                        read_geometry=read_geometry, on_invalid="ignore")
            broken = _broken_geometries(df, buf, layer, encoding) if read_geometry else {}
        except Exception as exc:  # noqa: BLE001
            raise _gdal_error(exc, fmt, encoding) from None
    for w in caught:
        log.debug("GDAL (%s): %s", fmt, w.message)
    if len(df) == 0:
        raise UploadError("empty_layer", f"{fmt}: no features read")
    if len(df) > limits.max_features:
        raise UploadError("too_many_features", f"{len(df)} features",
                          params={"count": len(df), "limit": limits.max_features})
    if broken:
        df.attrs["broken_geometries"] = broken
    return df, info


def _wkb_finite(wkb: bytes) -> bool | None:
    """Walk a WKB geometry: False if a coordinate is NaN/inf, True if all are finite, None if unreadable."""
    pos = 0

    def uint(e: str) -> int:
        nonlocal pos
        (n,) = struct.unpack_from(e + "I", wkb, pos)
        pos += 4
        return n

    def points(n: int, e: str, dims: int) -> bool:
        nonlocal pos
        values = struct.unpack_from(f"{e}{n * dims}d", wkb, pos)
        pos += 8 * n * dims
        return all(math.isfinite(v) for v in values)

    def geom() -> bool:
        nonlocal pos
        e = "<" if wkb[pos] == 1 else ">"
        pos += 1
        t = uint(e)
        dims = 2 + bool(t & 0x80000000) + bool(t & 0x40000000)  # EWKB Z / M flags
        t &= 0x0FFFFFFF
        if t >= 1000:  # ISO Z / M / ZM
            dims += {1: 1, 2: 1, 3: 2}.get(t // 1000, 0)
            t %= 1000
        if t == 1:
            return points(1, e, dims)
        if t == 2:
            return points(uint(e), e, dims)
        if t == 3:
            return all([points(uint(e), e, dims) for _ in range(uint(e))])
        if t in (4, 5, 6, 7):
            return all([geom() for _ in range(uint(e))])
        raise ValueError(f"WKB type {t}")

    try:
        return geom()
    except (struct.error, ValueError, IndexError):
        return None


def _broken_geometries(df: gpd.GeoDataFrame, buf: bytes, layer, encoding) -> dict[int, str]:
    """Rows whose geometry GDAL read but shapely refused: {row: "nonfinite" | "unreadable"}.

    A NaN vertex at the start of a ring makes the ring 'not closed', and the
    feature would silently lose its geometry; this says why instead.
    """
    missing = np.flatnonzero(df.geometry.isna().to_numpy())
    if len(missing) == 0:
        return {}
    _meta, _fids, wkb, _fields = pyogrio.raw.read(buf, layer=layer, encoding=encoding, columns=[], force_2d=True)
    if wkb is None or len(wkb) != len(df):
        return {}
    out = {}
    for i in missing:
        if wkb[i] is None:
            continue  # really no geometry
        finite = _wkb_finite(bytes(wkb[i]))
        out[int(i)] = "nonfinite" if finite is False else "unreadable"
    return out


def _list_layers(buf: bytes, fmt: str) -> list[tuple[str, str | None]]:
    harden_gdal()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return [(str(n), g) for n, g in pyogrio.list_layers(buf)]
        except Exception as exc:  # noqa: BLE001
            raise _gdal_error(exc, fmt) from None


def _crs_of(info: dict) -> pyproj.CRS | None:
    value = info.get("crs")
    if not value:
        return None
    try:
        if isinstance(value, str) and value.upper().startswith("EPSG:") and value[5:].isdigit():
            return pyproj.CRS.from_epsg(int(value[5:]))
        return pyproj.CRS.from_wkt(value)
    except pyproj.exceptions.CRSError as exc:
        raise UploadError("unsupported_crs", f"{exc}"[:300], params={"crs": str(value)[:60]}) from None


def _read_geojson(data: bytes, options, limits, key_field) -> SourceData:
    canon, declared, member, label, notices = canonical_geojson(data, options, key_field)
    df, _info = _open_checked(canon, "GeoJSON", limits)
    # Without a "crs" member GeoJSON is WGS-84 by definition (RFC 7946).
    crs = crsmod.choice_to_crs(declared) if declared else pyproj.CRS.from_epsg(4326)
    return SourceData(df, "GeoJSON", None, label, crs, crs_implied=declared is None, notices=notices)


def _kml_layers(buf: bytes, fmt: str, wanted: str | None, limits) -> tuple[gpd.GeoDataFrame, str | None]:
    names = [n for n, _g in _list_layers(buf, fmt)]
    if not names:
        raise UploadError("empty_layer", f"{fmt} without layers")
    if len(names) > 1:
        counted = []
        for n in names:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    if int(pyogrio.read_info(buf, layer=n).get("features") or 0) != 0:
                        counted.append(n)
                except Exception:  # noqa: BLE001 - an unreadable folder is not offered
                    continue
        names = counted or names
    layer = _choose(names, wanted)
    df, _info = _open_checked(buf, fmt, limits, layer=layer)
    # LIBKML's fixed display columns are noise unless they carry something.
    for col in [c for c in _KML_STANDARD if c in df.columns]:
        if df[col].isna().all() or col in ("tessellate", "extrude", "visibility"):
            df = df.drop(columns=col)
    shown = layer if len(names) > 1 or wanted else None
    return df, shown


def _read_kml(kml: bytes, fmt: str, options, limits) -> SourceData:
    root = _xml_root(kml, fmt)
    _refuse_root(root)
    if root.lower() != "kml":
        raise UploadError("not_geodata", f"XML root <{root[:40]}>")
    df, layer = _kml_layers(kml, fmt, options.layer_name, limits)
    return SourceData(df, fmt, layer, "UTF-8", pyproj.CRS.from_epsg(4326), crs_implied=True)


def _read_gpkg(data: bytes, options, limits) -> SourceData:
    layers = _list_layers(data, "GPKG")
    spatial = [n for n, g in layers if g is not None]
    if not spatial:
        raise UploadError("empty_layer", f"GeoPackage without spatial layers ({[n for n, _ in layers][:10]})")
    layer = _choose(spatial, options.layer_name)
    df, info = _open_checked(data, "GPKG", limits, layer=layer)
    return SourceData(df, "GPKG", layer, "UTF-8", _crs_of(info), crs_implied=False)


def _shapefile_zip(parts: dict[str, bytes]) -> bytes:
    """A fresh zip with only the parts GDAL should see, under fixed names."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:
        for ext in (".shp", ".shx", ".dbf", ".prj"):
            if ext in parts:
                zf.writestr("upload" + ext, parts[ext])
    return buf.getvalue()


def _read_shapefile(archive, options, limits) -> SourceData:
    name = _choose(list(archive.datasets), options.layer_name)
    parts = archive.read(name)
    if parts[".shp"][:4] != SHP_MAGIC or parts[".shx"][:4] != SHP_MAGIC or len(parts[".dbf"]) < 32:
        raise UploadError("corrupt_file", "shp/shx magic or dbf header missing", params={"format": "Shapefile"})
    if len(parts.get(".prj", b"")) > _PRJ_MAX:
        raise UploadError("corrupt_file", ".prj too large", params={"format": "Shapefile"})
    buf = _shapefile_zip(parts)
    notices: list[Notice] = []
    if archive.ignored:
        notices.append(Notice("ignored_members", names=list_items(archive.ignored, 5)))
    # GDAL reads the DBF as ISO-8859-1, which maps every byte to one character and
    # back, so the raw bytes survive; they are decoded here, strictly: a wrong
    # encoding is an error, never silent mojibake.
    label = codec = None
    if options.encoding:
        label, codec = normalize_encoding(options.encoding)
    elif ".cpg" in parts:
        cpg = parts[".cpg"][:64].decode("ascii", "replace").strip()
        try:
            label, codec = normalize_encoding(cpg)
        except UploadError:
            raise UploadError("bad_encoding", f".cpg names {cpg!r:.40}", choices=list(ENCODING_CHOICES)) from None
    else:  # the DBF's language id, if it names one (GDAL reports it)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                native = pyogrio.read_info(buf).get("encoding")
            except Exception as exc:  # noqa: BLE001
                raise _gdal_error(exc, "ESRI Shapefile") from None
        if native and native.upper().replace("_", "-") not in ("ISO-8859-1", "LATIN1", "UTF-8"):
            try:
                label, codec = normalize_encoding(native)
            except UploadError:
                label = codec = None
    df, info = _open_checked(buf, "ESRI Shapefile", limits, encoding="ISO-8859-1")
    geom_col = df.geometry.name
    text_cols = [c for c in df.columns if c != geom_col and pd.api.types.is_string_dtype(df[c])]
    if codec is None:
        raw = [str(c).encode("latin-1") for c in df.columns if c != geom_col]
        for col in text_cols:
            raw.extend(v.encode("latin-1") for v in df[col].dropna() if isinstance(v, str))
        label = detect_encoding(raw)
        if label is None:
            raise UploadError("bad_encoding", "no .cpg; DBF text is neither UTF-8 nor Chinese GBK",
                              choices=list(ENCODING_CHOICES))
        codec = ENCODING_CHOICES[label]
        if not b"".join(raw).isascii():
            notices.append(Notice("encoding_detected", encoding=label))
    df = _transcode(df, text_cols, codec, label)
    return SourceData(df, "ESRI Shapefile", name if len(archive.datasets) > 1 else None, label,
                      _crs_of(info), crs_implied=False, notices=notices)


def _transcode(df: gpd.GeoDataFrame, text_cols: list, codec: str, label: str) -> gpd.GeoDataFrame:
    """Decode latin-1-read DBF text (names and values) strictly as ``codec``."""
    def dec(value):
        return value.encode("latin-1").decode(codec) if isinstance(value, str) else value

    try:
        out = df.copy()
        for col in text_cols:
            out[col] = pd.Series([dec(v) for v in df[col].tolist()], index=df.index, dtype=object)
        renames = {c: dec(c) for c in df.columns if c != df.geometry.name}
        return out.rename(columns=renames)
    except (UnicodeDecodeError, UnicodeEncodeError) as exc:
        raise UploadError("encoding_failed", f"DBF as {label}: {exc}"[:300], params={"encoding": label},
                          choices=list(ENCODING_CHOICES)) from None


def read_upload(data: bytes, filename: str, options, limits, key_field: str | None = None) -> SourceData:
    """Sniff, open and read an upload (bytes in memory); raises UploadError."""
    kind = sniff(data, filename)
    harden_gdal()
    if kind == "json":
        return _read_geojson(data, options, limits, key_field)
    if kind == "xml":
        return _read_kml(data, "KML", options, limits)
    if kind == "gpkg":
        return _read_gpkg(data, options, limits)
    archive = read_archive(data, limits)
    if archive.kind == "shapefile":
        return _read_shapefile(archive, options, limits)
    return _read_kmz(archive, options, limits)


def _read_kmz(archive, options, limits) -> SourceData:
    """A KMZ's main document: doc.kml, the only root .kml, or the one the user named."""
    names = list(archive.datasets)
    if options.layer_name in names:  # the user picked a document inside the KMZ
        return _read_kml(archive.read(options.layer_name)[".kml"], "KMZ", replace(options, layer_name=None), limits)
    roots = [n for n in names if "/" not in n]
    doc = [n for n in roots if n.lower() == "doc.kml"]
    if len(names) == 1:
        pick = names[0]
    elif doc or len(roots) == 1:
        pick = (doc or roots)[0]
    else:
        raise UploadError("choose_layer", f"{len(names)} KML documents", choices=names,
                          params={"layers": list_items(names, 8, "、")})
    return _read_kml(archive.read(pick)[".kml"], "KMZ", options, limits)

