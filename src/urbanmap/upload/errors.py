"""Upload errors and notices with their user-facing messages (zh and en).

Every rejection of an upload is an :class:`UploadError` with a stable
machine ``code``.  The text a user sees comes from :data:`MESSAGES`, one
entry per code, each saying what is wrong and what to do next.  ``detail``
is for the log only: it may hold GDAL's own words or internal paths and is
never shown raw to users.

Non-fatal notices (a repaired geometry, a detected encoding …) are
:class:`Notice` objects: plain strings ("中文 / English") so they can be
printed or logged as they are, with ``code`` and ``message(lang)`` for pages.
"""

from __future__ import annotations

from typing import Any

#: code -> (zh, en).  Placeholders are filled from ``UploadError.params``.
MESSAGES: dict[str, tuple[str, str]] = {
    # --- size and format -------------------------------------------------------
    "too_large": (
        "文件过大（{size_mb} MB），上限为 {limit_mb} MB。请按范围拆分或简化数据后重新上传。",
        "The file is too large ({size_mb} MB); the limit is {limit_mb} MB. Split or simplify the data and upload again.",
    ),
    "empty_file": (
        "文件是空的（没有任何内容）。请确认导出成功后重新上传。",
        "The file is empty (it has no content). Check that the export worked and upload again.",
    ),
    "unsupported_format": (
        "无法识别的文件格式。支持的格式：GeoJSON、Shapefile（.shp/.shx/.dbf/.prj 打包为 .zip）、GeoPackage（.gpkg）、KML/KMZ。",
        "Unrecognised file format. Supported: GeoJSON, Shapefile (.shp/.shx/.dbf/.prj zipped together), GeoPackage (.gpkg), KML/KMZ.",
    ),
    "not_geodata": (
        "文件内容不是可识别的地理数据（不是 GeoJSON、KML 或其他支持的格式）。请上传 GeoJSON、压缩的 Shapefile、GeoPackage 或 KML/KMZ 文件。",
        "The file does not contain recognisable geodata (it is not GeoJSON, KML or another supported format). Upload a GeoJSON, zipped Shapefile, GeoPackage or KML/KMZ file.",
    ),
    "forbidden_format": (
        "出于安全原因不接受此类文件（{what}）：它会让系统去读取其他文件或网址。请上传数据文件本身。",
        "This kind of file is not accepted for security reasons ({what}): it makes the system read other files or URLs. Upload the data file itself.",
    ),
    "external_reference": (
        "文件引用了外部文件或网址（{ref}），出于安全原因已拒绝。请删除该引用（例如 GeoJSON 的 \"crs\" 链接）后重新上传。",
        "The file refers to an outside file or URL ({ref}) and was rejected for security reasons. Remove the reference (e.g. a GeoJSON \"crs\" link) and upload again.",
    ),
    "corrupt_file": (
        "文件已损坏或不完整，无法读取（{format}）。请重新导出后上传。",
        "The file is damaged or incomplete and cannot be read ({format}). Export it again and upload the new file.",
    ),
    "shapefile_not_zipped": (
        "Shapefile 由多个文件组成。请把 .shp、.shx、.dbf、.prj（以及 .cpg）一起打包成 .zip 后上传。",
        "A Shapefile consists of several files. Zip the .shp, .shx, .dbf and .prj (and .cpg) together and upload the .zip.",
    ),
    # --- archives ----------------------------------------------------------------
    "corrupt_archive": (
        "压缩包已损坏或不完整（可能上传中断）。请重新打包后上传。",
        "The archive is damaged or incomplete (perhaps the upload was cut off). Create the zip again and upload it.",
    ),
    "zip_path_traversal": (
        "压缩包中有不安全的路径（{name}），已拒绝。请只打包数据文件本身，不要包含“..”这样的上级目录。",
        "The archive contains an unsafe path ({name}) and was rejected. Zip only the data files themselves, without \"..\" parent folders.",
    ),
    "zip_absolute_path": (
        "压缩包中有绝对路径（{name}），已拒绝。请在数据所在的文件夹内重新打包。",
        "The archive contains an absolute path ({name}) and was rejected. Create the zip again from inside the data folder.",
    ),
    "zip_link": (
        "压缩包中有符号链接（{name}），已拒绝。请只打包普通文件。",
        "The archive contains a symbolic link ({name}) and was rejected. Zip regular files only.",
    ),
    "zip_encrypted": (
        "压缩包已加密（{name}）。请上传未加密的压缩包。",
        "The archive is encrypted ({name}). Upload an archive without a password.",
    ),
    "zip_too_many_members": (
        "压缩包中文件过多（{count} 个，上限 {limit} 个）。请只打包一个图层所需的文件。",
        "The archive holds too many files ({count}; the limit is {limit}). Zip only the files of one layer.",
    ),
    "zip_too_large_uncompressed": (
        "压缩包解压后过大（{size_mb} MB，上限 {limit_mb} MB）。请拆分或简化数据后上传。",
        "The archive is too large when unpacked ({size_mb} MB; the limit is {limit_mb} MB). Split or simplify the data and upload again.",
    ),
    "zip_ratio": (
        "压缩包的压缩比异常（{ratio}:1，上限 {limit}:1），疑似“压缩炸弹”，已拒绝。请用常规方式重新打包后上传。",
        "The archive's compression ratio is abnormal ({ratio}:1; the limit is {limit}:1), like a zip bomb, and was rejected. Zip the files again normally.",
    ),
    "zip_unexpected_member": (
        "压缩包中有不允许的文件（{name}）。Shapefile 压缩包只能包含 .shp、.shx、.dbf、.prj、.cpg；KMZ 只能包含 .kml 和图片。",
        "The archive contains a file that is not allowed ({name}). A Shapefile zip may hold only .shp, .shx, .dbf, .prj, .cpg; a KMZ only .kml and images.",
    ),
    "zip_no_data": (
        "压缩包中没有 Shapefile（.shp）或 KML 文件。请检查打包的内容。",
        "The archive contains no Shapefile (.shp) or KML file. Check what was zipped.",
    ),
    "shapefile_incomplete": (
        "Shapefile 不完整：缺少 {missing}。请把同名的 .shp、.shx、.dbf（以及 .prj）一起打包。",
        "The Shapefile is incomplete: {missing} is missing. Zip the .shp, .shx, .dbf (and .prj) of the same name together.",
    ),
    # --- layers ----------------------------------------------------------------
    "choose_layer": (
        "文件中有多个图层（{layers}）。请选择要导入的图层。",
        "The file holds several layers ({layers}). Choose the layer to import.",
    ),
    "unknown_layer": (
        "文件中没有名为“{name}”的图层。可选图层：{layers}。",
        "The file has no layer named \"{name}\". Available layers: {layers}.",
    ),
    "empty_layer": (
        "图层中没有任何要素。请检查导出范围或选择其他图层。",
        "The layer contains no features. Check the export extent or choose another layer.",
    ),
    "too_many_features": (
        "要素过多（{count} 个，上限 {limit} 个）。请拆分数据后上传。",
        "Too many features ({count}; the limit is {limit}). Split the data and upload again.",
    ),
    "too_many_vertices": (
        "顶点过多（{count} 个，上限 {limit} 个）。请在 GIS 软件中简化几何后上传。",
        "Too many vertices ({count}; the limit is {limit}). Simplify the geometries in a GIS and upload again.",
    ),
    # --- text encoding -----------------------------------------------------------
    "bad_encoding": (
        "无法确定文字编码（没有 .cpg 编码说明，或其中的编码无法识别），直接显示会出现乱码。请选择编码（中文数据通常为 GBK）。",
        "The text encoding cannot be determined (no .cpg file, or one naming an unknown encoding); showing the text as is would garble it. Choose the encoding (Chinese data is usually GBK).",
    ),
    "encoding_failed": (
        "属性文字无法按 {encoding} 编码读取。请选择其他编码（中文数据通常为 GBK 或 UTF-8）。",
        "The attribute text cannot be read as {encoding}. Choose another encoding (Chinese data is usually GBK or UTF-8).",
    ),
    # --- coordinate reference system ---------------------------------------------
    "no_crs": (
        "文件没有声明坐标系（缺少 .prj 或坐标系信息）。系统不会自行猜测，请选择数据使用的坐标系。",
        "The file declares no coordinate reference system (no .prj or CRS information). The system will not guess: choose the CRS the data uses.",
    ),
    "unsupported_crs": (
        "无法识别或转换文件中的坐标系（{crs}）。请在 GIS 软件中转换为 CGCS2000（EPSG:4490）或 WGS-84 后上传，或手动选择坐标系。",
        "The file's coordinate reference system cannot be recognised or converted ({crs}). Convert the data to CGCS2000 (EPSG:4490) or WGS-84 in a GIS, or choose the CRS yourself.",
    ),
    "bad_option": (
        "选项“{option}”的值“{value}”无效。请从列表中选择。",
        "The value \"{value}\" for \"{option}\" is not valid. Choose one from the list.",
    ),
    # --- coordinates and extent --------------------------------------------------
    "bad_coordinates": (
        "{count} 个要素的坐标不是有效数字（空值、NaN 或无穷大）：{items}。请在 GIS 软件中修正后上传。",
        "{count} feature(s) have coordinates that are not valid numbers (empty, NaN or infinite): {items}. Fix them in a GIS and upload again.",
    ),
    "coordinates_out_of_range": (
        "坐标超出经纬度范围（经度 ±180°，纬度 ±90°）：{items}。坐标系很可能设置错误，请检查 .prj 或重新选择坐标系。",
        "Coordinates are outside the longitude/latitude range (±180°, ±90°): {items}. The CRS is probably wrong: check the .prj or choose the CRS again.",
    ),
    "swapped_axes": (
        "坐标的经度和纬度似乎颠倒了（交换后正好落在{region}范围内）。请在导出时把经度（X）放在前面后重新上传。",
        "Longitude and latitude appear to be swapped (swapped back, the data falls inside {region_en}). Export with longitude (X) first and upload again.",
    ),
    "out_of_region": (
        "{count} 个要素不在本图层的范围（{region}）内：{items}。请检查坐标系是否正确、是否选错了图层。",
        "{count} feature(s) lie outside this layer's area ({region_en}): {items}. Check that the CRS is right and that this is the right layer.",
    ),
    # --- geometry ----------------------------------------------------------------
    "missing_geometry": (
        "{count} 个要素没有几何图形：{items}。请删除这些要素或补上几何后上传。",
        "{count} feature(s) have no geometry: {items}. Delete them or add their geometry and upload again.",
    ),
    "wrong_geometry_type": (
        "几何类型不符：本图层需要{expected}，文件中是 {found}。请选择正确的文件或图层。",
        "Wrong geometry type: this layer needs {expected_en}, the file has {found}. Choose the right file or layer.",
    ),
    "invalid_geometry": (
        "{count} 个要素的几何无效：{items}。请在 GIS 软件中修复，或勾选“自动修复几何”后重试。",
        "{count} feature(s) have invalid geometry: {items}. Repair them in a GIS, or tick \"repair geometries\" and try again.",
    ),
    "repair_failed": (
        "自动修复后仍有 {count} 个要素的几何无效或为空：{items}。请在 GIS 软件中手工修复。",
        "After automatic repair {count} feature(s) are still invalid or empty: {items}. Repair them by hand in a GIS.",
    ),
    # --- attributes ----------------------------------------------------------------
    "missing_attributes": (
        "缺少必需的属性字段：{fields}。本图层需要字段：{required}。请补充后上传。",
        "Required attribute fields are missing: {fields}. This layer needs: {required}. Add them and upload again.",
    ),
    "missing_keys": (
        "{count} 个要素的标识字段 {key} 为空（第 {items} 个要素）。每个要素都需要唯一的 {key}。",
        "{count} feature(s) have an empty key field {key} (feature {items}). Every feature needs a unique {key}.",
    ),
    "duplicate_keys": (
        "标识字段 {key} 有重复值：{items}。每个要素的 {key} 必须唯一，请修改后上传。",
        "The key field {key} has duplicate values: {items}. Each feature's {key} must be unique; fix them and upload again.",
    ),
}

