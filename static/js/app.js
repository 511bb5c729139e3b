// ContactCare's own behaviour: keyboard shortcuts, search navigation, small
// conveniences. Loaded from a file (the content security policy allows no
// inline script).
(function () {
  "use strict";

  function isTyping(target) {
    if (!target) return false;
    var tag = target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
  }

  function searchHits() {
    return Array.prototype.slice.call(document.querySelectorAll("#search-results a"));
  }

  document.addEventListener("keydown", function (event) {
    // "/" jumps to the search bar from anywhere but a text field.
    if (event.key === "/" && !isTyping(event.target) && !event.ctrlKey && !event.metaKey && !event.altKey) {
      var search = document.getElementById("q");
      if (search) {
        event.preventDefault();
        search.focus();
        search.select();
      }
      return;
    }
    // Alt+<key> follows a link marked data-shortcut="alt+<key>".
    if (event.altKey && !event.ctrlKey && !event.metaKey && event.code && event.code.indexOf("Key") === 0) {
      var key = event.code.slice(3).toLowerCase();
      var link = document.querySelector('[data-shortcut="alt+' + key + '"]');
      if (link) {
        event.preventDefault();
        link.click();
      }
      return;
    }
    // Ctrl+Enter (Cmd+Enter on a Mac) submits a form marked data-ctrl-enter.
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      var form = event.target.closest ? event.target.closest("form[data-ctrl-enter]") : null;
      if (form) {
        event.preventDefault();
        form.requestSubmit();
      }
      return;
    }
    // Arrow keys move between the search bar and its results; Escape closes them.
    if (event.target.id === "q" || event.target.closest && event.target.closest("#search-results")) {
      var hits = searchHits();
      var index = hits.indexOf(event.target);
      if (event.key === "ArrowDown" && hits.length) {
        event.preventDefault();
        hits[Math.min(index + 1, hits.length - 1)].focus();
      } else if (event.key === "ArrowUp" && index >= 0) {
        event.preventDefault();
        if (index === 0) document.getElementById("q").focus();
        else hits[index - 1].focus();
      } else if (event.key === "Escape") {
        var results = document.getElementById("search-results");
        if (results) results.innerHTML = "";
        document.getElementById("q").focus();
      }
    }
  });

  // Close the search dropdown when focus or a click leaves it.
  document.addEventListener("click", function (event) {
    var box = document.querySelector(".topbar-search");
    var results = document.getElementById("search-results");
    if (box && results && !box.contains(event.target)) results.innerHTML = "";
  });

  // <select data-autosubmit> submits its form on change (language switch, filters).
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("select[data-autosubmit]")) {
      event.target.form.requestSubmit ? event.target.form.requestSubmit() : event.target.form.submit();
    }
  });

  // <form data-confirm="question"> asks before it submits.
  document.addEventListener("submit", function (event) {
    var question = event.target.getAttribute && event.target.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  }, true);

  // A form posts once: its buttons disable after the first submit (a double
  // click sends one request). The server's one-time key is the guarantee;
  // this only spares the user a second round trip.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || (form.method || "").toLowerCase() !== "post" || form.hasAttribute("hx-post")) return;
    window.setTimeout(function () {  // after the browser has read the clicked button's name and value
      Array.prototype.forEach.call(form.querySelectorAll("button[type=submit], button:not([type]), input[type=submit]"),
        function (button) { button.disabled = true; button.setAttribute("data-submitted", ""); });
      form.setAttribute("aria-busy", "true");
    }, 0);
  });
  // A form's one-time key survives the Back button: the browser re-fetches the
  // page (a fresh key) but restores what was typed, so saving again would be a
  // second submission. Remember the key each form page submitted, and on a
  // back/forward visit put it back: the server then answers "already saved".
  var navigation = window.performance && performance.getEntriesByType ? performance.getEntriesByType("navigation")[0] : null;
  var submittedKey = "contactcare:submitted:" + location.pathname + location.search;
  var keyInput = document.querySelector("form input[name=submission_key]");
  if (keyInput && navigation && navigation.type === "back_forward") {
    try {
      var used = window.sessionStorage.getItem(submittedKey);
      if (used) keyInput.value = used;
    } catch (error) { /* storage disabled: the server still refuses nothing twice within one page view */ }
  }
  document.addEventListener("submit", function (event) {
    var input = event.target.querySelector && event.target.querySelector("input[name=submission_key]");
    if (!input || event.defaultPrevented) return;
    try { window.sessionStorage.setItem(submittedKey, input.value); } catch (error) { /* see above */ }
  });
  // Back to a page the browser kept (bfcache): its buttons work again.
  window.addEventListener("pageshow", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-submitted]"), function (button) {
      button.disabled = false;
      button.removeAttribute("data-submitted");
    });
    Array.prototype.forEach.call(document.querySelectorAll("form[aria-busy]"), function (form) {
      form.removeAttribute("aria-busy");
    });
  });
})();

