/* Survey builder: up/down buttons on each question (the position inputs follow the order
   shown; the survey renumbers its questions 1..n when saved), and only the fields that the
   question's kind uses are shown. Without JavaScript every field is shown and ordering is by
   the position numbers. */
(function () {
  "use strict";

  var SCALE = ["min_label", "max_label"];
  var FIELDS_BY_KIND = {
    nps: SCALE, csat: SCALE, ces: SCALE, rating: SCALE,
    matrix: ["scale_min", "scale_max", "min_label", "max_label", "choices_text"],
    single_choice: ["choices_text"], multiple_choice: ["choices_text"],
    short_text: ["max_length"], long_text: ["max_length"]
  };
  var OPTIONAL = ["scale_min", "scale_max", "min_label", "max_label", "max_length", "choices_text"];

  function showFieldsForKind(row) {
    var select = row.querySelector("select[name$='-kind']");
    if (!select) { return; }
    var wanted = FIELDS_BY_KIND[select.value];
    OPTIONAL.forEach(function (name) {
      row.querySelectorAll(".field-" + name).forEach(function (box) {
        box.hidden = Boolean(wanted) && wanted.indexOf(name) === -1;
      });
    });
    row.querySelectorAll(".form-row").forEach(function (line) {
      var boxes = line.querySelectorAll(".fieldBox");
      if (boxes.length) {
        line.hidden = Array.from(boxes).every(function (box) { return box.hidden; });
      }
    });
  }

  function rows(group) {
    return Array.from(group.querySelectorAll(":scope .inline-related:not(.empty-form)"));
  }

  function renumber(group) {
    rows(group).forEach(function (row, index) {
      var input = row.querySelector("input.question-position");
      if (input) { input.value = String(index + 1); }
    });
  }

  function addButtons(group, row) {
    var heading = row.querySelector("h3");
    if (!heading || heading.querySelector(".question-order-buttons")) { return; }
    var box = document.createElement("span");
    box.className = "question-order-buttons";
    [["up", "↑", group.dataset.labelUp], ["down", "↓", group.dataset.labelDown]].forEach(function (spec) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = spec[1];
      button.setAttribute("aria-label", spec[2] || spec[0]);
      button.addEventListener("click", function () {
        var list = rows(group);
        var index = list.indexOf(row);
        if (spec[0] === "up" && index > 0) { list[index - 1].before(row); }
        if (spec[0] === "down" && index < list.length - 1) { list[index + 1].after(row); }
        renumber(group);
        button.focus();
      });
      box.appendChild(button);
    });
    heading.appendChild(box);
  }

  // Inputs the publish check points at (missing translations, bad choices...) are marked.
  function markProblems() {
    var data = document.getElementById("publish-problems");
    if (!data) { return; }
    JSON.parse(data.textContent).forEach(function (problem, index) {
      var input = document.querySelector("[name='" + problem.name + "']");
      if (!input) { return; }
      var note = document.createElement("span");
      note.className = "publish-problem__note";
      note.id = "publish-problem-" + index;
      note.textContent = problem.message;
      input.classList.add("publish-problem");
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", ((input.getAttribute("aria-describedby") || "") + " " + note.id).trim());
      input.insertAdjacentElement("afterend", note);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    markProblems();
    var group = document.getElementById("questions-group");
    if (!group) { return; }
    var hint = document.getElementById("question-order-labels");
    if (hint) {
      group.dataset.labelUp = hint.dataset.up;
      group.dataset.labelDown = hint.dataset.down;
    }
    rows(group).forEach(function (row) { addButtons(group, row); showFieldsForKind(row); });
    group.addEventListener("change", function (event) {
      if (event.target.matches("select[name$='-kind']")) {
        showFieldsForKind(event.target.closest(".inline-related"));
      }
    });
    document.addEventListener("formset:added", function (event) {
      if (event.detail && event.detail.formsetName === "questions") {
        addButtons(group, event.target);
        showFieldsForKind(event.target);
        renumber(group);
      }
    });
  });
})();
