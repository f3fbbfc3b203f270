/* The map of the base data (Leaflet, vendored): the scope's grid outlines, drawn lightly, and two point layers —
 * city components coloured by status, organisations — loaded from the GeoJSON endpoint for the box in view, again
 * after every move. A layer switcher turns each layer on and off; a tap on a point opens its card with a link to
 * its record. Works with no tile server (the outlines on a plain background).
 *
 * Reads the page's json_script "registry-map-config": {features_url, outlines (GeoJSON), outline_label, statuses:
 * [{value, label, colour}], limit, labels: {name: translated text}}.
 */
(function () {
  "use strict";
  var el = document.getElementById("registry-map");
  var configEl = document.getElementById("registry-map-config");
  if (!el || !configEl || typeof L === "undefined") { return; }
  var config = JSON.parse(configEl.textContent);
  var labels = config.labels || {};
  var label = function (name) { return labels[name] || ""; };
  var statusLine = document.getElementById("registry-map-status");
  var map = L.map(el, { zoomSnap: 0.25, attributionControl: false, tapTolerance: 20, preferCanvas: false });
  var tileUrl = el.dataset.tileUrl;
  if (tileUrl) {
    L.control.attribution({ prefix: false }).addTo(map);
    L.tileLayer(tileUrl, { maxZoom: 19, attribution: el.dataset.tileAttribution || "" }).addTo(map);
    el.classList.add("has-tiles");
  }

  var colours = {};
  var statusLabels = {};
  (config.statuses || []).forEach(function (s) { colours[s.value] = s.colour; statusLabels[s.value] = s.label; });
  var ORG_COLOUR = "#5f3dc4";
  var canHover = !window.matchMedia || window.matchMedia("(hover: hover)").matches;

  // the scope's outlines: light, under the points, names on hover
  var outlines = L.geoJSON(config.outlines, {
    style: function (feature) {
      return { color: "#0b5cad", weight: 1, opacity: 0.55, fillColor: "#4c8fd6", fillOpacity: 0.05,
               dashArray: feature.properties.special ? "4 4" : null };
    },
    onEachFeature: function (feature, layer) {
      // names on hover only: on a phone a tap on an outline would leave its name over the points
      if (canHover) { layer.bindTooltip(feature.properties.name, { sticky: true, className: "region-hover" }); }
    }
  }).addTo(map);
  var components = L.featureGroup().addTo(map);
  var organisations = L.featureGroup().addTo(map);

  function row(box, name, value, cls) {
    var dt = document.createElement("dt");
    dt.textContent = name;
    var dd = document.createElement("dd");
    dd.textContent = value === null || value === undefined || value === "" ? "—" : value;
    if (cls) { dd.className = cls; }
    box.appendChild(dt);
    box.appendChild(dd);
  }

  function card(title, rows, url) {
    var box = document.createElement("div");
    box.className = "registry-popup";
    var h = document.createElement("strong");
    h.textContent = title;
    box.appendChild(h);
    var dl = document.createElement("dl");
    rows.forEach(function (r) { row(dl, r[0], r[1], r[2]); });
    box.appendChild(dl);
    var a = document.createElement("a");
    a.href = url;
    a.textContent = label("open") + " ›";
    box.appendChild(a);
    return box;
  }

  function urlFor(template, id) { return (template || "").replace("{id}", String(id)); }

  // Markers are kept by key (layer, id, status) between loads: only what left the box goes, only what came in is
  // added, so a pan (a popup's own, too) neither flickers nor closes the open popup.
  var shown = {};
  function keyOf(p) { return p.layer + ":" + p.id + ":" + (p.status || ""); }

  function makeMarker(f, urls) {
    var p = f.properties;
    var lonlat = f.geometry.coordinates;
    var marker;
    if (p.layer === "components") {
      marker = L.circleMarker([lonlat[1], lonlat[0]], {
        radius: 6, color: "#fff", weight: 1.5, fillColor: colours[p.status] || "#495057", fillOpacity: 0.95,
        className: "cg-point cg-component cg-status-" + p.status });
      marker.bindPopup(function () {
        return card(p.name, [[label("code"), p.code, "code"], [label("class"), p.class_code, "code"],
                             [label("status"), p.status_label]], urlFor(urls.components, p.id));
      });
      marker.cgLayer = components;
    } else {
      marker = L.circleMarker([lonlat[1], lonlat[0]], {
        radius: 7, color: "#fff", weight: 2, fillColor: ORG_COLOUR, fillOpacity: 0.9,
        className: "cg-point cg-organisation" });
      marker.bindPopup(function () {
        return card(p.name, [[label("credit_code"), p.credit_code, "code"]], urlFor(urls.organisations, p.id));
      });
      marker.cgLayer = organisations;
    }
    return marker;
  }

  function draw(data) {
    var urls = data.urls || {};
    var wanted = {};
    data.features.forEach(function (f) { wanted[keyOf(f.properties)] = f; });
    Object.keys(shown).forEach(function (key) {
      var marker = shown[key];
      var layerOff = !map.hasLayer(marker.cgLayer);
      if (!wanted[key] && (layerOff || !marker.isPopupOpen())) {
        marker.cgLayer.removeLayer(marker);
        delete shown[key];
      }
    });
    Object.keys(wanted).forEach(function (key) {
      if (!shown[key]) {
        shown[key] = makeMarker(wanted[key], urls);
        shown[key].addTo(shown[key].cgLayer);
      }
    });
    var counts = data.counts || {};
    var text = label("counts").replace("%(components)s", counts.components === undefined ? "—" : counts.components)
      .replace("%(organisations)s", counts.organisations === undefined ? "—" : counts.organisations);
    var capped = data.capped && (data.capped.components || data.capped.organisations);
    statusLine.textContent = text;
    statusLine.classList.toggle("capped", !!capped);
    if (capped) {
      var note = document.createElement("strong");
      note.className = "capped-note";
      note.textContent = " " + label("capped").replace("%(limit)s", Number(data.limit).toLocaleString());
      statusLine.appendChild(note);
    }
  }

  // load the points of the box in view (a little more, so that a small pan needs no new request)
  // A load that a newer one overtook is dropped when it answers (not aborted: the newest answer always wins).
  var latest = 0;
  var timer = null;
  var loads = 0;
  function wantedLayers() {
    var names = [];
    if (map.hasLayer(components)) { names.push("components"); }
    if (map.hasLayer(organisations)) { names.push("organisations"); }
    return names;
  }
  function load() {
    var names = wantedLayers();
    var mine = ++latest;
    if (!names.length) {
      components.clearLayers();
      organisations.clearLayers();
      shown = {};
      statusLine.textContent = "";
      return;
    }
    var b = map.getBounds().pad(0.15);
    var query = "bbox=" + [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) {
      return v.toFixed(6); }).join(",") + "&layers=" + names.join(",");
    statusLine.textContent = label("loading");
    el.setAttribute("aria-busy", "true");
    fetch(config.features_url + "?" + query, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (data) {
        if (mine !== latest) { return; }
        draw(data);
        loads += 1;
        el.setAttribute("data-loads", String(loads));
        el.removeAttribute("aria-busy");
      })
      .catch(function () {
        if (mine !== latest) { return; }
        statusLine.textContent = label("failed");
        el.removeAttribute("aria-busy");
      });
  }
  function later() {
    if (timer) { window.clearTimeout(timer); }
    timer = window.setTimeout(load, 250);
  }

  // the layer switcher and the legend of the colours
  var overlays = {};
  overlays[label("components")] = components;
  overlays[label("organisations")] = organisations;
  overlays[config.outline_label || ""] = outlines;
  L.control.layers(null, overlays, { collapsed: window.matchMedia && window.matchMedia("(max-width: 759px)").matches,
                                     position: "topright" }).addTo(map);
  map.on("overlayadd overlayremove", function (event) {
    if (event.layer === components || event.layer === organisations) { later(); }
  });
  var Legend = L.Control.extend({
    options: { position: "bottomleft" },
    onAdd: function () {
      var box = L.DomUtil.create("div", "registry-legend leaflet-bar");
      L.DomEvent.disableClickPropagation(box);
      (config.statuses || []).forEach(function (s) {
        var item = L.DomUtil.create("span", "", box);
        var dot = L.DomUtil.create("i", "dot", item);
        dot.setAttribute("aria-hidden", "true");
        dot.style.backgroundColor = s.colour;
        item.appendChild(document.createTextNode(s.label));
      });
      var org = L.DomUtil.create("span", "", box);
      var orgDot = L.DomUtil.create("i", "dot", org);
      orgDot.setAttribute("aria-hidden", "true");
      orgDot.style.backgroundColor = ORG_COLOUR;
      org.appendChild(document.createTextNode(label("organisations")));
      return box;
    }
  });
  new Legend().addTo(map);

  function fitAll() {
    if (outlines.getLayers().length) {
      map.fitBounds(outlines.getBounds(), { padding: [12, 12] });
    } else {
      map.setView([31.3, 120.7], 12);
    }
  }
  var Reset = L.Control.extend({
    options: { position: "topleft" },
    onAdd: function () {
      var bar = L.DomUtil.create("div", "leaflet-bar");
      var a = L.DomUtil.create("a", "map-reset", bar);
      a.href = "#";
      a.setAttribute("role", "button");
      a.title = label("reset");
      a.setAttribute("aria-label", a.title);
      a.textContent = "⤢";
      L.DomEvent.on(a, "click", function (event) { L.DomEvent.preventDefault(event); L.DomEvent.stopPropagation(event); fitAll(); });
      return bar;
    }
  });
  new Reset().addTo(map);

  fitAll();
  map.on("moveend", later);
  load();
  if (window.ResizeObserver) {
    new ResizeObserver(function () { map.invalidateSize(); }).observe(el);
  }
  window.civicgridMap = { map: map, components: components, organisations: organisations, outlines: outlines,
                          reload: load };
})();
