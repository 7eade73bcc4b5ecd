"""Browser timings: the real app (``urbanmap serve``) in headless Chromium through Playwright.

An init script (every frame, before any page script) records in-page times
with ``performance.timeOrigin + performance.now()`` (epoch milliseconds,
comparable across the app frame and the map iframe):

- in the map iframe it wraps ``window.umLayer`` (static/urbanmap/um-map.js) to
  count the layers the map asks for and listens to their ``um:layerloaded``
  events: ``tAllLoaded`` is the first animation frame after the last layer of
  the initial view has been added — "map visible"; ``tFirstPath`` is the first
  ``path.leaflet-interactive`` in the DOM;
- in the app frame a MutationObserver notes when each ``h1``/``h3`` text first
  appears (page title, panel subheader), timed after the next paint (a
  ``setTimeout`` queued from ``requestAnimationFrame``); "all layers drawn" is
  timed the same way.

Figures (wall clock with ``time.perf_counter`` around the Playwright actions;
the in-page figure next to it where there is one):

- *map visible, cold*: server started, first navigation to ``/`` in a fresh
  browser context, until every default layer is drawn; one server start per
  sample;
- *map visible, warm server*: the same in a new browser context (empty HTTP
  cache) against the running server;
- *click to panel*: on ``/?layers=admin_context,admin_county,…`` a click on a
  Liupanshui county is fired through Leaflet inside the map frame
  (``layer.fire('click', {latlng}, true)``, propagated to the GeoJSON group
  streamlit-folium listens on) until the side panel's subheader shows the
  county's name; counties alternate so every click changes the panel;
- *page switch*: a click on a sidebar navigation link until the new page's
  title is shown and its map has drawn every layer.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from common import REPO, median

sys.path.insert(0, str(REPO / "tests"))

INIT_JS = r"""
(() => {
  // An iframe's initial about:blank window is reused by its first same-origin navigation, and the
  // init script is not run again for the new document: state is therefore made per document, on
  // demand (also from the umLayer hook, which runs in the new document), the hook once per window.
  const now = () => performance.timeOrigin + performance.now();
  // a timeout queued from an animation frame runs after that frame has been painted
  const painted = (fn) => requestAnimationFrame(() => setTimeout(fn, 0));
  const state = () => {
    if (window.__um && window.__um.doc === document) return window.__um;
    const um = window.__um = {doc: document, t0: now(), calls: 0, nLoaded: 0, loaded: {}, tFirstPath: null,
                              tAllLoaded: null, heads: {}, now: now};
    const seen = () => {
      if (!um.tFirstPath && document.querySelector("path.leaflet-interactive")) um.tFirstPath = now();
      document.querySelectorAll("h1, h3").forEach((h) => {
        const t = (h.textContent || "").trim();
        if (!t || t in um.heads) return;
        um.heads[t] = 0;  // in the DOM; the time is taken after the next paint
        painted(() => { if (um.heads[t] === 0) um.heads[t] = now(); });
      });
    };
    const observe = () => new MutationObserver(seen).observe(document.documentElement || document,
                                                             {childList: true, subtree: true, characterData: true});
    try { observe(); } catch (e) { um.observeError = String(e); document.addEventListener("DOMContentLoaded", observe); }
    return um;
  };
  state();
  if (window.WebSocket && !WebSocket.prototype.__umSend) {  // when the app sends a message (e.g. a click's value)
    const send = WebSocket.prototype.send;
    WebSocket.prototype.__umSend = true;
    WebSocket.prototype.send = function (d) { (state().sends = state().sends || []).push(now()); return send.call(this, d); };
  }
  if (window.__umHooked) return;
  window.__umHooked = true;
  let impl = null;
  try {
    Object.defineProperty(window, "umLayer", {
      configurable: true,
      set(fn) { impl = fn; },
      get() {
        if (!impl) return undefined;
        return function (map, o) {
          const s = state();
          s.calls++;
          if (!map.__umBench) {
            map.__umBench = true;
            map.on("um:layerloaded", (e) => {
              if (s.loaded[e.id]) return;
              s.loaded[e.id] = now(); s.nLoaded++;
              if (s.nLoaded >= s.calls && !s.tAllLoaded) painted(() => { s.tAllLoaded = now(); });
            });
          }
          return impl(map, o);
        };
      },
    });
  } catch (e) { window.__um.hookError = String(e); }
})();
"""

MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'

CLICK_JS = """(fid) => {
  const maps = Object.values(window).filter(v => v instanceof L.Map);
  for (const m of maps) {
    let hit = null;
    m.eachLayer(l => { if (!hit && l.feature && l.feature.properties && String(l.feature.properties.id) === fid) hit = l; });
    if (hit) {
      window.__um.tClick = window.__um.now();
      hit.fire('click', {latlng: hit.getBounds ? hit.getBounds().getCenter() : hit.getLatLng()}, true);
      return window.__um.tClick;
    }
  }
  return null;
}"""

#: counties of Liupanshui (clicked in turn) and the pages switched between
COUNTIES = ["520201", "520203", "520204", "520281"]
SWITCH_PAGES = ["overview", "clusters", "control-zones", "liupanshui"]


def _map_frames(page):
    return [f for f in page.frames if "streamlit_folium" in (f.url or "")]


def _frame_state(f) -> dict | None:
    try:
        return f.evaluate("() => window.__um ? {t0: __um.t0, calls: __um.calls, n: __um.nLoaded, "
                          "all: __um.tAllLoaded, first: __um.tFirstPath} : null")
    except Exception:  # noqa: BLE001 - detached frames during a rerun
        return None


def wait_map(page, since_ms: float = 0.0, timeout: float = 45.0) -> dict:
    """Wait until a map frame created after ``since_ms`` has drawn all its layers."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        for f in _map_frames(page):
            st = _frame_state(f)
            if st and st["t0"] >= since_ms and st["all"]:
                st["wall"] = time.perf_counter()
                st["frame"] = f
                return st
        page.wait_for_timeout(20)  # not time.sleep: Playwright must get to process frame events
    raise TimeoutError(f"no map drew all its layers within {timeout:.0f} s")


