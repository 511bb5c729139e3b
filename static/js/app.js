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
