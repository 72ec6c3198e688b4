// The workspace filter form: a changed survey applies at once (the Apply button stays for
// keyboards and for pages without script); on a phone the form starts folded under its summary
// unless a filter needs correcting.
(function () {
  var form = document.getElementById("filters");
  if (!form) return;
  var survey = form.querySelector("select[name=survey]");
  if (survey) {
    survey.addEventListener("change", function () { form.submit(); });
  }
  var box = document.getElementById("filter-box");
  var small = window.matchMedia && window.matchMedia("(max-width: 40rem)").matches;
  if (box && small && !document.getElementById("filter-errors")) {
    box.open = false;
  }
})();