#: Non-fatal notices: code -> (zh, en).
NOTICES: dict[str, tuple[str, str]] = {
    "repaired_geometries": (
        "已自动修复 {count} 个无效几何：{items}。请在预览中核对。",
        "Repaired {count} invalid geometries: {items}. Check them in the preview.",
    ),
    "encoding_detected": (
        "文件没有编码说明，已按 {encoding} 读取属性文字。请在预览中核对中文是否正常。",
        "The file has no encoding information; attribute text was read as {encoding}. Check the Chinese text in the preview.",
    ),
    "crs_overridden": (
        "文件声明的坐标系为 {declared}，已按你选择的 {chosen} 处理。",
        "The file declares {declared}; your choice {chosen} was used instead.",
    ),
    "gcj02_converted": (
        "坐标已按 GCJ-02（高德/腾讯坐标）转换为 WGS-84。",
        "Coordinates were converted from GCJ-02 (Amap/Tencent) to WGS-84.",
    ),
    "fields_renamed": (
        "字段名已自动对应（忽略大小写和 Shapefile 的 10 字符截断）：{fields}。",
        "Field names were matched ignoring case and the Shapefile 10-character limit: {fields}.",
    ),
    "ignored_members": (
        "压缩包中的辅助文件未被读取：{names}。",
        "Auxiliary files in the archive were not read: {names}.",
    ),
    "dropped_fields": (
        "以下字段无法作为文字保存，已忽略：{fields}。",
        "These fields cannot be stored as text and were left out: {fields}.",
    ),
}

