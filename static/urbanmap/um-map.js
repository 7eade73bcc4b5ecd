/* urbanmap map helpers (served by the app; inlined in offline exports).
 *
 * umLayer(map, opts): a GeoJSON layer whose data comes from `opts.sources`
 *   [{url|data, minZoom, maxZoom}] — coarse geometry at overview zooms, detailed
 *   geometry when zoomed in — fetched once and cached by the browser.  The
 *   L.geoJson group is created synchronously and added to the map, so clicks on
 *   features added later propagate to it (streamlit-folium listens there).
 *   Tooltips are `feature.properties._tip`, HTML built on the server from
 *   escaped values; nothing else from the data is ever inserted as HTML.
 * umLabels(map, opts): text labels [{lat, lng, text, minZoom, cls}] shown from
 *   their minimum zoom on; text is set with textContent (never HTML).
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
    var sources = o.sources || [];
    var current = -1;
    function pick() {
      var z = map.getZoom();
      for (var i = 0; i < sources.length; i++) {
        var s = sources[i];
        if (z >= (s.minZoom || 0) && z <= (s.maxZoom === undefined ? 30 : s.maxZoom)) return i;
      }
      return sources.length - 1;
    }
    function load() {
      var i = pick();
      if (i === current || i < 0) return;
      current = i;
      getData(sources[i]).then(function (d) {
        if (current !== i) return;
        group.clearLayers();
        group.addData(d);
        if (o.back) group.bringToBack();
        map.fire("um:layerloaded", { id: o.id });
      }).catch(function (e) { console.error("urbanmap layer " + o.id + ": " + e); });
    }
    load();
    if (sources.length > 1) map.on("zoomend", load);
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
      return m;
    });
    function update() {
      var z = map.getZoom();
      markers.forEach(function (m) {
        var on = z >= m._umMin;
        if (on && !layer.hasLayer(m)) layer.addLayer(m);
        if (!on && layer.hasLayer(m)) layer.removeLayer(m);
      });
    }
    update();
    map.on("zoomend", update);
    return layer;
  };
})();
