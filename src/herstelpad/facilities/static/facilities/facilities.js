// Progressive enhancement for the facility pages; every page works without JavaScript.
// After a refused form, move focus to the error summary so that keyboard and screen reader
// users hear what went wrong (WCAG 3.3.1); its links lead to the fields.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  }
});
