/* The pipeline page: drag-and-drop moves, optimistic card moves, calm live refresh, select-all.
 *
 * Plain JavaScript on top of htmx; everything here is an enhancement. Without it the board still
 * filters, moves cards (the "Move to…" form posts and comes back) and links everywhere.
 * Listeners sit on the document, so results swapped in by htmx need no setup.
 */
(function () {
  "use strict";

  var RESULTS = "pipeline-results";
  var MOVE_GRACE_MS = 30000;
  var dragged = null; // the card being dragged
  var refreshWaiting = false; // a change arrived while the user was busy
  var retryTimer = null;

  function $(selector, root) { return (root || document).querySelector(selector); }
  function $$(selector, root) { return Array.prototype.slice.call((root || document).querySelectorAll(selector)); }

  function announce(text) {
    var region = document.getElementById("pipeline-announcer");
    if (!region) return;
    region.textContent = "";
    // A fresh text node after a tick makes screen readers read the same message twice if needed.
    window.setTimeout(function () { region.textContent = text; }, 50);
  }

  function column(stageId) { return $('.column[data-stage-id="' + stageId + '"]'); }
  /* A card's stage is its column's: moving the element is moving the card. */
  function stageOf(card) { var c = card.closest(".column[data-stage-id]"); return c ? c.dataset.stageId : ""; }
  function cardName(card) { var a = $(".pcard-name", card); return a ? a.textContent.trim() : "The candidate"; }
  function stageName(stageId) { var c = column(stageId); return c ? c.dataset.stageName : "another stage"; }

  function bumpCount(stageId, delta) {
    var c = column(stageId);
    var counter = c && $("[data-count]", c);
    if (!counter) return;
    var n = Math.max(0, (parseInt(counter.textContent, 10) || 0) + delta);
    counter.textContent = String(n);
    counter.setAttribute("aria-label", n + (n === 1 ? " application" : " applications"));
  }

  /* The "Move to…" options are the stages other than the card's own. */
  function rebuildOptions(card) {
    var select = $('select[name="stage"]', card);
    if (!select) return;
    var placeholder = select.options[0];
    var options = $$(".column[data-stage-id]").filter(function (c) {
      return c.dataset.stageId !== stageOf(card);
    }).map(function (c) { return new Option(c.dataset.stageName, c.dataset.stageId); });
    select.replaceChildren.apply(select, [placeholder].concat(options));
  }

  /* Put `card` into the column of `stageId`, in fit-score order, and fix counts and options. */
  function place(card, stageId) {
    var target = column(stageId);
    var list = target && $("[data-cards]", target);
    var from = stageOf(card);
    if (!list || from === stageId) return false;
    var score = parseFloat(card.dataset.score);
    var before = $$(".pcard", list).find(function (other) {
      var otherScore = parseFloat(other.dataset.score);
      return other !== card && (isNaN(otherScore) ? !isNaN(score) : !isNaN(score) && otherScore < score);
    });
    // Moving an element drops its focus: keep it where the person was working.
    var focused = card.contains(document.activeElement) ? document.activeElement : null;
    bumpCount(from, -1);
    bumpCount(stageId, +1);
    list.insertBefore(card, before || $(".column-empty", list));
    rebuildOptions(card);
    if (focused && document.body.contains(focused)) focused.focus();
    return true;
  }

  /* Optimistic move: remember where the card came from, so an error can put it back. */
  function moveOptimistically(card, stageId) {
    var from = stageOf(card);
    if (!place(card, stageId)) return;
    card.dataset.movedFrom = from;
    card.dataset.movedAt = String(Date.now());
    card.classList.add("is-moving");
  }

  function moveBack(card, reason) {
    var from = card.dataset.movedFrom;
    card.classList.remove("is-moving");
    delete card.dataset.movedFrom;
    delete card.dataset.movedAt;
    if (from) place(card, from);
    announce(cardName(card) + " was not moved" + (reason ? ": " + reason : "") + ".");
    maybeRefresh();
  }

  function settled(card) {
    card.classList.remove("is-moving");
    delete card.dataset.movedFrom;
    delete card.dataset.movedAt;
    maybeRefresh();
  }

  function submitMove(card, stageId) {
    var form = $(".move-form", card);
    var select = form && $('select[name="stage"]', form);
    if (!select) return;
    select.value = stageId;
    if (select.value !== stageId) return; // not one of this card's options
    form.requestSubmit();
  }

  // -- Moves through the form (keyboard, or a drop) -----------------------------------------------

  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.detail.elt;
    if (!form.classList || !form.classList.contains("move-form")) return;
    var card = form.closest(".pcard");
    var select = $('select[name="stage"]', form);
    var stageId = select.value;
    var hadFocus = document.activeElement && form.contains(document.activeElement);
    moveOptimistically(card, stageId);
    var details = form.closest("details");
    if (details) details.open = false;
    if (hadFocus) {
      // Follow the card to its new column with the focus, on its summary.
      var summary = details ? $("summary", details) : select;
      summary.focus();
    }
    announce("Moving " + cardName(card) + " to " + stageName(stageId) + "…");
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    var form = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (!form || !form.classList || !form.classList.contains("move-form")) return;
    var card = form.closest(".pcard");
    var status = event.detail.xhr.status;
    if (status >= 400) {
      // 400 comes with a short explanation to show in the card's status slot; anything else
      // (403, 5xx) is a whole page, so say it in our own words. Either way the card goes back.
      var reason = "";
      if (status === 400) {
        event.detail.shouldSwap = true;
        event.detail.isError = false;
        reason = event.detail.serverResponse.replace(/<[^>]*>/g, " ").replace(/\s+/g, " ").replace(/[\s.]+$/, "").trim();
      } else {
        event.detail.shouldSwap = false;
        $(".card-status", card).textContent = status === 403
          ? "Your role cannot move candidates."
          : "The move could not be saved (error " + status + "). Try again in a moment.";
      }
      moveBack(card, reason);
    } else {
      announce(cardName(card) + " moved to " + stageName(stageOf(card)) + ". Sending it to Lever…");
    }
  });

  document.addEventListener("htmx:sendError", function (event) {
    var form = event.detail.elt;
    if (!form.classList || !form.classList.contains("move-form")) return;
    var card = form.closest(".pcard");
    $(".card-status", card).textContent = "No connection to Recruitdesk. The card was not moved.";
    moveBack(card, "no connection");
  });

  /* A status chip swapped in: a failed move goes back, a finished one lets the board refresh. */
  document.addEventListener("htmx:load", function (event) {
    var chip = event.detail.elt;
    if (!chip.classList || !chip.classList.contains("writeback-status")) return;
    var card = chip.closest(".pcard");
    if (!card || !card.dataset.movedFrom) return;
    var status = chip.dataset.status;
    if (status === "failed" || status === "cancelled") moveBack(card, "Lever refused it");
    // Waiting for an admin's approval can take hours: stop holding the board's refresh for it.
    else if (status === "succeeded" || status === "awaiting_approval") settled(card);
  });

  // -- Drag and drop (the mouse way to do the same as the form) ----------------------------------

  document.addEventListener("dragstart", function (event) {
    var card = event.target.closest && event.target.closest('.pcard[draggable="true"]');
    if (!card) return;
    dragged = card;
    card.classList.add("is-dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", cardName(card));
  });

  document.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("is-dragging");
    dragged = null;
    $$(".column.is-drop-target").forEach(function (c) { c.classList.remove("is-drop-target"); });
    maybeRefresh();
  });

  document.addEventListener("dragover", function (event) {
    var target = dragged && event.target.closest && event.target.closest(".column[data-stage-id]");
    if (!target || target.dataset.stageId === stageOf(dragged)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    $$(".column.is-drop-target").forEach(function (c) { if (c !== target) c.classList.remove("is-drop-target"); });
    target.classList.add("is-drop-target");
  });

  document.addEventListener("drop", function (event) {
    var target = dragged && event.target.closest && event.target.closest(".column[data-stage-id]");
    if (!target) return;
    event.preventDefault();
    target.classList.remove("is-drop-target");
    submitMove(dragged, target.dataset.stageId);
  });

  // -- Live refresh that does not get in the way -------------------------------------------------

  /* A move sent in the last half minute: the mirror does not show it yet, a refresh would undo it. */
  function moveInFlight(results) {
    return $$(".pcard[data-moved-from]", results).some(function (card) {
      return Date.now() - Number(card.dataset.movedAt || 0) < MOVE_GRACE_MS;
    });
  }

  /* Busy: dragging, a move in flight, a form control in the results focused, or rows selected. */
  function busy() {
    var results = document.getElementById(RESULTS);
    if (!results) return false;
    var active = document.activeElement;
    return Boolean(
      dragged ||
      moveInFlight(results) ||
      $("details[open]", results) ||
      (active && results.contains(active) && /^(SELECT|INPUT|BUTTON|TEXTAREA)$/.test(active.tagName)) ||
      $('input[name="application"]:checked', results)
    );
  }

  function showStale(show) {
    var notice = document.getElementById("pipeline-stale");
    if (!notice) return;
    notice.hidden = !show;
    var link = $("[data-refresh]", notice);
    if (link) link.href = window.location.href;
  }

  function maybeRefresh() {
    if (!refreshWaiting) return;
    if (busy()) {
      // Look again shortly: a move's grace period ends without any event to tell us.
      if (!retryTimer) retryTimer = window.setTimeout(function () { retryTimer = null; maybeRefresh(); }, 2000);
      return;
    }
    refreshWaiting = false;
    showStale(false);
    htmx.trigger(document.body, "pipeline-changed");
  }

  document.addEventListener("htmx:confirm", function (event) {
    var trigger = event.detail.triggeringEvent;
    if (!trigger || trigger.type !== "pipeline-changed" || event.detail.elt.id !== RESULTS) return;
    if (busy()) {
      event.preventDefault();
      refreshWaiting = true;
      // Rows picked for a bulk action are never thrown away: offer the refresh instead.
      if ($('input[name="application"]:checked')) showStale(true);
      maybeRefresh();
    }
  });

  document.addEventListener("focusout", function () { window.setTimeout(maybeRefresh, 0); });
  document.addEventListener("toggle", function () { window.setTimeout(maybeRefresh, 0); }, true);
  document.addEventListener("change", function (event) {
    if (event.target.name === "application") window.setTimeout(maybeRefresh, 0);
  });

  /* Keep the horizontal and per-column scroll across a swap of the results (htmx itself puts the
     focus back on the element with the same id, without scrolling). */
  var kept = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (!event.detail.target || event.detail.target.id !== RESULTS || !event.detail.shouldSwap) return;
    var board = $("[data-board]");
    kept = {
      left: board ? board.scrollLeft : 0,
      columns: $$(".column[data-stage-id]").map(function (c) {
        return [c.dataset.stageId, $("[data-cards]", c).scrollTop];
      })
    };
  });

  document.addEventListener("htmx:afterSwap", function () {
    if (!kept || !document.getElementById(RESULTS)) return;
    var board = $("[data-board]");
    if (board) board.scrollLeft = kept.left;
    kept.columns.forEach(function (pair) {
      var c = column(pair[0]);
      if (c) $("[data-cards]", c).scrollTop = pair[1];
    });
    kept = null;
    showStale(false);
  });

  /* Leave empty filters out of the request, so the address reads "?tier=tier_1", not "?q=&tier=…". */
  document.addEventListener("htmx:configRequest", function (event) {
    var form = event.detail.elt;
    if (!form.classList || !form.classList.contains("pipeline-filters")) return;
    var data = event.detail.formData;
    Array.from(new Set(data.keys())).forEach(function (name) {
      if (data.getAll(name).every(function (value) { return value === ""; })) data.delete(name);
    });
  });

  /* Back and forward restore the results from htmx's history, not the filter form: set its
     fields from the address so both say the same. */
  document.addEventListener("htmx:historyRestore", function () {
    var form = $(".pipeline-filters");
    if (!form) return;
    var params = new URLSearchParams(window.location.search);
    $$("input[name], select[name]", form).forEach(function (field) {
      if (field.type === "hidden" && !params.has(field.name)) return;
      field.value = params.get(field.name) || "";
    });
  });

  // -- Select all (the list view) ----------------------------------------------------------------

  document.addEventListener("change", function (event) {
    var all = event.target.closest && event.target.closest("[data-select-all]");
    if (all) {
      $$('input[name="application"]', all.closest("table")).forEach(function (box) { box.checked = all.checked; });
      return;
    }
    if (event.target.name === "application") {
      var table = event.target.closest("table");
      var header = table && $("[data-select-all]", table);
      if (!header) return;
      var boxes = $$('input[name="application"]', table);
      var checked = boxes.filter(function (box) { return box.checked; }).length;
      header.checked = checked === boxes.length;
      header.indeterminate = checked > 0 && checked < boxes.length;
    }
  });
})();
