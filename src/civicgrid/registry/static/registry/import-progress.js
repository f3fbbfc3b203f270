// The import page follows a running job: progress, counts and status every second, then a reload when it ends.
(function () {
  "use strict";
  var box = document.getElementById("import-status");
  if (!box || box.dataset.running !== "1") return;
  var url = box.dataset.progressUrl;
  function set(id, value) { var el = document.getElementById(id); if (el) el.textContent = value; }
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (s) {
        document.getElementById("import-progress").value = s.progress;
        set("import-status-label", s.status_label);
        set("import-rows", s.rows_read);
        set("count-created", s.created); set("count-updated", s.updated);
        set("count-unchanged", s.unchanged); set("count-errors", s.errors);
        if (["queued", "staging", "applying"].indexOf(s.status) === -1) { window.location.reload(); return; }
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
