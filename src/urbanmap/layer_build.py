"""Build the thematic layers (``geodata/layers/*.geojson``; ``urbanmap build-layers``).

Inputs: the admin boundaries (:func:`urbanmap.admin.load_admin`) and
``geodata/layer_sources.yaml`` (memberships with their basis, approximate
coordinates of seats, towns and waypoints, verbatim plan excerpts).

How geometry is made:

- plans that name administrative units → exact dissolves of the real county
  polygons (:func:`urbanmap.geoservices.members_geometry`);
- points "at the real seats" → the approximate seat coordinates, each checked
  to fall inside the county it belongs to;
- verbal descriptions → schematic shapes (flagged ``schematic: true``):
  polylines, corridors buffered in a local transverse-Mercator CRS (metres),
  ellipses, rings; optionally clipped to an admin unit;
- Liupanshui 四区 → counties cut by schematic lines through the named towns,
  on a fixed 1e-5° grid so that the four zones tile the municipality exactly.

The build is deterministic: the same inputs give the same bytes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyproj
import shapely
import yaml

from . import admin, config, geoservices, measure
from .geojson_io import write_geojson

#: Coordinates are rounded to 1e-5° (~1 m).
DECIMALS = 5
GRID = 10.0 ** -DECIMALS
#: Segments per quarter circle in buffers, and vertices per ellipse: smooth
#: enough at the zooms these shapes are seen at, small on disk.
QUAD_SEGS = 4
ELLIPSE_VERTICES = 48
#: Properties every thematic feature carries, in this order.
COMMON_PROPERTIES = ("id", "name", "schematic", "role", "description", "source", "source_section")
#: Keys of a feature spec that describe geometry or build options, not properties.
_GEOMETRY_KEYS = ("members", "derive_members", "at", "line", "corridor", "ellipse", "ring", "pieces")
_NOT_PROPERTIES = {"derive_members", "at", "line", "corridor", "ellipse", "ring", "pieces"}


class BuildError(RuntimeError):
    """The sources are inconsistent (a seat outside its county, a wrong member list …)."""


def sources_path() -> Path:
    return config.geodata_dir() / "layer_sources.yaml"


def load_sources(path: Path | None = None) -> dict:
    with open(path or sources_path(), encoding="utf-8") as fh:
        return yaml.safe_load(fh)


# ------------------------------------------------------------------ helpers

@dataclass
class _Ctx:
    sources: dict
    counties: gpd.GeoDataFrame
    prefectures: gpd.GeoDataFrame
    provinces: gpd.GeoDataFrame
    context: gpd.GeoDataFrame

    def place(self, ref) -> tuple[float, float]:
        if isinstance(ref, str):
            try:
                lon, lat = self.sources["places"][ref]["lonlat"]
            except KeyError:
                raise BuildError(f"unknown place {ref!r}") from None
            return float(lon), float(lat)
        lon, lat = ref
        return float(lon), float(lat)

    def unit(self, adcode: str) -> shapely.Geometry:
        code = str(adcode)
        for frame in (self.counties, self.prefectures, self.provinces):
            hit = frame[frame.adcode == code]
            if len(hit):
                return hit.geometry.values[0]
        raise BuildError(f"unknown admin unit {code!r}")

    def county_of(self, lon: float, lat: float) -> str | None:
        pt = shapely.Point(lon, lat)
        hit = self.counties[self.counties.geometry.contains(pt)]
        return str(hit.adcode.values[0]) if len(hit) else None


@lru_cache(maxsize=64)
def _local_tm(lon0: float, lat0: float) -> tuple[pyproj.Transformer, pyproj.Transformer]:
    crs = f"+proj=tmerc +lat_0={lat0} +lon_0={lon0} +k=1 +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs"
    fwd = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    inv = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    return fwd, inv


def _apply(tr: pyproj.Transformer, geom):
    def fn(xy: np.ndarray) -> np.ndarray:
        x, y = tr.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geom, fn)


def _metric_pair(lon: float, lat: float):
    """Transformers to and from a transverse-Mercator CRS centred near (lon, lat)."""
    return _local_tm(round(lon, 1), round(lat, 1))


def _finish(geom, kind: str):
    """Snap to the 1e-5° grid, keep only parts of ``kind``, print-clean coordinates."""
    if geom is None or geom.is_empty:
        raise BuildError("empty geometry")
    g = shapely.set_precision(geom, GRID)
    if kind == "polygon":
        parts = [p for p in shapely.get_parts(g) if p.geom_type == "Polygon" and not p.is_empty]
        if not parts:
            raise BuildError("geometry has no polygon part")
        g = parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)
        g = shapely.orient_polygons(g)  # RFC 7946: exterior rings counter-clockwise
    g = shapely.transform(g, lambda xy: np.round(xy, DECIMALS))
    if not g.is_valid:
        g = shapely.make_valid(g)
    return g


def _line(ctx: _Ctx, refs) -> shapely.LineString:
    coords = [ctx.place(r) for r in refs]
    if len(coords) < 2:
        raise BuildError("a line needs at least two points")
    return shapely.LineString(coords)


def _corridor(ctx: _Ctx, spec: dict) -> shapely.Geometry:
    line = _line(ctx, spec["line"])
    c = line.centroid
    fwd, inv = _metric_pair(c.x, c.y)
    buf = shapely.buffer(_apply(fwd, line), float(spec["half_width_km"]) * 1000.0, quad_segs=QUAD_SEGS)
    out = _apply(inv, buf)
    if spec.get("clip"):
        out = shapely.intersection(out, ctx.unit(spec["clip"]))
    return out


def _ellipse(ctx: _Ctx, spec: dict) -> shapely.Polygon:
    lon, lat = ctx.place(spec["center"])
    fwd, inv = _metric_pair(lon, lat)
    cx, cy = fwd.transform(lon, lat)
    rx, ry = float(spec["rx_km"]) * 1000.0, float(spec["ry_km"]) * 1000.0
    rot = math.radians(float(spec.get("rotation_deg", 0.0)))
    t = np.linspace(0.0, 2.0 * math.pi, ELLIPSE_VERTICES, endpoint=False)
    x, y = rx * np.cos(t), ry * np.sin(t)
    xr = cx + x * math.cos(rot) - y * math.sin(rot)
    yr = cy + x * math.sin(rot) + y * math.cos(rot)
    return _apply(inv, shapely.Polygon(np.column_stack([xr, yr])))


def _ring(raw: dict, spec: dict) -> shapely.Geometry:
    base = raw.get(spec["of"])
    if base is None:
        raise BuildError(f"ring of {spec['of']!r}: that feature must come earlier in the layer")
    c = base.centroid
    fwd, inv = _metric_pair(c.x, c.y)
    m = _apply(fwd, base)
    return _apply(inv, shapely.difference(shapely.buffer(m, float(spec["width_km"]) * 1000.0, quad_segs=QUAD_SEGS), m))


def _kind_of(feat: dict) -> str:
    if "at" in feat:
        return "point"
    if "line" in feat:
        return "line"
    if any(k in feat for k in ("members", "corridor", "ellipse", "ring", "pieces")):
        return "polygon"
    raise BuildError(f"feature {feat.get('id')!r} has no geometry ({', '.join(_GEOMETRY_KEYS)})")


# --------------------------------------------------------------- validation

def check_places(ctx: _Ctx) -> None:
    """Every place that names its county must lie inside that county's polygon."""
    bad = []
    for key, p in ctx.sources["places"].items():
        want = p.get("county")
        if not want:
            continue
        got = ctx.county_of(*ctx.place(key))
        if got != str(want):
            bad.append(f"{key} ({p['name']}) at {p['lonlat']} is in {got}, not {want}")
    if bad:
        raise BuildError("places outside their county: " + "; ".join(bad))


