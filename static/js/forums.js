// Live results for the big screen and the facilitator console: progressive enhancement.
// Without JavaScript the pages reload (screen) or are refreshed by hand; with it, results
// arrive over server-sent events. Every message is a full snapshot with a version, so
// older or repeated messages are ignored and a reconnect loses nothing.
(function () {
  "use strict";

  var paused = false;
  var pending = [];
  var reloadWanted = false;

  function apply(box, snapshot) {
    var current = Number(box.getAttribute("data-version") || "0");
    if (snapshot.version <= current) { return; }
    box.setAttribute("data-version", String(snapshot.version));
    snapshot.questions.forEach(function (question) {
      var block = box.querySelector('[data-question="' + question.id + '"]');
      if (!block) { return; }
      block.querySelector(".results__respondents").textContent = question.respondents;
      question.options.forEach(function (option) {
        var row = block.querySelector('[data-option="' + option.id + '"]');
        if (!row) { return; }
        row.querySelector(".bar__meter").value = option.percent;
        row.querySelector(".bar__meter").textContent = option.percent + "%";
        row.querySelector(".bar__percent").textContent = option.percent;
        row.querySelector(".bar__count").textContent = option.count;
      });
    });
  }

  function receive(box, snapshot) {
    if (paused) { pending.push([box, snapshot]); return; }
    apply(box, snapshot);
  }

  function listen(box) {
    if (!window.EventSource) { return; }
    var source = new EventSource(box.getAttribute("data-stream"));
    source.onmessage = function (event) { receive(box, JSON.parse(event.data)); };
  }

  function watchScreen(screen) {
    if (!window.EventSource) { return; }
    var drawn = JSON.parse(screen.getAttribute("data-screen-state"));
    var source = new EventSource(screen.getAttribute("data-screen-stream"));
    source.onmessage = function (event) {
      var state = JSON.parse(event.data);
      var same = state.open_polls.join(",") === drawn.open_polls.join(",") &&
        state.outputs.join(",") === drawn.outputs.join(",");
      if (same) { return; }
      if (paused) { reloadWanted = true; return; }
      window.location.reload();
    };
  }

  function setUpPause(button) {
    var running = button.textContent;
    var stopped = button.getAttribute("data-resume-label") || running;
    button.hidden = false;
    var controls = button.closest("[data-live-controls]");
    if (controls) { controls.hidden = false; }
    button.addEventListener("click", function () {
      paused = !paused;
      button.setAttribute("aria-pressed", paused ? "true" : "false");
      button.textContent = paused ? stopped : running;
      if (!paused) {
        if (reloadWanted) { window.location.reload(); return; }
        pending.splice(0).forEach(function (item) { apply(item[0], item[1]); });
      }
    });
  }

  function setUpTimer(timer) {
    var display = timer.querySelector(".timer__display");
    var minutes = timer.querySelector("input");
    var handle = null;
    var remaining = 0;
    timer.hidden = false;
    function show() {
      var m = Math.floor(remaining / 60);
      var s = remaining % 60;
      display.textContent = m + ":" + (s < 10 ? "0" : "") + s;
    }
    timer.querySelector("[data-timer-start]").addEventListener("click", function () {
      if (handle) { clearInterval(handle); }
      remaining = Math.max(1, Number(minutes.value) || 10) * 60;
      show();
      handle = setInterval(function () {
        remaining = Math.max(0, remaining - 1);
        show();
        if (remaining === 0) { clearInterval(handle); handle = null; }
      }, 1000);
    });
    timer.querySelector("[data-timer-stop]").addEventListener("click", function () {
      if (handle) { clearInterval(handle); handle = null; }
    });
  }

  document.querySelectorAll(".results[data-stream]").forEach(listen);
  document.querySelectorAll("[data-pause]").forEach(setUpPause);
  document.querySelectorAll("[data-timer]").forEach(setUpTimer);
  document.querySelectorAll("[data-screen-stream]").forEach(watchScreen);
}());
