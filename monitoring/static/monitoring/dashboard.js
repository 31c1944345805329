/* Monitoring dashboard: keeps the live part of the page fresh without reloading.
 *
 * Listens on /ws/workspaces/<id>/executions/ for every workspace shown; any
 * execution or step change re-renders the live fragment (KPIs, charts, lists)
 * from the server, debounced, and new execution rows flash. A periodic refresh
 * covers a closed socket. No library, nothing from a CDN.
 */
(function () {
  "use strict";
  var root = document.getElementById("dashboard");
  var live = document.getElementById("dashboard-live");
  var statusLabel = document.getElementById("live-status");
  if (!root || !live) { return; }
  var fragmentUrl = root.getAttribute("data-fragment-url");
  var refreshSeconds = parseInt(root.getAttribute("data-refresh-seconds"), 10) || 30;
  var workspaceIds = (root.getAttribute("data-workspaces") || "").split(",").filter(Boolean);
  var timer = null;
  var inFlight = false;
  var openSockets = 0;

  function rowIds() {
    var ids = {};
    live.querySelectorAll("tr[data-execution-id]").forEach(function (row) { ids[row.getAttribute("data-execution-id")] = true; });
    return ids;
  }

  function refresh() {
    if (inFlight) { return; }
    inFlight = true;
    var before = rowIds();
    fetch(fragmentUrl, { credentials: "same-origin", headers: { "X-Requested-With": "XMLHttpRequest" } })
      .then(function (response) { if (!response.ok) { throw new Error(response.status); } return response.text(); })
      .then(function (html) {
        live.innerHTML = html;
        live.querySelectorAll("tr[data-execution-id]").forEach(function (row) {
          if (!before[row.getAttribute("data-execution-id")]) { row.classList.add("flash"); }
        });
        root.setAttribute("data-refreshed-at", new Date().toISOString());
      })
      .catch(function () { /* keep the current figures; the next tick tries again */ })
      .then(function () { inFlight = false; });
  }

  function soon() {
    if (timer) { return; }
    timer = setTimeout(function () { timer = null; refresh(); }, 250);
  }

  function showStatus() {
    statusLabel.textContent = openSockets ? "live updates: connected" : "live updates: reconnecting\u2026";
    statusLabel.classList.toggle("connected", openSockets > 0);
  }

  function connect(workspaceId, delay) {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var socket;
    try {
      socket = new WebSocket(scheme + window.location.host + "/ws/workspaces/" + workspaceId + "/executions/");
    } catch (error) { return; }
    var opened = false;
    socket.onopen = function () { opened = true; openSockets += 1; delay = 1000; showStatus(); };
    socket.onmessage = soon;
    socket.onclose = function () {
      if (opened) { openSockets -= 1; }
      showStatus();
      setTimeout(function () { connect(workspaceId, Math.min(delay * 2, 30000)); }, delay);
    };
  }

  workspaceIds.forEach(function (id) { connect(id, 1000); });
  if (!workspaceIds.length) { statusLabel.textContent = "no workspace to watch"; }
  setInterval(refresh, refreshSeconds * 1000);
}());
