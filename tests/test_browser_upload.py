"""The real app in headless Chromium: staff login → upload → preview and diff → publish → the overview map shows it."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
import shapely

from conftest import REPO, start_app, stop_app
from test_upload_fixtures import gdf_geojson
from urbanmap import auth

pytestmark = pytest.mark.browser

STAFF_PW = "staff-pass-123"
NEW_NAME = "盘龙江蓝线（2025 批复）"


@pytest.fixture
def staff_app(tmp_path_factory):
    data = tmp_path_factory.mktemp("upload-app")
    auth.add_user("alice", STAFF_PW, "staff", actor=auth.local_operator(), data_dir=data)
    proc, url = start_app(data)
    yield url
    stop_app(proc)


def _idle(page, timeout: int = 60000) -> None:
    """Wait until Streamlit has finished the current run."""
    page.wait_for_timeout(500)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout)
    page.wait_for_timeout(500)


def _upload_file(tmp_path):
    g = gpd.read_file(REPO / "geodata" / "layers" / "control_zones.geojson")
    g.loc[0, "geometry"] = shapely.affinity.scale(g.geometry.iloc[0], 1.25, 1.25)
    g.loc[0, "name"] = NEW_NAME
    path = tmp_path / "control_zones_2025.geojson"
    path.write_bytes(gdf_geojson(g))
    return path, g.geometry.iloc[0]


def test_login_upload_preview_publish_then_the_overview_shows_it(staff_app, page, artifacts, tmp_path):
    path, new_geom = _upload_file(tmp_path)
    page.set_viewport_size({"width": 1400, "height": 2400})
    page.goto(staff_app + "/upload")
    page.get_by_role("textbox", name="用户名").wait_for(timeout=60000)
    page.get_by_role("textbox", name="用户名").fill("alice")
    page.get_by_role("textbox", name="密码").fill(STAFF_PW)
    page.get_by_role("button", name="登录").click()
    _idle(page)
    page.get_by_text("已登录：alice").wait_for(timeout=60000)  # logged in: the staff tools replace the form

    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(path))
    _idle(page)
    page.get_by_text("校验通过：11 个要素").wait_for(timeout=60000)
    preview = page.frame_locator('iframe[title="streamlit_folium.st_folium"]')
    preview.locator(".leaflet-um-layer-2-pane path").first.wait_for(state="attached", timeout=30000)
    assert preview.locator(".leaflet-um-layer-2-pane path").count() == 11  # the upload, over the current version
    assert preview.locator(".leaflet-um-layer-1-pane path").count() == 11
    assert NEW_NAME in preview.locator(".um-label").all_inner_texts()  # the changed feature is labelled
    metrics = dict(zip(page.locator('[data-testid="stMetricLabel"]').all_inner_texts(),
                       page.locator('[data-testid="stMetricValue"]').all_inner_texts()))
    assert (metrics["新增"], metrics["删除"], metrics["修改"], metrics["未变"]) == ("0", "0", "1", "10")
    page.wait_for_timeout(1500)
    page.screenshot(path=str(artifacts / "upload-browser-preview.png"), full_page=True)

    page.get_by_label("发布说明（必填）").fill("按 2025 年批复调整盘龙江蓝线")
    page.get_by_role("button", name="发布为第 2 版").click()
    _idle(page)
    page.get_by_text("第 2 版（11 个要素）").wait_for(timeout=60000)
    page.screenshot(path=str(artifacts / "upload-browser-published.png"), full_page=True)

    page.request_log.urls.clear()
    page.get_by_text("在总览地图中查看").click()
    _idle(page)
    frame = page.frame_locator('iframe[title="streamlit_folium.st_folium"]')
    frame.locator("path.leaflet-interactive").first.wait_for(state="attached", timeout=30000)
    page.wait_for_timeout(2000)
    page.screenshot(path=str(artifacts / "upload-browser-overview.png"), full_page=True)
    assert NEW_NAME in page.locator('[data-testid="stHeading"]').all_inner_texts()  # selected and framed: the panel
    urls = [u for u in page.request_log.urls if "/cache/control_zones-zh-" in u]
    assert urls, "the overview loads the control-zones layer"
    fc = json.loads(page.request.get(urls[-1]).text())
    feat = next(f for f in fc["features"] if f["properties"]["id"] == "cz-blue-1")
    assert NEW_NAME in feat["properties"]["_tip"]
    assert shapely.geometry.shape(feat["geometry"]).equals_exact(new_geom, 1e-6)
    assert page.request_log.external() == []
