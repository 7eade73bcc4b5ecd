"""What an upload changes compared with the current version of a layer.

Features are matched by the layer's key.  A feature is *changed* when its
geometry differs (beyond 1e-9° — float noise from a round trip is not a
change) or any attribute value differs.  Areas are equal-area km² from
:mod:`urbanmap.measure`, so the numbers are real areas, not square degrees.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely

from .. import measure

_GEOM_TOLERANCE = 1e-9  # degrees, ~0.1 mm


@dataclass
class LayerDiff:
    added: list[str]
    removed: list[str]
    changed: list[str]
    unchanged: int
    area_change: pd.DataFrame  # key, name, area_before_km2, area_after_km2, delta_km2, delta_pct
    attribute_changes: pd.DataFrame  # key, field, before, after
    geometry_changed: list[str] = field(default_factory=list)  # changed keys whose geometry moved
    total_area_km2: tuple[float, float] = (0.0, 0.0)  # (before, after), all features of each version

    @property
    def has_changes(self) -> bool:
        return bool(self.added or self.removed or self.changed)

    def summary(self, lang: str = "zh") -> str:
        before, after = self.total_area_km2
        delta = after - before
        pct = f"{delta / before * 100.0:+.1f}%" if before > 0 else ""
        if lang == "en":
            if not self.has_changes:
                return f"No changes: all {self.unchanged} features are identical."
            return (f"{len(self.added)} added, {len(self.removed)} removed, {len(self.changed)} changed, "
                    f"{self.unchanged} unchanged; total area {before:,.2f} → {after:,.2f} km² "
                    f"({delta:+,.2f} km²{', ' + pct if pct else ''}).")
        if not self.has_changes:
            return f"没有变化：{self.unchanged} 个要素全部相同。"
        return (f"新增 {len(self.added)} 个、删除 {len(self.removed)} 个、修改 {len(self.changed)} 个、"
                f"未变 {self.unchanged} 个要素；总面积 {before:,.2f} → {after:,.2f} km²"
                f"（{delta:+,.2f} km²{'，' + pct if pct else ''}）。")


def _norm(value):
    """Comparable form of an attribute value: None for missing, numbers as float, text as str."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        f = float(value)
        return None if math.isnan(f) else f
    if isinstance(value, (list, tuple, dict, np.ndarray)):
        v = value.tolist() if isinstance(value, np.ndarray) else value
        return json.dumps(v, ensure_ascii=False, sort_keys=True, default=str)
    return str(value)


def _key(value) -> str:
    v = _norm(value)
    if v is None:
        return ""
    if isinstance(v, float) and not isinstance(value, bool) and v.is_integer():
        return str(int(v))
    return str(value)


def _index(gdf, key_field: str, which: str) -> pd.DataFrame:
    if key_field not in gdf.columns:
        raise ValueError(f"{which} layer has no key field {key_field!r}")
    keys = gdf[key_field].map(_key)
    if keys.duplicated().any():
        raise ValueError(f"{which} layer has duplicate keys: {sorted(set(keys[keys.duplicated()]))[:10]}")
    out = gdf.copy()
    out.index = keys.values
    return out


def _same_geometry(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if shapely.equals_exact(shapely.normalize(a), shapely.normalize(b), tolerance=_GEOM_TOLERANCE):
        return True
    try:
        return bool(shapely.equals(a, b))
    except shapely.errors.GEOSException:  # pragma: no cover - invalid input
        return False


def diff_layers(current, new, key_field: str) -> LayerDiff:
    """Compare two versions of a layer (both EPSG:4326) feature by feature."""
    cur = _index(current, key_field, "current")
    nxt = _index(new, key_field, "new")
    cur_keys, new_keys = list(cur.index), list(nxt.index)
    cur_set, new_set = set(cur_keys), set(new_keys)
    added = [k for k in new_keys if k not in cur_set]
    removed = [k for k in cur_keys if k not in new_set]
    common = [k for k in new_keys if k in cur_set]

    cur_geom, new_geom = cur.geometry.name, nxt.geometry.name
    fields = [c for c in cur.columns if c not in (cur_geom, key_field)]
    fields += [c for c in nxt.columns if c not in (new_geom, key_field) and c not in fields]

    changed, geometry_changed, attr_rows = [], [], []
    for k in common:
        a, b = cur.loc[k], nxt.loc[k]
        moved = not _same_geometry(a[cur_geom], b[new_geom])
        diffs = []
        for f in fields:
            before = _norm(a[f]) if f in cur.columns else None
            after = _norm(b[f]) if f in nxt.columns else None
            if before != after:
                diffs.append({"key": k, "field": f,
                              "before": a[f] if f in cur.columns and before is not None else None,
                              "after": b[f] if f in nxt.columns and after is not None else None})
        if moved or diffs:
            changed.append(k)
            attr_rows.extend(diffs)
        if moved:
            geometry_changed.append(k)

    area_before = pd.Series(np.asarray(measure.area_km2(cur.geometry.values), dtype=float), index=cur.index)
    area_after = pd.Series(np.asarray(measure.area_km2(nxt.geometry.values), dtype=float), index=nxt.index)

    def name_of(k):
        for frame in (nxt, cur):
            if k in frame.index and "name" in frame.columns and _norm(frame.at[k, "name"]) is not None:
                return str(frame.at[k, "name"])
        return ""

    rows = []
    for k in added + removed + changed:
        before = float(area_before[k]) if k in cur_set else float("nan")
        after = float(area_after[k]) if k in new_set else float("nan")
        b0 = 0.0 if math.isnan(before) else before
        a0 = 0.0 if math.isnan(after) else after
        delta = a0 - b0
        pct = delta / before * 100.0 if not math.isnan(before) and before > 0 else float("nan")
        rows.append({"key": k, "name": name_of(k), "area_before_km2": before, "area_after_km2": after,
                     "delta_km2": delta, "delta_pct": pct})
    area_change = pd.DataFrame(rows, columns=["key", "name", "area_before_km2", "area_after_km2", "delta_km2", "delta_pct"])
    if len(area_change):
        area_change = (area_change.assign(_abs=area_change["delta_km2"].abs())
                       .sort_values(["_abs", "key"], ascending=[False, True], kind="stable")
                       .drop(columns="_abs").reset_index(drop=True))
    attribute_changes = pd.DataFrame(attr_rows, columns=["key", "field", "before", "after"])

    return LayerDiff(added=added, removed=removed, changed=changed, unchanged=len(common) - len(changed),
                     area_change=area_change, attribute_changes=attribute_changes,
                     geometry_changed=geometry_changed,
                     total_area_km2=(float(area_before.sum()), float(area_after.sum())))