// Formsets: a button data-formset-add="<prefix>" appends a copy of
// <template id="<singular>-empty-form">, numbered via the management form.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-formset-add]");
    if (button) {
      var prefix = button.getAttribute("data-formset-add");
      var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
      var template = document.getElementById(prefix.replace(/s$/, "") + "-empty-form");
      var target = document.getElementById(prefix.replace(/s$/, "") + "-forms");
      if (!total || !template || !target) return;
      var index = parseInt(total.value, 10);
      var html = template.innerHTML.replace(/__prefix__/g, String(index));
      target.insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
      var first = target.lastElementChild && target.lastElementChild.querySelector("input, select, textarea");
      if (first) first.focus();
      return;
    }
    // "Never mind" in an inline row form closes it.
    var dismiss = event.target.closest && event.target.closest("[data-dismiss-row-form]");
    if (dismiss) {
      var holder = dismiss.closest(".row-form");
      if (holder) holder.innerHTML = "";
    }
  });
  // An inline row form that htmx loads gets the focus.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.target.classList && event.target.classList.contains("row-form")) {
      var field = event.target.querySelector("input:not([type=hidden]), select, textarea");
      if (field) field.focus();
    }
  });
})();

// --- Keyboard map, focus after a failed save, direction, due quick picks, select all (issue 9) ---
(function () {
  "use strict";
  // Elements marked data-js-only are hidden (app.css) until this script runs.
  document.documentElement.classList.add("js");

  function isTyping(target) {
    if (!target) return false;
    var tag = target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
  }

  // "?" outside a text field opens the keyboard map (a Bootstrap dialog: Esc closes it, focus stays inside).
  document.addEventListener("keydown", function (event) {
    if (event.key !== "?" || event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) return;
    var map = document.getElementById("keyboard-help");
    if (!map || !window.bootstrap) return;
    event.preventDefault();
    window.bootstrap.Modal.getOrCreateInstance(map).show();
  });

  // After a failed save the cursor goes to the first field in error, not to the form's usual first field.
  var invalid = document.querySelector(
    "main form .is-invalid, main form .has-error input:not([type=hidden]), main form .has-error select, main form .has-error textarea"
  );
  if (invalid) invalid.focus();

  // The direction in words under the summary follows the Channel and Direction lists; "switch" flips it.
  function directionShow(form) {
    var shown = form.querySelector("[data-direction-shown]");
    var direction = form.querySelector("select[name=direction]");
    var channel = form.querySelector("select[name=channel]");
    if (!shown || !direction) return;
    var text = shown.querySelector("[data-direction-text]");
    var out = direction.value === "out";
    var words = shown.getAttribute(out ? "data-out" : "data-in");
    if (channel && channel.selectedIndex >= 0) words = channel.options[channel.selectedIndex].text + " · " + words;
    text.textContent = words;
    text.classList.toggle("text-bg-warning", out);
    text.classList.toggle("text-bg-info", !out);
  }
  Array.prototype.forEach.call(document.querySelectorAll("[data-direction-shown]"), function (shown) {
    directionShow(shown.closest("form"));
  });
  document.addEventListener("change", function (event) {
    var name = event.target.name;
    if ((name === "direction" || name === "channel") && event.target.form) directionShow(event.target.form);
  });
  document.addEventListener("click", function (event) {
    var flip = event.target.closest && event.target.closest("[data-direction-switch]");
    var direction = flip && flip.form ? flip.form.querySelector("select[name=direction]") : null;
    if (!direction) return;
    direction.value = direction.value === "out" ? "in" : "out";
    direction.dispatchEvent(new Event("change", { bubbles: true }));
  });

  // Due quick picks: the server computed them (the desk's calendar and time zone) into data-due-pick.
  function dueField(element) {
    var row = element.closest(".promise-form");
    return row ? row.querySelector("[data-due-field]") : null;
  }
  function duePick(field, button) {
    field.value = button.getAttribute("data-due-pick");
    var buttons = field.closest(".promise-form").querySelectorAll("[data-due-pick]");
    Array.prototype.forEach.call(buttons, function (other) {
      other.classList.toggle("active", other === button);
      other.setAttribute("aria-pressed", other === button ? "true" : "false");
    });
  }
  // In the due field, ArrowDown and ArrowUp step through the quick picks.
  document.addEventListener("keydown", function (event) {
    var field = event.target;
    if (!field.matches || !field.matches("[data-due-field]")) return;
    if ((event.key !== "ArrowDown" && event.key !== "ArrowUp") || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    var picks = Array.prototype.slice.call(field.closest(".promise-form").querySelectorAll("[data-due-pick]"));
    if (!picks.length) return;
    event.preventDefault();
    var now = picks.findIndex(function (pick) { return pick.getAttribute("data-due-pick") === field.value; });
    var next = event.key === "ArrowDown" ? Math.min(now + 1, picks.length - 1) : Math.max(now - 1, 0);
    duePick(field, picks[next]);
  });
  // Typing in the field: no quick pick is the chosen one any more.
  document.addEventListener("input", function (event) {
    if (!event.target.matches || !event.target.matches("[data-due-field]")) return;
    Array.prototype.forEach.call(event.target.closest(".promise-form").querySelectorAll("[data-due-pick]"), function (pick) {
      pick.classList.remove("active");
      pick.setAttribute("aria-pressed", "false");
    });
  });
  document.addEventListener("click", function (event) {
    var pick = event.target.closest && event.target.closest("[data-due-pick]");
    if (pick) {
      var field = dueField(pick);
      if (field) { duePick(field, pick); field.focus(); }
      return;
    }
    // The calendar button shows the browser's own date-time picker; its choice is written back as text.
    var calendar = event.target.closest && event.target.closest("[data-due-calendar]");
    if (calendar) {
      var picker = calendar.closest(".promise-form").querySelector("[data-due-picker]");
      picker.hidden = false;
      picker.focus();
      try { picker.showPicker(); } catch (error) { /* an older browser: the revealed input is the picker */ }
    }
  });
  document.addEventListener("change", function (event) {
    var picker = event.target;
    if (!picker.matches || !picker.matches("[data-due-picker]") || !picker.value) return;
    var parts = picker.value.split("T");  // 2025-11-26T09:00 → 26-11-2025 09:00, as the desk writes it
    var day = parts[0].split("-");
    var field = dueField(picker);
    field.value = day[2] + "-" + day[1] + "-" + day[0] + " " + parts[1].slice(0, 5);
    picker.hidden = true;
    field.focus();
  });

  // The team board: "select all" ticks every row of its list on this page; it shows when some are ticked.
  function selectAllSync(all) {
    var boxes = document.querySelectorAll("input[type=checkbox][name='" + all.getAttribute("data-select-all") + "']");
    var ticked = Array.prototype.filter.call(boxes, function (box) { return box.checked; }).length;
    all.checked = boxes.length > 0 && ticked === boxes.length;
    all.indeterminate = ticked > 0 && ticked < boxes.length;
  }
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (box.type !== "checkbox") return;
    var name = box.getAttribute("data-select-all");
    if (name) {
      Array.prototype.forEach.call(document.querySelectorAll("input[type=checkbox][name='" + name + "']"), function (row) {
        row.checked = box.checked;
      });
      return;
    }
    var all = document.querySelector("[data-select-all='" + box.name + "']");
    if (all) selectAllSync(all);
  });
  Array.prototype.forEach.call(document.querySelectorAll("[data-select-all]"), selectAllSync);
})();