def _nav_start(page) -> float:
    return page.evaluate("() => performance.timeOrigin")


def _heading_time(page, text: str) -> float | None:
    """When ``text`` was first painted as a heading (epoch ms), waiting briefly for the paint."""
    for _ in range(50):
        t = page.evaluate("(t) => window.__um && window.__um.heads[t] || null", text)
        if t:
            return t
        page.wait_for_timeout(10)
    return None


def _new_context(browser):
    ctx = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN")
    ctx.add_init_script(INIT_JS)
    return ctx


class Traffic:
    """Bytes the browser received: WebSocket frames (Streamlit deltas) and HTTP bodies by URL."""

    def __init__(self, page):
        self.ws = 0
        self.responses = []
        page.on("websocket", lambda ws: ws.on("framereceived", self._frame))
        page.on("response", lambda r: self.responses.append(r))

    def _frame(self, payload):
        self.ws += len(payload) if isinstance(payload, (bytes, bytearray)) else len(payload.encode("utf-8"))

    def geojson(self) -> dict:
        total_body, total_wire, enc = 0, 0, set()
        for r in self.responses:
            if "/app/static/cache/" not in r.url:
                continue
            try:
                sizes = r.request.sizes()
                total_wire += sizes.get("responseBodySize", 0)
                enc.add(r.headers.get("content-encoding", "identity"))
                total_body += len(r.body())
            except Exception:  # noqa: BLE001
                continue
        return {"bytes": total_body, "wire_bytes": total_wire, "content_encoding": sorted(enc)}


