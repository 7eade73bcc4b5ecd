"""The real app in headless Chromium: the map draws, offline."""

import pytest

pytestmark = pytest.mark.browser


def test_overview_map_draws_provinces_without_leaving_the_machine(app_server, page, artifacts):
    page.goto(app_server + "/")
    frame = page.frame_locator('iframe[title="streamlit_folium.st_folium"]')
    paths = frame.locator("path.leaflet-interactive")
    paths.first.wait_for(state="attached", timeout=30000)
    assert paths.count() > 30  # prefectures of three provinces
    labels = frame.locator(".um-label")
    assert {"云南省", "贵州省", "吉林省"} <= set(labels.all_inner_texts())
    page.screenshot(path=str(artifacts / "overview-default.png"), full_page=True)
    assert page.request_log.external() == []
