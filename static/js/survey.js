/* The respondent survey page: character counters and display conditions.
   Loaded as a separate file (no inline script), so a strict Content-Security-Policy works.
   Without JavaScript every question is shown and the limit is enforced by maxlength. */
(function () {
  "use strict";

  function counters(form) {
    form.querySelectorAll("[data-counter-for]").forEach(function (counter) {
      var field = document.getElementById(counter.getAttribute("data-counter-for"));
      if (!field) { return; }
      var max = parseInt(counter.getAttribute("data-max"), 10);
      var template = counter.getAttribute("data-template") || "%(count)s / %(max)s";
      function update() {
        var count = Array.from(field.value).length;
        counter.textContent = template.replace("%(count)s", count).replace("%(max)s", max);
        counter.classList.toggle("counter--near", count >= max * 0.9);
      }
      field.addEventListener("input", update);
      update();
    });
  }

  function answerOf(form, key, kind, item) {
    var name = item ? "q_" + key + "__" + item : "q_" + key;
    var inputs = Array.from(form.elements).filter(function (el) { return el.name === name && !el.disabled; });
    if (kind === "multiple_choice") {
      var picked = inputs.filter(function (el) { return el.checked; }).map(function (el) { return el.value; });
      return picked.length ? picked : null;
    }
    var value = null;
    inputs.forEach(function (el) {
      if ((el.type === "radio" || el.type === "checkbox") ? el.checked : el.value.trim() !== "") { value = el.value; }
    });
    if (value !== null && /^-?\d+$/.test(value)) { return parseInt(value, 10); }
    return value;
  }

  function clauseHolds(clause, answers, kinds) {
    var kind = kinds[clause.question];
    var answer = answers[clause.question + (clause.item ? "__" + clause.item : "")];
    if (answer === undefined || answer === null) { return false; }
    var value = clause.value;
    switch (clause.op) {
      case "answered": return true;
      case "eq": return String(answer) === String(value);
      case "ne": return String(answer) !== String(value);
      case "lt": return answer < value;
      case "lte": return answer <= value;
      case "gt": return answer > value;
      case "gte": return answer >= value;
      case "contains": return Array.isArray(answer) && answer.indexOf(String(value)) !== -1;
      case "in":
      case "not_in": {
        var list = (value || []).map(String);
        var hit = Array.isArray(answer)
          ? answer.some(function (a) { return list.indexOf(String(a)) !== -1; })
          : list.indexOf(String(answer)) !== -1;
        return clause.op === "in" ? hit : !hit;
      }
      default: return false;
    }
  }

  function conditionHolds(condition, answers, kinds) {
    if (condition.all) { return condition.all.every(function (c) { return clauseHolds(c, answers, kinds); }); }
    if (condition.any) { return condition.any.some(function (c) { return clauseHolds(c, answers, kinds); }); }
    return clauseHolds(condition, answers, kinds);
  }

  function applyConditions(form) {
    var answers = {};
    var kinds = {};
    // In document order: a hidden question counts as unanswered for the ones after it.
    form.querySelectorAll("[data-question]").forEach(function (section) {
      var key = section.getAttribute("data-question");
      var kind = section.getAttribute("data-kind");
      kinds[key] = kind;
      var raw = section.getAttribute("data-condition");
      var shown = true;
      if (raw) {
        try { shown = conditionHolds(JSON.parse(raw), answers, kinds); } catch (e) { shown = true; }
      }
      section.hidden = !shown;
      section.querySelectorAll("input, textarea, select").forEach(function (el) { el.disabled = !shown; });
      if (!shown) { return; }
      if (kind === "matrix") {
        section.querySelectorAll(".matrix__row input:checked").forEach(function (el) {
          answers[el.name.slice(2)] = parseInt(el.value, 10);
        });
        answers[key] = section.querySelector("input:checked") ? true : null;
      } else {
        answers[key] = answerOf(form, key, kind, null);
      }
    });
  }

  /* Autosave: the whole form as JSON {locale, fields: {name: [values]}}, with the CSRF token in
     a header, at most one request in flight and one per second; the server applies the
     conditions and keeps only valid answers. */
  function autosave(form) {
    var url = form.getAttribute("data-autosave-url");
    if (!url || !window.fetch || !window.FormData) { return function () {}; }
    var status = document.getElementById("autosave-status");
    var tokenInput = form.querySelector("input[name=csrfmiddlewaretoken]");
    var timer = null;
    var inFlight = false;
    var pending = false;
    var lastSent = null;

    function say(key) {
      if (status) { status.textContent = status.getAttribute("data-" + key) || ""; }
    }

    function payload() {
      var fields = {};
      new FormData(form).forEach(function (value, name) {
        if (name === "csrfmiddlewaretoken" || name === "locale" || name.indexOf("q_") !== 0) { return; }
        (fields[name] = fields[name] || []).push(String(value));
      });
      var locale = form.querySelector("input[name=locale]");
      return JSON.stringify({ locale: locale ? locale.value : "", fields: fields });
    }

    function send() {
      timer = null;
      if (inFlight) { pending = true; return; }
      var body = payload();
      if (body === lastSent) { return; }
      inFlight = true;
      say("saving");
      fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": tokenInput ? tokenInput.value : "" },
        body: body
      }).then(function (response) {
        if (response.ok) { lastSent = body; say("saved"); } else { say("failed"); }
      }).catch(function () { say("failed"); }).then(function () {
        inFlight = false;
        if (pending) { pending = false; schedule(1000); }
      });
    }

    function schedule(delay) {
      if (timer) { clearTimeout(timer); }
      timer = setTimeout(send, delay);
    }

    return function (event) { schedule(event && event.type === "input" ? 1500 : 600); };
  }

  // With script on, conditions show and hide questions, so the "if it applies" notes go.
  document.documentElement.classList.add("js");

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector(".survey-form");
    if (!form) { return; }
    counters(form);
    applyConditions(form);
    var save = autosave(form);
    form.addEventListener("change", function (event) { applyConditions(form); save(event); });
    form.addEventListener("input", function (event) { applyConditions(form); save(event); });
    // One submit at a time: a double tap would otherwise send twice and show "already answered".
    var sending = false;
    form.addEventListener("submit", function (event) {
      if (sending) { event.preventDefault(); return; }
      sending = true;
    });
    var summary = document.querySelector(".error-summary");
    if (summary) { summary.focus(); }
  });
})();
