/* Customer pages: show times in the visitor's own zone. Without a ?tz= in the address, and
   when the browser's zone is not the one the page shows, load the page again with it. The
   zone chosen on the page (the "Show times in" form) is in the address, so it stays. Without
   JavaScript the page shows the business's zone and says so. */
(function () {
  "use strict";
  var shown = document.querySelector("[data-shown-zone]");
  if (!shown) return;
  var url = new URL(window.location.href);
  if (url.searchParams.has("tz")) return;
  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (e) {
    return;
  }
  if (!zone || zone === shown.getAttribute("data-shown-zone")) return;
  url.searchParams.set("tz", zone);
  window.location.replace(url.href);
})();
