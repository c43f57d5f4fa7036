// Status page editor: refresh the preview frame as the form changes.
// Without it, the "Preview changes" button does the same on click.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var btn = document.querySelector("[data-sp-preview]");
    if (!btn || !btn.form || !btn.form.requestSubmit) return;
    var form = btn.form, timer = null;
    function refresh() {
      clearTimeout(timer);
      timer = setTimeout(function () { form.requestSubmit(btn); }, 500);
    }
    form.addEventListener("input", refresh);
    form.addEventListener("change", refresh);
  });
})();
