"""Attribute values that look like HTML render as text in the browser and never run.

A staff member publishes a layer whose feature name is an XSS payload; the map
tooltip and the side panel must show it literally, and the payload's script
must never execute, in the map frame or in the page.
"""

import pytest

from conftest import start_app, stop_app
from mapframe import in_map, map_ready
from urbanmap import auth
from urbanmap.store import get_store

pytestmark = pytest.mark.browser

PAYLOAD = '<img src=x onerror="window.__xss=1">翠湖'
FEATURE = "cz-green-1"

OPEN_TIP_JS = """(fid) => {
  for (const m of Object.values(window).filter(v => v instanceof L.Map)) {
    let hit = null;
    m.eachLayer(l => { if (!hit && l.feature && l.feature.properties.id === fid && l.getTooltip && l.getTooltip()) hit = l; });
    if (hit) { hit.openTooltip(hit.getBounds().getCenter()); hit.fire('click', {latlng: hit.getBounds().getCenter()}, true);
               const el = hit.getTooltip().getElement(); return el ? el.textContent : ''; }
  }
  return '';
}"""


@pytest.fixture(scope="module")
def hostile_app(tmp_path_factory):
    data = tmp_path_factory.mktemp("xss")
    staff = auth.add_user("tester", "tester-password", "staff", actor=auth.local_operator(), data_dir=data)
    store = get_store(data)
    gdf = store.read("control_zones").copy()
    gdf.loc[gdf["id"] == FEATURE, "name"] = PAYLOAD
    store.publish("control_zones", gdf, actor=staff, message="hostile name for the escaping test")
    proc, url = start_app(data)
    yield url
    stop_app(proc)


def test_html_in_a_feature_name_is_shown_as_text_and_never_runs(hostile_app, page, artifacts):
    page.goto(hostile_app + f"/control-zones?sel={FEATURE}")
    map_ready(page)
    tip = in_map(page, OPEN_TIP_JS, FEATURE)
    assert "<img" in tip  # the payload is visible as text in the tooltip
    page.locator('[data-testid="stHeading"]').filter(has_text="onerror").first.wait_for(timeout=30000)
    page.wait_for_timeout(1000)
    assert page.evaluate("window.__xss") is None
    assert in_map(page, "() => String(window.__xss)") == "undefined"
    assert in_map(page, "() => String(document.querySelectorAll('img[src=x]').length)") == "0"
    assert page.locator("img[src=x]").count() == 0
    page.screenshot(path=str(artifacts / "escaping-hostile-name.png"), full_page=True)
    assert page.request_log.external() == []
