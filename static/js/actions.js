// Recruiter actions (templates/candidates/_application_actions.html, _bulk_action_bar.html).
// Everything works without this file; it only makes the forms nicer with htmx:
// - shows the 400 error fragments of action endpoints (htmx does not swap 4xx answers by default),
// - after a queued action, clears the form and gives it a fresh form token (the same token twice is a
//   double submission, which returns the first action),
// - in the bulk bar, shows only the chosen action's fields and counts the selected applications.
(function () {
  "use strict";
  if (window.recruiterActions) return;
  // Pages that check boxes from script (a "select all") call recruiterActions.update() afterwards.
  window.recruiterActions = { update: updateAll };

  var MAX_RESULTS = 6; // chips kept in a result slot; older ones are dropped

  function newToken() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    var hex = "";
    for (var i = 0; i < 32; i++) hex += Math.floor(Math.random() * 16).toString(16);
    return hex;
  }

  function actionForm(elt) {
    return elt && elt.closest ? elt.closest("[data-recruiter-action], [data-bulk-form]") : null;
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    var config = event.detail.requestConfig || {};
    if (!actionForm(config.elt)) return;
    if (event.detail.xhr.status === 400) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
    var target = event.detail.target;
    if (target) {
      target.querySelectorAll(":scope > .action-error").forEach(function (old) { old.remove(); });
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (!target || !target.classList || !target.classList.contains("action-result")) return;
    while (target.children.length > MAX_RESULTS) target.lastElementChild.remove();
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (!form || form.tagName !== "FORM" || !actionForm(form)) return;
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (status < 200 || status >= 300) return;
    if (form.hasAttribute("data-remove-tag")) {
      var chip = form.closest("[data-tag]");
      if (chip) chip.classList.add("is-removed");
    } else if (!form.hasAttribute("data-bulk-form")) {
      form.reset();
      // A draft kept from a refused no-JS post is the default value: do not bring it back.
      form.querySelectorAll('input:not([type]), input[type="text"], input[type="url"], textarea').forEach(function (field) {
        field.value = "";
      });
    }
    if (form.elements.form_token) form.elements.form_token.value = newToken();
    if (form.hasAttribute("data-bulk-form")) window.setTimeout(function () { updateBulk(form); }, 0);
  });

  // -- bulk bar --------------------------------------------------------------------------------------
  function selectedCount(form) {
    if (!form.id) return 0;
    var boxes = document.querySelectorAll('input[name="application"][form="' + form.id + '"]:checked');
    var inside = form.querySelectorAll('input[name="application"]:checked');
    return boxes.length + inside.length;
  }

  function updateBulk(form) {
    var select = form.querySelector("[data-bulk-action]");
    var action = select ? select.value : "";
    form.querySelectorAll("[data-bulk-fields]").forEach(function (fieldset) {
      var shown = fieldset.getAttribute("data-bulk-fields").split(" ").indexOf(action) !== -1;
      fieldset.hidden = !shown;
      fieldset.disabled = !shown; // hidden fields are neither sent nor validated
    });
    var count = selectedCount(form);
    form.querySelectorAll("[data-bulk-count]").forEach(function (span) { span.textContent = String(count); });
    var submit = form.querySelector("[data-bulk-submit]");
    if (submit) submit.disabled = count === 0;
    var threshold = parseInt(form.getAttribute("data-threshold") || "10", 10);
    form.querySelectorAll("[data-bulk-approval]").forEach(function (note) {
      note.hidden = count <= threshold || action === "rescore";
    });
  }

  function updateAll() {
    document.querySelectorAll("[data-bulk-form]").forEach(updateBulk);
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input.matches && input.matches("[data-bulk-action]")) {
      updateBulk(input.form);
    } else if (input.name === "application" && input.form && input.form.hasAttribute("data-bulk-form")) {
      updateBulk(input.form);
    }
  });

  // Lists re-rendered by htmx bring new (unchecked) checkboxes: count again.
  document.addEventListener("htmx:load", updateAll);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", updateAll);
  } else {
    updateAll();
  }
})();
