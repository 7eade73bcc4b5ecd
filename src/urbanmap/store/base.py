"""The layer store interface: versioned layers, publish, rollback, audit.

:class:`LayerStore` is what pages, the catalog and the CLI talk to.  The
write methods (:meth:`LayerStore.publish`, :meth:`LayerStore.rollback`) are
implemented *here*, once, for every backend: they check the actor's role,
check the data, turn failures into typed :class:`StoreError` s and audit
every attempt; a backend only supplies the atomic write
(:meth:`LayerStore._commit`) and the reads.  The embedded SQLite store is
:mod:`urbanmap.store.sqlite`; a PostGIS store would subclass the same class.

Data model
----------
A layer is a sequence of immutable versions 1, 2, 3, ...; a head pointer
names the current one.  A version is an ordered list of features (properties
+ geometry) with its column order, created time (UTC), author, message,
parent (the head it replaced), action (``seed`` / ``publish`` / ``rollback``)
and a checksum.  Rollback appends a new version whose data is an old one's:
history only grows.

Checksum (backend-independent, so a PostGIS store computes the same)::

    feature_hash = sha256(props_json + b"\\n" + wkb)
    checksum     = sha256(b"urbanmap-layer/1\\n" + columns_json + b"\\n"
                          + b"".join(feature_hash for each feature in order))

where ``props_json`` is the feature's properties as compact JSON with sorted
keys (UTF-8, no NaN), ``wkb`` is ISO little-endian WKB (Z kept if present)
and ``columns_json`` the property column names in order.  Equal checksums
mean byte-identical data.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import logging
import math
from abc import ABC, abstractmethod
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any, Iterable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..auth import Role, User
from ..layers import LayerSpec
from ..usererror import UserFacingError

log = logging.getLogger(__name__)

CHECKSUM_PREFIX = b"urbanmap-layer/1\n"

#: shapely geometry type ids a manifest geometry kind accepts
GEOMETRY_TYPES = {
    "polygon": {3: "Polygon", 6: "MultiPolygon"},
    "line": {1: "LineString", 5: "MultiLineString"},
    "point": {0: "Point", 4: "MultiPoint"},
}
_TYPE_NAMES = {0: "Point", 1: "LineString", 2: "LinearRing", 3: "Polygon", 4: "MultiPoint",
               5: "MultiLineString", 6: "MultiPolygon", 7: "GeometryCollection"}


# --------------------------------------------------------------------------- errors


class StoreError(UserFacingError):
    """Base of every store failure.

    Like pygeoapi's provider errors, the user-facing text is kept apart from
    the log detail: ``message(lang)`` says what is wrong and what to do next
    (zh/en), ``detail`` is for logs and the audit trail only, ``code`` is a
    stable machine code.
    """

    code = "store_error"
    zh = "图层库操作失败，当前图层未改变。请稍后重试；如仍失败请联系管理员。"
    en = "The layer store operation failed; the current layer is unchanged. Try again later, or contact an administrator."


class NotFound(StoreError):
    code = "not_found"
    zh = "没有找到该图层或版本。请检查图层名称和版本号（可用 `urbanmap layers list` / `history` 查看）。"
    en = "No such layer or version. Check the layer id and version number (`urbanmap layers list` / `history`)."


class PermissionDenied(StoreError):
    code = "permission_denied"
    zh = "没有权限：请以有相应权限的账户登录（发布需要工作人员或管理员，回滚需要管理员）。"
    en = "Not allowed: log in with an account that has the right role (publishing needs staff or admin, rollback needs admin)."


class Conflict(StoreError):
    code = "conflict"
    zh = "图层在您准备期间已被他人更新。请重新加载当前版本，检查差异后再发布。"
    en = "Someone else updated this layer meanwhile. Reload the current version, review the differences and publish again."


class Unchanged(StoreError):
    code = "unchanged"
    zh = "新数据与当前版本完全相同，无需发布。"
    en = "The data is identical to the current version; nothing to publish."


class InvalidData(StoreError):
    code = "invalid_data"
    zh = "数据不符合图层要求，未发布。"
    en = "The data does not meet the layer's requirements; nothing was published."


class StoreBusy(StoreError):
    code = "busy"
    zh = "图层库正忙（其他人正在发布），请稍后重试。当前图层未改变。"
    en = "The layer store is busy (someone else is publishing); try again shortly. The current layer is unchanged."


# --------------------------------------------------------------------------- values


@dataclass(frozen=True)
class VersionInfo:
    layer_id: str
    version: int
    created: str  # ISO 8601 UTC, e.g. 2025-01-31T08:00:00Z
    author: str
    message: str
    checksum: str  # sha256 hex of the canonical data (module docstring)
    parent: int | None
    feature_count: int
    action: str = "publish"  # seed | publish | rollback
    restored_from: int | None = None  # rollback: the version whose data this is

    @property
    def token(self) -> str:
        """Cache key: changes whenever the layer's current data changes."""
        return f"{self.version}:{self.checksum}"

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class EncodedLayer:
    """A GeoDataFrame in the canonical, backend-independent form."""

    columns: tuple[str, ...]
    keys: tuple[str, ...]
    props: tuple[str, ...]  # canonical JSON per feature
    wkb: tuple[bytes, ...]
    hashes: tuple[bytes, ...]  # sha256 digests per feature
    checksum: str

    def __len__(self) -> int:
        return len(self.keys)

    @property
    def columns_json(self) -> str:
        return json.dumps(list(self.columns), ensure_ascii=False, separators=(",", ":"))


