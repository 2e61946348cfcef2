/* Portal Agent chat widget: one embeddable script, plain JS, no build step.
 *
 *   <script src="https://portal.example/widget.js" data-api="https://portal.example"
 *           data-token="SIGNED_JWT" data-open="false" data-title="Billing assistant"></script>
 *
 * data-api defaults to the script's origin. The token can also be set later with
 * window.PortalAgent.setToken(token). Replies stream over SSE (fetch + ReadableStream); the
 * conversation id is kept in sessionStorage per user, so a page reload continues the conversation.
 * Model text is always inserted as text (never HTML).
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.PortalAgent) { return; }
  var scriptUrl = new URL(script.src, window.location.href);
  var API = (script.getAttribute("data-api") || scriptUrl.origin).replace(/\/+$/, "");
  var TITLE = script.getAttribute("data-title") || "Billing assistant";
  var state = { token: script.getAttribute("data-token") || "", conversation: null, busy: false, lastSeq: 0 };
  var TOOL_TEXT = {
    search_knowledge: "Looking in the help articles…", list_invoices: "Checking your invoices…",
    get_invoice: "Checking the invoice…", pay_invoice: "Preparing the payment…",
    list_contracts: "Checking your contracts…", get_contract: "Checking the contract…"
  };

  // -- styles --------------------------------------------------------------------------------------
  var css = document.createElement("link");
  css.rel = "stylesheet";
  css.href = new URL("widget.css", scriptUrl).href;
  document.head.appendChild(css);

  // -- DOM -----------------------------------------------------------------------------------------
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "className") { node.className = attrs[k]; } else { node.setAttribute(k, attrs[k]); }
    });
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  var root = el("div", { className: "pa-root" });
  var launcher = el("button", { className: "pa-launcher", type: "button", "aria-expanded": "false",
                                "aria-controls": "pa-panel" }, "Chat with the " + TITLE.toLowerCase());
  var panel = el("div", { className: "pa-panel", id: "pa-panel", role: "region", "aria-labelledby": "pa-title",
                          hidden: "" });
  var header = el("div", { className: "pa-header" });
  var heading = el("h2", { id: "pa-title" }, TITLE);
  var newBtn = el("button", { type: "button", className: "pa-small" }, "New conversation");
  var closeBtn = el("button", { type: "button", className: "pa-small", "aria-label": "Close the chat" }, "×");
  header.appendChild(heading); header.appendChild(newBtn); header.appendChild(closeBtn);
  var log = el("div", { className: "pa-log", role: "log", "aria-label": "Conversation", "aria-live": "off",
                        tabindex: "0" });
  var status = el("p", { className: "pa-status", role: "status", "aria-live": "polite" });
  var announcer = el("div", { className: "pa-visually-hidden", "aria-live": "polite", "aria-atomic": "true" });
  var form = el("form", { className: "pa-form" });
  var label = el("label", { "for": "pa-input", className: "pa-label" }, "Your message");
  var input = el("textarea", { id: "pa-input", rows: "2", maxlength: "4000", autocomplete: "off",
                               "aria-describedby": "pa-hint", placeholder: "Ask about invoices, payments, users…" });
  var hint = el("p", { id: "pa-hint", className: "pa-hint" }, "Enter to send, Shift+Enter for a new line. " +
                "Never type a card number here: use the secure card form.");
  var send = el("button", { type: "submit", className: "pa-send" }, "Send");
  var row = el("div", { className: "pa-row" });
  row.appendChild(input); row.appendChild(send);
  form.appendChild(label); form.appendChild(row); form.appendChild(hint);
  [header, log, status, form, announcer].forEach(function (n) { panel.appendChild(n); });
  root.appendChild(panel); root.appendChild(launcher);

  // -- helpers -------------------------------------------------------------------------------------
  function userKey() {
    try {
      var payload = state.token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
      return "portal-agent:" + API + ":" + JSON.parse(atob(payload)).sub;
    } catch (e) { return null; }
  }
  function remember(id) {
    state.conversation = id;
    var key = userKey();
    if (!key) { return; }
    if (id) { sessionStorage.setItem(key, id); } else { sessionStorage.removeItem(key); }
  }
  function safeHref(url) {
    if (typeof url !== "string") { return null; }
    if (url.charAt(0) === "/" && url.charAt(1) !== "/") { return API + url; }
    return url.indexOf(API + "/") === 0 ? url : null;
  }
  function announce(text) { announcer.textContent = ""; setTimeout(function () { announcer.textContent = text; }, 30); }
  function scroll() { log.scrollTop = log.scrollHeight; }
  function setBusy(busy) {
    state.busy = busy; send.disabled = busy; input.setAttribute("aria-busy", String(busy));
    if (!busy) { status.textContent = ""; }
  }

  function api(method, path, body) {
    var headers = { "Authorization": "Bearer " + state.token, "Accept": "application/json" };
    if (body !== undefined) { headers["Content-Type"] = "application/json"; }
    return fetch(API + path, { method: method, headers: headers,
                               body: body === undefined ? undefined : JSON.stringify(body) })
      .then(function (res) {
        return res.text().then(function (text) {
          var data = null;
          try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
          if (!res.ok) { throw apiError(res.status, data); }
          return data;
        });
      });
  }
  function apiError(code, data) {
    var err = new Error((data && data.message) || ("The service answered " + code + "."));
    err.status = code;
    return err;
  }
  function errorText(err) {
    if (err.status === 401) { return "Your session is no longer valid. Please sign in again. (" + err.message + ")"; }
    if (err.status === 429) { return "You are sending messages too quickly. " + err.message; }
    return err.message || "Something went wrong.";
  }

  // -- rendering -----------------------------------------------------------------------------------
  function setRich(node, text) {
    // Text only, except **bold** (the assistant's emphasis); never parsed as HTML.
    node.textContent = "";
    String(text).split(/(\*\*[^*\n]+\*\*)/).forEach(function (part) {
      if (/^\*\*[^*\n]+\*\*$/.test(part)) { node.appendChild(el("strong", {}, part.slice(2, -2))); }
      else if (part) { node.appendChild(document.createTextNode(part)); }
    });
  }

  function bubble(role, text) {
    var item = el("div", { className: "pa-msg pa-" + role });
    item.appendChild(el("span", { className: "pa-visually-hidden" }, role === "user" ? "You said: " : "Assistant: "));
    var body = el("div", { className: "pa-text" });
    if (role === "assistant") { setRich(body, text); } else { body.textContent = text; }
    item.appendChild(body);
    log.appendChild(item); scroll();
    return { item: item, body: body };
  }

  function renderCitations(item, citations) {
    if (!citations || !citations.length) { return; }
    var list = el("ol", { className: "pa-citations", "aria-label": "Sources" });
    citations.forEach(function (c) {
      var href = safeHref(c.url);
      var li = el("li");
      if (href) {
        li.appendChild(el("a", { href: href, target: "_blank", rel: "noopener", className: "pa-citation" },
                          c.heading ? c.title + " - " + c.heading : c.title));
      } else { li.textContent = c.title; }
      list.appendChild(li);
    });
    item.appendChild(el("p", { className: "pa-sources-label" }, "Sources:"));
    item.appendChild(list);
  }

  function renderLinks(item, links) {
    if (!links || !links.length) { return; }
    var list = el("ul", { className: "pa-links", "aria-label": "Links" });
    links.forEach(function (l) {
      var href = safeHref(l.url);
      if (!href) { return; }
      var isForm = l.kind === "card_form";
      if (isForm && state.conversation) { href += "?conversation=" + encodeURIComponent(state.conversation); }
      var a = el("a", { href: href, target: "_blank", rel: "noopener",
                        className: isForm ? "pa-link pa-card-form" : "pa-link pa-download" },
                 isForm ? "Open the secure card form (" + l.title + ")" : "Download " + l.title);
      var li = el("li"); li.appendChild(a); list.appendChild(li);
    });
    item.appendChild(list);
  }

  function renderPending(action) {
    var id = "pa-act-" + action.id;
    if (document.getElementById(id)) { return; }
    var card = el("div", { className: "pa-action", id: id, role: "group", "aria-labelledby": id + "-h" });
    card.appendChild(el("h3", { id: id + "-h" }, "Please confirm"));
    card.appendChild(el("p", { className: "pa-summary" }, action.summary));
    var expires = new Date(action.expires_at);
    card.appendChild(el("p", { className: "pa-note" }, "Nothing changes until you confirm." +
      (isNaN(expires) ? "" : " This request expires at " + expires.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) + ".")));
    var buttons = el("div", { className: "pa-buttons" });
    var ok = el("button", { type: "button", className: "pa-confirm" }, "Confirm");
    var no = el("button", { type: "button", className: "pa-cancel" }, "Cancel");
    var outcome = el("p", { className: "pa-outcome", role: "status" });
    buttons.appendChild(ok); buttons.appendChild(no);
    card.appendChild(buttons); card.appendChild(outcome);
    function decide(approve) {
      ok.disabled = true; no.disabled = true;
      var path = "/v1/conversations/" + encodeURIComponent(state.conversation) + "/actions/" +
                 encodeURIComponent(action.id) + (approve ? "/confirm" : "/reject");
      api("POST", path).then(function (result) {
        changed(result);
        outcome.textContent = !approve ? "Cancelled." : ({ executed: "Confirmed.", in_progress: "Confirmed; payment being confirmed." }[result.status] || "Not completed.");
        card.classList.add("pa-decided");
        var b = bubble("assistant", result.reply);
        b.item.classList.add("pa-result");
        renderFeedback(b.item, result.message_id);
        announce(result.reply);
        syncSeq();
        input.focus();
      }).catch(function (err) {
        outcome.textContent = errorText(err);
        card.classList.add("pa-decided");
        announce(outcome.textContent);
      });
    }
    ok.addEventListener("click", function () { decide(true); });
    no.addEventListener("click", function () { decide(false); });
    log.appendChild(card); scroll();
    announce("Confirmation needed: " + action.summary + ". Use the Confirm or Cancel button.");
  }

  // The host page hears when an action ran (a Confirm press, or a typed "yes"), e.g. to refresh what it shows.
  function changed(decided) {
    if (!decided || (decided.status !== "executed" && decided.status !== "in_progress")) { return; }
    window.dispatchEvent(new CustomEvent("portal-agent:changed", { detail: {
      conversation_id: state.conversation, action_id: decided.action_id || decided.id, status: decided.status } }));
  }

  function finishTurn(view, result) {
    changed(result.decided_action);
    setRich(view.body, result.reply);
    view.item.removeAttribute("aria-busy");
    renderCitations(view.item, result.citations);
    renderLinks(view.item, result.links);
    if (result.handoff && result.handoff.case_id) {
      view.item.appendChild(el("p", { className: "pa-note" }, "Support case " + result.handoff.case_id +
                                    " opened" + (result.handoff.assignee ? " with " + result.handoff.assignee : "") + "."));
    }
    renderFeedback(view.item, result.message_id);
    announce(result.reply);
    if (result.pending_action) { renderPending(result.pending_action); }
    markDecided();
    scroll();
  }

  function markDecided() {
    // A new message cancels a proposal still waiting; refresh which cards are live.
    if (!state.conversation) { return; }
    api("GET", "/v1/conversations/" + encodeURIComponent(state.conversation)).then(function (conv) {
      var live = {};
      conv.pending_actions.forEach(function (a) { live["pa-act-" + a.id] = true; });
      Array.prototype.forEach.call(log.querySelectorAll(".pa-action:not(.pa-decided)"), function (card) {
        if (!live[card.id]) {
          card.classList.add("pa-decided");
          Array.prototype.forEach.call(card.querySelectorAll("button"), function (b) { b.disabled = true; });
          card.querySelector(".pa-outcome").textContent = "No longer pending.";
        }
      });
      state.lastSeq = conv.messages.reduce(function (m, x) { return Math.max(m, x.seq); }, state.lastSeq);
    }).catch(function () { /* the next turn will tell */ });
  }
  function syncSeq() { markDecided(); }

  // -- feedback on a reply: thumbs up / down, and after a thumbs-down an optional comment ------------
  var feedbackForms = 0;
  function renderFeedback(item, seq, rated) {
    if (!seq || !state.conversation) { return; }
    var path = "/v1/conversations/" + encodeURIComponent(state.conversation) + "/messages/" + seq + "/feedback";
    var box = el("div", { className: "pa-feedback", role: "group", "aria-label": "Rate this reply" });
    var up = thumb("Helpful", false), down = thumb("Not helpful", true);
    up.setAttribute("aria-pressed", String(rated === "up"));  // a reloaded page shows what was saved
    down.setAttribute("aria-pressed", String(rated === "down"));
    var note = el("p", { className: "pa-feedback-note", role: "status" });
    [up, down, note].forEach(function (n) { box.appendChild(n); });
    item.appendChild(box);
    var saving = false;  // a flag, not `disabled`: a disabled button would drop the keyboard focus
    function save(rating, comment) {
      if (saving) { return Promise.resolve(false); }
      saving = true;
      return api("POST", path, { rating: rating, comment: comment || "" }).then(function (saved) {
        up.setAttribute("aria-pressed", String(saved.rating === "up"));
        down.setAttribute("aria-pressed", String(saved.rating === "down"));
        note.textContent = comment ? "Thanks, your comment was sent." : "Thanks for the feedback.";
        saving = false;
        return true;
      }, function (err) {
        // The buttons keep showing what was saved before; the user can simply try again.
        note.textContent = "Sorry, your feedback could not be saved. " + errorText(err);
        saving = false;
        return false;
      });
    }
    up.addEventListener("click", function () {
      save("up").then(function (ok) { if (ok) { dropCommentForm(box); } });
    });
    down.addEventListener("click", function () {
      save("down").then(function (ok) { if (ok) { commentForm(box, save, down); } });
    });
  }
  // Drawn, not an emoji: a page on a machine without an emoji font would show empty boxes.
  var THUMB = "M5 7 8 1.5c1 0 2 .8 1.6 2.1L9 6h4.5c1 0 1.7 1 1.4 2l-1.4 5.8c-.2.7-.8 1.2-1.5 1.2H5zM1 7h3v8H1z";
  function thumb(name, down) {
    var button = el("button", { type: "button", className: "pa-thumb", "aria-label": name, "aria-pressed": "false" });
    var svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    var path = document.createElementNS("http://www.w3.org/2000/svg", "path");
    svg.setAttribute("viewBox", "0 0 16 16"); svg.setAttribute("aria-hidden", "true"); svg.setAttribute("focusable", "false");
    svg.setAttribute("class", down ? "pa-thumb-icon pa-thumb-down" : "pa-thumb-icon");
    path.setAttribute("d", THUMB); svg.appendChild(path);
    button.appendChild(svg); button.appendChild(el("span", {}, name));
    return button;
  }
  function dropCommentForm(box) {
    var old = box.querySelector(".pa-feedback-form");
    if (old) { box.removeChild(old); }
  }
  function commentForm(box, save, down) {
    if (box.querySelector(".pa-feedback-form")) { box.querySelector("input").focus(); return; }
    var id = "pa-fb-comment-" + (++feedbackForms);
    var form = el("form", { className: "pa-feedback-form" });
    var field = el("input", { id: id, type: "text", maxlength: "500", autocomplete: "off" });
    form.appendChild(el("label", { "for": id }, "What was wrong or missing? (optional)"));
    form.appendChild(field);
    form.appendChild(el("button", { type: "submit", className: "pa-feedback-send" }, "Send"));
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var text = field.value.trim();
      if (!text) { field.focus(); return; }
      save("down", text).then(function (ok) { if (ok) { dropCommentForm(box); down.focus(); } });
    });
    box.insertBefore(form, box.querySelector(".pa-feedback-note"));
    field.focus();
  }

  // -- streaming -----------------------------------------------------------------------------------
  function parseFrame(frame) {
    var event = "message", data = [];
    frame.split("\n").forEach(function (line) {
      if (line.indexOf("event:") === 0) { event = line.slice(6).trim(); }
      else if (line.indexOf("data:") === 0) { data.push(line.slice(5).replace(/^ /, "")); }
    });
    var parsed = null;
    try { parsed = data.length ? JSON.parse(data.join("\n")) : null; } catch (e) { parsed = data.join("\n"); }
    return { event: event, data: parsed };
  }

  function streamTurn(text, view) {
    var path = "/v1/conversations/" + encodeURIComponent(state.conversation) + "/messages";
    return fetch(API + path, {
      method: "POST",
      headers: { "Authorization": "Bearer " + state.token, "Content-Type": "application/json",
                 "Accept": "text/event-stream" },
      body: JSON.stringify({ text: text })
    }).then(function (res) {
      if (!res.ok) {
        return res.json().catch(function () { return null; }).then(function (b) { throw apiError(res.status, b); });
      }
      var reader = res.body.getReader(), decoder = new TextDecoder(), buffer = "", streamed = "", done = false;
      function handle(ev) {
        if (ev.event === "token") {
          streamed += ev.data; view.body.textContent = streamed; scroll();
        } else if (ev.event === "replace") {
          // The model's words failed the service's check: what was shown is replaced, not appended to.
          streamed = (ev.data && ev.data.reply) || ""; view.body.textContent = streamed; scroll();
        } else if (ev.event === "tool") {
          status.textContent = TOOL_TEXT[ev.data && ev.data.name] || "Working on it…";
        } else if (ev.event === "done") {
          done = true; finishTurn(view, ev.data);
        } else if (ev.event === "error") {
          done = true; throw apiError((ev.data && ev.data.http_status) || 500, ev.data);
        }
      }
      function pump() {
        return reader.read().then(function (chunk) {
          if (chunk.done) {
            if (!done) { throw new Error("The reply was interrupted. Please try again."); }
            return;
          }
          buffer += decoder.decode(chunk.value, { stream: true }).replace(/\r\n/g, "\n");
          var idx;
          while ((idx = buffer.indexOf("\n\n")) >= 0) {
            var frame = buffer.slice(0, idx); buffer = buffer.slice(idx + 2);
            if (frame.trim()) { handle(parseFrame(frame)); }
          }
          return pump();
        });
      }
      return pump();
    });
  }

  function ensureConversation() {
    if (state.conversation) { return Promise.resolve(state.conversation); }
    return api("POST", "/v1/conversations").then(function (b) { remember(b.conversation_id); return b.conversation_id; });
  }

  function submit(text) {
    if (!text || state.busy) { return; }
    if (!state.token) { bubble("error", "Sign in first: the widget has no token."); return; }
    setBusy(true);
    bubble("user", text);
    var view = bubble("assistant", "…");
    view.item.setAttribute("aria-busy", "true");
    status.textContent = "The assistant is answering…";
    ensureConversation().then(function () { return streamTurn(text, view); }).catch(function (err) {
      if (err.status === 404 && state.conversation) { remember(null); }
      view.item.className = "pa-msg pa-error";
      view.body.textContent = errorText(err);
      view.item.removeAttribute("aria-busy");
      announce(view.body.textContent);
    }).then(function () { setBusy(false); });
  }

  // -- history (page reload, or the card form finished in another tab) -----------------------------
  function restore() {
    log.textContent = ""; state.lastSeq = 0;
    var key = userKey();
    remember(key ? sessionStorage.getItem(key) : null);
    if (!state.conversation) { greet(); return Promise.resolve(); }
    return loadNew(true);
  }
  function loadNew(all) {
    return api("GET", "/v1/conversations/" + encodeURIComponent(state.conversation)).then(function (conv) {
      conv.messages.forEach(function (m) {
        if (all || m.seq > state.lastSeq) {
          var shown = bubble(m.role === "user" ? "user" : "assistant", m.content);
          if (m.role === "assistant") { renderFeedback(shown.item, m.seq, m.rating); }
        }
        state.lastSeq = Math.max(state.lastSeq, m.seq);
      });
      conv.pending_actions.forEach(renderPending);
      markDecided();
    }).catch(function (err) {
      if (err.status === 404 || err.status === 401) { remember(null); log.textContent = ""; greet(); }
    });
  }
  function greet() {
    bubble("assistant", state.token ? "Hi! I can answer questions about the Billing Portal and help with invoices, " +
           "payments, contracts and users. What can I do for you?" : "Sign in to chat with the assistant.");
  }

  // -- events --------------------------------------------------------------------------------------
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value.trim();
    input.value = "";
    submit(text);
    input.focus();
  });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); form.requestSubmit(); }
  });
  function open() {
    panel.hidden = false; launcher.setAttribute("aria-expanded", "true"); launcher.hidden = true; input.focus();
  }
  function close() {
    panel.hidden = true; launcher.setAttribute("aria-expanded", "false"); launcher.hidden = false; launcher.focus();
  }
  launcher.addEventListener("click", open);
  closeBtn.addEventListener("click", close);
  panel.addEventListener("keydown", function (e) { if (e.key === "Escape") { close(); } });
  newBtn.addEventListener("click", function () { remember(null); log.textContent = ""; state.lastSeq = 0; greet(); input.focus(); });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && state.conversation && !state.busy) { loadNew(false); }
  });

  function mount() {
    document.body.appendChild(root);
    restore();
    if (script.getAttribute("data-open") === "true") { open(); }
  }

  window.PortalAgent = {
    setToken: function (token) { state.token = token || ""; return restore(); },
    open: open,
    close: close,
    reset: function () { remember(null); return restore(); },
    send: submit
  };
  if (document.body) { mount(); } else { document.addEventListener("DOMContentLoaded", mount); }
})();
