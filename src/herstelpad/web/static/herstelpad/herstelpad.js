// Progressive enhancement only: every page works without JavaScript.
document.addEventListener("DOMContentLoaded", function () {
  // After an htmx swap, move focus to the swapped region's heading for screen reader users.
  document.body.addEventListener("htmx:afterSwap", function (event) {
    var heading = event.detail.target.querySelector("h1, h2, [data-focus-after-swap]");
    if (heading) {
      heading.setAttribute("tabindex", "-1");
      heading.focus();
    }
  });
});
