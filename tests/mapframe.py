"""Helpers for browser tests: reach into the streamlit-folium map frame with Leaflet's API."""

import time

MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
# Inside the map frame: find the Leaflet layer of a feature id and fire a click on it, the way a
# user's click reaches streamlit-folium (propagated to the parent GeoJSON group).
CLICK_JS = """(fid) => {
  const maps = Object.values(window).filter(v => v instanceof L.Map);
  for (const m of maps) {
    let hit = null;
    m.eachLayer(l => { if (!hit && l.feature && l.feature.properties && String(l.feature.properties.id) === fid) hit = l; });
    if (hit) { hit.fire('click', {latlng: hit.getBounds ? hit.getBounds().getCenter() : hit.getLatLng()}, true); return true; }
  }
  return false;
}"""
HAS_FEATURE_JS = """(fid) => Object.values(window).filter(v => v instanceof L.Map).some(m => {
  let found = false; m.eachLayer(l => { if (l.feature && String(l.feature.properties.id) === fid) found = true; }); return found; })"""


def _frames(page):
    for handle in page.locator(MAP_FRAME).element_handles():
        frame = handle.content_frame()
        if frame is not None:
            yield frame


def in_map(page, js, arg=None, timeout=30):
    """Evaluate ``js`` in the map frame until it returns something truthy.

    The frame is looked up afresh each time: streamlit-folium replaces it when the
    layer set changes, and a detached frame is simply retried.
    """
    deadline = time.time() + timeout
    while time.time() < deadline:
        for frame in _frames(page):
            try:
                if frame.evaluate("typeof L !== 'undefined'") and (result := frame.evaluate(js, arg)):
                    return result
            except Exception:  # detached or still loading: try again
                pass
        time.sleep(0.25)
    raise AssertionError(f"map frame never satisfied: {js[:60]}… ({arg})")


def map_ready(page):
    page.locator(MAP_FRAME).first.wait_for(state="attached", timeout=60000)
    in_map(page, "() => document.querySelectorAll('path.leaflet-interactive').length > 0")
