/* Small page behaviours that used to be inline scripts and on*= handlers.
 *
 * The Content-Security-Policy allows scripts from our own static files only (no inline code, no
 * eval), so templates mark elements with data- attributes and this file, loaded on every page,
 * does the rest. Listeners sit on the document, so content swapped in by htmx needs no setup.
 *
 *   data-autosubmit          on a <select>: submit its form when the choice changes
 *   data-confirm="…"         on a <form>: ask before submitting (cancel keeps the page as it is)
 *   data-focus-on-load       focus this element once the page has loaded (e.g. a form's error list)
 *   data-poll-when-visible   htmx polling: skip a poll while the tab is hidden
 *   data-poll-when-idle      htmx polling: skip a poll while focus is inside the element
 *   #hash into a <details>   open it and bring the passage into view (resume evidence links)
 *   a 503 to an htmx request (the database is down): its short explanation goes into #messages
 */
(function () {
  "use strict";

  document.addEventListener("change", function (event) {
    var select = event.target.closest && event.target.closest("select[data-autosubmit]");
    if (select && select.form) select.form.requestSubmit();
  });

  document.addEventListener("submit", function (event) {
    var form = event.target.closest && event.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.dataset.confirm)) event.preventDefault();
  }, true);

  /* htmx asks before every request it triggers; polls that should wait are cancelled here (the
   * trigger filters that did this, `every 10s [...]`, need eval, which the policy forbids). */
  document.addEventListener("htmx:confirm", function (event) {
    var elt = event.detail && event.detail.elt;
    if (!elt || !elt.hasAttribute) return;
    if (elt.hasAttribute("data-poll-when-visible") && document.visibilityState !== "visible") {
      event.preventDefault();
    } else if (elt.hasAttribute("data-poll-when-idle") && elt.contains(document.activeElement)) {
      event.preventDefault();
    }
  });

  /* htmx swaps nothing on an error status; a 503 means "wait a moment", so say so where messages go. */
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail && event.detail.xhr;
    var list = document.getElementById("messages");
    if (!xhr || xhr.status !== 503 || !list) return;
    var item = document.createElement("li");
    item.className = "message error";
    item.textContent = xhr.responseText || "Recruitdesk is unavailable for a moment. Try again shortly.";
    list.replaceChildren(item);
  });

  function reveal() {
    var id = decodeURIComponent(window.location.hash.slice(1));
    var target = id && document.getElementById(id);
    var box = target && target.closest("details");
    if (!box) return;
    box.open = true;
    target.scrollIntoView({ block: "center" });
    target.focus({ preventScroll: true });
  }

  function onLoad() {
    var focus = document.querySelector("[data-focus-on-load]");
    if (focus) focus.focus();
    reveal();
  }

  window.addEventListener("hashchange", reveal);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", onLoad);
  else onLoad();
})();
