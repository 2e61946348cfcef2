/* The demo page's portal panel: the signed-in user's contracts and invoices, as the portal shows them.
 *
 * Read from the portal API (GET /v1/contracts, GET /v1/invoices) with the same bearer token the chat widget
 * uses, so the panel sees exactly what the assistant's tools see. Refreshed when the widget reports that an
 * action ran (`portal-agent:changed` on window) and when the tab is shown again (a payment may have settled
 * meanwhile). Data is only ever inserted as text, never as HTML.
 *
 *   window.PortalView.setToken(token)   show the panel for this user (the demo picker calls it)
 *   window.PortalView.refresh()         read both lists again
 */
(function () {
  "use strict";
  if (window.PortalView) { return; }
  var state = { token: "", seq: 0 };
  // Elements are looked up when used: this file loads before the panel's markup (the picker calls it early).
  function byId(id) { return document.getElementById(id); }

  function money(currency, amount) {
    // "1200.00" -> "USD 1,200.00" (the domain's decimal string, grouped without going through a float)
    var parts = String(amount).split(".");
    return currency + " " + parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, ",") + (parts[1] ? "." + parts[1] : "");
  }

  function get(path) {
    return fetch(path, { headers: { "Authorization": "Bearer " + state.token, "Accept": "application/json" } })
      .then(function (res) {
        return res.json().catch(function () { return null; }).then(function (body) {
          if (!res.ok) { throw new Error((body && body.message) || "The portal answered " + res.status + "."); }
          return body;
        });
      });
  }

  function cell(row, tag, text, column) {
    var node = document.createElement(tag);
    if (tag === "th") { node.setAttribute("scope", "row"); }
    node.setAttribute("data-col", column);
    node.textContent = text;
    row.appendChild(node);
  }

  function contractRow(row, c) {
    cell(row, "th", c.id, "id");
    cell(row, "td", c.status, "status");
    cell(row, "td", c.auto_renew ? "on" : "off", "auto_renew");
    cell(row, "td", c.end_date, "end_date");
  }

  function invoiceRow(row, i) {
    cell(row, "th", i.id, "id");
    cell(row, "td", i.contract_id, "contract_id");
    cell(row, "td", i.disputed ? i.status + " (disputed)" : i.status, "status");
    cell(row, "td", money(i.currency, i.amount), "amount");
    cell(row, "td", money(i.currency, i.balance), "balance");
    cell(row, "td", i.due_date, "due_date");
  }

  function fill(tableId, items, render, empty) {
    var body = byId(tableId).tBodies[0];
    body.textContent = "";
    items.forEach(function (item) {
      var row = body.insertRow();
      row.setAttribute("data-id", item.id);
      render(row, item);
    });
    if (!items.length) {
      var td = body.insertRow().insertCell();
      td.colSpan = byId(tableId).tHead.rows[0].cells.length;
      td.textContent = empty;
    }
  }

  function refresh() {
    var status = byId("portal-status");
    if (!state.token || !status) { return Promise.resolve(); }
    var seq = ++state.seq;  // a slower earlier read (another user, an older state) never overwrites a later one
    status.textContent = "Loading your contracts and invoices…";
    return Promise.all([get("/v1/contracts"), get("/v1/invoices")]).then(function (lists) {
      if (seq !== state.seq) { return; }
      fill("portal-contracts", lists[0], contractRow, "No contracts: you are not a billing contact on any.");
      fill("portal-invoices", lists[1], invoiceRow, "No invoices.");
      status.textContent = "Contracts and invoices as of " +
        new Date().toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" }) + ".";
    }).catch(function (err) {
      if (seq !== state.seq) { return; }
      ["portal-contracts", "portal-invoices"].forEach(function (id) { byId(id).tBodies[0].textContent = ""; });
      status.textContent = err.message;
    });
  }

  function setToken(token) {
    var panel = byId("portal-view");
    state.token = token || "";
    if (!panel) { return Promise.resolve(); }
    panel.hidden = !state.token;
    var button = byId("portal-refresh");
    if (button && !button.dataset.bound) {
      button.dataset.bound = "true";
      button.addEventListener("click", refresh);
    }
    return refresh();
  }

  window.addEventListener("portal-agent:changed", function () { refresh(); });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") { refresh(); }
  });
  window.PortalView = { setToken: setToken, refresh: refresh };
})();
