// Live updates for the dashboard: on a server-sent "changed" event, fetch this page's live fragment and
// swap it in (no reload, no framework). Everything the server sends is already escaped HTML.
(function () {
  "use strict";
  var live = document.getElementById("live");
  var dot = document.getElementById("live-status");
  if (!live || !window.EventSource) { return; }
  var busy = false;
  var again = false;

  function fragmentUrl() {
    var url = new URL(live.getAttribute("data-fragment") || location.pathname + location.search, location.href);
    url.searchParams.set("fragment", "1");
    return url;
  }

  function typing() {
    // Never replace a form a person is filling in; the next event (or a reload) brings the news.
    var el = document.activeElement;
    return el && live.contains(el) && (el.tagName === "INPUT" || el.tagName === "SELECT") && el.value;
  }

  function reload() {
    if (busy) { again = true; return; }
    if (typing()) { again = true; return; }
    busy = true;
    fetch(fragmentUrl(), { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html !== null) {
          live.innerHTML = html;
          if (window.publisherCharts) { window.publisherCharts.draw(); }
          document.body.setAttribute("data-refreshed", String(Date.now()));
        }
      })
      .catch(function () { /* the next event tries again */ })
      .then(function () {
        busy = false;
        if (again) { again = false; reload(); }
      });
  }

  var source = new EventSource(document.body.getAttribute("data-events") || "/events");
  source.addEventListener("ready", function () {
    if (dot) { dot.className = "live-dot on"; }
    document.body.setAttribute("data-live", "on");
  });
  source.addEventListener("changed", function (e) {
    var data = {};
    try { data = JSON.parse(e.data); } catch (err) { /* keep going */ }
    document.body.setAttribute("data-version", String(data.version || ""));
    reload();
  });
  source.onerror = function () { if (dot) { dot.className = "live-dot off"; } };
  document.addEventListener("focusout", function () { if (again && !busy) { again = false; reload(); } });
})();

// Rescheduling by drag and drop: a movable tile dropped on another day (or an hour row of the week) posts
// the new local time with the file digest the page was rendered with; the server rewrites that one
// publish_at line, or refuses if the file changed since. The page then follows the server's redirect.
(function () {
  "use strict";
  var live = document.getElementById("live");
  if (!live) { return; }
  var dragged = null;

  function calendar() { return live.querySelector("section.calendar[data-move]"); }

  function target(el) {
    return el && el.closest ? el.closest("[data-drop-hour], .day[data-date]") : null;
  }

  function when(tile, slot) {
    var date = slot.getAttribute("data-date");
    var time = tile.getAttribute("data-time") || "12:00";
    var hour = slot.getAttribute("data-drop-hour");
    if (hour !== null) { time = ("0" + hour).slice(-2) + ":" + time.slice(3, 5); }
    return date + " " + time;
  }

  function move(tile, slot) {
    var cal = calendar();
    var value = when(tile, slot);
    if (!cal || value.slice(0, 16) === (tile.getAttribute("data-when") || "")) { return; }
    var body = new FormData();
    body.append("csrf", cal.getAttribute("data-csrf") || "");
    body.append("next", cal.getAttribute("data-next") || "/");
    body.append("item", tile.getAttribute("data-item") || "");
    body.append("key", tile.getAttribute("data-key") || "");
    body.append("digest", tile.getAttribute("data-digest") || "");
    body.append("publish_at", value);
    document.body.setAttribute("data-moving", value);
    fetch(cal.getAttribute("data-move"), {
      method: "POST", body: body, credentials: "same-origin", headers: { "Accept": "application/json" }
    })
      .then(function (r) { return r.json(); })
      .then(function (answer) { location.assign(answer.location); })
      .catch(function () { location.reload(); });
  }

  live.addEventListener("dragstart", function (e) {
    var tile = e.target && e.target.closest ? e.target.closest("a.post[draggable=true]") : null;
    if (!tile) { return; }
    dragged = tile;
    tile.classList.add("dragging");
    e.dataTransfer.effectAllowed = "move";
    e.dataTransfer.setData("text/plain", tile.getAttribute("data-item") || "");
  });
  live.addEventListener("dragend", function () {
    if (dragged) { dragged.classList.remove("dragging"); }
    dragged = null;
    Array.prototype.forEach.call(live.querySelectorAll(".drop-over"), function (el) {
      el.classList.remove("drop-over");
    });
  });
  live.addEventListener("dragover", function (e) {
    var slot = target(e.target);
    if (!dragged || !slot) { return; }
    e.preventDefault();
    e.dataTransfer.dropEffect = "move";
    Array.prototype.forEach.call(live.querySelectorAll(".drop-over"), function (el) {
      if (el !== slot) { el.classList.remove("drop-over"); }
    });
    slot.classList.add("drop-over");
  });
  live.addEventListener("drop", function (e) {
    var slot = target(e.target);
    if (!dragged || !slot) { return; }
    e.preventDefault();
    var tile = dragged;
    dragged = null;
    move(tile, slot);
  });
})();
