// Runs before the first paint (loaded without defer): marks that scripts
// run (the narrow-screen menu collapses only then) and applies the
// remembered light/dark choice so the page does not flash the other theme.
(function () {
  document.documentElement.classList.add("js");
  try {
    var t = localStorage.getItem("bw-theme");
    if (t === "light" || t === "dark") document.documentElement.setAttribute("data-theme", t);
  } catch (e) {}
})();
