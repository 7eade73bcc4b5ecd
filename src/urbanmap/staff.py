"""The staff upload pipeline without a UI: validate → diff → publish, shared by the page and the CLI.

``prepare`` reads and checks an upload (:func:`urbanmap.upload.validate_upload`,
which writes nothing) and compares it with the layer's current version; the
result, a :class:`Candidate`, remembers the version it was compared with, so
``publish`` passes it as ``base_version`` and a concurrent publish becomes a
:class:`urbanmap.store.Conflict` instead of an overwrite.  The store checks
the actor's role on every write; nothing here relies on a hidden button.

Also here: the audit line of a rejected upload, the preview data for the map
(tooltips HTML-escaped) and text samples for choosing a DBF encoding.
"""

from __future__ import annotations

import io
import logging
import math
import struct
import zipfile
from dataclasses import dataclass, field
from typing import Callable

import geopandas as gpd
import numpy as np
import shapely

from .layers import LayerSpec, get_spec, load_manifest
from .upload import ENCODING_CHOICES, Limits, LayerDiff, UploadOptions, ValidatedUpload, diff_layers, validate_upload

log = logging.getLogger(__name__)

#: Steps ``prepare`` reports to its ``progress`` callback, in order.
STEPS = ("read", "diff")


@dataclass
class Candidate:
    """A validated upload and how it differs from the version it was compared with."""

    layer_id: str
    filename: str
    upload: ValidatedUpload
    base: object  # store.VersionInfo the diff was computed against
    current: gpd.GeoDataFrame  # that version's data (for the preview)
    diff: LayerDiff
    #: what the page drew from this candidate, by language (built once, not on every rerun)
    drawn: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def spec(self) -> LayerSpec:
        return self.upload.spec

    @property
    def gdf(self) -> gpd.GeoDataFrame:
        return self.upload.gdf


def ordered_layer_ids(store) -> list[str]:
    """Layers in the store: manifest order first, then any others by name."""
    ids = [s.id for s in load_manifest()]
    present = set(store.layer_ids())
    return [i for i in ids if i in present] + sorted(present - set(ids))


def read_limits() -> Limits:
    """Upload limits from ``URBANMAP_UPLOAD_*``; the defaults (and a log warning) if one is malformed."""
    try:
        return Limits.from_env()
    except ValueError as exc:
        log.warning("ignoring upload limits from the environment: %s", exc)
        return Limits()


def validate(data: bytes, filename: str, layer_id: str, options: UploadOptions = UploadOptions(),
             limits: Limits | None = None) -> ValidatedUpload:
    """Check an upload for a layer (KeyError for an unknown layer id, UploadError when rejected)."""
    return validate_upload(data, filename, get_spec(layer_id), options, limits or read_limits())


def compare(store, layer_id: str, upload: ValidatedUpload, filename: str = "") -> Candidate:
    """Diff a validated upload against the layer's current head."""
    base = store.head(layer_id)
    current = store.read(layer_id, base.version)
    diff = diff_layers(current, upload.gdf, upload.spec.key_field)
    return Candidate(layer_id=layer_id, filename=filename, upload=upload, base=base, current=current, diff=diff)


def prepare(data: bytes, filename: str, layer_id: str, options: UploadOptions = UploadOptions(), *,
            store=None, limits: Limits | None = None,
            progress: Callable[[str], None] | None = None) -> Candidate:
    """Validate an upload and diff it against the current version (nothing is written).

    ``progress(step)`` is called before each step of :data:`STEPS`.
    Raises UploadError (rejected), KeyError (unknown layer) or a StoreError.
    """
    from .store import get_store

    store = store if store is not None else get_store()
    step = progress or (lambda _name: None)
    step("read")
    upload = validate(data, filename, layer_id, options, limits)
    step("diff")
    return compare(store, layer_id, upload, filename)


def publish(candidate: Candidate, user, message: str, *, store=None):
    """Publish a candidate as the layer's new head, guarded by the version it was diffed against."""
    from .store import get_store

    store = store if store is not None else get_store()
    return store.publish(candidate.layer_id, candidate.gdf, actor=user, message=message,
                         base_version=candidate.base.version)


def rejection_reason(code: str, filename: str) -> str:
    return f"upload rejected: {code} ({filename})"


def record_rejection(store, layer_id: str | None, user, code: str, filename: str, action: str = "publish") -> None:
    """Audit an upload that was rejected before it reached the store (never raises)."""
    try:
        store.record_failure(layer_id, actor=user, action=action, reason=rejection_reason(code, filename))
    except Exception:  # noqa: BLE001 - auditing must not hide the rejection itself
        log.exception("could not audit a rejected upload of %s", layer_id)


# --------------------------------------------------------------------------- preview data

STATUS_ADDED, STATUS_CHANGED, STATUS_UNCHANGED, STATUS_REMOVED = "added", "changed", "unchanged", "removed"


def feature_status(diff: LayerDiff) -> dict[str, str]:
    """Key -> added / changed / removed (keys not listed are unchanged)."""
    out = {k: STATUS_ADDED for k in diff.added}
    out.update({k: STATUS_CHANGED for k in diff.changed})
    out.update({k: STATUS_REMOVED for k in diff.removed})
    return out


