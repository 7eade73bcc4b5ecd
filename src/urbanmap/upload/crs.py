"""Coordinate reference systems of uploads: recognise, offer choices, convert to WGS-84.

Chinese survey data usually comes in CGCS2000: geographic (EPSG:4490) or a
Gauss-Krüger projection — 3-degree zones EPSG:4513–4533 (false easting with
the zone number as prefix, e.g. 35 500 000 m) and 4534–4554 (without it),
6-degree zones EPSG:4491–4501 / 4502–4512.  Web maps from Amap or Tencent use
GCJ-02, which PROJ does not know: it is only ever an explicit user choice and
is converted with :mod:`urbanmap.gcj02`.

A file without a CRS is never guessed: :func:`suggest_choices` lists the
plausible options for the user, judged from the coordinate magnitudes.

User input reaches PROJ only as ``EPSG:<number>``: a free-form CRS string
could name a file (``+init=...``) and is refused.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

import numpy as np
import pyproj
import shapely

from .. import gcj02
from .errors import UploadError

GCJ02 = "GCJ-02"
WGS84 = "EPSG:4326"
CGCS2000 = "EPSG:4490"

_EPSG_CHOICE = re.compile(r"^\s*EPSG\s*:\s*(\d{4,6})\s*$", re.IGNORECASE)
_GCJ_CHOICE = re.compile(r"^\s*GCJ[-_ ]?02\s*$", re.IGNORECASE)

# GeoJSON "crs" members (2008 spec) that are identifiers, not links.
_URN = re.compile(r"^urn:ogc:def:crs:EPSG:[\d.]*:(\d{4,6})$", re.IGNORECASE)
_CRS84 = re.compile(r"^urn:ogc:def:crs:OGC:[\d.]*:CRS84$|^OGC:CRS84$", re.IGNORECASE)
_OGC_URI = re.compile(r"^https?://www\.opengis\.net/def/crs/EPSG/0/(\d{4,6})$", re.IGNORECASE)
_OGC_CRS84_URI = re.compile(r"^https?://www\.opengis\.net/def/crs/OGC/1\.3/CRS84$", re.IGNORECASE)
_EPSG_NAME = re.compile(r"^EPSG:(\d{4,6})$", re.IGNORECASE)


def gk3_code(zone: int, prefix: bool) -> int:
    """EPSG code of the CGCS2000 3-degree Gauss-Krüger zone ``zone`` (25–45, CM = 3·zone)."""
    if not 25 <= zone <= 45:
        raise ValueError(f"3-degree zone {zone} outside 25..45")
    return (4513 if prefix else 4534) + zone - 25


def gk6_code(zone: int, prefix: bool) -> int:
    """EPSG code of the CGCS2000 6-degree Gauss-Krüger zone ``zone`` (13–23, CM = 6·zone − 3)."""
    if not 13 <= zone <= 23:
        raise ValueError(f"6-degree zone {zone} outside 13..23")
    return (4491 if prefix else 4502) + zone - 13


def gk3_zones(min_lon: float, max_lon: float) -> list[int]:
    """3-degree zone numbers covering a longitude range."""
    lo = max(25, math.floor((min_lon + 1.5) / 3))
    hi = min(45, math.floor((max_lon + 1.5) / 3))
    return list(range(lo, hi + 1))


def gk6_zones(min_lon: float, max_lon: float) -> list[int]:
    lo = max(13, math.floor(min_lon / 6) + 1)
    hi = min(23, math.floor(max_lon / 6) + 1)
    return list(range(lo, hi + 1))


@lru_cache(maxsize=256)
def _crs_from_epsg(code: int) -> pyproj.CRS:
    return pyproj.CRS.from_epsg(code)


def parse_choice(value: str) -> str:
    """A user's CRS choice normalised to ``EPSG:<n>`` or ``GCJ-02``; UploadError otherwise."""
    if value is None:
        raise UploadError("bad_option", "crs=None", params={"option": "crs", "value": ""})
    if _GCJ_CHOICE.match(value):
        return GCJ02
    m = _EPSG_CHOICE.match(value)
    if m:
        code = int(m.group(1))
        try:
            crs = _crs_from_epsg(code)
        except pyproj.exceptions.CRSError:
            crs = None
        if crs is not None and (crs.is_geographic or crs.is_projected) and len(crs.axis_info) == 2:
            return f"EPSG:{code}"
    raise UploadError("bad_option", f"crs choice {value!r}", params={"option": "crs", "value": str(value)[:40]},
                      choices=[CGCS2000, WGS84, GCJ02])


def choice_to_crs(choice: str) -> pyproj.CRS | str:
    """``GCJ-02`` stays a marker; ``EPSG:<n>`` becomes a pyproj CRS."""
    return GCJ02 if choice == GCJ02 else _crs_from_epsg(int(choice.split(":")[1]))


def crs_label(choice: str, lang: str = "zh") -> str:
    """A readable label for a CRS choice, for select boxes."""
    if choice == GCJ02:
        return "GCJ-02（高德、腾讯地图坐标）" if lang != "en" else "GCJ-02 (Amap / Tencent map coordinates)"
    try:
        name = choice_to_crs(choice).name
    except (pyproj.exceptions.CRSError, ValueError, IndexError):
        return choice
    return f"{choice} — {name}"


