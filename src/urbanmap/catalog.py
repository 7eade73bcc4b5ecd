"""The one read path for layer data: ``get_layer(layer_id) -> GeoDataFrame``.

Pages and map builders never open files themselves.  Layers come from the
versioned layer store (:mod:`urbanmap.store`): the current published version.
The committed files named in the manifest are only the store's seed (version
1 on first start).

Reads are cached by :func:`version_token` (head version + checksum, one
indexed query), so a publish or rollback — from this process, another app
process or the CLI — changes the token and the next page run reads the new
data; unchanged layers cost one tiny query per run.
"""

from __future__ import annotations

from functools import lru_cache

import geopandas as gpd

from .store import get_store


@lru_cache(maxsize=64)
def _read(layer_id: str, token: str) -> gpd.GeoDataFrame:
    # The token names an immutable version by number and checksum, so the cache
    # can never serve data other than what the token describes.
    version = int(token.split(":", 1)[0])
    return get_store().read(layer_id, version)


def version_token(layer_id: str) -> str:
    """Changes whenever the layer's current data changes (cache key for callers)."""
    return get_store().head(layer_id).token


def get_layer(layer_id: str) -> gpd.GeoDataFrame:
    """Current data of a layer (EPSG:4326). Treat as read-only: it is cached."""
    return _read(layer_id, version_token(layer_id))
