// Progressive enhancement for the facility pages; every page works without JavaScript.
document.addEventListener("DOMContentLoaded", function () {
  // After a refused form, move focus to the error summary so that keyboard and screen reader
  // users hear what went wrong (WCAG 3.3.1); its links lead to the fields.
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  }
  // An inline form (htmx, swapped outerHTML into #action-panel): focus its error summary, or
  // its heading when it has just opened.
  document.body.addEventListener("htmx:afterSettle", function () {
    var target = document.querySelector("#action-panel [data-error-summary]") ||
      document.querySelector("#action-panel [data-focus-after-swap]");
    if (target) {
      target.setAttribute("tabindex", "-1");
      target.focus();
    }
  });
});
