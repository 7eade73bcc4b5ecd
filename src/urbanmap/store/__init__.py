"""Versioned layer storage: ``get_store()`` and the types around it.

Pages, the catalog and the CLI use only this package's public names; the
embedded SQLite store is the default, and a PostGIS store can follow by
subclassing :class:`LayerStore` (see ``store/base.py``) without touching
pages.
"""

from __future__ import annotations

import threading
from pathlib import Path

from .. import config
from .base import (Conflict, InvalidData, LayerStore, NotFound, PermissionDenied, StoreBusy, StoreError, Unchanged,
                   VersionInfo, encode_layer, layer_checksum)
from .sqlite import DB_NAME, SQLiteLayerStore

__all__ = [
    "get_store", "LayerStore", "SQLiteLayerStore", "VersionInfo", "StoreError", "PermissionDenied", "NotFound",
    "Conflict", "Unchanged", "InvalidData", "StoreBusy", "encode_layer", "layer_checksum",
]

_STORES: dict[tuple[str, str], SQLiteLayerStore] = {}
_LOCK = threading.Lock()


def get_store(data_dir: Path | None = None) -> LayerStore:
    """The layer store of ``data_dir`` (default :func:`config.data_dir`).

    One instance per (data directory, geodata directory) and process.  The
    first call seeds every manifest layer from ``geodata/`` as version 1
    (author ``system``) — idempotent, and safe when several processes start at
    once; layers added to the manifest later are seeded on first access.
    Every write re-checks the actor's role in the account database of the same
    data directory (``urbanmap.auth``).
    """
    from ..auth import Users

    d = Path(data_dir) if data_dir is not None else config.data_dir()
    key = (str(d.resolve()), str(config.geodata_dir().resolve()))
    store = _STORES.get(key)
    if store is not None:
        return store
    with _LOCK:
        store = _STORES.get(key)
        if store is None:
            d.mkdir(parents=True, exist_ok=True, mode=0o700)
            store = SQLiteLayerStore(d / DB_NAME, resolve_actor=Users(d).resolve)
            store.ensure_seeded()
            _STORES[key] = store
    return store
