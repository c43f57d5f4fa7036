// Bit Wobbly dashboard behaviour: theme toggle, relative times, confirm
// prompts, CSRF header for htmx, copy buttons. Everything works without it.
(function () {
  "use strict";
  var root = document.documentElement;

  function applyTheme(t) {
    if (t === "light" || t === "dark") root.setAttribute("data-theme", t);
    else root.removeAttribute("data-theme");
  }

  document.addEventListener("click", function (ev) {
    var btn = ev.target.closest("[data-theme-toggle]");
    if (btn) {
      var dark = root.getAttribute("data-theme") === "dark" ||
        (!root.getAttribute("data-theme") && matchMedia("(prefers-color-scheme: dark)").matches);
      var next = dark ? "light" : "dark";
      applyTheme(next);
      try { localStorage.setItem("bw-theme", next); } catch (e) {}
      return;
    }
    var copy = ev.target.closest("[data-copy]");
    if (copy) {
      var el = document.getElementById(copy.getAttribute("data-copy"));
      if (el && navigator.clipboard) {
        navigator.clipboard.writeText(el.value || el.textContent.trim());
        var old = copy.textContent; copy.textContent = "Copied";
        setTimeout(function () { copy.textContent = old; }, 1500);
      }
    }
    var menu = ev.target.closest("[data-menu-toggle]");
    if (menu) {
      var open = document.body.classList.toggle("nav-open");
      menu.setAttribute("aria-expanded", open ? "true" : "false");
    }
  });

  document.addEventListener("submit", function (ev) {
    var msg = ev.target.getAttribute("data-confirm");
    if (msg && !confirm(msg)) ev.preventDefault();
  }, true);

  document.addEventListener("htmx:configRequest", function (ev) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) ev.detail.headers["X-CSRF-Token"] = meta.content;
  });

  var units = [["y", 31536000], ["mo", 2592000], ["d", 86400], ["h", 3600], ["min", 60], ["s", 1]];
  function rel(iso) {
    var t = Date.parse(iso);
    if (isNaN(t)) return null;
    var s = Math.round((Date.now() - t) / 1000), fut = s < 0;
    s = Math.abs(s);
    if (s < 5) return "just now";
    for (var i = 0; i < units.length; i++) {
      if (s >= units[i][1]) {
        var n = Math.floor(s / units[i][1]);
        return fut ? "in " + n + " " + units[i][0] : n + " " + units[i][0] + " ago";
      }
    }
    return "just now";
  }
  function refreshTimes(scope) {
    (scope || document).querySelectorAll("time[data-rel]").forEach(function (el) {
      var r = rel(el.getAttribute("datetime"));
      if (r) {
        el.textContent = r;
        if (!el.title) el.title = new Date(el.getAttribute("datetime")).toLocaleString();
      }
    });
    (scope || document).querySelectorAll("time[data-local]").forEach(function (el) {
      var d = new Date(el.getAttribute("datetime"));
      if (!isNaN(d)) el.textContent = d.toLocaleString();
    });
  }
  document.addEventListener("DOMContentLoaded", function () { refreshTimes(); });
  document.addEventListener("htmx:afterSwap", function (ev) { refreshTimes(ev.target); });
  setInterval(refreshTimes, 30000);
})();