def run(quick: bool, data_dir: Path, errors: list) -> dict:
    from conftest import CHROMIUM, CHROMIUM_ARGS, start_app, stop_app
    from playwright.sync_api import sync_playwright

    from urbanmap import features

    reps_cold = 1 if quick else 3
    reps = 2 if quick else 5
    res: dict = {"cold": [], "warm": [], "click": [], "switch": [], "traffic": None}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            # ---- cold: one server start per sample, the first page load after it
            for i in range(reps_cold):
                proc, url = start_app(data_dir)
                try:
                    ctx = _new_context(browser)
                    page = ctx.new_page()
                    traffic = Traffic(page) if i == 0 else None
                    t0 = time.perf_counter()
                    page.goto(url + "/")
                    st = wait_map(page)
                    nav = _nav_start(page)
                    res["cold"].append({"wall_s": st["wall"] - t0, "inpage_s": (st["all"] - nav) / 1000,
                                        "first_path_s": (st["first"] - nav) / 1000 if st["first"] else None,
                                        "layers": st["calls"]})
                    if traffic is not None:
                        page.wait_for_timeout(500)  # let the last frames land
                        res["traffic"] = {"websocket_bytes": traffic.ws, **traffic.geojson()}
                    ctx.close()
                except Exception as exc:  # noqa: BLE001
                    errors.append(f"browser cold #{i}: {type(exc).__name__}: {exc}"[:400])
                finally:
                    if i < reps_cold - 1:
                        stop_app(proc)
            # the last server stays up for the warm figures
            try:
                # ---- warm server, new context (empty HTTP cache) each time
                for i in range(reps):
                    ctx = _new_context(browser)
                    page = ctx.new_page()
                    t0 = time.perf_counter()
                    page.goto(url + "/")
                    st = wait_map(page)
                    nav = _nav_start(page)
                    res["warm"].append({"wall_s": st["wall"] - t0, "inpage_s": (st["all"] - nav) / 1000})
                    ctx.close()

                # ---- click on a county -> panel shows its name
                ctx = _new_context(browser)
                page = ctx.new_page()
                page.goto(url + "/?layers=admin_context,admin_county,admin_prefecture,admin_province")
                st = wait_map(page)
                frame = st["frame"]
                for i in range(reps + 1):  # the first click is a warm-up of its own kind: recorded separately
                    fid = COUNTIES[i % len(COUNTIES)]
                    name = str(features.lookup(fid)["attrs"]["name"])
                    page.evaluate("() => { window.__um.heads = {}; window.__um.sends = []; }")
                    t0 = time.perf_counter()
                    t_click = frame.evaluate(CLICK_JS, fid)
                    if t_click is None:
                        raise RuntimeError(f"feature {fid} not on the map")
                    page.locator('[data-testid="stHeading"] h3').filter(has_text=name).first.wait_for(timeout=30000)
                    wall = time.perf_counter() - t0
                    t_seen = page.evaluate("() => window.__um.now()")
                    t_head = _heading_time(page, name)
                    sends = [x for x in page.evaluate("() => window.__um.sends || []") if x >= t_click]
                    res["click"].append({"fid": fid, "wall_s": wall, "first": i == 0,
                                         "inpage_s": (t_head - t_click) / 1000 if t_head else None,
                                         "detect_lag_s": (t_seen - t_head) / 1000 if t_head else None,
                                         # click event -> the component's value leaves the browser (debounce)
                                         "to_send_s": (sends[0] - t_click) / 1000 if sends else None})
                    page.wait_for_timeout(1500)  # let the previous panel (charts) settle: one click at a time
                ctx.close()

                # ---- page switch through the sidebar navigation
                ctx = _new_context(browser)
                page = ctx.new_page()
                page.goto(url + "/")
                wait_map(page)
                from urllib.parse import urlparse

                links = {}
                for a in page.locator('[data-testid="stSidebarNav"] a').all():
                    links[urlparse(a.get_attribute("href") or "").path.strip("/") or "overview"] = a
                cycle = [p for p in SWITCH_PAGES if p in links] or list(links)[:2]
                current = "overview"
                rounds = 1 if quick else 2
                for _ in range(rounds):
                    for target in cycle[1:] + cycle[:1]:
                        if target == current:
                            continue
                        t_click = page.evaluate("() => window.__um.now()")
                        t0 = time.perf_counter()
                        links[target].click()
                        st = wait_map(page, since_ms=t_click)
                        res["switch"].append({"from": current, "to": target, "wall_s": st["wall"] - t0,
                                              "inpage_s": (st["all"] - t_click) / 1000, "url": page.url})
                        current = target
                ctx.close()
            except Exception as exc:  # noqa: BLE001
                errors.append(f"browser: {type(exc).__name__}: {exc}"[:400])
            finally:
                stop_app(proc)
        finally:
            browser.close()
    return res


def summarise(res: dict) -> dict:
    clicks = [c for c in res["click"] if not c["first"]] or res["click"]
    return {
        "cold_wall_s": median(c["wall_s"] for c in res["cold"]),
        "cold_inpage_s": median(c["inpage_s"] for c in res["cold"]),
        "warm_wall_s": median(c["wall_s"] for c in res["warm"]),
        "warm_inpage_s": median(c["inpage_s"] for c in res["warm"]),
        "click_wall_s": median(c["wall_s"] for c in clicks),
        "click_inpage_s": median(c["inpage_s"] for c in clicks),
        "first_click_wall_s": res["click"][0]["wall_s"] if res["click"] else None,
        "click_detect_lag_s": median(c.get("detect_lag_s") for c in clicks),
        "click_to_send_s": median(c.get("to_send_s") for c in clicks),
        "switch_wall_s": median(s["wall_s"] for s in res["switch"]),
        "switch_inpage_s": median(s["inpage_s"] for s in res["switch"]),
    }


if __name__ == "__main__":  # ad-hoc: python bench/browser.py
    import json

    import os

    errs: list = []
    d = Path(tempfile.mkdtemp(prefix="urbanmap-bench-browser-"))
    os.environ["URBANMAP_DATA_DIR"] = str(d)  # never the checkout's var/
    r = run(quick=True, data_dir=d, errors=errs)
    print(json.dumps({"raw": r, "summary": summarise(r), "errors": errs}, default=str, indent=1))
