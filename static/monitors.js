// Monitor form: show only the fields of the chosen check type. Without
// this script every field stays visible and the form still works.
(function () {
  "use strict";
  function apply(form) {
    var sel = form.querySelector("[data-monitor-type]");
    if (!sel) return;
    form.querySelectorAll("[data-types]").forEach(function (el) {
      var types = el.getAttribute("data-types").split(" ");
      el.hidden = types.indexOf(sel.value) < 0;
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-monitor-form]").forEach(function (form) {
      apply(form);
      form.addEventListener("change", function (ev) {
        if (ev.target.matches("[data-monitor-type]")) apply(form);
      });
    });
  });
})();
