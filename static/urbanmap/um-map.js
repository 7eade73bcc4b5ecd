/* urbanmap map helpers (served by the app; inlined in offline exports).
 *
 * umLayer(map, opts): a GeoJSON layer whose data comes from `opts.sources`
 *   [{url|data, minZoom, maxZoom, bbox?}] — coarse geometry at overview zooms,
 *   detailed geometry when zoomed in, the detail cut into parts of which only
 *   those near the view are fetched — each fetched once and cached by the browser.  The
 *   L.geoJson group is created synchronously and added to the map, so clicks on
 *   features added later propagate to it (streamlit-folium listens there).
 *   Tooltips are `feature.properties._tip`, HTML built on the server from
 *   escaped values; nothing else from the data is ever inserted as HTML.
 * umLabels(map, opts): text labels [{lat, lng, text, minZoom, cls}] shown from
 *   their minimum zoom on, a label hidden while it would overlap a more
 *   important one; text is set with textContent (never HTML).
 */
(function () {
  "use strict";
  var cache = {};

  function styleFor(o, feature) {
    var s = Object.assign({}, o.style || {});
    var cats = o.categories;
    if (cats && feature && feature.properties) {
      var v = feature.properties[cats.field];
      if (v !== undefined && cats.values && cats.values[v]) Object.assign(s, cats.values[v]);
    }
    return s;
  }

  function getData(src) {
    if (src.data) return Promise.resolve(src.data);
    if (!cache[src.url]) {
      cache[src.url] = fetch(src.url).then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status + " for " + src.url);
        return r.json();
      });
    }
    return cache[src.url];
  }

  /* One pane per layer, stacked in the order the server lists them: data that
   * arrives later (fetches finish in any order) never covers a layer above it. */
  function paneFor(map, o) {
    if (o.order === undefined) return "overlayPane";
    var name = "um-layer-" + o.order;
    if (!map.getPane(name)) {
      var p = map.createPane(name);
      p.style.zIndex = String(401 + o.order);
    }
    return name;
  }

  window.umLayer = function (map, o) {
    var interactive = o.interactive !== false;
    var pane = paneFor(map, o);
    var group = L.geoJson(null, {
      interactive: interactive,
      pane: pane,
      smoothFactor: o.smoothFactor || 0.5,
      style: function (f) { return styleFor(o, f); },
      pointToLayer: function (f, latlng) {
        return L.circleMarker(latlng, Object.assign({ radius: o.radius || 6, interactive: interactive, pane: pane }, styleFor(o, f)));
      },
      onEachFeature: function (f, layer) {
        if (f.properties && f.properties._tip) {
          layer.bindTooltip(f.properties._tip, { sticky: true, direction: "top", className: "um-tip" });
        }
        if (interactive) {
          layer.on("mouseover", function () {
            var base = styleFor(o, f);
            layer.setStyle({ weight: (base.weight || 1) + 2, fillOpacity: Math.min(1, (base.fillOpacity || 0.2) + 0.15) });
          });
          layer.on("mouseout", function () { group.resetStyle(layer); });
        }
      }
    });
    group.addTo(map);
    // Levels of detail are zoom ranges; a level may come in parts, each with the
    // bbox of its features: only the parts in (or near) the view are fetched.
    var sources = o.sources || [];
    function levelOf(s) { return (s.minZoom || 0) + ":" + (s.maxZoom === undefined ? 30 : s.maxZoom); }
    function pickLevel() {
      var z = map.getZoom();
      for (var i = 0; i < sources.length; i++) {
        var s = sources[i];
        if (z >= (s.minZoom || 0) && z <= (s.maxZoom === undefined ? 30 : s.maxZoom)) return levelOf(s);
      }
      return sources.length ? levelOf(sources[sources.length - 1]) : null;
    }
    function inView(s) {
      if (!s.bbox) return true;
      var b = map.getBounds().pad(0.3);
      return !(s.bbox[0] > b.getEast() || s.bbox[2] < b.getWest() || s.bbox[1] > b.getNorth() || s.bbox[3] < b.getSouth());
    }
    var current = null, generation = 0, loaded = {}, stale = false;
    function load() {
      var level = pickLevel();
      if (level === null) return;
      if (level !== current) { current = level; generation++; loaded = {}; stale = true; }
      var gen = generation;
      sources.forEach(function (s, i) {
        if (levelOf(s) !== level || loaded[i] || !inView(s)) return;
        loaded[i] = true;
        getData(s).then(function (d) {
          if (gen !== generation) return;  // the zoom moved to another level meanwhile
          if (stale) { group.clearLayers(); stale = false; }  // the old level goes when the new one arrives
          group.addData(d);
          if (o.back) group.bringToBack();
          map.fire("um:layerloaded", { id: o.id });
        }).catch(function (e) { loaded[i] = false; console.error("urbanmap layer " + o.id + ": " + e); });
      });
    }
    load();
    map.on("zoomend moveend resize", load);
    return group;
  };

  window.umLabels = function (map, o) {
    var layer = L.layerGroup().addTo(map);
    var markers = (o.labels || []).map(function (l) {
      var el = document.createElement("div");
      el.className = "um-label " + (l.cls || "");
      el.textContent = l.text;
      var m = L.marker([l.lat, l.lng], {
        icon: L.divIcon({ html: el, className: "um-label-icon", iconSize: [0, 0] }),
        interactive: false, keyboard: false
      });
      m._umMin = l.minZoom || 0;
      m._umRank = l.rank || 0;
      return m;
    });
    // placing order: higher rank first, then later-listed (upper layer) first
    var order = markers.map(function (m, i) { return i; }).sort(function (a, b) {
      return (markers[b]._umRank - markers[a]._umRank) || (b - a);
    });
    /* Labels that would overlap a more important one are hidden (not removed):
     * a layer's label_priority (rank) first; then the server's order, bottom
     * layer first, so the last listed (thematic features, then provinces,
     * prefectures, counties) win. */
    function declutter() {
      var placed = [];
      for (var k = 0; k < order.length; k++) {
        var m = markers[order[k]];
        var icon = layer.hasLayer(m) && m.getElement();
        var el = icon && icon.firstChild;
        if (!el) continue;
        el.style.visibility = "";
        var r = el.getBoundingClientRect();
        if (!r.width) continue;
        var hit = placed.some(function (p) {
          return r.left < p.right + 2 && r.right > p.left - 2 && r.top < p.bottom + 1 && r.bottom > p.top - 1;
        });
        if (hit) el.style.visibility = "hidden"; else placed.push(r);
      }
    }
    function update() {
      var z = map.getZoom();
      markers.forEach(function (m) {
        var on = z >= m._umMin;
        if (on && !layer.hasLayer(m)) layer.addLayer(m);
        if (!on && layer.hasLayer(m)) layer.removeLayer(m);
      });
      declutter();
    }
    update();
    map.on("zoomend", update);
    map.on("resize", declutter);
    if (document.fonts && document.fonts.ready) document.fonts.ready.then(declutter);  // sizes change with the font
    return layer;
  };
})();
