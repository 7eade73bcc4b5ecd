"""``urbanmap layers validate FILE --layer LAYER``: exit 0 when valid, 1 with the reason on stderr."""

from __future__ import annotations

import json

import pytest

from test_upload_fixtures import bowtie, gdf_geojson, shapefile_zip
from urbanmap import admin
from urbanmap.cli import main

LAYER = "admin_county"  # committed manifest layer: key adcode, region Yunnan + Guizhou + Jilin


@pytest.fixture
def county(monkeypatch, tmp_path):
    monkeypatch.setenv("URBANMAP_DATA_DIR", str(tmp_path / "var"))
    gdf = admin.load_admin("county")
    return gdf[gdf["adcode"] == "520201"].reset_index(drop=True)  # 钟山区


def _run(capsys, *argv) -> tuple[int, str, str]:
    rc = main(["layers", "validate", *map(str, argv)])
    out, err = capsys.readouterr()
    return rc, out, err


def test_valid_file_exits_0(county, tmp_path, capsys):
    path = tmp_path / "钟山区.geojson"
    path.write_bytes(gdf_geojson(county))
    rc, out, err = _run(capsys, path, "--layer", LAYER)
    assert rc == 0, err
    report = json.loads(out)
    assert report["valid"] is True and report["features"] == 1 and report["format"] == "GeoJSON"


def test_invalid_geometry_exits_1_with_both_languages_on_stderr(county, tmp_path, capsys):
    bad = county.copy()
    bad.loc[0, "geometry"] = bowtie(104.85, 26.62)
    path = tmp_path / "bad.geojson"
    path.write_bytes(gdf_geojson(bad))
    rc, out, err = _run(capsys, path, "--layer", LAYER)
    assert rc == 1 and out == ""
    assert "几何无效" in err and "invalid geometry" in err and "520201" in err
    rc, out, _ = _run(capsys, path, "--layer", LAYER, "--make-valid")
    assert rc == 0 and json.loads(out)["warnings"]


def test_missing_crs_lists_the_choices_and_crs_option_fixes_it(county, tmp_path, capsys):
    path = tmp_path / "gk.zip"
    path.write_bytes(shapefile_zip(county.to_crs("EPSG:4544"), "GBK", prj=False))
    rc, out, err = _run(capsys, path, "--layer", LAYER, "--lang", "en")
    assert rc == 1 and "coordinate reference system" in err and "EPSG:4544" in err
    rc, out, err = _run(capsys, path, "--layer", LAYER, "--crs", "EPSG:4544")
    assert rc == 0, err
    assert json.loads(out)["source_crs"] == "EPSG:4544"


def test_vrt_is_refused_by_the_cli(tmp_path, capsys, county):
    path = tmp_path / "layer.geojson"
    path.write_bytes(b'<OGRVRTDataSource><OGRVRTLayer name="x"><SrcDataSource>CSV:/etc/passwd'
                     b"</SrcDataSource></OGRVRTLayer></OGRVRTDataSource>")
    rc, out, err = _run(capsys, path, "--layer", LAYER)
    assert rc == 1 and "VRT" in err and "root:" not in err
