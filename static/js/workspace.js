// The workspace filter form: a changed survey or period applies at once (the Apply button
// stays for keyboards and for pages without script).
(function () {
  var form = document.getElementById("filters");
  if (!form) return;
  var survey = form.querySelector("select[name=survey]");
  if (survey) {
    survey.addEventListener("change", function () { form.submit(); });
  }
})();
