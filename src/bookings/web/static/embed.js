/* Bookings embed (issue 16): put a site's booking pages on another site.

     <script src="https://bookings.example/static/embed.js" data-site="my-studio" defer></script>

   inserts, where the script stands, an iframe of https://bookings.example/book/my-studio?embed=1
   (data-path="/book/my-studio/manage/TOKEN" frames another customer page of the server). Or, with
   the script loaded once anywhere on the page:

     <bookings-embed site="my-studio"></bookings-embed>

   The framed page reports its height (embed-child.js) and the iframe follows it; what happens
   inside is dispatched on the iframe as a bubbling event ("bookings:canceled",
   "bookings:rescheduled", "bookings:booked"), which the host page may listen to. The server
   only lets the origins of the site setting allowedEmbedHosts frame its pages. No framework,
   no cookie, nothing but this file. */
(function () {
  "use strict";
  var script = document.currentScript;
  var server = new URL(script ? script.src : "/", document.baseURI).origin;

  function frameFor(site, path) {
    var address = path && path.charAt(0) === "/" && path.indexOf("/book/") === 0
      ? path
      : "/book/" + encodeURIComponent(site || "");
    var url = new URL(address, server);
    url.searchParams.set("embed", "1");
    var frame = document.createElement("iframe");
    frame.src = url.href;
    frame.title = "Booking";
    frame.setAttribute("data-bookings-embed", "");
    frame.style.width = "100%";
    frame.style.minHeight = "200px";
    frame.style.height = "600px";
    frame.style.border = "0";
    frame.style.display = "block";
    return frame;
  }

  function sender(event) {
    var frames = document.querySelectorAll("iframe[data-bookings-embed]");
    for (var i = 0; i < frames.length; i++) {
      if (frames[i].contentWindow === event.source) return frames[i];
    }
    return null;
  }

  window.addEventListener("message", function (event) {
    if (event.origin !== server || !event.data) return;
    var frame = sender(event);
    if (!frame) return;
    if (event.data.type === "bookings:height") {
      var height = Number(event.data.height);
      if (isFinite(height) && height > 0) {
        frame.style.height = Math.min(Math.ceil(height), 20000) + "px";
      }
    } else if (event.data.type === "bookings:event" && /^[a-z-]{1,40}$/.test(event.data.name)) {
      frame.dispatchEvent(new CustomEvent("bookings:" + event.data.name, {
        bubbles: true,
        composed: true,
        detail: { name: event.data.name, src: frame.src },
      }));
    }
  });

  if (window.customElements && !window.customElements.get("bookings-embed")) {
    window.customElements.define("bookings-embed", class extends HTMLElement {
      connectedCallback() {
        if (this.querySelector("iframe")) return;
        this.style.display = "block";
        this.appendChild(frameFor(this.getAttribute("site"), this.getAttribute("path")));
      }
    });
  }

  if (script && (script.getAttribute("data-site") || script.getAttribute("data-path"))) {
    var frame = frameFor(script.getAttribute("data-site"), script.getAttribute("data-path"));
    script.parentNode.insertBefore(frame, script.nextSibling);
  }
})();
