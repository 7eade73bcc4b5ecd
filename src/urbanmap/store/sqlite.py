"""The embedded layer store: one SQLite database (WAL) in the data directory.

Schema (``layers.sqlite3``)::

    layers(layer_id PK, head, seed_path, seed_sha256, created)      -- the head pointer
    versions(layer_id, version PK, parent, created, author, message,
             action, restored_from, checksum, feature_count, columns) -- immutable
    features(id, hash UNIQUE, properties JSON, geometry WKB)          -- immutable, content-addressed
    version_features(layer_id, version, ord PK, key, feature_hash)    -- immutable; UNIQUE(layer_id, version, key)
    audit(id, ts, actor, role, action, layer_id, version, outcome, reason, message)  -- append-only

Why features as rows rather than one GeoJSON blob per version: geometry is
kept as WKB, so read-back coordinates are bit-exact (no decimal round trip)
and decoding is one vectorised ``shapely.from_wkb``; features are stored once
by content hash, so a publish that changes one county adds one feature row
plus a list of hashes, and a rollback adds only the list (history can grow
forever at little cost); keys are unique per version by a constraint; and
the layout maps 1:1 onto PostGIS tables.

Versions, features, version_features and audit are append-only: triggers
abort any UPDATE or DELETE, so "nothing published is ever lost" is enforced
by the database, not just by this code.  Only ``layers.head`` moves.

Concurrency: every write is one ``BEGIN IMMEDIATE`` transaction (the head
and the next version number are read inside the write lock, so two
publishers serialise into versions n+1 and n+2 with correct parents).  WAL
lets readers continue during a write and never see a half-written version;
a process killed mid-write leaves only uncommitted WAL frames, which SQLite
discards.  ``synchronous=FULL``: a reported publish survives power loss.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import geopandas as gpd

from .. import layers as manifest
from ..geojson_io import read_geojson
from ..layers import LayerSpec
from .base import (Conflict, EncodedLayer, LayerStore, NotFound, StoreBusy, StoreError, Unchanged,
                   VersionInfo, decode_layer, encode_layer, feature_hash, layer_checksum, utc_now)

log = logging.getLogger(__name__)

SCHEMA_VERSION = "1"
DB_NAME = "layers.sqlite3"
SYSTEM = "system"

_APPEND_ONLY = ("versions", "features", "version_features", "audit")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS layers (
    layer_id    TEXT PRIMARY KEY,
    head        INTEGER,
    seed_path   TEXT,
    seed_sha256 TEXT,
    created     TEXT NOT NULL,
    FOREIGN KEY (layer_id, head) REFERENCES versions (layer_id, version)
);
CREATE TABLE IF NOT EXISTS versions (
    layer_id      TEXT NOT NULL REFERENCES layers (layer_id),
    version       INTEGER NOT NULL CHECK (version >= 1),
    parent        INTEGER,
    created       TEXT NOT NULL,
    author        TEXT NOT NULL,
    message       TEXT NOT NULL,
    action        TEXT NOT NULL CHECK (action IN ('seed', 'sync', 'publish', 'rollback')),
    restored_from INTEGER,
    checksum      TEXT NOT NULL,
    feature_count INTEGER NOT NULL,
    columns       TEXT NOT NULL,
    PRIMARY KEY (layer_id, version)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS features (
    id         INTEGER PRIMARY KEY,
    hash       BLOB NOT NULL UNIQUE,
    properties TEXT NOT NULL,
    geometry   BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS version_features (
    layer_id     TEXT NOT NULL,
    version      INTEGER NOT NULL,
    ord          INTEGER NOT NULL,
    key          TEXT NOT NULL,
    feature_hash BLOB NOT NULL REFERENCES features (hash),
    PRIMARY KEY (layer_id, version, ord),
    UNIQUE (layer_id, version, key),
    FOREIGN KEY (layer_id, version) REFERENCES versions (layer_id, version)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS audit (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    ts       TEXT NOT NULL,
    actor    TEXT NOT NULL,
    role     TEXT NOT NULL,
    action   TEXT NOT NULL,
    layer_id TEXT,
    version  INTEGER,
    outcome  TEXT NOT NULL CHECK (outcome IN ('ok', 'failed', 'denied', 'skipped')),
    reason   TEXT NOT NULL DEFAULT '',
    message  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS audit_by_layer ON audit (layer_id, id);
""" + "".join(
    f"CREATE TRIGGER IF NOT EXISTS {t}_no_{op.lower()} BEFORE {op} ON {t} "
    f"BEGIN SELECT RAISE(ABORT, '{t} is append-only'); END;\n"
    for t in _APPEND_ONLY for op in ("UPDATE", "DELETE")
)

