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
    return el && live.contains(el) && (el.tagName === "INPUT" || el.tagName === "SELECT" || el.tagName === "TEXTAREA") && el.value;
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

// The new-post form checks itself as a person types: a pause of 400 ms sends the draft to /new/check (the
// same check as `publisher check`, nothing written) and shows its messages and each platform's preview.
// An answer to an older draft is dropped; the form still posts to /new to write the item.
(function () {
  "use strict";
  var live = document.getElementById("live");
  if (!live || !window.fetch) { return; }
  var timer = null;
  var asked = 0;
  var pending = null;

  function form() { return live.querySelector("form.newform[data-check]"); }

  function show(panel, answer) {
    var list = panel.querySelector(".check-messages");
    var path = panel.querySelector(".check-path");
    var frames = panel.querySelector(".draft-previews");
    list.textContent = "";
    (answer.problems || []).forEach(function (p) {
      var li = document.createElement("li");
      li.className = "sev-" + p.severity;
      li.textContent = p.text;
      list.appendChild(li);
    });
    if (answer.ok && !(answer.problems || []).length) {
      var ok = document.createElement("li");
      ok.className = "ok";
      ok.textContent = panel.getAttribute("data-ok") || "OK";
      list.appendChild(ok);
    }
    if (answer.path) {
      path.hidden = false;
      path.querySelector("code").textContent = answer.path;
    }
    frames.textContent = "";
    (answer.previews || []).forEach(function (p) {
      var fig = document.createElement("figure");
      var cap = document.createElement("figcaption");
      cap.textContent = p.label;
      fig.appendChild(cap);
      if (p.href) {
        var frame = document.createElement("iframe");
        frame.setAttribute("title", p.label);
        frame.setAttribute("data-target", p.target);
        frame.src = p.href;
        fig.appendChild(frame);
      } else {
        var none = document.createElement("p");
        none.className = "empty-note no-preview";
        none.textContent = panel.getAttribute("data-no-preview") || "";
        fig.appendChild(none);
      }
      frames.appendChild(fig);
    });
    panel.setAttribute("data-state", "done");
    panel.setAttribute("data-checks", String(asked));
  }

  function check() {
    var f = form();
    var panel = live.querySelector("#live-check");
    if (!f || !panel) { return; }
    var mine = ++asked;
    if (pending) { pending.abort(); }
    pending = window.AbortController ? new AbortController() : null;
    panel.setAttribute("data-state", "checking");
    fetch(f.getAttribute("data-check"), {
      method: "POST", body: new FormData(f), credentials: "same-origin",
      headers: { "Accept": "application/json" }, signal: pending ? pending.signal : undefined
    })
      .then(function (r) { return r.json(); })
      .then(function (answer) { if (mine === asked) { show(panel, answer); } })
      .catch(function () { /* aborted by a newer draft, or offline: the next keystroke asks again */ });
  }

  function later(e) {
    if (!e.target || !e.target.closest || !e.target.closest("form.newform[data-check]")) { return; }
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(check, 400);
  }

  live.addEventListener("input", later);
  live.addEventListener("change", later);
  var start = form();
  if (start && start.querySelector("[name=title]").value) { check(); }  // a refused form, shown again
})();
