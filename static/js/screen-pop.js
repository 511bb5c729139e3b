// The screen-pop (issue 12): every open tab keeps one websocket to /ws/calls/
// (or PUSH_URL) and shows the card the server renders for an incoming call,
// without a reload. Cards stack, newest on top; the close button (or Esc inside
// a card) dismisses one. L opens the newest card's main action: the log form,
// pre-filled with the call (for a number several customers share: focuses the
// list). When nothing is being typed the new card's main button takes the
// focus, so Enter opens it too. A lost connection is retried with backoff; a
// signed-out session (close code 4401) is not.
(function () {
  "use strict";

  var region = document.getElementById("screen-pops");
  var status = document.getElementById("screen-pop-status");
  if (!region || !window.WebSocket) return;
  region.style.zIndex = "1045"; // above dropdowns and the sticky navbar, below modals (1050+)
  region.style.maxHeight = "calc(100vh - 1rem)";

  var SIGNED_OUT = 4401;
  var MAX_DELAY = 30000;
  var socket = null;
  var attempts = 0;
  var retryTimer = null;
  var stopped = false;
  var leaving = false;

  function socketUrl() {
    var configured = region.getAttribute("data-push-url");
    if (configured) return configured;
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    return scheme + window.location.host + (region.getAttribute("data-push-path") || "/ws/calls/");
  }

  function isTyping(element) {
    if (!element) return false;
    var tag = element.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || element.isContentEditable;
  }

  function modalOpen() {
    return !!document.querySelector(".modal.show");
  }

  function cards() {
    return Array.prototype.slice.call(region.querySelectorAll(".screen-pop"));
  }

  function refreshRegion() {
    var all = cards();
    region.classList.toggle("d-none", all.length === 0);
    all.forEach(function (card, position) {  // L opens the newest card: only that one shows the key
      Array.prototype.forEach.call(card.querySelectorAll("[data-pop-key]"), function (key) {
        key.classList.toggle("d-none", position > 0);
      });
    });
  }

  function announce(text) {
    if (!status || !text) return;
    status.textContent = "";
    window.setTimeout(function () { status.textContent = text; }, 50); // a change is what gets read out
  }

  function show(message) {
    var holder = document.createElement("div");
    holder.innerHTML = message.html; // rendered and escaped by the server (cti/_screen_pop.html)
    var card = holder.querySelector(".screen-pop");
    if (!card) return;
    var old = document.getElementById(card.id);
    if (old) old.remove(); // the same call again (a reconnect, a second event): one card
    region.insertBefore(card, region.firstChild);
    refreshRegion();
    announce(card.getAttribute("data-announce"));
    var primary = card.querySelector("[data-pop-primary]");
    if (primary && !isTyping(document.activeElement) && !modalOpen()) primary.focus();
    document.dispatchEvent(new CustomEvent("screen-pop:shown", { detail: { call: message.call } }));
  }

  function dismiss(card) {
    var next = card.nextElementSibling || card.previousElementSibling;
    var hadFocus = card.contains(document.activeElement);
    card.remove();
    refreshRegion();
    if (hadFocus) {
      var target = next && next.querySelector("[data-pop-primary], a, button");
      if (target) target.focus();
    }
  }

  function scheduleRetry() {
    if (stopped || retryTimer) return;
    // 0.5 s, 1 s, 2 s … up to 30 s, with jitter so that a restarted server is not hit by every tab at once.
    var delay = Math.min(MAX_DELAY, 500 * Math.pow(2, attempts)) * (0.75 + Math.random() * 0.5);
    attempts += 1;
    retryTimer = window.setTimeout(function () { retryTimer = null; connect(); }, delay);
  }

  function connect() {
    if (stopped || (socket && socket.readyState <= 1)) return;
    try {
      socket = new WebSocket(socketUrl());
    } catch (error) {
      scheduleRetry();
      return;
    }
    socket.addEventListener("open", function () {
      attempts = 0;
      region.setAttribute("data-connected", "");
    });
    socket.addEventListener("message", function (event) {
      var message;
      try { message = JSON.parse(event.data); } catch (error) { return; }
      if (message && message.type === "call.pop" && message.html) show(message);
    });
    socket.addEventListener("close", function (event) {
      region.removeAttribute("data-connected");
      socket = null;
      if (event.code === SIGNED_OUT) { stopped = true; return; }
      if (leaving) return;
      scheduleRetry();
    });
  }

  region.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-pop-dismiss]");
    if (button) dismiss(button.closest(".screen-pop"));
  });

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var inCard = event.target.closest && event.target.closest(".screen-pop");
    if (event.key === "Escape" && inCard) {
      event.preventDefault();
      dismiss(inCard);
      return;
    }
    if ((event.key === "l" || event.key === "L") && !isTyping(event.target) && !modalOpen()) {
      var newest = cards()[0];
      var primary = newest && newest.querySelector("[data-pop-primary]");
      if (!primary) return;
      event.preventDefault();
      if (newest.classList.contains("screen-pop-shared")) primary.focus(); // who is calling: the user picks
      else primary.click();
    }
  });

  // Back to a page the browser kept (bfcache): its socket was closed; open it again.
  window.addEventListener("pageshow", function (event) {
    leaving = false;
    if (event.persisted) { attempts = 0; connect(); }
  });
  // Leaving the page closes the socket quietly (no retry from a page that is going away).
  window.addEventListener("pagehide", function () {
    leaving = true;
    if (retryTimer) { window.clearTimeout(retryTimer); retryTimer = null; }
    if (socket) { var closing = socket; socket = null; closing.close(1000); }
  });

  connect();
})();