def border_prefectures(ctx: _Ctx, countries: list[str], province: str, min_shared_km: float) -> list[str]:
    """Prefectures of ``province`` sharing at least ``min_shared_km`` of border with ``countries``.

    The two sources are digitised independently, so "shared" means the
    prefecture's boundary within 1 km of the countries' outline.
    """
    ctry = ctx.context[ctx.context.adcode.isin(countries)]
    if len(ctry) != len(set(countries)):
        raise BuildError(f"context countries missing: {sorted(set(countries) - set(ctry.adcode))}")
    near = shapely.buffer(measure.to_equal_area(shapely.union_all(ctry.geometry.values)), 1000.0)
    prefs = ctx.prefectures[ctx.prefectures.adcode.str[:2] == str(province)[:2]]
    out = []
    for code, geom in zip(prefs.adcode, prefs.geometry.values):
        shared_km = shapely.length(shapely.intersection(shapely.boundary(measure.to_equal_area(geom)), near)) / 1000.0
        if shared_km >= min_shared_km:
            out.append(str(code))
    return sorted(out)


# ------------------------------------------------------------------ layers

def _properties(ctx: _Ctx, layer: dict, feat: dict) -> dict:
    spec = {**(layer.get("defaults") or {}), **feat}
    seeds = ctx.sources["seeds"]
    props: dict = {}
    for key in COMMON_PROPERTIES:
        if key == "schematic":
            props[key] = bool(spec.get("schematic", False))
        elif key == "source":
            seed = str(spec["source"])
            if seed not in seeds:
                raise BuildError(f"{feat['id']}: unknown seed {seed!r}")
            props[key] = seeds[seed]["file"]
        else:
            if not spec.get(key):
                raise BuildError(f"{feat.get('id')}: missing {key}")
            props[key] = spec[key]
    if "members" in spec:
        members = spec["members"]
        props["members"] = members if isinstance(members, str) else ",".join(str(m) for m in members)
        props["membership_basis"] = " ".join(str(spec["membership_basis"]).split())
        props["membership_assumed"] = bool(spec.get("membership_assumed", False))
    if "line_type" in spec:
        lt = spec["line_type"]
        types = ctx.sources["control_line_types"]
        if lt not in types:
            raise BuildError(f"{feat['id']}: unknown line_type {lt!r}")
        props["line_type"] = lt
        props["line_type_zh"] = types[lt]["zh"]
        props["legal_basis"] = types[lt]["legal_basis"]
    for key, value in spec.items():
        if key in props or key in _NOT_PROPERTIES or key in ("membership_basis", "membership_assumed"):
            continue
        props[key] = value
    return props


