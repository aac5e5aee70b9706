/* The dashboard calendar's enhancement: when scripts run and the range has no DST change,
   EventCalendar (vendored, MIT) shows the bookings the server feeds it as floating local
   times (/dashboard/calendar.json). The server grid stays in the page, hidden, and a button
   switches back to it; any failure leaves the server grid as it is. */
(function () {
  "use strict";

  /* EventCalendar 5.10.1 marks its grid role="table" with row groups whose children are not
     rows (axe: aria-required-children, critical). Its events are articles with their own
     headings, so the table roles (and their aria-colindex…) are dropped; the plain grid and the list stay one step away. */
  var TABLE_ROLES = ["table", "rowgroup", "row", "columnheader", "rowheader", "cell"];
  var TABLE_ATTRIBUTES = ["aria-colindex", "aria-rowindex", "aria-colcount", "aria-rowcount"];

  function dropTableRoles(root) {
    TABLE_ROLES.forEach(function (role) {
      if (root.getAttribute("role") === role) {
        root.removeAttribute("role");
      }
      root.querySelectorAll('[role="' + role + '"]').forEach(function (node) {
        node.removeAttribute("role");
      });
    });
    TABLE_ATTRIBUTES.forEach(function (name) {
      root.querySelectorAll("[" + name + "]").forEach(function (node) {
        node.removeAttribute(name);
      });
    });
  }

  function start() {
    var grid = document.querySelector("[data-ec-src]");
    if (!grid || typeof window.EventCalendar === "undefined" || !window.fetch) {
      return;
    }
    window.fetch(grid.getAttribute("data-ec-src"), {
      credentials: "same-origin",
      headers: { Accept: "application/json" }
    }).then(function (response) {
      if (!response.ok) {
        throw new Error("calendar feed: " + response.status);
      }
      return response.json();
    }).then(function (data) {
      if (!data.exact) {
        return;
      }
      var mount = document.createElement("div");
      mount.className = "ec-mount";
      mount.setAttribute("role", "region");
      mount.setAttribute("aria-label", "Interactive calendar");
      var toggle = document.createElement("button");
      toggle.type = "button";
      toggle.className = "secondary ec-toggle";
      toggle.textContent = "Show the plain grid";
      grid.parentNode.insertBefore(toggle, grid);
      grid.parentNode.insertBefore(mount, grid);
      window.EventCalendar.create(mount, {
        view: data.view,
        date: data.date,
        resources: data.resources,
        events: data.events,
        headerToolbar: { start: "", center: "", end: "" },
        allDaySlot: false,
        editable: false,
        firstDay: 1,
        slotMinTime: data.slotMinTime,
        slotMaxTime: data.slotMaxTime,
        slotDuration: "00:30",
        height: "auto",
        nowIndicator: true,
        eventTimeFormat: { hour: "2-digit", minute: "2-digit", hour12: false },
        slotLabelFormat: { hour: "2-digit", minute: "2-digit", hour12: false },
        viewDidMount: function () { dropTableRoles(mount); },
        eventAllUpdated: function () { dropTableRoles(mount); }
      });
      dropTableRoles(mount);
      grid.hidden = true;
      toggle.addEventListener("click", function () {
        var plain = !grid.hidden;
        grid.hidden = plain;
        mount.hidden = !plain;
        toggle.textContent = plain ? "Show the plain grid" : "Show the interactive calendar";
      });
      document.documentElement.classList.add("ec-on");
    }).catch(function () {
      /* keep the server grid */
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
