/* The distribution rule form: "Add a filter" appends a blank row of attribute filters. */
(function () {
  "use strict";
  function setUp(button) {
    var table = document.querySelector("table.rule-filters[data-name='" + button.dataset.for + "']");
    if (!table) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var body = table.tBodies[0];
      var rows = body.querySelectorAll("tr.rule-filters__row");
      var last = rows[rows.length - 1];
      var next = 0;
      rows.forEach(function (row) {
        var input = row.querySelector("input[name$='-key']");
        var index = parseInt(input.name.split("-").slice(-2)[0], 10);
        if (index >= next) { next = index + 1; }
      });
      var copy = last.cloneNode(true);
      copy.querySelectorAll("input, select").forEach(function (field) {
        var parts = field.name.split("-");
        parts[parts.length - 2] = String(next);
        field.name = parts.join("-");
        if (field.tagName === "SELECT") { field.selectedIndex = 0; } else { field.value = ""; }
        var label = field.getAttribute("aria-label");
        if (label) { field.setAttribute("aria-label", label.replace(/\d+$/, String(rows.length + 1))); }
      });
      body.appendChild(copy);
      copy.querySelector("input").focus();
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("button.rule-filters__add").forEach(setUp);
  });
})();
