"""The dashboard in headless Chromium: click a county, read its panel, switch language, deep links.

Every test also asserts that nothing was requested from a host other than this machine.
"""

import re
import time

import pytest
from mapframe import CLICK_JS, HAS_FEATURE_JS, in_map, map_ready

pytestmark = pytest.mark.browser

COUNTY = "520201"  # 钟山区, Liupanshui


def panel_heading(page):
    return page.locator('[data-testid="stHeading"] h3')


def test_click_a_liupanshui_county_shows_its_name_and_a_chart(app_server, page, artifacts):
    page.goto(app_server + "/")
    map_ready(page)
    # turn the county layer on the way a planner does: the sidebar checkbox
    page.locator("[data-testid=stCheckbox] label").filter(has_text="县级行政区").click()
    in_map(page, HAS_FEATURE_JS, COUNTY)
    assert in_map(page, CLICK_JS, COUNTY)
    heading = panel_heading(page).filter(has_text="钟山区")
    heading.first.wait_for(timeout=30000)
    page.locator('[data-testid="stPlotlyChart"]').first.wait_for(timeout=30000)
    assert "sel=520201" in page.url  # the selection is in the URL: the link reopens it
    page.screenshot(path=str(artifacts / "overview-click-zhongshan.png"), full_page=True)
    assert page.request_log.external() == []


def test_switch_to_english_keeps_the_view(app_server, page, artifacts):
    page.goto(app_server + "/")
    map_ready(page)
    page.locator("[data-testid=stSidebar] button").filter(has_text="English").first.click()
    page.get_by_role("heading", name="Overview").first.wait_for(timeout=30000)
    assert "lang=en" in page.url
    # navigation labels follow the language
    assert page.get_by_role("link", name="Targets").count() >= 1
    page.screenshot(path=str(artifacts / "overview-english.png"), full_page=True)
    assert page.request_log.external() == []


def test_deep_link_opens_the_same_selection_layers_and_language(app_server, page, artifacts):
    page.goto(app_server + f"/?lang=en&layers=admin_context,admin_county,admin_prefecture,lps_centers&sel={COUNTY}")
    page.get_by_role("heading", name="Overview").first.wait_for(timeout=30000)
    panel_heading(page).filter(has_text="钟山区").first.wait_for(timeout=30000)
    in_map(page, HAS_FEATURE_JS, "lps-center-main")  # a thematic layer named only in the link is drawn
    in_map(page, HAS_FEATURE_JS, COUNTY)  # detailed counties near the view are loaded …
    absent = in_map(page, f"() => [!({HAS_FEATURE_JS})('220102')]")[0]
    assert absent is True  # … Changchun's, 2,000 km away, are not fetched at all
    # the county layer checkbox reflects the link
    box = page.locator("[data-testid=stCheckbox]").filter(has_text=re.compile("^Counties"))
    assert box.locator("input").is_checked()
    page.screenshot(path=str(artifacts / "overview-deep-link.png"), full_page=True)
    assert page.request_log.external() == []


def test_every_page_opens_without_an_error(app_server, page, artifacts):
    for path, heading in [("clusters", "城镇体系与城市群"), ("control-zones", "城市四线与合规性审查"),
                          ("liupanshui", "六盘水市“一带三心、两轴四区”"), ("targets", "目标指标"), ("sources", "数据来源与说明")]:
        page.goto(f"{app_server}/{path}")
        page.get_by_role("heading", name=heading).first.wait_for(timeout=30000)
        assert page.locator('[data-testid="stException"]').count() == 0, path
        page.screenshot(path=str(artifacts / f"page-{path}.png"), full_page=True)
    assert page.request_log.external() == []


def test_site_check_by_coordinates_reports_the_touched_control_line(app_server, page, artifacts):
    page.goto(app_server + "/control-zones")
    page.get_by_role("heading", name="城市四线与合规性审查").first.wait_for(timeout=30000)
    page.get_by_role("tab", name="输入坐标").click()
    # the representative point of the demonstration green-line zone 翠湖公园, in WGS-84
    page.get_by_label("纬度, 经度（WGS-84）").fill("25.04864, 102.7055")
    page.get_by_label("纬度, 经度（WGS-84）").press("Enter")
    page.locator("[data-testid=stButton] button").filter(has_text="检查").first.click()
    alert = page.locator('[data-testid="stAlert"]').filter(has_text="该地块触及")
    alert.first.wait_for(timeout=30000)
    assert "绿线" in alert.first.inner_text()
    # the map frames the checked site (zoomed in from the city view)
    assert in_map(page, "() => Object.values(window).filter(v => v instanceof L.Map).some(m => m.getZoom() >= 14)")
    time.sleep(1)  # let the result table paint before the screenshot
    page.screenshot(path=str(artifacts / "control-zones-site-check.png"), full_page=True)
    assert page.request_log.external() == []


OVERLAPS_JS = """() => {
  const shown = [...document.querySelectorAll('.um-label')]
    .filter(e => getComputedStyle(e).visibility !== 'hidden' && e.getBoundingClientRect().width > 0);
  const r = shown.map(e => [e.textContent, e.getBoundingClientRect()]);
  const bad = [];
  for (let i = 0; i < r.length; i++) for (let j = i + 1; j < r.length; j++) {
    const a = r[i][1], b = r[j][1];
    if (a.left < b.right && a.right > b.left && a.top < b.bottom && a.bottom > b.top) bad.push([r[i][0], r[j][0]]);
  }
  return {shown: r.map(x => x[0]), bad: bad};
}"""


def test_map_labels_never_overlap_and_the_three_centres_keep_theirs(app_server, page, artifacts):
    page.goto(app_server + "/liupanshui")
    map_ready(page)
    page.wait_for_timeout(1500)  # fonts and late layers settle
    result = in_map(page, OVERLAPS_JS)
    assert result["bad"] == []
    assert {"市中心城区", "六枝特区中心城区", "盘州市中心城区"} <= set(result["shown"])
    assert len(result["shown"]) >= 10  # decluttering hides some labels, not all
    page.screenshot(path=str(artifacts / "liupanshui-labels.png"), full_page=True)