def crs_name(crs: pyproj.CRS | str | None) -> str:
    """``EPSG:n`` when the CRS has an EPSG code, else its name."""
    if crs is None:
        return ""
    if isinstance(crs, str):
        return crs
    code = crs.to_epsg(min_confidence=90)
    return f"EPSG:{code}" if code else crs.name


def _known(code: int, raw: str) -> str:
    try:
        _crs_from_epsg(code)
    except pyproj.exceptions.CRSError:
        raise UploadError("unsupported_crs", f"unknown EPSG code {code}", params={"crs": raw[:60]}) from None
    return f"EPSG:{code}"


def from_geojson_member(member) -> str | None:
    """The CRS named by a GeoJSON ``crs`` member as ``EPSG:<n>``; links and URLs are refused.

    GDAL's GeoJSON driver fetches ``"type": "link"`` / ``"url"`` CRS members
    over the network; the reader strips the member before GDAL sees the file,
    and this function decides what it meant.
    """
    if member is None:
        return None
    if not isinstance(member, dict):
        raise UploadError("unsupported_crs", f"crs member {member!r:.80}", params={"crs": "crs"})
    kind = str(member.get("type", "")).lower()
    props = member.get("properties") if isinstance(member.get("properties"), dict) else {}
    if kind == "name":
        name = str(props.get("name", "")).strip()
        for pattern in (_URN, _OGC_URI, _EPSG_NAME):
            m = pattern.match(name)
            if m:
                return _known(int(m.group(1)), name)
        if _CRS84.match(name) or _OGC_CRS84_URI.match(name):
            return WGS84
        if "/" in name or "\\" in name or ":" in name and not name.lower().startswith("urn:"):
            raise UploadError("external_reference", f"crs name {name!r:.120}", params={"ref": name[:80]})
        raise UploadError("unsupported_crs", f"crs name {name!r:.120}", params={"crs": name[:80]})
    if kind == "epsg":
        code = props.get("code")
        if isinstance(code, int) or (isinstance(code, str) and code.isdigit()):
            return _known(int(code), str(code))
        raise UploadError("unsupported_crs", f"crs EPSG code {code!r:.40}", params={"crs": str(code)[:40]})
    if kind in ("link", "url"):
        ref = str(props.get("href") or props.get("url") or "")
        raise UploadError("external_reference", f"crs {kind} {ref!r:.120}", params={"ref": ref[:80] or kind})
    raise UploadError("unsupported_crs", f"crs type {kind!r:.40}", params={"crs": kind[:40] or "crs"})


def suggest_choices(coords: np.ndarray, region_lon: tuple[float, float]) -> list[str]:
    """CRS options to offer for data without a CRS, most likely first.

    ``coords`` are the raw (x, y) pairs; ``region_lon`` the longitude range of
    the layer's region, which decides the Gauss-Krüger zones worth offering.
    """
    geographic = [CGCS2000, WGS84, GCJ02]
    zones3 = gk3_zones(*region_lon)
    zones6 = gk6_zones(*region_lon)
    no_prefix = [f"EPSG:{gk3_code(z, False)}" for z in zones3] + [f"EPSG:{gk6_code(z, False)}" for z in zones6]
    with_prefix = [f"EPSG:{gk3_code(z, True)}" for z in zones3] + [f"EPSG:{gk6_code(z, True)}" for z in zones6]
    coords = coords[np.isfinite(coords).all(axis=1)] if len(coords) else coords
    if len(coords) == 0:
        return geographic + no_prefix + with_prefix
    x, y = np.median(coords[:, 0]), np.median(coords[:, 1])
    if abs(x) <= 180 and abs(y) <= 90:
        return geographic
    if 1e7 <= x < 1e8:  # easting with a zone prefix: the zone is the leading digits
        zone = int(x // 1e6)
        if 25 <= zone <= 45:
            return [f"EPSG:{gk3_code(zone, True)}"]
        if 13 <= zone <= 23:
            return [f"EPSG:{gk6_code(zone, True)}"]
    if 0 < x < 1e6 and 0 < y < 1e7:
        return no_prefix
    return no_prefix + with_prefix + geographic


@lru_cache(maxsize=32)
def _transformer(srs: str) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(pyproj.CRS.from_user_input(srs), WGS84, always_xy=True)


def to_wgs84(geoms: np.ndarray, source: pyproj.CRS | str) -> np.ndarray:
    """Convert shapely geometries from ``source`` (a CRS or ``GCJ-02``) to WGS-84 lon/lat."""
    if isinstance(source, str) and source == GCJ02:
        return gcj02.geometry_gcj02_to_wgs84(geoms)
    tr = _transformer(source.srs)

    def apply(xy: np.ndarray) -> np.ndarray:
        x, y = tr.transform(xy[:, 0], xy[:, 1], errcheck=False)
        return np.column_stack([x, y])

    return shapely.transform(geoms, apply)

