"""A tour as one self-contained HTML file, for a meeting laptop without internet.

Everything is inline: Leaflet (static/vendor), the map helpers
(static/urbanmap/um-map.js), the layer data as GeoJSON (clipped to the
tour's extent), the figure cards, the notes and — only if a stop has a chart —
plotly.js once.  No tiles, no server, no request leaves the file.  The same
card markup (:func:`card_html`) is used by the Streamlit presenter page.

Keyboard: → / PageDown next, ← / PageUp previous, Home / End first /
last, N opens or closes the notes; the step is kept in the URL hash (#3).
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import shapely
from shapely.geometry import box, shape

from . import features, mapbuild, mapdata, offline_assets, tours
from .i18n import t
from .layers import get_spec
from .mapview import BACKGROUND, FONT, POINT_HIGHLIGHT

#: how far around the tour's stops layer data is kept (fraction of the extent)
CONTEXT_MARGIN = 0.25
#: decimals kept in the file (4 ≈ 11 m: below a pixel at the zooms a tour frames)
DECIMALS = 4
HIGHLIGHT = "#e4572e"

CARDS_CSS = f"""
.um-cards{{display:grid;grid-template-columns:repeat(auto-fit,minmax(230px,1fr));gap:14px;margin:10px 0 6px}}
.um-card{{background:#fff;border:1px solid #c9d1da;border-left:8px solid #1f5f99;border-radius:8px;padding:12px 16px;
  color:#111;font-family:{FONT};box-shadow:0 1px 2px rgba(0,0,0,.06)}}
.um-card.qual{{border-left-color:#b4531b}}
.um-card-label{{font-size:1.05rem;font-weight:600;line-height:1.35;color:#1b2a3a}}
.um-card-value{{font-size:2.5rem;font-weight:800;line-height:1.15;color:#0b3d6e;margin:6px 0 2px;word-break:break-word}}
.um-card-value.mid{{font-size:2rem}}.um-card-value.long{{font-size:1.6rem}}
.um-card.qual .um-card-value{{font-size:1.3rem;font-weight:700;color:#5a2a08;line-height:1.4}}
.um-card-unit{{font-size:1.2rem;font-weight:600;margin-left:6px;color:#1b2a3a}}
.um-card-words{{font-size:1rem;color:#333;margin-bottom:2px}}
.um-card-meta{{font-size:1.05rem;color:#222;font-weight:600}}
.um-card-src{{font-size:.9rem;color:#444;margin-top:4px}}
.um-schematic{{display:inline-block;background:#fff3cd;color:#5c4300;border:1px solid #d9b400;border-radius:6px;
  padding:4px 10px;font-size:1rem;font-family:{FONT}}}
"""


def card_html(fig: tours.Figure, lang: str) -> str:
    """One key-figure card: the plan's value text, unit, target year and source (quote on hover)."""
    e = html.escape
    qual = fig.kind == "qualitative"
    unit = "" if qual or fig.unit_in_value or not fig.unit else f'<span class="um-card-unit">{e(fig.unit)}</span>'
    meta = [t("pres.target_year", lang, year=fig.year) if fig.year else t("pres.no_year", lang)]
    if qual:
        meta.append(t("pres.qualitative", lang))
    elif fig.unit:
        meta.append(t("pres.unit", lang, unit=fig.unit))
    words = ""
    if lang == "en" and not qual and fig.in_words and fig.in_words != fig.value:
        words = f'<div class="um-card-words">{e(fig.in_words)}</div>'
    hover = f"{fig.seed} · {fig.section} · “{fig.quote}”"
    return (
        f'<div class="um-card{" qual" if qual else ""}" data-target="{e(fig.target_id)}" title="{e(hover)}">'
        f'<div class="um-card-label">{e(fig.heading)}</div>'
        f'<div class="um-card-value{_size_class(fig.value + (fig.unit if unit else ""))}">{e(fig.value)}{unit}</div>{words}'
        f'<div class="um-card-meta">{e(" · ".join(meta))}</div>'
        f'<div class="um-card-src">{e(t("pres.source", lang, source=fig.source_label))} · {e(fig.target_id)}</div>'
        "</div>"
    )


def _size_class(text: str) -> str:
    """Long values get a smaller (still large) size so "374.26平方公里" stays on one line."""
    n = len(text)
    return "" if n <= 6 else " mid" if n <= 9 else " long"


def cards_html(stop: tours.Stop, lang: str) -> str:
    return '<div class="um-cards">' + "".join(card_html(f, lang) for f in tours.figures(stop.figures, lang)) + "</div>"


def schematic_html(stop: tours.Stop, lang: str) -> str:
    label = tours.schematic_label(stop, lang)
    return f'<div class="um-schematic">{html.escape(label)}</div>' if label else ""


# --------------------------------------------------------------------------- notes

def _inline(text: str) -> str:
    text = html.escape(text)
    text = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", text)
    return re.sub(r"(?<![*\w])\*(?!\s)(.+?)(?<!\s)\*(?![*\w])", r"<em>\1</em>", text)


def markdown_html(md: str) -> str:
    """The small markdown subset notes use (paragraphs, - lists, **bold**, *italic*), escaped."""
    out, para, items = [], [], []

    def flush():
        if para:
            out.append("<p>" + _inline(" ".join(para)) + "</p>")
            para.clear()
        if items:
            out.append("<ul>" + "".join(f"<li>{_inline(i)}</li>" for i in items) + "</ul>")
            items.clear()

    for line in (md or "").splitlines():
        s = line.strip()
        if not s:
            flush()
        elif re.match(r"^[-*]\s+", s):
            if para:
                flush()
            items.append(re.sub(r"^[-*]\s+", "", s))
        elif items and line.startswith(("  ", "\t")):
            items[-1] += " " + s
        else:
            if items:
                flush()
            para.append(s)
    flush()
    return "\n".join(out)


# --------------------------------------------------------------------------- map data

def tour_extent(tour: tours.Tour) -> tuple[float, float, float, float]:
    """(south, west, north, east) of every stop, widened by :data:`CONTEXT_MARGIN`."""
    b = [s.bounds() for s in tour.stops]
    s_, w_ = min(x[0] for x in b), min(x[1] for x in b)
    n_, e_ = max(x[2] for x in b), max(x[3] for x in b)
    dy, dx = (n_ - s_) * CONTEXT_MARGIN, (e_ - w_) * CONTEXT_MARGIN
    return (float(s_ - dy), float(w_ - dx), float(n_ + dy), float(e_ + dx))


def _round(coords):
    if isinstance(coords, (int, float)):
        return round(coords, DECIMALS)
    return [_round(c) for c in coords]


def _clip(fc: dict, extent) -> dict:
    """Features whose box meets the extent, coordinates rounded to :data:`DECIMALS`."""
    s_, w_, n_, e_ = extent
    area = box(w_, s_, e_, n_)
    keep = []
    for f in fc.get("features", []):
        g = shape(f["geometry"])
        if shapely.intersects(area, shapely.box(*g.bounds)):
            geom = dict(f["geometry"], coordinates=_round(f["geometry"]["coordinates"]))
            keep.append(dict(f, geometry=geom))
    return {"type": "FeatureCollection", "features": keep}


def _layer_key(layer_id: str, stop: tours.Stop) -> str:
    if layer_id == "admin_prefecture" and "admin_county" in stop.layers:
        return "admin_prefecture@outline"
    return layer_id


def _layer_options(key: str, lang: str, extent, data: dict) -> dict:
    """Leaflet options of one layer; its (clipped) GeoJSON goes into ``data`` once, by reference."""
    layer_id = key.split("@")[0]
    spec = get_spec(layer_id)
    opts = mapbuild.layer_options(spec, lang, inline=True)
    levels: dict[tuple[int, int], list[dict]] = {}  # the parts of a level of detail, joined again
    for src in opts["sources"]:
        levels.setdefault((src["minZoom"], src["maxZoom"]), []).extend(src["data"]["features"])
    sources = []
    for i, ((zmin, zmax), feats) in enumerate(levels.items()):
        ref = f"{layer_id}#{i}"
        if ref not in data:
            data[ref] = _clip({"type": "FeatureCollection", "features": feats}, extent)
        sources.append({"minZoom": zmin, "maxZoom": zmax, "ref": ref})
    opts["sources"] = sources
    if key.endswith("@outline"):  # as build_map: counties are the base, prefectures their outlines
        opts["style"] = dict(opts["style"], fill=False, weight=1.4, color="#5d6b7a")
        opts["interactive"] = False
    return opts


def _labels(layer_id: str, extent) -> list[dict]:
    s_, w_, n_, e_ = extent
    return [lab for lab in mapdata.layer_labels(layer_id) if s_ <= lab["lat"] <= n_ and w_ <= lab["lng"] <= e_]


def _highlight(stop: tours.Stop) -> dict | None:
    """The highlighted features' outlines (simplified: only drawn as a thick line on top)."""
    feats = []
    for fid in stop.highlight:
        f = features.lookup(fid)
        if f is None:
            continue
        g = shapely.simplify(f["geometry"], 0.002, preserve_topology=True)
        gj = json.loads(shapely.to_geojson(g))
        feats.append({"type": "Feature", "properties": {"id": fid}, "geometry": dict(gj, coordinates=_round(gj["coordinates"]))})
    return {"type": "FeatureCollection", "features": feats} if feats else None


def _json(obj) -> str:
    """JSON safe inside <script>: no '<' (so no </script> or <!--) can end or confuse the block."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")


def tour_data(tour: tours.Tour, lang: str) -> dict:
    """Everything the file's script needs: layer options (inline data), labels, per-stop view."""
    extent = tour_extent(tour)
    keys = list(dict.fromkeys(_layer_key(lid, s) for s in tour.stops for lid in s.layers))
    keys.sort(key=lambda k: mapbuild._sort_key(get_spec(k.split("@")[0])))
    layers, data = {}, {}
    for order, k in enumerate(keys):
        opts = _layer_options(k, lang, extent, data)
        opts["order"] = order
        layers[k] = opts
    labels = {lid: _labels(lid, extent) for lid in dict.fromkeys(k.split("@")[0] for k in keys)}
    stops = []
    for s in tour.stops:
        south, west, north, east = (float(v) for v in s.bounds())
        stops.append({
            "layers": [_layer_key(lid, s) for lid in s.layers],
            "bounds": [[south, west], [north, east]],
            "highlight": _highlight(s),
        })
    return {"layers": layers, "data": data, "labels": labels, "stops": stops}


def _chart_json(stop: tours.Stop, lang: str) -> str | None:
    fig = tours.stop_chart(stop, lang)
    if fig is None:
        return None
    fig.update_layout(autosize=True)
    return fig.to_json()


# --------------------------------------------------------------------------- the page

PAGE_CSS = f"""
*{{box-sizing:border-box}}
html,body{{margin:0;background:#f4f6f8;color:#111;font-family:{FONT}}}
header.um-top{{display:flex;align-items:center;gap:16px;padding:10px 24px;background:#0b2740;color:#fff}}
header.um-top .um-tour{{font-size:1.15rem;font-weight:600;flex:1}}
header.um-top .um-progress{{font-size:1.6rem;font-weight:800;letter-spacing:.05em}}
main{{padding:8px 24px 90px}}
.um-stop h1{{font-size:2.6rem;line-height:1.2;margin:10px 0 8px;color:#0b2740}}
#map{{height:calc(100vh - 430px);min-height:340px;border:1px solid #b9c2cc;border-radius:8px;background:{BACKGROUND}}}
.um-chart{{background:#fff;border:1px solid #c9d1da;border-radius:8px;margin-top:12px;min-height:300px}}
details.um-notes{{background:#fff;border:1px solid #c9d1da;border-radius:8px;margin-top:12px;padding:8px 16px;font-size:1.2rem;line-height:1.6}}
details.um-notes summary{{cursor:pointer;font-weight:700}}
nav.um-nav{{position:fixed;left:0;right:0;bottom:0;display:flex;gap:10px;align-items:center;padding:10px 24px;
  background:#fff;border-top:1px solid #c9d1da}}
nav.um-nav button{{font-size:1.2rem;font-weight:700;padding:8px 18px;border-radius:8px;border:2px solid #0b2740;
  background:#fff;color:#0b2740;cursor:pointer;font-family:{FONT}}}
nav.um-nav button.primary{{background:#0b2740;color:#fff}}
nav.um-nav button:disabled{{opacity:.35;cursor:default}}
nav.um-nav .um-hint{{flex:1;text-align:right;color:#333;font-size:.95rem}}
.leaflet-container{{background:{BACKGROUND};font-family:{FONT}}}
.um-label{{font:600 13px/1.2 {FONT};color:#1f2b36;text-shadow:0 0 3px #fff,0 0 3px #fff,0 0 2px #fff;white-space:nowrap;
  pointer-events:none;transform:translate(-50%,-50%);display:inline-block}}
.um-label.big{{font-size:18px;color:#0f1d2b}}.um-label.small{{font-size:12px;font-weight:500;color:#3b4651}}
.um-label.theme{{color:#6b260a}}.um-label.pt{{transform:translate(-50%,10px)}}.um-label-icon{{background:none;border:none}}.um-tip{{font-size:14px;line-height:1.4}}
"""

_SCRIPT = r"""
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("um-data").textContent);
  var N = D.stops.length;
  Object.keys(D.layers).forEach(function (k) {  // shared GeoJSON, stored once per layer
    D.layers[k].sources.forEach(function (s) { if (s.ref) { s.data = D.data[s.ref]; delete s.ref; } });
  });
  var map = L.map("map", {zoomControl: true, keyboard: false, scrollWheelZoom: false, attributionControl: false, minZoom: 3, maxZoom: 15, zoomSnap: 0.25});
  map.createPane("umSelection");
  map.getPane("umSelection").style.zIndex = 480;
  map.getPane("umSelection").style.pointerEvents = "none";
  L.control.scale({imperial: false}).addTo(map);
  var groups = {}, labels = {}, highlight = null, current = 0;
  function ensure(key) {
    if (!groups[key]) {
      groups[key] = umLayer(map, D.layers[key]);
      var lid = key.split("@")[0];
      if (!labels[lid] && D.labels[lid] && D.labels[lid].length) labels[lid] = umLabels(map, {labels: D.labels[lid]});
    }
  }
  function showMap(s) {
    var want = {}, wantLabels = {};
    s.layers.forEach(function (k) { want[k] = true; wantLabels[k.split("@")[0]] = true; ensure(k); });
    Object.keys(groups).forEach(function (k) {
      if (want[k] && !map.hasLayer(groups[k])) map.addLayer(groups[k]);
      if (!want[k] && map.hasLayer(groups[k])) map.removeLayer(groups[k]);
    });
    Object.keys(labels).forEach(function (k) {
      if (wantLabels[k] && !map.hasLayer(labels[k])) map.addLayer(labels[k]);
      if (!wantLabels[k] && map.hasLayer(labels[k])) map.removeLayer(labels[k]);
    });
    if (highlight) { map.removeLayer(highlight); highlight = null; }
    if (s.highlight) {
      highlight = L.geoJSON(s.highlight, {
        pane: "umSelection", interactive: false,
        style: function () { return {color: "__HL__", weight: 4, fillColor: "__HL__", fillOpacity: 0.12, opacity: 1}; },
        pointToLayer: function (f, ll) { return L.circleMarker(ll, {radius: 15, color: "__HLPOINT__", weight: 4, fill: false, pane: "umSelection"}); }
      }).addTo(map);
    }
    map.invalidateSize();
    map.fitBounds(s.bounds, {padding: [12, 12], animate: false});
  }
  var sections = document.querySelectorAll("section.um-stop");
  var charts = {};
  function go(i) {
    i = Math.max(0, Math.min(N - 1, i));
    current = i;
    sections.forEach(function (el, k) { el.hidden = k !== i; });
    document.getElementById("um-progress").textContent = (i + 1) + " / " + N;
    document.getElementById("um-prev").disabled = i === 0;
    document.getElementById("um-first").disabled = i === 0;
    document.getElementById("um-next").disabled = i === N - 1;
    document.getElementById("um-last").disabled = i === N - 1;
    var slot = document.getElementById("um-map-slot-" + i);
    slot.appendChild(document.getElementById("map"));
    showMap(D.stops[i]);
    var c = document.getElementById("um-chart-" + i);
    if (c && !charts[i] && window.Plotly) {
      var f = JSON.parse(document.getElementById("um-chart-data-" + i).textContent);
      f.layout.autosize = true;
      Plotly.newPlot(c, f.data, f.layout, {displaylogo: false, displayModeBar: false, responsive: true});
      charts[i] = true;
    }
    if (history.replaceState) history.replaceState(null, "", "#" + (i + 1));
    document.body.setAttribute("data-step", String(i + 1));
  }
  var TEXT = /^(text|search|password|email|number|url|tel)$/;
  function typing(e) {
    var t = e.target, tag = t && t.tagName ? t.tagName.toLowerCase() : "";
    if (tag === "input") return TEXT.test((t.type || "text").toLowerCase());
    return tag === "textarea" || tag === "select" || !!(t && t.isContentEditable);
  }
  document.addEventListener("keydown", function (e) {
    if (typing(e) || e.ctrlKey || e.altKey || e.metaKey) return;
    var k = e.key;
    if (k === "ArrowRight" || k === "PageDown") { go(current + 1); }
    else if (k === "ArrowLeft" || k === "PageUp") { go(current - 1); }
    else if (k === "Home") { go(0); }
    else if (k === "End") { go(N - 1); }
    else if (k === "n" || k === "N") { toggleNotes(); }
    else return;
    e.preventDefault();
  });
  document.getElementById("um-prev").onclick = function () { go(current - 1); };
  document.getElementById("um-next").onclick = function () { go(current + 1); };
  document.getElementById("um-first").onclick = function () { go(0); };
  document.getElementById("um-last").onclick = function () { go(N - 1); };
  var notesOpen = false;  // collapsed by default: the screen is usually the audience's too
  function toggleNotes() {
    notesOpen = !notesOpen;
    document.querySelectorAll("details.um-notes").forEach(function (d) { d.open = notesOpen; });
  }
  document.getElementById("um-notes-toggle").onclick = toggleNotes;
  function fromHash() {
    var k = parseInt((location.hash || "#1").slice(1), 10);
    return isNaN(k) ? 0 : k - 1;
  }
  window.addEventListener("hashchange", function () { if (fromHash() !== current) go(fromHash()); });
  go(fromHash());
})();
"""


def _stop_section(i: int, stop: tours.Stop, lang: str, chart_json: str | None) -> str:
    e = html.escape
    parts = [f'<section class="um-stop" data-step="{i + 1}" hidden>',
             f"<h1>{e(stop.title(lang))}</h1>", schematic_html(stop, lang),
             f'<div id="um-map-slot-{i}" class="um-map-slot"></div>', cards_html(stop, lang)]
    if chart_json:
        parts.append(f'<div class="um-chart" id="um-chart-{i}"></div>'
                     f'<script type="application/json" id="um-chart-data-{i}">{chart_json.replace("<", chr(92) + "u003c")}</script>')
    notes = stop.notes(lang)
    if notes:
        parts.append(f'<details class="um-notes"><summary>{e(t("pres.notes", lang))}</summary>{markdown_html(notes)}</details>')
    parts.append("</section>")
    return "\n".join(p for p in parts if p)


def build_html(tour: tours.Tour, lang: str = "zh") -> str:
    """The whole tour as one HTML document (no external references)."""
    e = html.escape
    assets = offline_assets.inline_assets(("leaflet_css", "leaflet", "urbanmap_js"))
    # the layer-control/marker sprites are never used here; drop their relative image URLs
    leaflet_css = re.sub(r"url\(images/[^)]*\)", "none", assets["leaflet_css"])
    chart_jsons = [_chart_json(s, lang) for s in tour.stops]
    plotly_js = ""
    if any(chart_jsons):
        from plotly.offline import get_plotlyjs

        plotly_js = f"<script>{get_plotlyjs()}</script>"
    n = len(tour.stops)
    body = "\n".join(_stop_section(i, s, lang, c) for i, (s, c) in enumerate(zip(tour.stops, chart_jsons)))
    script = _SCRIPT.replace("__HLPOINT__", POINT_HIGHLIGHT).replace("__HL__", HIGHLIGHT)
    return f"""<!DOCTYPE html>
<html lang="{'en' if lang == 'en' else 'zh-CN'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="urbanmap tour export">
<title>{e(tour.title(lang))}</title>
<style>{leaflet_css}</style>
<style>{PAGE_CSS}{CARDS_CSS}</style>
<script>{assets['leaflet']}</script>
<script>{assets['urbanmap_js']}</script>
{plotly_js}
</head>
<body data-tour="{e(tour.id)}">
<header class="um-top"><span class="um-tour">{e(tour.title(lang))}</span>
<span class="um-progress" id="um-progress" aria-label="{e(t('pres.progress_label', lang))}">1 / {n}</span></header>
<main>
<div id="map"></div>
{body}
</main>
<nav class="um-nav">
<button id="um-first">{e(t('pres.first', lang))}</button>
<button id="um-prev">{e(t('pres.prev', lang))}</button>
<button id="um-next" class="primary">{e(t('pres.next', lang))}</button>
<button id="um-last">{e(t('pres.last', lang))}</button>
<button id="um-notes-toggle">{e(t('pres.notes', lang))}</button>
<span class="um-hint">{e(t('pres.keys_hint', lang))} · {e(t('pres.offline_file', lang))}</span>
</nav>
<script type="application/json" id="um-data">{_json(tour_data(tour, lang))}</script>
<script>{script}</script>
</body>
</html>
"""


def export(tour_id: str, out: Path | str, lang: str = "zh", data_dir: Path | None = None) -> Path:
    """Write ``tour_id`` to ``out``; returns the path."""
    tour = tours.get_tour(tour_id, data_dir)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(build_html(tour, lang), encoding="utf-8")
    return out


def render_pngs(html_path: Path | str, out_dir: Path | str, *, n_stops: int, chromium: str = "/usr/bin/chromium",
                width: int = 1600, height: int = 1000, browser=None) -> list[Path]:
    """One PNG per stop of an exported file, through headless Chromium (needs Playwright).

    Pass a running Playwright ``browser`` to reuse it; otherwise one is started.
    Requests other than the file itself are refused (the file must work offline).
    """
    if browser is not None:
        return _shoot(browser, html_path, out_dir, n_stops, width, height)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium, headless=True,
                               args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            return _shoot(b, html_path, out_dir, n_stops, width, height)
        finally:
            b.close()


def _shoot(browser, html_path, out_dir, n_stops: int, width: int, height: int) -> list[Path]:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    url = Path(html_path).resolve().as_uri()
    ctx = browser.new_context(viewport={"width": width, "height": height})
    ctx.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort())
    page = ctx.new_page()
    paths = []
    try:
        for i in range(1, n_stops + 1):
            page.goto(f"{url}#{i}")
            page.wait_for_function(f"document.body.getAttribute('data-step') === '{i}'")
            page.wait_for_timeout(600)
            p = out_dir / f"{Path(html_path).stem}-{i:02d}.png"
            page.screenshot(path=str(p), full_page=True)
            paths.append(p)
    finally:
        ctx.close()
    return paths
