/* The booking page's enhancements (no inline script: the CSP is script-src 'self').
 * 1. First visit without ?tz=: put the browser's zone in the URL and load the page again,
 *    so every link and form after it carries the zone.
 * 2. After htmx swaps the slot panel: focus its heading and mark the chosen day. */
(function () {
  "use strict";
  if (document.querySelector('meta[name="book-detect-zone"]')) {
    var url = new URL(window.location.href);
    var zone = "";
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { zone = ""; }
    if (zone && !url.searchParams.get("tz")) {
      url.searchParams.set("tz", zone);
      window.location.replace(url.toString());
      return;
    }
  }
  document.addEventListener("click", function (event) {
    var target = event.target;
    var day = target && target.closest ? target.closest("a[data-day]") : null;
    if (!day) { return; }
    document.querySelectorAll("a[data-day][aria-current]").forEach(function (a) {
      a.removeAttribute("aria-current");
    });
    day.setAttribute("aria-current", "date");
  });
  document.addEventListener("htmx:afterSwap", function () {
    var heading = document.getElementById("slots-heading");
    if (heading) { heading.focus(); }
  });
})();
