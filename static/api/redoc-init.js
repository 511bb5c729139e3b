"use strict";
// Starts ReDoc on the schema named by the page (no inline script: the CSP allows scripts from files only).
(function () {
  const container = document.getElementById("redoc-container");
  if (container && window.Redoc) {
    window.Redoc.init(container.dataset.specUrl, {}, container);
  }
})();
