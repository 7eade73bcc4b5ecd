"""Bytes a folium map costs the browser: the component's arguments and the GeoJSON it fetches."""

from __future__ import annotations

import gzip
import json

from urbanmap import config
from urbanmap.offline_assets import LOCAL_ASSETS, STATIC_URL


def _pick(sources: list[dict], zoom: int) -> dict | None:
    """The level of detail ``static/urbanmap/um-map.js`` loads at ``zoom`` (same rule)."""
    for s in sources:
        if s.get("minZoom", 0) <= zoom <= s.get("maxZoom", 30):
            return s
    return sources[-1] if sources else None


def _static_path(url: str):
    prefix = STATIC_URL + "/"
    return config.static_dir() / url[len(prefix):] if url.startswith(prefix) else None


def map_layers(m) -> dict:
    """Layers of an urbanmap folium map and the GeoJSON it loads at its initial zoom."""
    from urbanmap.mapview import UMLayer

    zoom = int(m.options.get("zoom", m.options.get("zoom_start", 0)) or 0)
    layers, urls = [], {}
    for child in m._children.values():
        if not isinstance(child, UMLayer):
            continue
        opts = json.loads(child.options_json)
        src = _pick(opts.get("sources") or [], zoom)
        row = {"id": opts.get("id"), "lods": len(opts.get("sources") or []), "url": None, "bytes": 0}
        if src and src.get("url"):
            path = _static_path(src["url"])
            row["url"] = src["url"]
            row["bytes"] = path.stat().st_size if path is not None and path.exists() else None
            row["lod"] = "coarse" if src.get("maxZoom", 30) < 30 else ("detail" if row["lods"] > 1 else "single")
            urls[src["url"]] = row["bytes"] or 0
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
