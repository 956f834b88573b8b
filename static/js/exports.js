// Export pages. The form offers only the formats of the chosen material; the job page polls
// the JSON status and moves the progress bar (without JS the page refreshes itself with a
// noscript meta refresh and shows the same figures).
(function () {
  "use strict";

  // --- The form: a material's formats only -------------------------------------------------
  var form = document.querySelector(".export-form");
  if (form) {
    var target = form.querySelector("select[name='target']");
    var format = form.querySelector("select[name='format']");
    var offer = function () {
      var chosen = target.options[target.selectedIndex];
      if (!chosen) { return; }
      var offered = (chosen.getAttribute("data-formats") || "").split(" ");
      var keep = false;
      Array.prototype.forEach.call(format.options, function (option) {
        var on = offered.indexOf(option.value) !== -1;
        option.hidden = !on;
        option.disabled = !on;
        if (on && option.selected) { keep = true; }
      });
      if (!keep) {
        var first = Array.prototype.filter.call(format.options, function (o) { return !o.disabled; })[0];
        if (first) { format.value = first.value; }
      }
    };
    if (target && format) {
      target.addEventListener("change", offer);
      offer();
    }
  }

  // --- The job page: follow the work -------------------------------------------------------
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
    var working = state.state === "queued" || state.state === "running";
    if (state.rows_known || !working) {
      bar.value = state.progress;
    } else {
      // No row count (a PDF report): an indeterminate bar says work is going on.
      bar.removeAttribute("value");
    }
    bar.textContent = state.progress + "%";
    set("state_label", state.state_label);
    set("progress", state.progress);
    set("rows_done", state.rows_done.toLocaleString());
    set("rows_total", state.rows_total.toLocaleString());
    var figures = panel.querySelector('[data-field="figures"]');
    if (figures) { figures.hidden = !state.rows_known; }
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
          window.setTimeout(poll, 700);
        } else if (state.state === "failed" || state.ready) {
          // The re-run button of a failed job, and the link's expiry time of a finished one,
          // are written by the server: fetch the page as it is now.
          window.location.reload();
        }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }

  var initial = panel.getAttribute("data-state");
  if (initial === "queued" || initial === "running") { poll(); }
})();
