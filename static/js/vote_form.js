// The organizer's vote form: the counting methods, their explanations and the fields that
// only one ballot type uses follow the chosen ballot type. Without this file the form offers
// every method grouped by ballot type, and the server refuses one that does not fit.
(function () {
  "use strict";

  var form = document.querySelector("[data-vote-form]");
  if (!form) { return; }
  var methodsByType = JSON.parse(form.dataset.methods);
  var type = form.querySelector("select[name='ballot_type']");
  var method = form.querySelector("select[name='method']");
  if (!type || !method) { return; }
  var every = Array.prototype.map.call(method.options, function (option) {
    return { value: option.value, label: option.textContent };
  });

  function each(selector, action) {
    Array.prototype.forEach.call(form.querySelectorAll(selector), action);
  }

  function follow() {
    var fitting = methodsByType[type.value] || [];
    var chosen = method.value;
    // Only the fitting methods, without the ballot-type groups (one group is left).
    method.textContent = "";
    every.forEach(function (option) {
      if (fitting.indexOf(option.value) >= 0) { method.add(new Option(option.label, option.value)); }
    });
    method.value = fitting.indexOf(chosen) >= 0 ? chosen : fitting[0];
    each("input[name='compare_methods']", function (box) {
      var fits = fitting.indexOf(box.value) >= 0;
      box.closest("li").hidden = !fits;
      if (!fits) { box.checked = false; }
    });
    each("[data-compare-methods]", function (block) { block.hidden = fitting.length < 2; });
    each("[data-ballot-type]", function (group) { group.hidden = group.dataset.ballotType !== type.value; });
    each("[data-for-types]", function (block) {
      block.hidden = block.dataset.forTypes.split(" ").indexOf(type.value) < 0;
    });
  }

  type.addEventListener("change", follow);
  follow();
}());
