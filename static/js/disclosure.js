// Disclosures marked data-open-wide (the agenda list's filters) stay folded on phones, where
// they would fill the first screen, and open on wider screens where they fit beside the list.
// Without script they stay folded everywhere and open with one tap.
(function () {
  "use strict";
  var wide = window.matchMedia("(min-width: 40rem)");
  var panels = document.querySelectorAll("details[data-open-wide]");
  function follow() {
    panels.forEach(function (panel) { panel.open = wide.matches; });
  }
  follow();
  if (wide.addEventListener) { wide.addEventListener("change", follow); }
}());
