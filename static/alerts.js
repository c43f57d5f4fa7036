// Alert rule form: show N and Window only for the triggers that use
// them. Without this script both stay visible, with help saying when
// they apply.
(function () {
  "use strict";
  function apply(form) {
    var sel = form.querySelector("[data-rule-trigger]");
    if (!sel) return;
    form.querySelectorAll("[data-triggers]").forEach(function (el) {
      var triggers = el.getAttribute("data-triggers").split(" ");
      el.hidden = triggers.indexOf(sel.value) < 0;
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-rule-form]").forEach(function (form) {
      apply(form);
      form.addEventListener("change", function (ev) {
        if (ev.target.matches("[data-rule-trigger]")) apply(form);
      });
    });
  });
})();
