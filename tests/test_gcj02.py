"""GCJ-02 conversion against published values, and its round trip."""

import numpy as np
import pytest
import shapely
from shapely.geometry import Polygon

from urbanmap import gcj02, measure

# (WGS-84 lat, lon) -> GCJ-02 (lat, lon) published by the eviltransform
# project's test suite (github.com/googollee/eviltransform, python/test.py).
EVILTRANSFORM = [
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),  # Shanghai
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),  # Shenzhen
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),  # Beijing
]
# wandergis/coordtransform README: wgs84togcj02(116.404, 39.915).
COORDTRANSFORM = [(39.915, 116.404, 39.91640428150164, 116.41024449916938)]


@pytest.mark.parametrize("wlat,wlon,glat,glon", EVILTRANSFORM + COORDTRANSFORM)
def test_forward_matches_published_values(wlat, wlon, glat, glon):
    lon, lat = gcj02.wgs84_to_gcj02(wlon, wlat)
    # eviltransform uses the WGS-84 radius where the original uses Krasovsky's;
    # the difference is a few centimetres, far below 1e-6° (~0.1 m).
    assert float(lon) == pytest.approx(glon, abs=1e-6)
    assert float(lat) == pytest.approx(glat, abs=1e-6)


def _metres(lon1, lat1, lon2, lat2):
    import pyproj

    _, _, d = pyproj.Geod(ellps="WGS84").inv(lon1, lat1, lon2, lat2)
    return np.abs(d)


def test_round_trip_within_one_metre_over_china():
    lon, lat = np.meshgrid(np.linspace(74, 134, 41), np.linspace(18, 53, 31))
    lon, lat = lon.ravel(), lat.ravel()
    glon, glat = gcj02.wgs84_to_gcj02(lon, lat)
    back_lon, back_lat = gcj02.gcj02_to_wgs84(glon, glat)
    assert _metres(lon, lat, back_lon, back_lat).max() < 1.0
    # and the offset itself is real: hundreds of metres, not zero
    assert _metres(lon, lat, glon, glat).min() > 10


def test_offset_near_liupanshui_is_about_475_m():
    # Liupanshui city seat (钟山区), WGS-84
    lon, lat = 104.83, 26.59
    glon, glat = gcj02.wgs84_to_gcj02(lon, lat)
    d = float(_metres(lon, lat, glon, glat))
    assert 420 < d < 530


def test_outside_china_is_unchanged():
    lon, lat = gcj02.wgs84_to_gcj02(np.array([2.35, -74.0]), np.array([48.85, 40.7]))
    assert np.allclose(lon, [2.35, -74.0]) and np.allclose(lat, [48.85, 40.7])


def test_geometry_conversion_keeps_shared_vertices_shared():
    a = Polygon([(104.0, 26.0), (104.5, 26.0), (104.5, 26.5), (104.0, 26.5)])
    b = Polygon([(104.5, 26.0), (105.0, 26.0), (105.0, 26.5), (104.5, 26.5)])
    out = gcj02.geometry_gcj02_to_wgs84(np.array([a, b], dtype=object))
    assert shapely.coverage_is_valid(out)
    assert shapely.area(shapely.intersection(out[0], out[1])) == 0
    # moved by the inverse offset (GCJ -> WGS goes south-west around here)
    assert measure.hausdorff_m(a, out[0]) > 300
