// Ballot screens: ranking by tapping without a page load, live counts and running totals.
// The forms work without this file; the server checks every ballot either way.
(function () {
  "use strict";

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) { return values[key]; });
  }

  function number(n) { return Number(n).toLocaleString(document.documentElement.lang || "ko"); }

  function setupRanked(form) {
    var ranked = form.querySelector("[data-ranked-list]");
    var pool = form.querySelector("[data-pool-list]");
    var field = form.querySelector("[data-ranking]");
    var status = form.querySelector("[data-status]");
    var limit = parseInt(form.dataset.limit, 10);

    function refresh() {
      var items = Array.prototype.slice.call(ranked.children);
      field.value = items.map(function (li) { return li.dataset.item; }).join(",");
      items.forEach(function (li, index) {
        li.querySelector("[data-rank]").textContent = fill(form.dataset.textRank, { n: index + 1 });
        li.querySelector("[value^='up:']").disabled = index === 0;
        li.querySelector("[value^='down:']").disabled = index === items.length - 1;
      });
      Array.prototype.forEach.call(pool.children, function (li) {
        li.querySelector("[data-rank]").textContent = "";
        li.querySelector("[value^='add:']").disabled = items.length >= limit;
      });
      status.textContent = fill(form.dataset.textRanked, { n: items.length, k: limit });
    }

    form.addEventListener("click", function (event) {
      var button = event.target.closest("button[name='action']");
      if (!button || button.value === "cast") { return; }
      event.preventDefault();
      var parts = button.value.split(":");
      var li = button.closest("li");
      if (parts[0] === "up" && li.previousElementSibling) {
        ranked.insertBefore(li, li.previousElementSibling);
      } else if (parts[0] === "down" && li.nextElementSibling) {
        ranked.insertBefore(li.nextElementSibling, li);
      } else if (parts[0] === "remove") {
        pool.appendChild(li);
      } else if (parts[0] === "add" && ranked.children.length < limit) {
        ranked.appendChild(li);
      }
      refresh();
      var same = li.querySelector("button[value='" + button.value + "']");
      var target = same && !same.disabled && same.offsetParent !== null ? same
        : li.querySelector("button:not([disabled])[data-when='" + (li.parentNode === ranked ? "ranked" : "pool") + "']");
      if (target) { target.focus(); }
    });
    refresh();
  }

  function setupChosen(form) {
    var boxes = form.querySelectorAll("input[name='item']");
    var status = form.querySelector("[data-status]");
    var budget = form.dataset.budget ? parseInt(form.dataset.budget, 10) : null;

    function refresh() {
      var count = 0, total = 0;
      Array.prototype.forEach.call(boxes, function (box) {
        if (box.checked) { count += 1; total += parseInt(box.dataset.cost, 10) || 0; }
      });
      if (budget !== null) {
        var over = total > budget;
        status.textContent = over
          ? fill(form.dataset.textOverBudget, { over: number(total - budget) })
          : fill(form.dataset.textBudget, { total: number(total), left: number(budget - total) });
        status.classList.toggle("is-over", over);
      } else {
        var limit = parseInt(form.dataset.limit, 10);
        status.textContent = fill(form.dataset.textChosen,
          { n: count, m: form.dataset.min, k: limit });
        status.classList.toggle("is-over", count > limit);
      }
    }

    form.addEventListener("change", refresh);
    refresh();
  }

  function setupPoints(form) {
    var inputs = form.querySelectorAll("[data-points-input]");
    var status = form.querySelector("[data-status]");
    var total = parseInt(form.dataset.points, 10);

    function refresh() {
      var sum = 0;
      Array.prototype.forEach.call(inputs, function (input) { sum += parseInt(input.value, 10) || 0; });
      status.textContent = fill(form.dataset.textPoints, { sum: sum, left: total - sum });
      status.classList.toggle("is-over", sum !== total);
    }

    form.addEventListener("input", refresh);
    refresh();
  }

  function setupProgress(bar) {
    function poll() {
      fetch(bar.dataset.progressUrl, { headers: { Accept: "application/json" } })
        .then(function (response) { return response.json(); })
        .then(function (data) {
          bar.value = data.progress;
          if (data.status === "done") { window.location.reload(); } else { window.setTimeout(poll, 1500); }
        })
        .catch(function () { window.setTimeout(poll, 5000); });
    }
    window.setTimeout(poll, 1500);
  }

  document.querySelectorAll("form[data-ballot]").forEach(function (form) {
    var kind = form.dataset.ballot;
    if (kind === "ranked") { setupRanked(form); }
    else if (kind === "points") { setupPoints(form); }
    else { setupChosen(form); }
  });
  document.querySelectorAll("[data-progress-url]").forEach(setupProgress);
})();