def _build_layer(ctx: _Ctx, layer_id: str, layer: dict) -> gpd.GeoDataFrame:
    feats = layer.get("features") or []
    if not feats:
        raise BuildError(f"{layer_id}: no features")
    kinds = {_kind_of(f) for f in feats}
    if len(kinds) != 1:
        raise BuildError(f"{layer_id}: mixes geometry kinds {sorted(kinds)}")
    kind = kinds.pop()
    raw: dict[str, shapely.Geometry] = {}
    rows, geoms = [], []
    taken = None  # union of earlier features, for exclusive layers
    for feat in feats:
        fid = feat["id"]
        props = _properties(ctx, layer, feat)
        if "at" in feat:
            lon, lat = ctx.place(feat["at"])
            geom = shapely.Point(lon, lat)
            county = ctx.county_of(lon, lat)
            if county is None:
                raise BuildError(f"{fid}: point {lon},{lat} is in no county")
            props["county_adcode"] = county
        elif "line" in feat:
            geom = _line(ctx, feat["line"])
        elif "members" in feat and "corridor" not in feat:
            if "derive_members" in feat:
                d = feat["derive_members"]
                derived = border_prefectures(ctx, list(d["touches"]), d["province"], float(d["min_shared_km"]))
                listed = sorted(str(m) for m in feat["members"])
                if derived != listed:
                    raise BuildError(f"{fid}: members {listed} differ from the computed border prefectures {derived}")
            try:
                geom = geoservices.members_geometry([str(m) for m in feat["members"]])
            except KeyError as exc:
                raise BuildError(f"{fid}: {exc}") from None
        elif "corridor" in feat:
            geom = _corridor(ctx, feat["corridor"])
        elif "ellipse" in feat:
            geom = _ellipse(ctx, feat["ellipse"])
        elif "ring" in feat:
            geom = _ring(raw, feat["ring"])
        else:  # pragma: no cover - _kind_of guards this
            raise BuildError(f"{fid}: no geometry")
        raw[fid] = geom
        if layer.get("clip") and kind == "polygon":
            geom = shapely.intersection(geom, ctx.unit(layer["clip"]))
        if layer.get("exclusive") and kind == "polygon":
            if taken is not None:
                geom = shapely.difference(geom, taken)
            taken = geom if taken is None else shapely.union(taken, geom)
        try:
            geom = _finish(geom, kind)
        except BuildError as exc:
            raise BuildError(f"{fid}: {exc}") from None
        if "line_type" in props:
            props["area_km2"] = round(geoservices.area_km2(geom), 4)
        rows.append(props)
        geoms.append(geom)
    return _frame(rows, geoms)


