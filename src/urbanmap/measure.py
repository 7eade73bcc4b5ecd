"""Areas and lengths in real units.

Areas are computed in the China Albers equal-area conic projection
(standard parallels 25°N and 47°N, central meridian 105°E) — an equal-area
projection gives exact areas everywhere, whatever its shape distortion.
Lengths are geodesic on the WGS-84 ellipsoid.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pyproj
import shapely

CHINA_ALBERS = "+proj=aea +lat_0=0 +lon_0=105 +lat_1=25 +lat_2=47 +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs"


@lru_cache(maxsize=1)
def _to_albers() -> pyproj.Transformer:
    return pyproj.Transformer.from_crs("EPSG:4326", CHINA_ALBERS, always_xy=True)


def to_equal_area(geoms):
    """Project WGS-84 lon/lat geometries into China Albers (metres)."""
    tr = _to_albers()

    def apply(xy: np.ndarray) -> np.ndarray:
        x, y = tr.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geoms, apply)


def area_km2(geoms) -> np.ndarray | float:
    """Area in km² of WGS-84 geometries (scalar in, scalar out)."""
    return shapely.area(to_equal_area(geoms)) / 1e6


_GEOD = pyproj.Geod(ellps="WGS84")


def length_km(geoms) -> np.ndarray | float:
    """Geodesic length in km (perimeter for polygons)."""
    if isinstance(geoms, shapely.Geometry):
        return _GEOD.geometry_length(geoms) / 1000.0
    return np.array([_GEOD.geometry_length(g) / 1000.0 if g is not None else np.nan for g in geoms])


def hausdorff_m(a, b) -> float:
    """Hausdorff distance in metres between two WGS-84 geometries (in China Albers)."""
    return float(shapely.hausdorff_distance(to_equal_area(a), to_equal_area(b)))