_VERSION_COLS = "v.layer_id, v.version, v.created, v.author, v.message, v.checksum, v.parent, v.feature_count, v.action, v.restored_from"


def _file_sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


class SQLiteLayerStore(LayerStore):
    def __init__(self, path: Path, *, resolve_actor=None, busy_timeout: float = 30.0):
        self.path = Path(path)
        self.resolve_actor = resolve_actor
        self.busy_timeout = busy_timeout
        self._local = threading.local()
        self._init_db()

    # ------------------------------------------------------------------ connections
    def _conn(self) -> sqlite3.Connection:
        """One connection per thread (Streamlit runs sessions in threads) and per process."""
        con = getattr(self._local, "con", None)
        if con is not None and self._local.pid == os.getpid():
            return con
        con = sqlite3.connect(self.path, timeout=self.busy_timeout, isolation_level=None, check_same_thread=True)
        con.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
        con.execute("PRAGMA foreign_keys = ON")
        con.execute("PRAGMA synchronous = FULL")
        self._local.con, self._local.pid = con, os.getpid()
        return con

    def close(self) -> None:
        con = getattr(self._local, "con", None)
        if con is not None and self._local.pid == os.getpid():
            con.close()
        self._local.con = None

    @contextmanager
    def _write(self):
        """One ``BEGIN IMMEDIATE`` transaction; rolled back on any exception."""
        con = self._conn()
        try:
            con.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise StoreBusy(f"write lock not obtained within {self.busy_timeout} s: {exc}") from exc
            raise
        try:
            yield con
            con.execute("COMMIT")
        except BaseException:
            if con.in_transaction:
                con.execute("ROLLBACK")
            raise

    def _schema_version(self, con: sqlite3.Connection) -> str | None:
        try:
            row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):
                return None
            raise
        return row[0] if row else None

    def _init_db(self) -> None:
        """Create the schema once.  An existing store is opened with reads only, so
        a process starting while another one publishes never waits for the lock."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        con = self._conn()
        found = self._schema_version(con)
        if found is None:
            deadline = time.monotonic() + self.busy_timeout
            while True:  # switching to WAL needs a moment of exclusivity; another process may be starting too
                try:
                    mode = con.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                    break
                except sqlite3.OperationalError as exc:
                    if "locked" not in str(exc) or time.monotonic() > deadline:
                        raise
                    time.sleep(0.05)
            if mode.lower() != "wal":  # pragma: no cover - e.g. a network file system
                log.warning("layer store %s runs in %s journal mode, not WAL", self.path, mode)
            try:
                con.executescript("BEGIN IMMEDIATE;\n" + _SCHEMA +
                                  f"INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', '{SCHEMA_VERSION}');\n"
                                  "COMMIT;")
            except BaseException:
                if con.in_transaction:
                    con.execute("ROLLBACK")
                raise
            found = self._schema_version(con)
        if found != SCHEMA_VERSION:
            raise StoreError(f"{self.path}: schema version {found}, this code knows {SCHEMA_VERSION}")

    # ------------------------------------------------------------------ reads
    def spec(self, layer_id: str) -> LayerSpec:
        try:
            return manifest.get_spec(layer_id)
        except KeyError:
            raise NotFound(f"layer {layer_id!r} is not in the manifest") from None

    def layer_ids(self) -> list[str]:
        rows = self._conn().execute("SELECT layer_id FROM layers WHERE head IS NOT NULL ORDER BY layer_id")
        return [r[0] for r in rows]

    def _head_row(self, con: sqlite3.Connection, layer_id: str) -> VersionInfo | None:
        row = con.execute(
            f"SELECT {_VERSION_COLS} FROM layers l JOIN versions v ON v.layer_id = l.layer_id AND v.version = l.head "
            "WHERE l.layer_id = ?", (layer_id,)).fetchone()
        return VersionInfo(*row) if row else None

    def head(self, layer_id: str) -> VersionInfo:
        info = self._head_row(self._conn(), layer_id)
        if info is None:
            self._seed(self.spec(layer_id))  # a manifest layer seen for the first time (NotFound otherwise)
            info = self._head_row(self._conn(), layer_id)
        if info is None:  # pragma: no cover - seeding succeeded but nothing there
            raise NotFound(f"layer {layer_id!r} has no versions")
        return info

    def version_info(self, layer_id: str, version: int) -> VersionInfo:
        self.head(layer_id)
        row = self._conn().execute(f"SELECT {_VERSION_COLS} FROM versions v WHERE v.layer_id = ? AND v.version = ?",
                                   (layer_id, int(version))).fetchone()
        if row is None:
            raise NotFound(f"layer {layer_id!r} has no version {version}",
                           zh=f"图层 {layer_id} 没有版本 {version}。请用 `urbanmap layers history {layer_id}` 查看已有版本。",
                           en=f"Layer {layer_id} has no version {version}. See `urbanmap layers history {layer_id}`.")
        return VersionInfo(*row)

    def _rows(self, layer_id: str, version: int) -> tuple[list[str], list[str], list[bytes]]:
        con = self._conn()
        con.execute("BEGIN")  # one snapshot for metadata and rows
        try:
            meta = con.execute("SELECT columns FROM versions WHERE layer_id = ? AND version = ?", (layer_id, version)).fetchone()
            if meta is None:
                raise NotFound(f"layer {layer_id!r} has no version {version}")
            rows = con.execute(
                "SELECT f.properties, f.geometry FROM version_features vf JOIN features f ON f.hash = vf.feature_hash "
                "WHERE vf.layer_id = ? AND vf.version = ? ORDER BY vf.ord", (layer_id, version)).fetchall()
        finally:
            con.execute("COMMIT")
        return json.loads(meta[0]), [r[0] for r in rows], [r[1] for r in rows]

    def read(self, layer_id: str, version: int | None = None) -> gpd.GeoDataFrame:
        v = self.head(layer_id).version if version is None else self.version_info(layer_id, version).version
        columns, props, wkb = self._rows(layer_id, v)
        return decode_layer(columns, props, wkb)

    def verify(self, layer_id: str, version: int | None = None) -> bool:
        """Recompute a version's checksum from the stored rows and compare."""
        info = self.head(layer_id) if version is None else self.version_info(layer_id, version)
        columns, props, wkb = self._rows(layer_id, info.version)
        return layer_checksum(columns, (feature_hash(p, w) for p, w in zip(props, wkb))) == info.checksum

    def history(self, layer_id: str) -> list[VersionInfo]:
        self.head(layer_id)
        rows = self._conn().execute(f"SELECT {_VERSION_COLS} FROM versions v WHERE v.layer_id = ? ORDER BY v.version DESC",
                                    (layer_id,))
        return [VersionInfo(*r) for r in rows]

    def audit(self, layer_id: str | None = None, limit: int = 100) -> list[dict]:
        cols = ("id", "ts", "actor", "role", "action", "layer_id", "version", "outcome", "reason", "message")
        sql = f"SELECT {', '.join(cols)} FROM audit"
        args: tuple = ()
        if layer_id is not None:
            sql += " WHERE layer_id = ?"
            args = (layer_id,)
        sql += " ORDER BY id DESC LIMIT ?"
        return [dict(zip(cols, r)) for r in self._conn().execute(sql, (*args, int(limit)))]

    # ------------------------------------------------------------------ writes
    def _append_audit(self, *, actor, role, action, layer_id, outcome, reason="", version=None, message="") -> None:
        with self._write() as con:
            self._insert_audit(con, actor=actor, role=role, action=action, layer_id=layer_id, outcome=outcome,
                               reason=reason, version=version, message=message)

    @staticmethod
    def _insert_audit(con, *, actor, role, action, layer_id, outcome, reason="", version=None, message="") -> None:
        con.execute("INSERT INTO audit (ts, actor, role, action, layer_id, version, outcome, reason, message) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (utc_now(), actor, role, action, layer_id, version, outcome, reason, message))

    def _store_features(self, con: sqlite3.Connection, data: EncodedLayer) -> None:
        con.executemany("INSERT INTO features (hash, properties, geometry) VALUES (?, ?, ?) ON CONFLICT (hash) DO NOTHING",
                        zip(data.hashes, data.props, data.wkb))

    def _link_features(self, con: sqlite3.Connection, layer_id: str, version: int, data: EncodedLayer) -> None:
        con.executemany("INSERT INTO version_features (layer_id, version, ord, key, feature_hash) VALUES (?, ?, ?, ?, ?)",
                        ((layer_id, version, i, k, h) for i, (k, h) in enumerate(zip(data.keys, data.hashes))))

    def _append_version(self, con: sqlite3.Connection, layer_id: str, *, data: EncodedLayer | None,
                        source: VersionInfo | None, parent: int | None, author: str, message: str,
                        action: str) -> VersionInfo:
        """Inside a write transaction: add the next version and move the head to it."""
        new = con.execute("SELECT COALESCE(MAX(version), 0) + 1 FROM versions WHERE layer_id = ?", (layer_id,)).fetchone()[0]
        if data is not None:
            checksum, count, columns = data.checksum, len(data), data.columns_json
        else:
            checksum, count = source.checksum, source.feature_count
            columns = con.execute("SELECT columns FROM versions WHERE layer_id = ? AND version = ?",
                                  (layer_id, source.version)).fetchone()[0]
        info = VersionInfo(layer_id=layer_id, version=new, created=utc_now(), author=author, message=message,
                           checksum=checksum, parent=parent, feature_count=count, action=action,
                           restored_from=source.version if source is not None else None)
        con.execute("INSERT INTO versions (layer_id, version, parent, created, author, message, action, restored_from, "
                    "checksum, feature_count, columns) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (layer_id, new, parent, info.created, author, message, action, info.restored_from,
                     checksum, count, columns))
        if data is not None:
            self._store_features(con, data)
            self._link_features(con, layer_id, new, data)
        else:
            con.execute("INSERT INTO version_features (layer_id, version, ord, key, feature_hash) "
                        "SELECT layer_id, ?, ord, key, feature_hash FROM version_features WHERE layer_id = ? AND version = ?",
                        (new, layer_id, source.version))
        con.execute("UPDATE layers SET head = ? WHERE layer_id = ?", (new, layer_id))
        return info

    def _commit(self, layer_id, *, data, source_version, author, role, message, action, base_version) -> VersionInfo:
        with self._write() as con:
            head = self._head_row(con, layer_id)
            if head is None:
                raise NotFound(f"layer {layer_id!r} is not in the store")
            if base_version is not None and int(base_version) != head.version:
                raise Conflict(f"{layer_id}: head is v{head.version}, caller expected v{base_version}",
                               zh=f"图层已被他人更新为版本 {head.version}（您查看的是版本 {base_version}）。请重新加载后检查差异再发布。",
                               en=f"The layer was updated to version {head.version} meanwhile (you reviewed version "
                                  f"{base_version}). Reload, review the differences and publish again.")
            source = None
            if data is None:
                row = con.execute(f"SELECT {_VERSION_COLS} FROM versions v WHERE v.layer_id = ? AND v.version = ?",
                                  (layer_id, source_version)).fetchone()
                if row is None:
                    raise NotFound(f"layer {layer_id!r} has no version {source_version}")
                source = VersionInfo(*row)
            checksum = data.checksum if data is not None else source.checksum
            if checksum == head.checksum:
                raise Unchanged(f"{layer_id}: data equals head v{head.version} ({checksum[:12]})",
                                zh=f"数据与当前版本 {head.version} 完全相同，无需{'回滚' if data is None else '发布'}。",
                                en=f"The data is identical to the current version {head.version}; nothing to "
                                   f"{'roll back' if data is None else 'publish'}.")
            info = self._append_version(con, layer_id, data=data, source=source, parent=head.version, author=author,
                                        message=message, action=action)
            self._insert_audit(con, actor=author, role=role, action=action, layer_id=layer_id, outcome="ok",
                               version=info.version, message=message,
                               reason=f"v{head.version} -> v{info.version}" + (f" (data of v{source.version})" if source else ""))
        log.info("%s %s v%d by %s", action, layer_id, info.version, author)
        return info

    # ------------------------------------------------------------------ seeding from geodata/
    def _load_seed(self, spec: LayerSpec) -> tuple[EncodedLayer, str]:
        try:
            sha = _file_sha256(spec.file)
            gdf = read_geojson(spec.file)
        except (OSError, ValueError) as exc:
            raise NotFound(f"{spec.id}: seed file geodata/{spec.path} unreadable: {exc}",
                           zh=f"图层 {spec.id} 的初始数据文件缺失或无法读取。", en=f"The seed file of layer {spec.id} is missing or unreadable.") from exc
        return encode_layer(gdf, spec), sha

    def _seed(self, spec: LayerSpec) -> bool:
        """Store the committed file as version 1 unless the layer exists (safe to race)."""
        data, sha = self._load_seed(spec)
        with self._write() as con:
            if con.execute("SELECT 1 FROM layers WHERE layer_id = ?", (spec.id,)).fetchone():
                return False
            con.execute("INSERT INTO layers (layer_id, head, seed_path, seed_sha256, created) VALUES (?, NULL, ?, ?, ?)",
                        (spec.id, spec.path, sha, utc_now()))
            msg = f"seeded from geodata/{spec.path}"
            info = self._append_version(con, spec.id, data=data, source=None, parent=None, author=SYSTEM,
                                        message=msg, action="seed")
            self._insert_audit(con, actor=SYSTEM, role=SYSTEM, action="seed", layer_id=spec.id, outcome="ok",
                               version=info.version, message=msg)
        log.info("seeded %s from geodata/%s (%d features)", spec.id, spec.path, info.feature_count)
        return True

    def _sync_seed(self, spec: LayerSpec) -> str:
        """The committed file changed since it was seeded: follow it while no person has
        published (head by ``system``); otherwise keep the staff version and audit the skip."""
        row = self._conn().execute("SELECT seed_sha256 FROM layers WHERE layer_id = ?", (spec.id,)).fetchone()
        if row is None:
            return "seeded" if self._seed(spec) else "present"
        if not spec.file.exists() or row[0] == _file_sha256(spec.file):
            return "current"
        data, sha = self._load_seed(spec)
        with self._write() as con:
            if con.execute("SELECT seed_sha256 FROM layers WHERE layer_id = ?", (spec.id,)).fetchone()[0] == sha:
                return "current"  # another process got here first
            head = self._head_row(con, spec.id)
            con.execute("UPDATE layers SET seed_sha256 = ?, seed_path = ? WHERE layer_id = ?", (sha, spec.path, spec.id))
            msg = f"geodata/{spec.path} changed in the repository"
            if head.author != SYSTEM or head.action not in ("seed", "sync"):
                self._insert_audit(con, actor=SYSTEM, role=SYSTEM, action="sync", layer_id=spec.id, outcome="skipped",
                                   version=head.version, message=msg,
                                   reason=f"v{head.version} was published by {head.author}; the repository file is not applied")
                log.warning("%s: %s, but v%d by %s is kept", spec.id, msg, head.version, head.author)
                return "skipped"
            if data.checksum == head.checksum:
                return "current"
            info = self._append_version(con, spec.id, data=data, source=None, parent=head.version, author=SYSTEM,
                                        message=msg, action="sync")
            self._insert_audit(con, actor=SYSTEM, role=SYSTEM, action="sync", layer_id=spec.id, outcome="ok",
                               version=info.version, message=msg)
        return "synced"

    def ensure_seeded(self) -> dict[str, str]:
        """Seed every manifest layer not yet in the store; follow changed repository files
        (see :meth:`_sync_seed`).  A layer whose file is missing or invalid is logged and
        skipped (its readers get a :class:`StoreError`), never blocking the others."""
        out = {}
        for spec in manifest.load_manifest():
            try:
                out[spec.id] = self._sync_seed(spec)
            except StoreError as exc:
                log.warning("layer %s not seeded: %s", spec.id, exc.detail)
                out[spec.id] = f"error: {exc.code}"
            except Exception as exc:  # a broken seed file must not take the other layers down
                log.exception("layer %s not seeded", spec.id)
                out[spec.id] = f"error: {type(exc).__name__}"
        return out