_LANGS = ("zh", "en")


def _render(table: dict[str, tuple[str, str]], code: str, lang: str, params: dict[str, Any]) -> str:
    zh, en = table[code]
    template = en if lang == "en" else zh
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):  # a missing parameter must never hide the message
        return template


class UploadError(Exception):
    """An upload was rejected; nothing was written.

    ``code`` is stable (tests, audit log, CLI); ``message(lang)`` is what the
    user reads; ``detail`` is for the log; ``choices`` lists the options to
    offer when the user must choose (CRS, encoding, layer); ``items`` lists
    the offending features (``key``, ``reason``) for a table in the UI.
    """

    def __init__(self, code: str, detail: str = "", *, choices: list[str] | None = None,
                 params: dict[str, Any] | None = None, items: list[dict] | None = None):
        if code not in MESSAGES:
            raise ValueError(f"unknown upload error code {code!r}")
        self.code = code
        self.detail = detail
        self.choices = list(choices) if choices is not None else None
        self.params = dict(params or {})
        self.items = list(items) if items is not None else None
        super().__init__(f"{code}: {detail}" if detail else code)

    def message(self, lang: str = "zh") -> str:
        return _render(MESSAGES, self.code, lang, self.params)


class Notice(str):
    """A non-fatal notice: the string is "中文 / English"; ``message(lang)`` gives one."""

    code: str
    params: dict

    def __new__(cls, code: str, **params: Any) -> "Notice":
        if code not in NOTICES:
            raise ValueError(f"unknown notice code {code!r}")
        text = f"{_render(NOTICES, code, 'zh', params)} / {_render(NOTICES, code, 'en', params)}"
        obj = super().__new__(cls, text)
        obj.code = code
        obj.params = params
        return obj

    def message(self, lang: str = "zh") -> str:
        return _render(NOTICES, self.code, lang, self.params)


def list_items(values, limit: int = 5, sep: str = ", ") -> str:
    """'a, b, c …(+7)' — a short list for a message."""
    values = [str(v) for v in values]
    shown = sep.join(values[:limit])
    return shown if len(values) <= limit else f"{shown} …(+{len(values) - limit})"
