"""Presenter mode in headless Chromium: clicker keys in the app, and the exported file opened from disk offline."""

from __future__ import annotations


import pytest

from urbanmap import tour_export, tours
from tourdata import raw_tour, target_rows

pytestmark = pytest.mark.browser

TOUR = "liupanshui-layout"


def _wait_title(page, title: str, selector: str) -> None:
    page.locator(selector, has_text=title).first.wait_for(state="visible", timeout=30000)


def test_arrow_keys_step_through_a_tour_in_the_app(app_server, page, artifacts):
    raw, known = raw_tour(TOUR), target_rows()
    page.goto(f"{app_server}/presenter?tour={TOUR}&step=1")
    _wait_title(page, raw["stops"][0]["title"]["zh"], ".um-pres-title")
    frame = page.frame_locator('iframe[title="streamlit_folium.st_folium"]')
    frame.locator("path.leaflet-interactive").first.wait_for(state="attached", timeout=30000)
    assert page.locator('[data-testid="stSidebar"]').is_hidden()  # projector view: no sidebar clutter

    page.keyboard.press("ArrowRight")
    _wait_title(page, raw["stops"][1]["title"]["zh"], ".um-pres-title")
    page.keyboard.press("ArrowRight")
    stop3 = raw["stops"][2]
    _wait_title(page, stop3["title"]["zh"], ".um-pres-title")
    assert "step=3" in page.url
    assert page.locator(".um-pres-progress").inner_text().replace(" ", "") == f"3/{len(raw['stops'])}"
    for fid in stop3["figures"]:
        card = page.locator(f'.um-card[data-target="{fid}"]')
        card.wait_for(state="visible")
        assert known[fid]["target_value"] in card.inner_text()
    page.wait_for_timeout(1500)
    page.screenshot(path=str(artifacts / "presenter-browser-stop3.png"))

    page.keyboard.press("PageUp")  # what a clicker sends for "back"
    _wait_title(page, raw["stops"][1]["title"]["zh"], ".um-pres-title")
    page.keyboard.press("End")
    _wait_title(page, raw["stops"][-1]["title"]["zh"], ".um-pres-title")
    assert page.request_log.external() == []


def test_keys_typed_into_a_field_are_not_hijacked_but_toggles_keep_working(app_server, page):
    raw = raw_tour(TOUR)
    page.goto(f"{app_server}/presenter?tour={TOUR}&step=2")
    _wait_title(page, raw["stops"][1]["title"]["zh"], ".um-pres-title")
    page.locator(".st-key-pres_next button").wait_for(state="visible")
    page.wait_for_timeout(1500)  # the keyboard script is attached
    # a text field (as the staff editor has) keeps its arrow keys
    page.evaluate("""() => { const i = document.createElement('input'); i.id = 'probe'; i.value = 'abc';
                              document.body.appendChild(i); }""")
    page.locator("#probe").focus()
    for key in ("ArrowRight", "ArrowLeft", "Home", "End", "PageDown"):
        page.keyboard.press(key)
    page.wait_for_timeout(1500)
    assert "step=2" in page.url and raw["stops"][1]["title"]["zh"] in page.locator(".um-pres-title").inner_text()
    # after clicking the audience toggle (focus on its checkbox) the clicker still turns pages
    page.get_by_text("观众视图（隐藏讲稿）").click()
    page.wait_for_timeout(1000)
    page.keyboard.press("PageDown")
    _wait_title(page, raw["stops"][2]["title"]["zh"], ".um-pres-title")
    assert page.locator('[data-testid="stExpander"]', has_text="讲稿").count() == 0  # audience view: no notes


def test_exported_file_works_from_disk_with_networking_off(browser, tmp_path, artifacts):
    tour = tours.get_tour(TOUR)
    raw, known = raw_tour(TOUR), target_rows()
    path = tour_export.export(TOUR, tmp_path / f"{TOUR}.html")
    ctx = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN")
    blocked, errors = [], []

    def route(r):
        if r.request.url.startswith("file:"):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    ctx.route("**/*", route)
    page = ctx.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri())
    n = len(raw["stops"])
    for i, stop in enumerate(raw["stops"], start=1):
        if i > 1:
            page.keyboard.press("ArrowRight" if i % 2 else "PageDown")
        page.wait_for_function(f"document.body.getAttribute('data-step') === '{i}'", timeout=10000)
        section = page.locator(f'section.um-stop[data-step="{i}"]')
        assert section.locator("h1").inner_text() == stop["title"]["zh"]
        assert page.locator("#um-progress").inner_text() == f"{i} / {n}"
        for fid in stop["figures"]:
            assert known[fid]["target_value"] in section.locator(f'.um-card[data-target="{fid}"]').inner_text()
        assert page.locator("#map path.leaflet-interactive").count() > 0  # the map drew this stop's layers
        if stop.get("chart"):
            section.locator(".plot-container").wait_for(state="attached", timeout=10000)
        if i in (1, 3):
            page.wait_for_timeout(500)
            page.screenshot(path=str(artifacts / f"presenter-export-file-stop{i}.png"))
    page.keyboard.press("Home")
    page.wait_for_function("document.body.getAttribute('data-step') === '1'")
    page.keyboard.press("End")
    page.wait_for_function(f"document.body.getAttribute('data-step') === '{n}'")
    assert page.url.endswith(f"#{n}")
    assert "示意" in page.locator(f'section.um-stop[data-step="{n}"] .um-schematic').inner_text()
    notes = page.locator(f'section.um-stop[data-step="{n}"] details.um-notes')
    assert notes.get_attribute("open") is None  # collapsed for the audience
    page.keyboard.press("n")
    assert notes.get_attribute("open") is not None
    assert blocked == [] and errors == []
    assert tour.id in path.read_text("utf-8")
    ctx.close()


def test_png_per_stop_through_headless_chromium(browser, tmp_path):
    from PIL import Image

    tour = tours.get_tour("jilin-changchun-border")
    html_path = tour_export.export(tour.id, tmp_path / "jl.html")
    pngs = tour_export.render_pngs(html_path, tmp_path / "png", n_stops=len(tour.stops), width=1200, height=800,
                                   browser=browser)
    assert [p.name for p in pngs] == [f"jl-{i:02d}.png" for i in range(1, len(tour.stops) + 1)]
    sizes = {Image.open(p).size[0] for p in pngs}
    assert sizes == {1200}
    assert len({p.read_bytes() for p in pngs}) == len(pngs)  # every stop looks different
