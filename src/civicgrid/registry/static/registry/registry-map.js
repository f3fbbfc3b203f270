/* The small map of a base-data record (Leaflet, vendored): its grid's outline and its own point.
 *
 * Reads the page's json_script "record-map-data": {areas: GeoJSON, point: {lon, lat, label} | null}. Works with no
 * tile server: the outline on a plain background (the tile layer comes from the map element's data-tile-url).
 */
(function () {
  "use strict";
  var el = document.getElementById("record-map");
  var dataEl = document.getElementById("record-map-data");
  if (!el || !dataEl || typeof L === "undefined") { return; }
  var data = JSON.parse(dataEl.textContent);
  var map = L.map(el, { zoomSnap: 0.25, attributionControl: false, scrollWheelZoom: false });
  if (el.dataset.tileUrl) {
    L.control.attribution({ prefix: false }).addTo(map);
    L.tileLayer(el.dataset.tileUrl, { maxZoom: 19, attribution: el.dataset.tileAttribution || "" }).addTo(map);
    el.classList.add("has-tiles");
  }
  var areas = L.geoJSON(data.areas, {
    style: { color: "#0b5cad", weight: 1.5, opacity: 0.9, fillColor: "#4c8fd6", fillOpacity: 0.12 },
    onEachFeature: function (feature, layer) {
      layer.bindTooltip(feature.properties.name, { sticky: true, className: "region-hover" });
    }
  }).addTo(map);
  // the point goes in a group: a path added straight to a map without a view yet would take the map's renderer
  // before that renderer is ready, and Leaflet fails drawing the outline ("reading 'min'")
  var points = L.featureGroup().addTo(map);
  var marker = null;
  if (data.point) {
    marker = L.circleMarker([data.point.lat, data.point.lon],
      { radius: 9, color: "#fff", weight: 3, fillColor: "#d9480f", fillOpacity: 1 }).addTo(points);
    marker.bindTooltip(data.point.label, { direction: "top", offset: [0, -8] });
  }
  var bounds = L.latLngBounds([]);
  if (areas.getLayers().length) { bounds.extend(areas.getBounds()); }
  if (marker) { bounds.extend(marker.getLatLng()); }
  if (bounds.isValid()) {
    map.fitBounds(bounds, { padding: [16, 16], maxZoom: 17 });
  } else {
    map.setView([31.3, 120.7], 11);
  }
  if (window.ResizeObserver) {
    new ResizeObserver(function () { map.invalidateSize(); }).observe(el);
  }
  window.civicgridRecordMap = { map: map, marker: marker, areas: areas };
})();
