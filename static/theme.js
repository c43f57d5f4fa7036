// Applies the remembered light/dark choice before the first paint; loaded
// without defer so the page does not flash in the other theme.
(function () {
  try {
    var t = localStorage.getItem("bw-theme");
    if (t === "light" || t === "dark") document.documentElement.setAttribute("data-theme", t);
  } catch (e) {}
})();
