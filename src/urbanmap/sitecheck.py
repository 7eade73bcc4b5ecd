"""合规性审查 — which 城市四线 zones does a project site touch, and by how much (no Streamlit).

A site is a point (optionally grown into a circle of a given radius), a typed
coordinate pair, or a parcel polygon read through the guarded upload reader.
The overlap figures come from ``geoservices.intersect_layers`` (equal-area km²).
"""

from __future__ import annotations

import re

import pandas as pd
import pyproj
import shapely
import shapely.ops
from shapely.geometry import Point

from . import gcj02, geoservices

#: What each line protects and the rule a site must respect (城市蓝线/绿线/紫线/黄线管理办法).
RULES = {
    "blue": ("蓝线", "城市蓝线管理办法", "不得填埋、占用河湖水域，不得擅自建设与水系保护无关的建筑物",
             "No filling or occupying water bodies; no buildings unrelated to water protection"),
    "green": ("绿线", "城市绿线管理办法", "绿地用地性质不得改变；不符合规划的建筑限期迁出",
              "Green-space land use may not change; non-conforming buildings must move out"),
    "purple": ("紫线", "城市紫线管理办法", "不得大拆大建，保持传统格局、历史风貌和古树名木",
               "No large-scale demolition; keep the traditional layout, historic townscape and old trees"),
    "yellow": ("黄线", "城市黄线管理办法", "用地留作城市基础设施，不得擅自改作他用",
               "Reserved for city-wide infrastructure; no other use without approval"),
}


class SiteInputError(ValueError):
    """Bad coordinates or site: carries a user-facing message in zh and en."""

    def __init__(self, zh: str, en: str):
        super().__init__(en)
        self.zh, self.en = zh, en

    def message(self, lang: str = "zh") -> str:
        return self.en if lang == "en" else self.zh


_NUM = re.compile(r"[-+]?\d+(?:\.\d+)?")


def parse_coordinates(text: str, *, gcj: bool = False) -> Point:
    """A point from "25.04, 102.71" (lat, lng) or "102.71 25.04" (lng, lat): inside China the order is unambiguous."""
    nums = [float(x) for x in _NUM.findall(text or "")]
    if len(nums) != 2:
        raise SiteInputError("请输入两个数字：纬度, 经度（例如 25.04, 102.71）。",
                             "Enter two numbers: latitude, longitude (e.g. 25.04, 102.71).")
    a, b = nums
    if 3 <= a <= 54 and 73 <= b <= 136:
        lat, lng = a, b
    elif 73 <= a <= 136 and 3 <= b <= 54:
        lng, lat = a, b
    else:
        raise SiteInputError(f"坐标 {a}, {b} 不在中国范围内：请检查经纬度与小数点。",
                             f"{a}, {b} is not in China: check the latitude/longitude and decimal points.")
    if gcj:
        lng, lat = (float(v) for v in gcj02.gcj02_to_wgs84(lng, lat))
    return Point(lng, lat)


def grow(point: Point, radius_m: float) -> shapely.Geometry:
    """A circle of ``radius_m`` metres around a WGS-84 point (0 keeps the point)."""
    if radius_m <= 0:
        return point
    aeqd = pyproj.CRS.from_proj4(f"+proj=aeqd +lat_0={point.y} +lon_0={point.x} +datum=WGS84 +units=m")
    fwd = pyproj.Transformer.from_crs("EPSG:4326", aeqd, always_xy=True)
    back = pyproj.Transformer.from_crs(aeqd, "EPSG:4326", always_xy=True)
    circle = shapely.ops.transform(fwd.transform, point).buffer(radius_m, quad_segs=16)
    return shapely.ops.transform(back.transform, circle)


def check(site, layer_ids=("control_zones",)) -> pd.DataFrame:
    """Every zone the site touches (see ``geoservices.intersect_layers``), largest overlap first."""
    return geoservices.intersect_layers(site, list(layer_ids))


def summary(hits: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """One row per line type: zones touched, overlap km², legal basis, what the rule says."""
    rows = []
    for line_type, (zh, law, rule_zh, rule_en) in RULES.items():
        part = hits[hits.get("line_type", pd.Series(dtype=str)) == line_type] if not hits.empty else hits
        rows.append({
            "line_type": line_type,
            "line": zh if lang != "en" else f"{line_type} line ({zh})",
            "touched": len(part) > 0,
            "zones": "、".join(part["name"]) if len(part) else "",
            "overlap_km2": float(part["overlap_km2"].sum()) if len(part) else 0.0,
            "legal_basis": law,
            "rule": rule_en if lang == "en" else rule_zh,
        })
    return pd.DataFrame(rows)



def type_areas(layer_id: str = "control_zones") -> pd.DataFrame:
    """Area per line type in the layer (km², equal-area) next to the plan's provincial totals."""
    from . import catalog, measure, targets

    gdf = catalog.get_layer(layer_id)
    df = targets.load_targets()
    rows = []
    for line_type, (zh, *_rest) in RULES.items():
        part = gdf[gdf["line_type"] == line_type] if "line_type" in gdf else gdf.head(0)
        plan = df[(df["region_code"] == f"cz-{line_type}") & (df["kind"] == "quantitative")]
        rows.append({
            "line_type": line_type, "line": zh, "zones": len(part),
            "layer_km2": float(measure.area_km2(part.geometry.values).sum()) if len(part) else 0.0,
            "plan_km2": float(plan["lower"].iloc[0]) if len(plan) else float("nan"),
            "plan_text": plan["target_value"].iloc[0] if len(plan) else "",
            "plan_target_id": plan["target_id"].iloc[0] if len(plan) else "",
        })
    return pd.DataFrame(rows)


def is_demonstration(layer_id: str = "control_zones") -> bool:
    """True while the current version of the layer is (partly) demonstration data."""
    from . import catalog

    gdf = catalog.get_layer(layer_id)
    return "demonstration" in gdf and gdf["demonstration"].map(lambda v: v in (True, "true", 1)).any()


#: How a parcel file is read: the staff-upload pipeline with a minimal polygon spec.
def _parcel_spec():
    from .layers import LayerSpec, Style

    return LayerSpec(
        id="site_parcel", title_zh="项目地块", title_en="Project site", group="control_zones", geometry="polygon",
        path="", key_field="id", schematic=False, region=("530000", "520000", "220000"), required_attributes=("id",),
        style=Style(), source={}, description_zh="", description_en="",
    )


def read_parcel(data: bytes, filename: str) -> shapely.Geometry:
    """The union of a small parcel file's polygons (WGS-84), read through the guarded upload reader."""
    from .upload import Limits, UploadError, UploadOptions, validate_upload

    limits = Limits(max_upload_bytes=5 * 1024 * 1024)
    try:
        up = validate_upload(data, filename, _parcel_spec(), UploadOptions(make_valid=True, auto_key=True), limits)
    except UploadError as exc:
        raise SiteInputError(exc.message("zh"), exc.message("en")) from exc
    return shapely.union_all(up.gdf.geometry.values)
