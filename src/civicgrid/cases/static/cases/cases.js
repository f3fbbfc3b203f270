/* Small behaviour of the case pages (no inline scripts: CSP 'self'):
 * - the queue's bulk bar: select all, count, show only the field the chosen action needs;
 * - "use my location" buttons: the phone's GPS (navigator.geolocation) fills the form's lon/lat;
 * - a link to #act-… opens that action's form; photos open large on the page;
 * - the queue's drop-down filters close on a click outside or Escape.
 * Every page works without it; this only saves taps.
 */
(function () {
  "use strict";

  // ---- bulk actions on the queue
  var bar = document.querySelector("[data-bulk]");
  if (bar) {
    var form = bar.closest("form");
    var boxes = Array.prototype.slice.call(form.querySelectorAll("input[name=ids]"));
    var all = bar.querySelector("[data-select-all]");
    var count = bar.querySelector("[data-selected-count]");
    var action = bar.querySelector("[data-bulk-action]");
    var submit = bar.querySelector("[data-bulk-submit]");
    var initialText = count.textContent;
    var refresh = function () {
      var n = boxes.filter(function (b) { return b.checked; }).length;
      count.textContent = n ? count.getAttribute("data-template").replace("{n}", n) : initialText;
      all.checked = n > 0 && n === boxes.length;
      all.indeterminate = n > 0 && n < boxes.length;
      submit.disabled = n === 0 || !action.value;
    };
    var showFields = function () {
      bar.querySelectorAll("[data-for-action]").forEach(function (field) {
        field.hidden = field.getAttribute("data-for-action") !== action.value;
      });
      refresh();
    };
    all.addEventListener("change", function () {
      boxes.forEach(function (b) { b.checked = all.checked; });
      refresh();
    });
    boxes.forEach(function (b) { b.addEventListener("change", refresh); });
    action.addEventListener("change", showFields);
    if (!boxes.length) { all.disabled = true; }
    showFields();
  }

  // ---- the phone's position
  function setPosition(form, lon, lat, label) {
    var lonInput = form.querySelector("input[name=lon]");
    var latInput = form.querySelector("input[name=lat]");
    if (!lonInput || !latInput) { return; }
    lonInput.value = lon.toFixed(6);
    latInput.value = lat.toFixed(6);
    var shown = form.querySelector("[data-position]");
    if (shown) {
      shown.textContent = (label ? label + ": " : "") + lat.toFixed(5) + ", " + lon.toFixed(5);
      shown.classList.add("is-set");
    }
  }
  window.civicgridSetPosition = setPosition;

  document.querySelectorAll("[data-gps]").forEach(function (button) {
    button.addEventListener("click", function () {
      var form = button.closest("form");
      var shown = form.querySelector("[data-position]");
      var say = function (text) { if (shown) { shown.textContent = text; shown.classList.remove("is-set"); } };
      if (!navigator.geolocation) { say(button.getAttribute("data-unsupported")); return; }
      say(button.getAttribute("data-waiting"));
      button.disabled = true;
      navigator.geolocation.getCurrentPosition(function (pos) {
        button.disabled = false;
        setPosition(form, pos.coords.longitude, pos.coords.latitude, button.getAttribute("data-done"));
        document.dispatchEvent(new CustomEvent("civicgrid:position", {
          detail: { form: form, lon: pos.coords.longitude, lat: pos.coords.latitude }
        }));
      }, function () {
        button.disabled = false;
        say(button.getAttribute("data-failed"));
      }, { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 });
    });
  });

  // ---- #act-handle and the like open their form
  function openFromHash() {
    if (!location.hash || location.hash.indexOf("#act-") !== 0) { return; }
    var target = document.getElementById(location.hash.slice(1));
    if (target && target.tagName === "DETAILS") {
      target.open = true;
      target.scrollIntoView({ block: "start" });
    }
  }
  openFromHash();
  window.addEventListener("hashchange", openFromHash);

  // ---- photos, large
  document.querySelectorAll("a[data-photo]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      var box = document.createElement("div");
      box.className = "lightbox";
      box.setAttribute("role", "dialog");
      box.tabIndex = -1;
      var img = document.createElement("img");
      img.src = link.getAttribute("href");
      img.alt = link.querySelector("img") ? link.querySelector("img").alt : "";
      box.appendChild(img);
      var close = function () { box.remove(); document.removeEventListener("keydown", onKey); link.focus(); };
      var onKey = function (e) { if (e.key === "Escape") { close(); } };
      box.addEventListener("click", close);
      document.addEventListener("keydown", onKey);
      document.body.appendChild(box);
      box.focus();
    });
  });

  // ---- drop-down filters
  var drops = document.querySelectorAll("details.multi");
  if (drops.length) {
    document.addEventListener("click", function (event) {
      drops.forEach(function (d) { if (d.open && !d.contains(event.target)) { d.open = false; } });
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { drops.forEach(function (d) { d.open = false; }); }
    });
  }
})();
