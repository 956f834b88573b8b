// Export job page: poll the JSON status and move the progress bar; without JS the page
// refreshes itself (noscript meta refresh) and shows the same figures.
(function () {
  "use strict";
  var panel = document.querySelector(".export-job[data-status-url]");
  if (!panel) { return; }
  var url = panel.getAttribute("data-status-url");
  var bar = panel.querySelector("progress");
  var reload = panel.querySelector(".export-job__reload");
  if (reload) { reload.hidden = true; }

  function set(name, value) {
    var node = panel.querySelector('[data-field="' + name + '"]');
    if (node) { node.textContent = value; }
    return node;
  }

  function show(state) {
    bar.value = state.progress;
    bar.textContent = state.progress + "%";
    set("state_label", state.state_label);
    set("progress", state.progress);
    set("rows_done", state.rows_done);
    set("rows_total", state.rows_total);
    var error = set("error", state.error || "");
    if (error) { error.hidden = !state.error; }
    panel.setAttribute("data-state", state.state);
    if (state.ready && state.download_url) {
      var link = panel.querySelector('[data-field="download"]');
      link.setAttribute("href", state.download_url);
      link.parentNode.hidden = false;
    }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (state) {
        show(state);
        if (state.state === "queued" || state.state === "running") {
          window.setTimeout(poll, 1000);
        } else if (state.state === "failed") {
          // The re-run button is part of the page for failed jobs: fetch it.
          window.location.reload();
        }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }

  var initial = panel.getAttribute("data-state");
  if (initial === "queued" || initial === "running") { poll(); }
})();
