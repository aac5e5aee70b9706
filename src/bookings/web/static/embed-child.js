/* Inside a framed customer page (?embed=1): tell the host page (embed.js) how tall the page
   is, whenever that changes, so the iframe shows it without a scroll bar. The height is not
   secret, so any parent may read it; embed.js checks who sends it. */
(function () {
  "use strict";
  if (window.parent === window) return;
  var last = 0;
  function report() {
    var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height === last) return;
    last = height;
    window.parent.postMessage({ type: "bookings:height", height: height }, "*");
  }
  if (typeof ResizeObserver === "function") {
    new ResizeObserver(report).observe(document.documentElement);
  }
  window.addEventListener("load", report);
  report();
})();
