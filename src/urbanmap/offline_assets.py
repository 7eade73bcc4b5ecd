"""Leaflet and other browser assets, served by the app itself (no CDNs).

folium and streamlit-folium point every element at CDN URLs through the
elements' ``default_js`` / ``default_css``.  :func:`localise_tree` replaces
them with files Streamlit serves from ``static/``
(``server.enableStaticServing``); :func:`inline_assets` gives their text for
self-contained HTML exports.  An element asking for an asset we do not ship
raises :class:`OfflineAssetError` instead of silently reaching for a CDN.
"""

from __future__ import annotations

from functools import lru_cache

from . import config

#: URL prefix under which Streamlit serves ``static/``.
STATIC_URL = "/app/static"

#: asset name (as folium names it) -> path under ``static/``.
LOCAL_ASSETS = {
    "leaflet": "vendor/leaflet-1.9.4/leaflet.js",
    "leaflet_css": "vendor/leaflet-1.9.4/leaflet.css",
    "urbanmap_js": "urbanmap/um-map.js",
}
#: folium's default bundle that none of our elements uses (markers are drawn
#: as CircleMarkers/DivIcons, popups are plain HTML): dropped.
UNUSED_ASSETS = {
    "jquery", "bootstrap", "awesome_markers", "bootstrap_css", "glyphicons_css",
    "awesome_markers_font_css", "awesome_markers_css", "awesome_rotate_css",
}


class OfflineAssetError(RuntimeError):
    """An element needs a JS/CSS file that is not vendored under static/."""


def _local(entries, kind: str):
    out = []
    for name, url in entries:
        if name in UNUSED_ASSETS:
            continue
        if name not in LOCAL_ASSETS:
            raise OfflineAssetError(f"{kind} asset {name!r} ({url}) is not vendored under static/")
        out.append((name, url if url.startswith(STATIC_URL) else f"{STATIC_URL}/{LOCAL_ASSETS[name]}"))
    return out


def localise(element) -> None:
    """Point one folium element's JS/CSS at the app's own copies (idempotent)."""
    for attr, kind in (("default_js", "JS"), ("default_css", "CSS")):
        entries = getattr(type(element), attr, None)
        if entries is not None:
            setattr(element, attr, _local(entries, kind))


def walk(element):
    yield element
    for child in getattr(element, "_children", {}).values():
        yield from walk(child)


def localise_tree(root) -> None:
    """Localise every element below ``root`` (call after building the map)."""
    for el in walk(root):
        localise(el)


@lru_cache(maxsize=None)
def read_static(rel: str) -> str:
    return (config.static_dir() / rel).read_text(encoding="utf-8")


def inline_assets(names=("leaflet_css", "leaflet")) -> dict[str, str]:
    """Text of the named assets, for self-contained HTML."""
    return {n: read_static(LOCAL_ASSETS[n]) for n in names}