#: previews of layers with more vertices than this are simplified for display (the data is not)
PREVIEW_MAX_VERTICES = 50_000
PREVIEW_TOLERANCE_DEG = 0.0003


def preview_collection(gdf: gpd.GeoDataFrame, spec: LayerSpec, status: dict[str, str], lang: str,
                       default: str = STATUS_UNCHANGED) -> dict:
    """A FeatureCollection for ``umLayer``: key, escaped tooltip HTML and ``_status`` only."""
    from .i18n import t
    from .mapview import tooltip_html

    from .simplify import round_coordinates

    geoms = np.asarray(gdf.geometry.values, dtype=object)
    if int(shapely.get_num_coordinates(geoms).sum()) > PREVIEW_MAX_VERTICES:
        # a preview is for the eye: ~30 m detail is plenty, and keeps the browser data small
        geoms = shapely.simplify(geoms, PREVIEW_TOLERANCE_DEG, preserve_topology=True)
    geoms = round_coordinates(geoms, 5)
    feats = []
    for row, geom in zip(gdf.drop(columns=gdf.geometry.name).to_dict("records"), geoms):
        if geom is None or geom.is_empty:
            continue
        key = str(row.get(spec.key_field))
        st_ = status.get(key, default)
        title = str(row.get("name") or key)
        rows = [(t("up.col_key", lang), key), (t("up.col_status", lang), t(f"up.status_{st_}", lang))]
        feats.append({"type": "Feature", "properties": {"id": key, "_status": st_, "_tip": tooltip_html(title, rows)},
                      "geometry": shapely.geometry.mapping(geom)})
    return {"type": "FeatureCollection", "features": feats}


def bounds_of(*frames: gpd.GeoDataFrame) -> tuple[float, float, float, float]:
    """(south, west, north, east) around the frames' features, padded by 8 %."""
    boxes = np.array([f.total_bounds for f in frames if len(f)], dtype=float)
    minx, miny = boxes[:, 0].min(), boxes[:, 1].min()
    maxx, maxy = boxes[:, 2].max(), boxes[:, 3].max()
    pad = max(0.08 * max(maxx - minx, maxy - miny), 0.005)
    return (miny - pad, minx - pad, maxy + pad, maxx + pad)


# --------------------------------------------------------------------------- encoding samples


def encoding_samples(data: bytes, layer_name: str | None = None, rows: int = 5,
                     max_bytes: int = 256 * 1024) -> dict[str, list[str] | None]:
    """The first non-ASCII texts of a zipped shapefile's DBF, decoded in each offered encoding.

    Encoding label -> decoded samples, or None when the bytes are not valid in
    that encoding.  Empty when there is no DBF or no non-ASCII text.  Reads at
    most ``max_bytes`` of the DBF (the archive passed the upload checks before
    anyone asks for an encoding, but this stays bounded regardless).
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            dbfs = [i for i in zf.infolist() if not i.is_dir() and i.filename.lower().endswith(".dbf")]
            if layer_name:
                dbfs = [i for i in dbfs if i.filename.rsplit("/", 1)[-1][:-4] == layer_name] or dbfs
            if not dbfs:
                return {}
            with zf.open(dbfs[0]) as fh:
                head = fh.read(max_bytes)
    except Exception:  # noqa: BLE001 - samples are a convenience only
        return {}
    raw = _dbf_texts(head, rows)
    if not raw:
        return {}
    out: dict[str, list[str] | None] = {}
    for label, codec in ENCODING_CHOICES.items():
        try:
            out[label] = [b.decode(codec) for b in raw]
        except UnicodeDecodeError:
            out[label] = None
    return out


def _dbf_texts(head: bytes, limit: int) -> list[bytes]:
    """Distinct non-ASCII field names and character values from the start of a DBF."""
    if len(head) < 33:
        return []
    n_records, header_len, record_len = struct.unpack("<IHH", head[4:12])
    fields, pos = [], 32
    while pos + 32 <= min(header_len, len(head)) and head[pos] != 0x0D:
        name = head[pos:pos + 11].split(b"\0", 1)[0]
        fields.append((name, chr(head[pos + 11]), head[pos + 16]))
        pos += 32
    found: list[bytes] = []

    def keep(b: bytes) -> bool:
        b = b.strip(b" \0")
        if b and not b.isascii() and b not in found:
            found.append(b)
        return len(found) >= limit

    for name, _kind, _size in fields:
        if keep(name):
            return found
    for r in range(min(n_records, 1000)):
        start = header_len + r * record_len
        if start + record_len > len(head) or record_len <= 0:
            break
        off = start + 1  # deletion flag
        for _name, kind, size in fields:
            if kind == "C" and keep(head[off:off + size]):
                return found
            off += size
    return found


def fmt_km2(value: float) -> str:
    """Area for a table: blank for NaN, 4 decimals below 1 km², 2 above."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{value:,.4f}" if abs(value) < 1 else f"{value:,.2f}"
