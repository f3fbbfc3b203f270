/* The case maps (Leaflet, vendored): region outlines, case markers, and on report forms a point to choose.
 *
 * Reads the page's json_script "case-map-data": {areas: GeoJSON, points: [{lon, lat, ticket, title, status,
 * due, url}], pick: bool}. With pick, a tap on the map (or the phone's position, from cases.js) puts the marker
 * there and fills the enclosing form's lon/lat. Works with no tile server: the outlines on a plain background.
 */
(function () {
  "use strict";
  var el = document.getElementById("case-map");
  var dataEl = document.getElementById("case-map-data");
  if (!el || !dataEl || typeof L === "undefined") { return; }
  var data = JSON.parse(dataEl.textContent);
  var map = L.map(el, { zoomSnap: 0.25, attributionControl: false, tapTolerance: 20 });
  var tileUrl = el.dataset.tileUrl;
  if (tileUrl) {
    L.control.attribution({ prefix: false }).addTo(map);
    L.tileLayer(tileUrl, { maxZoom: 19, attribution: el.dataset.tileAttribution || "" }).addTo(map);
    el.classList.add("has-tiles");
  }
  var COLORS = { red: "#d93025", yellow: "#e0a100", "": "#0b5cad" };

  var areas = L.geoJSON(data.areas, {
    style: { color: "#0b5cad", weight: 1.2, opacity: 0.85, fillColor: "#4c8fd6", fillOpacity: data.pick ? 0.08 : 0.12 },
    interactive: !data.pick,
    onEachFeature: function (feature, layer) {
      if (!data.pick) {
        layer.bindTooltip(feature.properties.name, { sticky: true, className: "region-hover" });
      } else if (data.areas.features.length <= 40) {
        // on a form, the names say where is where (there may be no tile layer behind the outlines)
        layer.bindTooltip(feature.properties.name, { permanent: true, direction: "center", className: "region-label",
                                                    interactive: false });
      }
    }
  }).addTo(map);

  var markers = L.featureGroup().addTo(map);
  var RANK = { "": 0, yellow: 1, red: 2 };
  var points = (data.points || []).slice().sort(function (a, b) { return RANK[a.due || ""] - RANK[b.due || ""]; });
  points.forEach(function (p) {  // the late ones last, so they lie on top
    var color = COLORS[p.due || ""] || COLORS[""];
    var marker = L.circleMarker([p.lat, p.lon], { radius: 8, color: "#fff", weight: 2, fillColor: color, fillOpacity: 1 });
    var box = document.createElement("div");
    box.className = "case-marker-popup";
    var code = document.createElement("span");
    code.className = "code";
    code.textContent = p.ticket + " · " + p.status;
    var link = document.createElement("a");
    link.href = p.url;
    link.textContent = p.title;
    box.appendChild(code);
    box.appendChild(link);
    marker.bindPopup(box);
    marker.addTo(markers);
  });

  if (points.length > 1) {
    var Legend = L.Control.extend({
      options: { position: "bottomleft" },
      onAdd: function () {
        var box = L.DomUtil.create("div", "case-legend leaflet-bar");
        [["red", el.dataset.legendRed], ["yellow", el.dataset.legendYellow], ["normal", el.dataset.legendNormal]]
          .forEach(function (row) {
            var item = L.DomUtil.create("span", "", box);
            L.DomUtil.create("i", row[0], item);
            item.appendChild(document.createTextNode(row[1] || ""));
          });
        return box;
      }
    });
    new Legend().addTo(map);
  }

  function fitAll() {
    var bounds = L.latLngBounds([]);
    if (areas.getLayers().length) { bounds.extend(areas.getBounds()); }
    if (markers.getLayers().length) { bounds.extend(markers.getBounds()); }
    if (bounds.isValid()) {
      map.fitBounds(bounds, { padding: [18, 18], maxZoom: 17 });
    } else {
      map.setView([31.3, 120.7], 11);
    }
  }
  fitAll();

  if (data.pick) {
    var form = el.closest("form");
    var chosen = null;
    var place = function (lon, lat) {
      if (!chosen) {
        chosen = L.circleMarker([lat, lon], { radius: 10, color: "#fff", weight: 3, fillColor: "#d9480f", fillOpacity: 1 }).addTo(map);
      } else {
        chosen.setLatLng([lat, lon]);
      }
    };
    var lonInput = form && form.querySelector("input[name=lon]");
    var latInput = form && form.querySelector("input[name=lat]");
    if (lonInput && latInput && lonInput.value && latInput.value) {
      place(parseFloat(lonInput.value), parseFloat(latInput.value));
    }
    map.on("click", function (event) {
      var lon = event.latlng.lng;
      var lat = event.latlng.lat;
      place(lon, lat);
      if (form && window.civicgridSetPosition) { window.civicgridSetPosition(form, lon, lat, el.dataset.pickedLabel); }
    });
    document.addEventListener("civicgrid:position", function (event) {
      if (event.detail.form !== form) { return; }
      place(event.detail.lon, event.detail.lat);
      map.setView([event.detail.lat, event.detail.lon], Math.max(map.getZoom(), 16));
    });
  }

  if (window.ResizeObserver) {
    new ResizeObserver(function () { map.invalidateSize(); }).observe(el);
  }
  window.civicgridMap = { map: map, markers: markers, areas: areas };
})();