def utc_now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


def layer_checksum(columns: Iterable[str], hashes: Iterable[bytes]) -> str:
    h = hashlib.sha256(CHECKSUM_PREFIX)
    h.update(json.dumps(list(columns), ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    h.update(b"\n")
    for d in hashes:
        h.update(d)
    return h.hexdigest()


def feature_hash(props_json: str, wkb: bytes | None) -> bytes:
    return hashlib.sha256(props_json.encode("utf-8") + b"\n" + (wkb or b"")).digest()


def _json_value(v: Any, col: str) -> Any:
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, (bool, str, int)):
        return v
    if isinstance(v, float):
        return None if math.isnan(v) else v if math.isfinite(v) else _bad(col, v)
    if isinstance(v, np.generic):
        return _json_value(v.item(), col)
    if isinstance(v, (pd.Timestamp, _dt.datetime, _dt.date)):
        return v.isoformat()
    if isinstance(v, (list, tuple)):
        return [_json_value(x, col) for x in v]
    if isinstance(v, dict):
        return {str(k): _json_value(x, col) for k, x in v.items()}
    return _bad(col, v)


def _bad(col: str, v: Any):
    raise InvalidData(
        f"column {col!r}: value {v!r} of type {type(v).__name__} cannot be stored",
        zh=f"属性“{col}”含有无法保存的值（{type(v).__name__}），未发布。",
        en=f"Attribute '{col}' holds a value that cannot be stored ({type(v).__name__}); nothing was published.",
    )


def encode_layer(gdf: gpd.GeoDataFrame, spec: LayerSpec) -> EncodedLayer:
    """Check ``gdf`` against the store's invariants and encode it canonically.

    Invariants (every backend, every write): a non-empty GeoDataFrame in
    EPSG:4326; the layer's key field present, keys unique and non-empty;
    every geometry present, non-empty, of the layer's kind, with finite
    lon/lat in range.  (Friendly upload checks — encodings, CRS choice,
    validity repair, region — happen earlier, in ``urbanmap.upload``.)
    """
    def invalid(detail: str, zh: str, en: str):
        raise InvalidData(f"{spec.id}: {detail}", zh=zh + "未发布。", en=en + " Nothing was published.")

    try:
        geom_col = gdf.geometry.name if isinstance(gdf, gpd.GeoDataFrame) else None
    except AttributeError:  # a GeoDataFrame without an active geometry column
        geom_col = None
    if geom_col is None:
        invalid("not a GeoDataFrame with geometry", "数据不是带几何图形的地理数据表。", "The data is not a GeoDataFrame with geometry.")
    if len(gdf) == 0:
        invalid("no features", "数据没有任何要素。", "The data has no features.")
    if gdf.crs is None or gdf.crs.to_epsg() != 4326:
        invalid(f"CRS {gdf.crs} is not EPSG:4326", "坐标系必须为 WGS-84 (EPSG:4326)。", "The CRS must be WGS-84 (EPSG:4326).")
    columns = tuple(c for c in gdf.columns if c != geom_col)
    if any(not isinstance(c, str) for c in columns) or len(set(columns)) != len(columns):
        invalid(f"bad column names {list(columns)!r}", "属性列名必须为互不重复的文本。", "Attribute names must be distinct text.")
    if spec.key_field not in columns:
        invalid(f"key field {spec.key_field!r} missing", f"缺少键字段“{spec.key_field}”。",
                f"The key field '{spec.key_field}' is missing.")
    missing = [a for a in spec.required_attributes if a not in columns]
    if missing:
        invalid(f"required attributes missing: {missing}", f"缺少必需属性：{'、'.join(missing)}。",
                f"Required attributes missing: {', '.join(missing)}.")
    raw_keys = gdf[spec.key_field].tolist()
    keys = tuple("" if _json_value(k, spec.key_field) is None else str(_json_value(k, spec.key_field)) for k in raw_keys)
    if any(k == "" for k in keys):
        invalid("empty key", f"键字段“{spec.key_field}”有空值。", f"The key field '{spec.key_field}' has empty values.")
    if len(set(keys)) != len(keys):
        dup = sorted(k for k, n in Counter(keys).items() if n > 1)[:5]
        invalid(f"duplicate keys {dup}", f"键字段“{spec.key_field}”有重复值：{'、'.join(dup)}。",
                f"The key field '{spec.key_field}' has duplicates: {', '.join(dup)}.")
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    if shapely.is_missing(geoms).any() or shapely.is_empty(geoms).any():
        invalid("missing or empty geometry", "有要素缺少几何图形。", "Some features have no geometry.")
    kinds = set(shapely.get_type_id(geoms).tolist())
    allowed = GEOMETRY_TYPES.get(spec.geometry, {})
    if not kinds <= set(allowed):
        found = sorted(_TYPE_NAMES.get(k, str(k)) for k in kinds)
        invalid(f"geometry types {found} not in {sorted(allowed.values())}",
                f"几何类型与图层不符（应为 {spec.geometry}，实际为 {'、'.join(found)}）。",
                f"Geometry type does not match the layer (expected {spec.geometry}, found {', '.join(found)}).")
    xy = shapely.get_coordinates(geoms)
    if not np.isfinite(xy).all() or (np.abs(xy[:, 0]) > 180).any() or (np.abs(xy[:, 1]) > 90).any():
        invalid("coordinates not finite or out of lon/lat range", "坐标含非数值或超出经纬度范围。",
                "Coordinates are not finite or outside the longitude/latitude range.")
    wkb = tuple(shapely.to_wkb(geoms, hex=False, output_dimension=3, byte_order=1, include_srid=False, flavor="iso").tolist())
    props = []
    for row in gdf[list(columns)].itertuples(index=False, name=None):
        rec = {c: _json_value(v, c) for c, v in zip(columns, row)}
        props.append(json.dumps(rec, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False))
    hashes = tuple(feature_hash(p, w) for p, w in zip(props, wkb))
    return EncodedLayer(columns=columns, keys=keys, props=tuple(props), wkb=wkb, hashes=hashes,
                        checksum=layer_checksum(columns, hashes))


def decode_layer(columns: list[str], props: list[str], wkb: list[bytes]) -> gpd.GeoDataFrame:
    """The inverse of :func:`encode_layer`: a fresh EPSG:4326 GeoDataFrame."""
    recs = [json.loads(p) for p in props]
    data = {c: [r.get(c) for r in recs] for c in columns}
    geoms = shapely.from_wkb(np.array(wkb, dtype=object)) if wkb else np.array([], dtype=object)
    return gpd.GeoDataFrame(pd.DataFrame(data, columns=list(columns)),
                            geometry=gpd.GeoSeries(geoms, crs="EPSG:4326"), crs="EPSG:4326")


# --------------------------------------------------------------------------- the interface


class LayerStore(ABC):
    """Versioned layer storage.  Reads are open to everyone (viewers need no
    login); writes check the actor's role here, in the API, not in the UI."""

    #: resolves an actor to its current account (name + role) or None; set by
    #: the factory (``urbanmap.auth.Users.resolve``).  None trusts the object.
    resolve_actor = None

    # -- reads (backend) -------------------------------------------------------------
    @abstractmethod
    def layer_ids(self) -> list[str]:
        """Ids of the layers in the store (seeded or published)."""

    @abstractmethod
    def head(self, layer_id: str) -> VersionInfo:
        """The current published version (one indexed lookup).  :class:`NotFound` if unknown."""

    @abstractmethod
    def version_info(self, layer_id: str, version: int) -> VersionInfo:
        """One version's metadata.  :class:`NotFound` if unknown."""

    @abstractmethod
    def read(self, layer_id: str, version: int | None = None) -> gpd.GeoDataFrame:
        """A version's data (default: the head) as a fresh EPSG:4326 GeoDataFrame."""

    @abstractmethod
    def history(self, layer_id: str) -> list[VersionInfo]:
        """Every version, newest first."""

    @abstractmethod
    def audit(self, layer_id: str | None = None, limit: int = 100) -> list[dict]:
        """Audit entries (publishes, rollbacks, seeds, failed and denied attempts), newest first."""

    # -- writes (backend primitives) -----------------------------------------------
    @abstractmethod
    def _commit(self, layer_id: str, *, data: EncodedLayer | None, source_version: int | None,
                author: str, role: str, message: str, action: str, base_version: int | None) -> VersionInfo:
        """Atomically append a version and move the head pointer, with its audit entry.

        ``data`` is the new content, or None with ``source_version`` to reuse an
        old version's content (rollback).  Inside the write lock: raise
        :class:`Conflict` if ``base_version`` is given and is not the head,
        :class:`Unchanged` if the content equals the head's.  Any error leaves
        the store exactly as it was."""

    @abstractmethod
    def _append_audit(self, *, actor: str, role: str, action: str, layer_id: str | None, outcome: str,
                      reason: str = "", version: int | None = None, message: str = "") -> None:
        """Append one audit entry (its own transaction)."""

    @abstractmethod
    def spec(self, layer_id: str) -> LayerSpec:
        """The manifest entry of a layer.  :class:`NotFound` if none."""

    # -- writes (shared logic) --------------------------------------------------------
    def publish(self, layer_id: str, gdf: gpd.GeoDataFrame, *, actor: User | None, message: str,
                base_version: int | None = None) -> VersionInfo:
        """Publish ``gdf`` as the layer's new head (role staff or admin).

        One atomic transaction; on any failure the current version is untouched
        and the attempt is audited.  Pass ``base_version`` (the head the user
        reviewed the diff against) to refuse with :class:`Conflict` when someone
        published meanwhile."""
        return self._guarded("publish", layer_id, actor, Role.STAFF, message,
                             lambda user: self._do_publish(layer_id, gdf, user, message, base_version))

    def rollback(self, layer_id: str, to_version: int, *, actor: User | None, message: str = "",
                 base_version: int | None = None) -> VersionInfo:
        """Publish old version ``to_version``'s data as a new head (role admin)."""
        return self._guarded("rollback", layer_id, actor, Role.ADMIN, message,
                             lambda user: self._do_rollback(layer_id, to_version, user, message, base_version))

    def record_failure(self, layer_id: str | None, *, actor: User | None, reason: str, action: str = "publish") -> None:
        """Audit a failed attempt that never reached the store (e.g. upload validation)."""
        name, role = _actor_fields(actor)
        self._append_audit(actor=name, role=role, action=action, layer_id=layer_id, outcome="failed", reason=reason)

    def authorize(self, actor: User | None, needed: Role) -> User:
        """The actor's current account if it has ``needed``; else :class:`PermissionDenied`."""
        if not isinstance(actor, User) or actor.via != "login" or not actor.name:
            raise PermissionDenied(f"no logged-in actor ({actor!r})",
                                   zh="请先以工作人员或管理员账户登录。", en="Log in with a staff or admin account first.")
        current = self.resolve_actor(actor) if self.resolve_actor is not None else actor
        if current is None:
            raise PermissionDenied(f"account {actor.name!r} does not exist any more",
                                   zh="该账户已不存在，请重新登录。", en="This account no longer exists; log in again.")
        if not current.has(needed):
            what_zh, what_en = ("发布图层", "publish layers") if needed == Role.STAFF else ("回滚图层", "roll layers back")
            raise PermissionDenied(
                f"{current.name!r} has role {Role(current.role).value}, needs {needed.value}",
                zh=f"账户“{current.name}”（{Role(current.role).label('zh')}）无权{what_zh}，需要{needed.label('zh')}权限。",
                en=f"Account '{current.name}' ({Role(current.role).value}) may not {what_en}; that needs the {needed.value} role.",
            )
        return current

    def _guarded(self, action: str, layer_id: str, actor: User | None, needed: Role, message: str, work) -> VersionInfo:
        try:
            user = self.authorize(actor, needed)
            return work(user)
        except StoreError as exc:
            self._audit_failure(action, layer_id, actor, exc, message)
            raise
        except Exception as exc:  # anything unexpected: still audited, still typed
            log.exception("%s of %s failed", action, layer_id)
            err = StoreError(f"{type(exc).__name__}: {exc}")
            self._audit_failure(action, layer_id, actor, err, message)
            raise err from exc

    def _audit_failure(self, action: str, layer_id: str, actor: User | None, exc: StoreError, message: str) -> None:
        name, role = _actor_fields(actor)
        outcome = "denied" if isinstance(exc, PermissionDenied) else "failed"
        try:
            self._append_audit(actor=name, role=role, action=action, layer_id=layer_id, outcome=outcome,
                               reason=f"{exc.code}: {exc.detail}", message=message or "")
        except Exception:  # pragma: no cover - never hide the original error
            log.exception("could not audit a failed %s of %s", action, layer_id)

    def _do_publish(self, layer_id: str, gdf, user: User, message: str, base_version: int | None) -> VersionInfo:
        message = (message or "").strip()
        if not message:
            raise InvalidData("empty publish message", zh="请填写发布说明（改了什么、依据是什么）。",
                              en="Write a publish message (what changed and on what basis).")
        spec = self.spec(layer_id)
        self.head(layer_id)  # seeds a manifest layer on first access; NotFound otherwise
        data = encode_layer(gdf, spec)
        return self._commit(layer_id, data=data, source_version=None, author=user.name, role=Role(user.role).value,
                            message=message, action="publish", base_version=base_version)

    def _do_rollback(self, layer_id: str, to_version: int, user: User, message: str, base_version: int | None) -> VersionInfo:
        if isinstance(to_version, bool) or not isinstance(to_version, (int, np.integer)):
            raise NotFound(f"version {to_version!r} is not a number")
        target = self.version_info(layer_id, int(to_version))
        message = (message or "").strip() or f"rollback to version {target.version}"
        return self._commit(layer_id, data=None, source_version=target.version, author=user.name,
                            role=Role(user.role).value, message=message, action="rollback", base_version=base_version)


def _actor_fields(actor: User | None) -> tuple[str, str]:
    if isinstance(actor, User):
        return actor.name or "(anonymous)", Role(actor.role).value
    return "(anonymous)", Role.VIEWER.value
