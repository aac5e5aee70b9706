/* Inside a framed customer page (?embed=1): tell the host page (embed.js) how tall the page
   is, whenever that changes, so the iframe shows it without a scroll bar, and what just
   happened (a booking made, canceled, rescheduled). Only the origins the site allows may
   frame the page (frame-ancestors), so only they receive it; embed.js checks the sender. */
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
  // What just happened (<meta name="bookings-event" content="canceled">), for the host page.
  var happened = document.querySelector('meta[name="bookings-event"]');
  if (happened && happened.content) {
    window.parent.postMessage({ type: "bookings:event", name: happened.content }, "*");
  }
})();
