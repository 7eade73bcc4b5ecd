"""Bytes a folium map costs the browser: the component's arguments and the GeoJSON it fetches."""

from __future__ import annotations

import gzip
import json
import math

from urbanmap import config
from urbanmap.offline_assets import LOCAL_ASSETS, STATIC_URL

#: map size assumed for "what the default view loads" (a page map column on a laptop screen)
VIEW_PX = (900, 620)


def _level(s: dict) -> tuple[int, int]:
    return (s.get("minZoom", 0), s.get("maxZoom", 30))


def view_bounds(center, zoom: int, width_px: int = VIEW_PX[0], height_px: int = VIEW_PX[1]):
    """(west, south, east, north) a Leaflet map of that size shows at ``center``/``zoom``."""
    lat, lng = center
    scale = 256 * 2 ** zoom
    x = (lng + 180) / 360 * scale
    y = (1 - math.log(math.tan(math.radians(lat)) + 1 / math.cos(math.radians(lat))) / math.pi) / 2 * scale

    def unproject(px, py):
        lon = px / scale * 360 - 180
        n = math.pi - 2 * math.pi * py / scale
        return lon, math.degrees(math.atan(math.sinh(n)))

    w, n = unproject(x - width_px / 2, y - height_px / 2)
    e, s = unproject(x + width_px / 2, y + height_px / 2)
    return w, s, e, n


def _pick(sources: list[dict], zoom: int, bounds=None) -> list[dict]:
    """The sources ``static/urbanmap/um-map.js`` loads at ``zoom`` (same rule): the level whose
    zoom range holds ``zoom``, and of it the parts whose bbox meets the view padded by 30 %."""
    level = next((_level(s) for s in sources if _level(s)[0] <= zoom <= _level(s)[1]),
                 _level(sources[-1]) if sources else None)
    picked = [s for s in sources if _level(s) == level]
    if bounds is None:
        return picked
    w, s_, e, n = bounds
    pw, ph = (e - w) * 0.3, (n - s_) * 0.3
    w, s_, e, n = w - pw, s_ - ph, e + pw, n + ph
    return [s for s in picked if "bbox" not in s
            or not (s["bbox"][0] > e or s["bbox"][2] < w or s["bbox"][1] > n or s["bbox"][3] < s_)]


def _static_path(url: str):
    prefix = STATIC_URL + "/"
    return config.static_dir() / url[len(prefix):] if url.startswith(prefix) else None


def map_layers(m) -> dict:
    """Layers of an urbanmap folium map and the GeoJSON it loads at its initial zoom."""
    from urbanmap.mapview import UMLayer

    zoom = int(m.options.get("zoom", m.options.get("zoom_start", 0)) or 0)
    center = m.location
    bounds = view_bounds(center, zoom) if center else None
    layers, urls = [], {}
    for child in m._children.values():
        if not isinstance(child, UMLayer):
            continue
        opts = json.loads(child.options_json)
        srcs = opts.get("sources") or []
        picked = [s for s in _pick(srcs, zoom, bounds) if s.get("url")]
        levels = sorted({_level(s) for s in srcs})
        row = {"id": opts.get("id"), "lods": len(levels), "parts": len(picked), "urls": [], "bytes": 0}
        for src in picked:
            path = _static_path(src["url"])
            size = path.stat().st_size if path is not None and path.exists() else 0
            row["urls"].append(src["url"])
            row["bytes"] += size
            row["lod"] = "coarse" if src.get("maxZoom", 30) < 30 else ("detail" if len(levels) > 1 else "single")
            urls[src["url"]] = size
        layers.append(row)
    gz = 0
    for url in urls:
        path = _static_path(url)
        if path is not None and path.exists():
            gz += len(gzip.compress(path.read_bytes(), 6))
    return {"zoom": zoom, "layer_ids": [r["id"] for r in layers], "layers": layers,
            "geojson_bytes": sum(urls.values()), "geojson_gzip_bytes": gz}


def sent_bytes(m) -> dict:
    """What ``st_folium`` would send for ``m``: the same steps, then Streamlit's ``json.dumps``.

    Used for maps built outside a page (the every-layer overview, the inline
    variants, the naive baseline); for page maps the worker intercepts the
    real component call instead.
    """
    import streamlit_folium as sf

    m.get_root().render()
    m.render()
    html = sf._get_html(m)
    header = sf._get_header(m)
    script = sf._get_map_string(m)
    args = {"script": script, "header": header, "html": html}
    body = json.dumps(args).encode("utf-8")
    return {"json_args_bytes": len(body), "gzip_bytes": len(gzip.compress(body, 6)),
            "parts": {k: len(v.encode("utf-8")) for k, v in args.items()}}


def static_assets() -> dict:
    """Leaflet JS/CSS, um-map.js and the streamlit-folium bundle: fetched once, then cached."""
    import streamlit_folium

    from pathlib import Path

    out = {}
    for name, rel in LOCAL_ASSETS.items():
        p = config.static_dir() / rel
        out[rel] = p.stat().st_size if p.exists() else None
    build = Path(streamlit_folium.__file__).parent / "frontend" / "build"
    for p in sorted(build.rglob("*.js")):
        out["streamlit_folium/" + str(p.relative_to(build))] = p.stat().st_size
    return out


def file_bytes(url: str) -> int:
    path = _static_path(url)
    return path.stat().st_size if path is not None and path.exists() else 0
