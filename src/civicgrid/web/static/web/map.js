/* Draws the region polygons given by the page (json_script) with Leaflet; a click shows the region's card. */
(function () {
  "use strict";
  var el = document.getElementById("region-map");
  var dataEl = document.getElementById("region-map-data");
  if (!el || !dataEl || typeof L === "undefined") { return; }
  var data = JSON.parse(dataEl.textContent);
  var map = L.map(el, { zoomSnap: 0.25, preferCanvas: false });
  var tileUrl = el.dataset.tileUrl;
  if (tileUrl) {
    L.tileLayer(tileUrl, { maxZoom: 19, attribution: el.dataset.tileAttribution || "" }).addTo(map);
  }
  var info = document.getElementById("region-info");
  var selected = null;
  var baseStyle = { color: "#0b5cad", weight: 1.2, fillColor: "#4c8fd6", fillOpacity: 0.18 };
  var specialStyle = { color: "#8a4fbf", weight: 1, dashArray: "4 3", fillColor: "#b48ad9", fillOpacity: 0.12 };
  var selectedStyle = { color: "#d9480f", weight: 2.5, fillOpacity: 0.35 };

  function styleFor(feature) { return feature.properties.grid_kind && feature.properties.grid_kind.indexOf("专属") >= 0 || /special/i.test(feature.properties.grid_kind) ? specialStyle : baseStyle; }

  function fill(props) {
    info.hidden = false;
    info.querySelectorAll("[data-field]").forEach(function (node) {
      var key = node.getAttribute("data-field");
      var value = props[key];
      if (key === "url") { node.setAttribute("href", value); return; }
      if (Array.isArray(value)) { value = value.length ? value.join("、") : "—"; }
      node.textContent = (value === null || value === undefined || value === "") ? "—" : value;
    });
    info.querySelectorAll(".grid-only").forEach(function (node) { node.classList.toggle("hidden", !props.is_grid); });
  }

  var layer = L.geoJSON(data, {
    style: styleFor,
    onEachFeature: function (feature, lyr) {
      lyr.bindTooltip(feature.properties.name, { sticky: true });
      lyr.on("click", function () {
        if (selected) { layer.resetStyle(selected); }
        selected = lyr;
        lyr.setStyle(selectedStyle);
        fill(feature.properties);
      });
    }
  }).addTo(map);
  if (data.features.length) {
    map.fitBounds(layer.getBounds(), { padding: [12, 12] });
  } else {
    map.setView([31.3, 120.7], 11);
  }
  window.civicgridMap = { map: map, layer: layer };
})();
