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