// --- Copy the reply-by sentence into the clipboard (issue 13) ---
(function () {
  "use strict";
  // A [data-copy] button copies the text of the element its value names; it says "Copied" for a moment.
  // Without the clipboard API (an http page other than localhost) the text is selected for Ctrl+C instead.
  function select(element) {
    var range = document.createRange();
    range.selectNodeContents(element);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-copy]");
    if (!button) return;
    var source = document.querySelector(button.getAttribute("data-copy"));
    if (!source) return;
    var text = source.textContent.trim();
    var label = button.textContent;
    function copied() {
      button.textContent = button.getAttribute("data-copied") || label;
      window.setTimeout(function () { button.textContent = label; }, 2000);
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(copied, function () { select(source); });
    } else {
      select(source);
    }
  });
})();

// --- Say what happens next (issue 13) ---
// The log form's "What happens next?" block shows for a "no" to "fully helped?" (and whenever it holds
// something); "Promise it" puts the text in a promise row and moves to its due field. Without this script
// the block is always there, and a "no" refused without a promise comes back with the promise row filled in.
(function () {
  "use strict";
  var block = document.querySelector("[data-next-step]");
  if (!block) return;
  var form = block.closest("form");
  var helped = form.querySelector("select[name=fully_helped]");
  var text = block.querySelector("textarea[name=next_step]");
  var handover = block.querySelector("select[name=handover_to]");

  function holdsSomething() {
    return Boolean((text && text.value.trim()) || (handover && handover.value) || block.querySelector(".is-invalid"));
  }
  function show(focus) {
    var no = helped && helped.value === "false";
    if (no || holdsSomething()) {
      block.removeAttribute("data-answer-hidden");
      if (focus && no && text && !text.value.trim()) text.focus();
    } else {
      block.setAttribute("data-answer-hidden", "");
    }
  }
  if (helped) helped.addEventListener("change", function () { show(true); });
  show(false);

  var promise = block.querySelector("[data-next-step-promise]");
  if (!promise) return;
  promise.addEventListener("click", function () {
    var rows = form.querySelectorAll("#promise-forms .promise-form");
    var row = rows.length ? rows[rows.length - 1] : null;
    var description = row ? row.querySelector("input[name$='-description']") : null;
    if (!description || description.value.trim()) {  // no row, or one in use: a new row
      var add = form.querySelector("[data-formset-add=promises]");
      if (!add) return;
      add.click();  // the formset script (above) appends it synchronously
      rows = form.querySelectorAll("#promise-forms .promise-form");
      row = rows[rows.length - 1];
      description = row.querySelector("input[name$='-description']");
    }
    description.value = text ? text.value.trim() : "";
    var due = row.querySelector("[data-due-field]");
    (due || description).focus();
  });
})();
