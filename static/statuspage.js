// Status page behaviour: a light/dark toggle that remembers the choice.
// The page is complete without it; the button stays hidden then.
(function () {
  "use strict";
  var root = document.documentElement;
  var fixed = root.getAttribute("data-theme");
  try {
    var saved = localStorage.getItem("bw-status-theme");
    if (saved === "light" || saved === "dark") root.setAttribute("data-theme", saved);
  } catch (e) {}
  document.addEventListener("DOMContentLoaded", function () {
    var btn = document.querySelector("[data-sp-theme]");
    if (!btn) return;
    btn.hidden = false;
    btn.addEventListener("click", function () {
      var cur = root.getAttribute("data-theme") ||
        (matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light");
      var next = cur === "dark" ? "light" : "dark";
      root.setAttribute("data-theme", next);
      try { localStorage.setItem("bw-status-theme", next); } catch (e) {}
    });
  });
  void fixed;
})();
