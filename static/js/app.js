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
})();
