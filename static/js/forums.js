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
    return function stop() {
      window.clearTimeout(watchdog);
      window.clearTimeout(retry);
      if (reader) { window.clearInterval(reader); reader = null; }
      if (lost) { lost = false; streamsDown -= 1; showConnection(); }
      if (source) { source.close(); source = null; }
    };
  }

  // Bars that say which option leads: the longest first, reordered as counts change.
  function sortBars(list) {
    var rows = Array.prototype.slice.call(list.children);
    rows.sort(function (a, b) {
      return Number(b.getAttribute("data-count")) - Number(a.getAttribute("data-count"));
    });
    rows.forEach(function (row) { list.appendChild(row); });
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
      document.querySelectorAll('.slide__poll[data-question="' + question.id + '"] .results__respondents')
        .forEach(function (count) { count.textContent = question.respondents; });
      question.options.forEach(function (option) {
        var row = block.querySelector('[data-option="' + option.id + '"]');
        if (!row) { return; }
        row.querySelector(".bar__meter").value = option.percent;
        row.querySelector(".bar__meter").textContent = option.percent + "%";
        row.querySelector(".bar__percent").textContent = option.percent;
        row.querySelector(".bar__count").textContent = option.count;
        row.setAttribute("data-count", String(option.count));
      });
      if (box.hasAttribute("data-sorted")) { sortBars(block.querySelector(".bars")); }
    });
  }

  function listen(box) {
    if (!window.EventSource) { return function () {}; }
    return follow(box.getAttribute("data-stream"), box.getAttribute("data-snapshot"),
      function (snapshot, fresh) {
        if (paused) { pending.push([box, snapshot, fresh]); return; }
        apply(box, snapshot, fresh);
      });
  }

  function post(url, fields) {
    var body = new window.FormData();
    var token = document.querySelector('meta[name="csrf-token"]');
    if (token) { body.append("csrf_token", token.getAttribute("content")); }
    Object.keys(fields).forEach(function (name) { body.append(name, fields[name]); });
    return window.fetch(url, {method: "POST", body: body, credentials: "same-origin",
      headers: {"X-Requested-With": "fetch"}});
  }

  // The projection: one slide at a time, swapped in place when the organizer steers it
  // (from a phone or this screen's keyboard); while frozen it holds its picture.
  function setUpProjection(main) {
    var holder = main.querySelector("[data-slide-holder]");
    var stops = [];
    var drawnKey = null;
    var frozen = false;
    var wanted = false;
    var busy = false;

    function slide() { return holder.querySelector("[data-slide]"); }

    function startSlide() {
      stops.splice(0).forEach(function (stop) { stop(); });
      var current = slide();
      frozen = current.getAttribute("data-frozen") === "true";
      paused = frozen;
      pending.length = 0;
      holder.querySelectorAll(".results[data-stream]").forEach(function (box) {
        stops.push(listen(box));
      });
    }

    function redraw() {
      if (busy) { wanted = true; return; }
      busy = true;
      window.fetch(main.getAttribute("data-slide-url"), {credentials: "same-origin",
        cache: "no-store"})
        .then(function (response) {
          if (!response.ok) { throw new Error(String(response.status)); }
          return response.text();
        })
        .then(function (html) { holder.innerHTML = html; startSlide(); })
        .catch(function () { /* the stream or the next press will bring it */ })
        .then(function () {
          busy = false;
          if (wanted) { wanted = false; redraw(); }
        });
    }

    function showTimer() {
      var timer = holder.querySelector("[data-started-at]");
      if (!timer) { return; }
      var seconds = Math.max(0, Math.floor(
        (Date.now() - Date.parse(timer.getAttribute("data-started-at"))) / 1000));
      var m = Math.floor(seconds / 60);
      var s = seconds % 60;
      timer.textContent = m + ":" + (s < 10 ? "0" : "") + s;
    }

    function press(action) {
      post(main.getAttribute("data-control-url"), {action: action,
        at: slide().getAttribute("data-screen-version")})
        .then(function (response) {
          if (response.ok) { redraw(); return null; }
          return response.json().then(function (data) {
            if (connection) { connection.textContent = data.error; }
            window.setTimeout(showConnection, 4000);
            redraw();
          });
        })
        .catch(function () { /* the screen stays as it is; the press can be repeated */ });
    }

    startSlide();
    showTimer();
    window.setInterval(showTimer, 1000);
    if (window.EventSource) {
      follow(main.getAttribute("data-screen-stream"), main.getAttribute("data-screen-snapshot"),
        function (state) {
          var key = [state.screen, state.open_polls.join(","), state.outputs.join(",")].join("|");
          if (drawnKey === null) { drawnKey = key; }
          if (key === drawnKey) { return; }
          drawnKey = key;
          // Frozen and still frozen: what changed waits until the picture is released.
          if (frozen && state.frozen) { return; }
          redraw();
        });
    }
    document.addEventListener("keydown", function (event) {
      if (event.altKey || event.ctrlKey || event.metaKey) { return; }
      var action = {ArrowRight: "next", PageDown: "next", ArrowLeft: "previous",
        PageUp: "previous", " ": "results", f: "freeze", F: "freeze"}[event.key];
      if (!action) { return; }
      event.preventDefault();
      press(action);
    });
  }

  // A participant's phone: the polls they may answer appear and go by themselves, and an
  // answer is saved without leaving the page. Without JavaScript the forms still post.
  // A poll comes drawn with the news that it opened, so a hall of phones shows it without
  // each asking the server; only a poll someone answered before (reopened) is asked for.
  function setUpPhone(box) {
    var table = box.getAttribute("data-table");
    var drawnKey = null;

    function keyOf(state) {
      var mine = state.table_polls.filter(function (entry) {
        return table && entry.split("@")[1] === table;
      });
      return state.open_polls.concat(mine).join(",");
    }

    function swap(html) {
      box.innerHTML = html;
    }

    function refresh() {
      window.fetch(box.getAttribute("data-fragment"), {credentials: "same-origin",
        cache: "no-store"})
        .then(function (response) {
          if (!response.ok) { throw new Error(String(response.status)); }
          return response.text();
        })
        .then(swap)
        .catch(function () { /* the next state read tries again */ });
    }

    // Shows `polls` (in list order, each {id, html, fresh}) in place: a poll already shown
    // stays as it is, with the answer given or being chosen; a new one is drawn from its
    // html. False, changing nothing, when a new poll may hold this person's earlier answer.
    function show(polls) {
      var shown = {};
      box.querySelectorAll("article[data-poll]").forEach(function (article) {
        shown[article.getAttribute("data-poll")] = article;
      });
      var unknown = polls.some(function (poll) { return !shown[poll.id] && !poll.fresh; });
      if (unknown) { return false; }
      var wanted = {};
      polls.forEach(function (poll) { wanted[poll.id] = true; });
      Array.prototype.slice.call(box.children).forEach(function (child) {
        if (!wanted[child.getAttribute("data-poll")]) { box.removeChild(child); }
      });
      var previous = null;
      polls.forEach(function (poll) {
        var article = shown[poll.id];
        if (!article) {
          var drawing = document.createElement("template");
          drawing.innerHTML = poll.html;
          article = drawing.content.firstElementChild;
          box.insertBefore(article, previous ? previous.nextSibling : box.firstChild);
        }
        previous = article;
      });
      if (!polls.length) {
        var none = document.createElement("p");
        none.setAttribute("data-no-polls", "");
        none.textContent = box.getAttribute("data-no-polls-label");
        box.appendChild(none);
      }
      return true;
    }

    function receive(state) {
      // Seated elsewhere by the organizer: the page shows the new seat and its table's polls.
      if (state.table !== undefined && String(state.table || "") !== table) {
        window.location.reload();
        return;
      }
      var key = keyOf(state);
      if (drawnKey === null) { drawnKey = box.getAttribute("data-key"); }
      if (key === drawnKey) { return; }
      drawnKey = key;
      if (!state.polls || !show(state.polls)) { refresh(); }
    }

    function readState() {
      window.fetch(box.getAttribute("data-snapshot"), {credentials: "same-origin",
        cache: "no-store"})
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (state) { if (state) { receive(state); } })
        .catch(function () { /* offline: the next read tries again */ });
    }

    box.addEventListener("submit", function (event) {
      var form = event.target;
      if (!form.matches || !form.matches("form.poll-form")) { return; }
      event.preventDefault();
      var button = form.querySelector('button[type="submit"]');
      if (button) { button.disabled = true; }
      window.fetch(form.action, {method: "POST", body: new window.FormData(form),
        credentials: "same-origin", headers: {"X-Requested-With": "fetch"}})
        .then(function (response) { return response.text(); })
        .then(function (html) {
          swap(html);
          var notice = box.querySelector("[data-phone-notice]");
          if (notice) { notice.focus(); }
        })
        .catch(function () { form.submit(); });
    });

    if (window.EventSource) {
      follow(box.getAttribute("data-stream"), box.getAttribute("data-snapshot"), receive);
    } else {
      window.setInterval(readState, SNAPSHOT_EVERY_MS);
    }
    // A phone that slept may have missed events its stream could not deliver.
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") { readState(); }
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

  document.querySelectorAll("[data-present]").forEach(setUpProjection);
  document.querySelectorAll("[data-phone-polls]").forEach(setUpPhone);
  document.querySelectorAll(".results[data-stream]").forEach(function (box) {
    if (!box.closest("[data-present]")) { listen(box); }
  });
  document.querySelectorAll("[data-pause]").forEach(setUpPause);
  document.querySelectorAll("[data-timer]").forEach(setUpTimer);
  document.querySelectorAll("[data-screen-stream]").forEach(watchScreen);
}());
