"""Administrative boundaries (geodata/admin): loading and lookup.

Levels: ``province``, ``prefecture``, ``county`` for Yunnan (530000),
Guizhou (520000) and Jilin (220000); ``context`` holds neighbouring
provinces and countries for orientation only.
"""

from __future__ import annotations

from functools import lru_cache

import geopandas as gpd
import pandas as pd

from . import config
from .geojson_io import read_geojson

LEVELS = ("province", "prefecture", "county")
PROVINCES = {"530000": "云南省", "520000": "贵州省", "220000": "吉林省"}


@lru_cache(maxsize=8)
def _load(level: str) -> gpd.GeoDataFrame:
    if level not in (*LEVELS, "context"):
        raise ValueError(f"unknown admin level {level!r}")
    gdf = read_geojson(config.geodata_dir() / "admin" / f"{level}.geojson")
    gdf["adcode"] = gdf["adcode"].astype(str)
    return gdf


def load_admin(level: str) -> gpd.GeoDataFrame:
    """One admin level as a GeoDataFrame (EPSG:4326); a fresh copy each call."""
    return _load(level).copy()


def all_units() -> gpd.GeoDataFrame:
    """Province, prefecture and county rows together."""
    return gpd.GeoDataFrame(pd.concat([_load(lv) for lv in LEVELS], ignore_index=True), crs="EPSG:4326")


def unit(adcode: str) -> dict | None:
    """Attributes (no geometry) of one admin unit, or None."""
    units = all_units()
    hit = units[units.adcode == str(adcode)]
    if hit.empty:
        return None
    row = hit.iloc[0]
    return {k: row[k] for k in ("adcode", "name", "level", "parent_adcode")}


def province_of(adcode: str) -> str:
    """Province adcode of any unit code (first two digits)."""
    return str(adcode)[:2] + "0000"
