/* The insights page in a browser: the operator's token goes in the Authorization header, never in a URL.
 *
 * /insights without a token is a sign-in shell. The token typed there is kept in this tab's sessionStorage;
 * this script then fetches /insights with it and puts the server-rendered report (escaped HTML, charts as
 * inline SVG, no script) in place of the shell's <main>. A change of period fetches again the same way.
 */
(function () {
  "use strict";
  var KEY = "portal-agent-operator-token";
  var status = document.getElementById("operator-status");
  var signOut = document.getElementById("operator-sign-out");
  var signIn = document.getElementById("insights").cloneNode(true);

  function token() { return sessionStorage.getItem(KEY) || ""; }
  function say(text) { status.textContent = text; }

  function replaceMain(node) {
    document.getElementById("insights").replaceWith(node);
    node.focus();
  }

  function failed(code, text) {
    var message = "The service answered " + code + ".";
    try { message = JSON.parse(text).message || message; } catch (e) { /* not JSON: keep the status */ }
    if (code === 401 || code === 403) {
      sessionStorage.removeItem(KEY);
      signOut.hidden = true;
      replaceMain(signIn.cloneNode(true));
    }
    say(message);
  }

  function show(page) {
    var doc = new DOMParser().parseFromString(page, "text/html");
    replaceMain(document.importNode(doc.getElementById("insights"), true));
    document.title = doc.title;
    signOut.hidden = false;
    say("");
  }

  function load(since) {
    var query = since ? "?since=" + encodeURIComponent(since) : "";
    say("Loading insights…");
    fetch("/insights" + query, { headers: { "Authorization": "Bearer " + token(), "Accept": "text/html" } })
      .then(function (res) {
        return res.text().then(function (text) { if (res.ok) { show(text); } else { failed(res.status, text); } });
      })
      .catch(function () { say("The service could not be reached. Try again."); });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.id === "operator-sign-in") {
      event.preventDefault();
      sessionStorage.setItem(KEY, form.elements.token.value.trim());
      load(form.elements.since.value);
    } else if (form.classList.contains("insights-window") && token()) {
      event.preventDefault();
      load(form.elements.since.value);
    }
  });
  signOut.addEventListener("click", function () {
    sessionStorage.removeItem(KEY);
    signOut.hidden = true;
    replaceMain(signIn.cloneNode(true));
    say("Signed out.");
  });
  if (token()) { load(new URLSearchParams(window.location.search).get("since") || ""); }
})();
