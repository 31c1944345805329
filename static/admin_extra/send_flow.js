/* "Send flow...": large selections are sent in batches, with a progress bar.
 * Each batch is a POST of the same form with a slice of the contact ids and
 * batch=1; the server answers {enrolled, skipped, execution_ids}. */
(function () {
  "use strict";
  var form = document.getElementById("send-flow-form");
  var button = document.getElementById("send-button");
  if (!form || !button) { return; }
  var batchSize = parseInt(form.getAttribute("data-batch-size"), 10) || 200;
  var ids = form.querySelector("[name=contact_ids]").value.split(",").filter(Boolean);
  if (ids.length <= batchSize) { return; }  /* small selections: a plain POST */

  form.addEventListener("submit", function (event) {
    if (event.submitter !== button) { return; }
    event.preventDefault();
    button.disabled = true;
    var bar = document.getElementById("send-progress-bar");
    var text = document.getElementById("send-progress-text");
    document.getElementById("send-progress").hidden = false;
    var done = 0, enrolled = 0, skipped = {};

    function report(final) {
      var reasons = Object.keys(skipped).map(function (r) { return skipped[r] + " " + r; }).join(", ");
      text.textContent = done + " / " + ids.length + " processed, " + enrolled + " enrolled" +
        (reasons ? ", skipped: " + reasons : "") + (final ? " \u2014 done." : "\u2026");
      bar.value = done;
    }

    function next() {
      if (done >= ids.length) { report(true); return; }
      var data = new FormData(form);
      data.set("contact_ids", ids.slice(done, done + batchSize).join(","));
      data.set("_send", "1");
      data.set("batch", "1");
      fetch(form.action, { method: "POST", body: data, credentials: "same-origin" })
        .then(function (response) { return response.json().then(function (body) { return [response.ok, body]; }); })
        .then(function (answer) {
          if (!answer[0]) { throw new Error((answer[1].errors || ["refused"]).join("; ")); }
          done = Math.min(done + batchSize, ids.length);
          enrolled += answer[1].enrolled;
          answer[1].skipped.forEach(function (s) { skipped[s.reason] = (skipped[s.reason] || 0) + 1; });
          report(false);
          next();
        })
        .catch(function (error) { text.textContent = "Stopped after " + done + " contacts: " + error.message; });
    }
    report(false);
    next();
  });
}());