def _frame(rows: list[dict], geoms: list) -> gpd.GeoDataFrame:
    cols: list[str] = []
    for r in rows:
        cols.extend(k for k in r if k not in cols)
    data = {c: [r.get(c) for r in rows] for c in cols}
    return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(geoms, crs="EPSG:4326"), crs="EPSG:4326")


def _half_plane_north(ctx: _Ctx, refs, county: shapely.Geometry, name: str) -> shapely.Polygon:
    """The region north of an open west→east polyline (to 10° further north)."""
    coords = [ctx.place(r) for r in refs]
    xs = [c[0] for c in coords]
    if any(b <= a for a, b in zip(xs, xs[1:])):
        raise BuildError(f"cut {name}: the line must run strictly west to east")
    minx, _, maxx, _ = county.bounds
    if xs[0] >= minx or xs[-1] <= maxx:
        raise BuildError(f"cut {name}: the line must extend past both sides of its county")
    top = max(c[1] for c in coords) + 10.0
    return shapely.Polygon(coords + [(xs[-1], top), (xs[0], top)])


def _build_zones(ctx: _Ctx, layer: dict) -> gpd.GeoDataFrame:
    cuts = {}
    for name, cut in (layer.get("cuts") or {}).items():
        county = ctx.unit(cut["county"])
        cuts[name] = (str(cut["county"]), _half_plane_north(ctx, cut["line"], county, name))
    rows, geoms = [], []
    for feat in layer["features"]:
        pieces = []
        for piece in feat["pieces"]:
            county = ctx.unit(piece["county"])
            if "cut" in piece:
                owner, north = cuts[piece["cut"]]
                if owner != str(piece["county"]):
                    raise BuildError(f"{feat['id']}: cut {piece['cut']} belongs to {owner}, not {piece['county']}")
                if piece["side"] == "north":
                    part = shapely.intersection(county, north, grid_size=GRID)
                elif piece["side"] == "south":
                    part = shapely.difference(county, north, grid_size=GRID)
                else:
                    raise BuildError(f"{feat['id']}: side must be north or south")
            else:
                part = county
            if part.is_empty:
                raise BuildError(f"{feat['id']}: an empty piece ({piece})")
            pieces.append(part)
        geom = shapely.union_all(pieces, grid_size=GRID)
        rows.append(_properties(ctx, layer, feat))
        geoms.append(_finish(geom, "polygon"))
    gdf = _frame(rows, geoms)
    _check_tiling(ctx, gdf, layer)
    return gdf


def _check_tiling(ctx: _Ctx, gdf: gpd.GeoDataFrame, layer: dict) -> None:
    counties = {str(p["county"]) for f in layer["features"] for p in f["pieces"]}
    whole = shapely.union_all([ctx.unit(c) for c in sorted(counties)])
    union = shapely.union_all(gdf.geometry.values)
    total = measure.area_km2(whole)
    gap = measure.area_km2(shapely.symmetric_difference(whole, union))
    overlap = sum(
        measure.area_km2(shapely.intersection(a, b))
        for i, a in enumerate(gdf.geometry.values) for b in gdf.geometry.values[i + 1:]
    )
    if gap > 1e-4 * total or overlap > 1e-4 * total:
        raise BuildError(f"zones do not tile their counties: gap {gap:.3f} km², overlap {overlap:.3f} km²")


