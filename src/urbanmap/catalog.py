"""The one read path for layer data: ``get_layer(layer_id) -> GeoDataFrame``.

Pages and map builders never open files themselves.  Today layers come from
the committed files named in the manifest; the versioned layer store plugs in
here (current published version first, committed file as the seed), so that
pages need no change when it does.
"""

from __future__ import annotations

from functools import lru_cache

import geopandas as gpd

from .geojson_io import read_geojson
from .layers import get_spec


@lru_cache(maxsize=64)
def _read(layer_id: str, version_token: str) -> gpd.GeoDataFrame:
    return read_geojson(get_spec(layer_id).file)


def version_token(layer_id: str) -> str:
    """Changes whenever the layer's data changes (cache key for callers)."""
    spec = get_spec(layer_id)
    st = spec.file.stat()
    return f"file:{st.st_mtime_ns}:{st.st_size}"


def get_layer(layer_id: str) -> gpd.GeoDataFrame:
    """Current data of a layer (EPSG:4326). Treat as read-only: it is cached."""
    return _read(layer_id, version_token(layer_id))
