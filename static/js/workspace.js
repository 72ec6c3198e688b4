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

// Export buttons: "prepare in the background" starts an export through the API (the session and
// its CSRF token) and follows it at GET /api/v1/exports/<id>/ until its file can be downloaded.
(function () {
  var forms = document.querySelectorAll("form.ws-export-start");
  Array.prototype.forEach.call(forms, function (form) {
    var status = form.querySelector(".ws-export-status");
    var link = form.querySelector(".ws-export-download");
    var button = form.querySelector("button");
    var format = form.querySelector("select[name=format]");
    var token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
    // the page's filters, in the file format the user chose
    function withFormat(body, select) {
      var data = JSON.parse(body);
      if (select) { data.format = select.value; }
      return JSON.stringify(data);
    }
    function say(template, values) {
      status.textContent = template.replace(/%\((\w+)\)s/g, function (_m, name) { return values[name]; });
    }
    function follow(url) {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (body) {
          if (body.status === "done" && body.download_url) {
            status.textContent = "";
            link.href = body.download_url;
            link.hidden = false;
            button.disabled = false;
          } else if (body.status === "failed") {
            say(form.dataset.failed, { error: body.error || "" });
            button.disabled = false;
          } else {
            say(form.dataset.running, { progress: (body.progress || 0) + "%" });
            window.setTimeout(function () { follow(url); }, 1000);
          }
        })
        .catch(function () { window.setTimeout(function () { follow(url); }, 3000); });
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      button.disabled = true;
      link.hidden = true;
      say(form.dataset.running, { progress: "0%" });
      fetch(form.action, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": token },
        body: withFormat(form.dataset.body, format),
      })
        .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
        .then(function (answer) {
          if (!answer.ok) {
            say(form.dataset.failed, { error: answer.body.message || "" });
            button.disabled = false;
            return;
          }
          follow(form.action + answer.body.id + "/");
        })
        .catch(function () { button.disabled = false; });
    });
  });
})();
