/* Draws the region polygons given by the page (json_script) with Leaflet; a click shows the region's card.
 *
 * Works with no tile server (the polygons on a plain background); a tile layer is added when the deployment
 * configures one. Names are drawn inside the polygons that are big enough on screen; smaller ones show the name
 * on hover. When the map holds more than one kind of grid (comprehensive and special-purpose grids overlap), a
 * small legend switches each kind on and off.
 */
(function () {
  "use strict";
  var el = document.getElementById("region-map");
  var dataEl = document.getElementById("region-map-data");
  if (!el || !dataEl || typeof L === "undefined") { return; }
  var data = JSON.parse(dataEl.textContent);
  var map = L.map(el, { zoomSnap: 0.25, attributionControl: false, tapTolerance: 20 });
  var tileUrl = el.dataset.tileUrl;
  if (tileUrl) {
    L.control.attribution({ prefix: false }).addTo(map);
    L.tileLayer(tileUrl, { maxZoom: 19, attribution: el.dataset.tileAttribution || "" }).addTo(map);
    el.classList.add("has-tiles");
  }
  var info = document.getElementById("region-info");
  var selected = null;
  var STYLES = {
    plain: { color: "#0b5cad", weight: 1.3, opacity: 0.9, fillColor: "#4c8fd6", fillOpacity: 0.16 },
    special: { color: "#7a3fb0", weight: 1.3, opacity: 0.9, dashArray: "5 4", fillColor: "#b48ad9", fillOpacity: 0.12 },
    selected: { color: "#d9480f", weight: 3, opacity: 1, fillColor: "#f08c00", fillOpacity: 0.28, dashArray: null },
    hover: { color: "#d9480f", weight: 2, opacity: 1, fillColor: "#f08c00", fillOpacity: 0.16 }
  };

  function isSpecial(props) {
    // `kind` is the raw grid kind when the page gives it; otherwise the (translated) label says it.
    if (props.kind) { return props.kind === "special"; }
    var label = props.grid_kind || "";
    return label.indexOf("专属") >= 0 || /special/i.test(label);
  }
  function baseStyle(props) { return isSpecial(props) ? STYLES.special : STYLES.plain; }
  function groupLabel(props) { return props.grid_kind || props.level || ""; }

  function show(node, visible) { node.classList.toggle("hidden", !visible); }

  function fill(props) {
    info.querySelectorAll("[data-field]").forEach(function (node) {
      var key = node.getAttribute("data-field");
      var value = props[key];
      if (key === "url") { node.setAttribute("href", value); return; }
      if (Array.isArray(value)) { value = value.length ? value.join("、") : "—"; }
      node.textContent = (value === null || value === undefined || value === "") ? "—" : value;
    });
    info.querySelectorAll(".grid-only").forEach(function (node) { show(node, !!props.is_grid); });
    info.querySelectorAll(".not-grid").forEach(function (node) { show(node, !props.is_grid); });
    info.hidden = false;
    // On a phone the card sits under the map: bring it into view without hiding the map.
    if (window.getComputedStyle(info).position !== "absolute" && info.scrollIntoView) {
      var rect = info.getBoundingClientRect();
      if (rect.bottom > window.innerHeight) { info.scrollIntoView({ block: "end", behavior: "smooth" }); }
    }
  }

  function unselect() {
    if (selected) { selected.setStyle(baseStyle(selected.feature.properties)); }
    selected = null;
  }

  function select(lyr) {
    unselect();
    selected = lyr;
    lyr.setStyle(STYLES.selected);
    lyr.bringToFront();
    fill(lyr.feature.properties);
    keepClearOfCard(lyr);
  }

  // On a wide screen the card floats over the map's top right corner: move the chosen polygon out from under it.
  function keepClearOfCard(lyr) {
    if (window.getComputedStyle(info).position !== "absolute") { return; }
    var mapBox = el.getBoundingClientRect();
    var card = info.getBoundingClientRect();
    var b = lyr.getBounds();
    var nw = map.latLngToContainerPoint(b.getNorthWest());
    var se = map.latLngToContainerPoint(b.getSouthEast());
    var cardLeft = card.left - mapBox.left - 12;
    var cardBottom = card.bottom - mapBox.top;
    if (se.x <= cardLeft || nw.y >= cardBottom) { return; }
    var shift = se.x - cardLeft;
    if (nw.x - shift >= 8) { map.panBy([shift, 0]); }
  }

  // Pointing at a row of the page's list lights up its polygon (and the other way round). Only with a mouse: a
  // finger's tap would leave the highlight behind.
  var canHover = !window.matchMedia || window.matchMedia("(hover: hover)").matches;
  var rowsByCode = {};
  document.querySelectorAll("[data-region-code]").forEach(function (row) {
    rowsByCode[row.getAttribute("data-region-code")] = row;
  });
  function pathFor(code) {
    for (var i = 0; i < items.length; i += 1) { if (items[i].path.feature.properties.code === code) { return items[i].path; } }
    return null;
  }
  function hover(code, on) {
    var path = pathFor(code);
    var row = rowsByCode[code];
    if (row) { row.classList.toggle("is-hover", on); }
    if (!path || path === selected || !map.hasLayer(path)) { return; }
    path.setStyle(on ? STYLES.hover : baseStyle(path.feature.properties));
  }

  // One layer per kind, in the page's order (comprehensive grids before special-purpose ones, which lie on top).
  var groups = [];
  var byLabel = {};
  var items = [];
  data.features.forEach(function (feature) {
    var label = groupLabel(feature.properties);
    if (!byLabel[label]) {
      byLabel[label] = { label: label, special: isSpecial(feature.properties), layer: L.featureGroup(), count: 0 };
      groups.push(byLabel[label]);
    }
    var group = byLabel[label];
    var lyr = L.geoJSON(feature, { style: function (f) { return baseStyle(f.properties); } });
    lyr.eachLayer(function (path) {
      path.feature = feature;
      path.on("click", function (event) { L.DomEvent.stopPropagation(event); select(path); });
      if (canHover) {
        path.on("mouseover", function () { hover(feature.properties.code, true); });
        path.on("mouseout", function () { hover(feature.properties.code, false); });
      }
      var nameTag = L.tooltip({ permanent: true, direction: "center", className: "region-label", interactive: false })
        .setContent(feature.properties.name);
      items.push({ path: path, name: feature.properties.name, label: nameTag, group: group, hover: false });
      group.layer.addLayer(path);
    });
    group.count += 1;
  });
  groups.sort(function (a, b) { return (a.special ? 1 : 0) - (b.special ? 1 : 0); });
  groups.forEach(function (group) { group.layer.addTo(map); });
  var labels = L.layerGroup().addTo(map);

  // Show a polygon's name inside it when it fits; otherwise on hover.
  function updateLabels() {
    labels.clearLayers();
    var size = map.getSize();
    items.forEach(function (item) {
      var visible = map.hasLayer(item.group.layer) && map.hasLayer(item.path);
      var fits = false;
      if (visible) {
        var b = item.path.getBounds();
        var nw = map.latLngToContainerPoint(b.getNorthWest());
        var se = map.latLngToContainerPoint(b.getSouthEast());
        var w = se.x - nw.x;
        var h = se.y - nw.y;
        var onScreen = se.x > 0 && se.y > 0 && nw.x < size.x && nw.y < size.y;
        fits = onScreen && w >= item.name.length * 12 + 12 && h >= 22;
      }
      if (fits) {
        item.label.setLatLng(item.path.getCenter());
        labels.addLayer(item.label);
        if (item.hover) { item.path.unbindTooltip(); item.hover = false; }
      } else if (!item.hover) {
        item.path.bindTooltip(item.name, { sticky: true, className: "region-hover" });
        item.hover = true;
      }
    });
  }

  // The legend: one switch per kind, shown when there is more than one kind.
  if (groups.length > 1) {
    var Legend = L.Control.extend({
      options: { position: "bottomleft" },
      onAdd: function () {
        var box = L.DomUtil.create("div", "map-legend leaflet-bar");
        L.DomEvent.disableClickPropagation(box);
        var title = L.DomUtil.create("span", "map-legend-title", box);
        title.textContent = el.dataset.legendTitle || "";
        groups.forEach(function (group) {
          var row = L.DomUtil.create("label", "map-legend-row", box);
          var input = L.DomUtil.create("input", "", row);
          input.type = "checkbox";
          input.checked = true;
          var swatch = L.DomUtil.create("span", "swatch" + (group.special ? " special" : ""), row);
          swatch.setAttribute("aria-hidden", "true");
          var text = L.DomUtil.create("span", "", row);
          text.textContent = group.label + " (" + group.count + ")";
          input.addEventListener("change", function () {
            if (input.checked) { group.layer.addTo(map); } else {
              if (selected && group.layer.hasLayer(selected)) { hideInfo(); }
              map.removeLayer(group.layer);
            }
            groups.forEach(function (g) { if (map.hasLayer(g.layer) && g.special) { g.layer.bringToFront(); } });
            updateLabels();
          });
        });
        return box;
      }
    });
    new Legend().addTo(map);
  }

  // "Whole area": back to the view that shows every polygon.
  var all = L.featureGroup(groups.map(function (g) { return g.layer; }));
  function fitAll() {
    if (data.features.length) { map.fitBounds(all.getBounds(), { padding: [14, 14] }); } else { map.setView([31.3, 120.7], 11); }
  }
  var Reset = L.Control.extend({
    options: { position: "topleft" },
    onAdd: function () {
      var bar = L.DomUtil.create("div", "leaflet-bar");
      var a = L.DomUtil.create("a", "map-reset", bar);
      a.href = "#";
      a.setAttribute("role", "button");
      a.title = el.dataset.resetLabel || "";
      a.setAttribute("aria-label", a.title);
      a.textContent = "⤢";
      L.DomEvent.on(a, "click", function (event) { L.DomEvent.preventDefault(event); L.DomEvent.stopPropagation(event); fitAll(); });
      return bar;
    }
  });
  new Reset().addTo(map);

  function hideInfo() { unselect(); info.hidden = true; }
  info.querySelector("[data-action=close]").addEventListener("click", hideInfo);
  document.addEventListener("keydown", function (event) { if (event.key === "Escape" && !info.hidden) { hideInfo(); } });

  if (canHover) {
    Object.keys(rowsByCode).forEach(function (code) {
      var row = rowsByCode[code];
      row.addEventListener("mouseenter", function () { hover(code, true); });
      row.addEventListener("mouseleave", function () { hover(code, false); });
    });
  }

  fitAll();  // sets the first view: only now are the layers really on the map
  updateLabels();
  map.on("zoomend moveend", updateLabels);
  // The map's box can change after load (fonts, the card below it, a rotated phone): keep Leaflet in step.
  if (window.ResizeObserver) {
    new ResizeObserver(function () { map.invalidateSize(); }).observe(el);
  }
  window.civicgridMap = { map: map, layer: all, select: function (code) {
    items.forEach(function (item) { if (item.path.feature.properties.code === code) { select(item.path); } });
  } };
})();
