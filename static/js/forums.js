// Live results for the big screen and the facilitator console: progressive enhancement.
// Without JavaScript the pages reload (screen) or are refreshed by hand; with it, results
// arrive over server-sent events. Every message is a full snapshot with a version, so
// older or repeated messages are ignored and a reconnect loses nothing. A stream that
// fails (Redis restarting, a server going away, a silent dead connection) is opened again
// after a growing delay; meanwhile the page says so and reads the snapshot every few
// seconds, so the numbers on the wall are never silently old.
(function () {
  "use strict";

  var BACKOFF_MAX_MS = 15000;
  var SNAPSHOT_EVERY_MS = 5000;
  // Heartbeats missed before a connection that still looks open is given up as dead.
  var HEARTBEATS_MISSED = 2.5;

  var paused = false;
  var pending = [];
  var reloadWanted = false;
  var streamsDown = 0;
  var connection = document.querySelector("[data-live-connection]");

  function showConnection() {
    if (!connection) { return; }
    connection.textContent = streamsDown > 0 ?
      connection.getAttribute("data-reconnecting-label") : "";
  }

  // Follows the event stream at `url` for as long as the page is open. `receive(data,
  // fresh)` gets every snapshot; `fresh` marks the first event of a connection, which the
  // server sends as the whole current state, and the snapshots read from `snapshotUrl`
  // while the stream is down are not fresh (a live message may be newer).
  function follow(url, snapshotUrl, receive) {
    var source = null;
    var fresh = true;
    var failures = 0;
    var lost = false;
    var heartbeatSeconds = 15;
    var watchdog = null;
    var retry = null;
    var reader = null;

    function readSnapshot() {
      window.fetch(snapshotUrl, {credentials: "same-origin", cache: "no-store"})
        .then(function (response) {
          if (!response.ok) { throw new Error(String(response.status)); }
          return response.json();
        })
        .then(function (data) { if (lost) { receive(data, false); } })
        .catch(function () { /* still down: the next read or the stream will tell */ });
    }

    function markLost() {
      if (lost) { return; }
      lost = true;
      streamsDown += 1;
      showConnection();
      if (snapshotUrl && window.fetch) {
        readSnapshot();
        reader = window.setInterval(readSnapshot, SNAPSHOT_EVERY_MS);
      }
    }

    function markFound() {
      if (!lost) { return; }
      lost = false;
      streamsDown -= 1;
      showConnection();
      if (reader) { window.clearInterval(reader); reader = null; }
    }

    function watch() {
      window.clearTimeout(watchdog);
      watchdog = window.setTimeout(fail, heartbeatSeconds * HEARTBEATS_MISSED * 1000);
    }

    function fail() {
      window.clearTimeout(watchdog);
      if (source) { source.close(); source = null; }
      if (retry) { return; }
      markLost();
      // 1, 2, 4 … 15 seconds, each somewhere in its upper half so that a room of screens
      // does not come back at the same instant.
      var ceiling = Math.min(BACKOFF_MAX_MS, 1000 * Math.pow(2, failures));
      failures += 1;
      retry = window.setTimeout(open, ceiling / 2 + Math.random() * ceiling / 2);
    }

    function open() {
      retry = null;
      fresh = true;
      source = new EventSource(url);
      source.onmessage = function (event) {
        var first = fresh;
        fresh = false;
        failures = 0;
        markFound();
        watch();
        receive(JSON.parse(event.data), first);
      };
      source.addEventListener("heartbeat", function (event) {
        heartbeatSeconds = Number(event.data) || heartbeatSeconds;
        watch();
      });
      source.onerror = fail;
      watch();
    }

    open();
  }

  function apply(box, snapshot, replace) {
    if (!snapshot) { return; }
    var current = Number(box.getAttribute("data-version") || "0");
    if (!replace && snapshot.version <= current) { return; }
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

  function listen(box) {
    if (!window.EventSource) { return; }
    follow(box.getAttribute("data-stream"), box.getAttribute("data-snapshot"),
      function (snapshot, fresh) {
        if (paused) { pending.push([box, snapshot, fresh]); return; }
        apply(box, snapshot, fresh);
      });
  }

  function watchScreen(screen) {
    if (!window.EventSource) { return; }
    var drawn = JSON.parse(screen.getAttribute("data-screen-state"));
    follow(screen.getAttribute("data-screen-stream"), screen.getAttribute("data-screen-snapshot"),
      function (state) {
        var same = state.open_polls.join(",") === drawn.open_polls.join(",") &&
          state.outputs.join(",") === drawn.outputs.join(",");
        if (same) { return; }
        if (paused) { reloadWanted = true; return; }
        window.location.reload();
      });
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
        pending.splice(0).forEach(function (item) { apply(item[0], item[1], item[2]); });
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