def build_all(sources: dict | None = None) -> dict[str, gpd.GeoDataFrame]:
    """Every thematic layer, in the order of ``layer_sources.yaml``."""
    sources = sources or load_sources()
    ctx = _Ctx(
        sources=sources,
        counties=admin.load_admin("county"),
        prefectures=admin.load_admin("prefecture"),
        provinces=admin.load_admin("province"),
        context=admin.load_admin("context"),
    )
    check_places(ctx)
    out: dict[str, gpd.GeoDataFrame] = {}
    for layer_id, layer in sources["layers"].items():
        if "cuts" in layer:
            out[layer_id] = _build_zones(ctx, layer)
        else:
            out[layer_id] = _build_layer(ctx, layer_id, layer)
    return out


def build(out_dir: Path, sources: Path | None = None) -> dict[str, dict]:
    """Write every thematic layer to ``out_dir/<layer_id>.geojson``.

    Returns ``{layer_id: {"features": n, "bytes": size, "schematic": [ids]}}``.
    """
    out_dir = Path(out_dir)
    layers = build_all(load_sources(sources))
    summary = {}
    for layer_id, gdf in layers.items():
        nbytes = write_geojson(gdf, out_dir / f"{layer_id}.geojson", name=layer_id)
        summary[layer_id] = {
            "features": int(len(gdf)),
            "bytes": int(nbytes),
            "schematic": [str(i) for i, s in zip(gdf["id"], gdf["schematic"]) if bool(s)],
        }
    return summary


# -------------------------------------------------------------- LAYERS.md

def layers_doc(summary: dict[str, dict], sources: dict | None = None) -> str:
    """The text of ``geodata/LAYERS.md`` for a build summary."""
    from .layers import load_manifest

    sources = sources or load_sources()
    specs = {s.id: s for s in load_manifest()}
    lines = [
        "# Thematic layers",
        "",
        "Built by `urbanmap build-layers` (`src/urbanmap/layer_build.py`) from the admin",
        "boundaries in `admin/` and the inputs in `layer_sources.yaml` (memberships with",
        "their basis, approximate coordinates, verbatim plan excerpts).  Described for the",
        "app by `layers.yaml`.  示意 (schematic) = drawn from the plan's words, not from a",
        "surveyed boundary; every such feature carries `schematic: true` and a",
        "`schematic_note`.",
        "",
        "| id | title | group | geometry | features | size | schematic (示意) parts and why |",
        "|---|---|---|---|---:|---:|---|",
    ]
    for layer_id, info in summary.items():
        spec = specs.get(layer_id)
        title = f"{spec.title_zh} / {spec.title_en}" if spec else layer_id
        group = spec.group if spec else "?"
        geometry = spec.geometry if spec else "?"
        n, sch = info["features"], info["schematic"]
        which = "all" if len(sch) == n else ("none" if not sch else ", ".join(f"`{s}`" for s in sch))
        why = " ".join(str(sources["layers"][layer_id].get("schematic_why", "")).split())
        lines.append(
            f"| `{layer_id}` | {title} | {group} | {geometry} | {n} | {info['bytes'] / 1024:.1f} KiB | {which}"
            + (f": {why}" if why else "") + " |"
        )
    total = sum(i["bytes"] for i in summary.values())
    lines += [
        "",
        f"Total on disk: {total / 1024:.1f} KiB.  Coordinates WGS-84, rounded to 1e-5° (≈1 m).",
        "",
        "## Rebuild",
        "",
        "```sh",
        ".venv/bin/urbanmap build-layers          # rewrites geodata/layers/*.geojson and this file",
        ".venv/bin/urbanmap build-layers --check  # exit 1 if the committed files differ from a fresh build",
        "```",
        "",
        "The build is deterministic (same inputs, same bytes).  It refuses to write when a",
        "seat point falls outside its county, when a listed membership disagrees with the",
        "one computed from the boundaries (沿边城镇带), or when the Liupanshui 四区 do not",
        "tile the municipality.",
        "",
    ]
    return "\n".join(lines)
