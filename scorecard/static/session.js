// The session timer, on every signed-in page (Flask and Dash). A session ends after some minutes
// without a request (SCORECARD_SESSION_IDLE_MINUTES) and at the latest some hours after signing in;
// typing into a form sends no request, so a long answer could be lost to the idle limit. Here:
// - typing in a form counts as activity (the session is extended at most once a minute while typing);
// - two minutes before the session ends a dialog says when, with "Stay signed in" (WCAG 2.2.1);
// - once it has ended, the dialog says nothing typed on the page is lost: sign in again in a new tab and
//   choose Continue, which puts the new session's form token in this page's forms, so Save works.
// The timer asks the server (auth.routes.session_state) rather than trusting its own clock: a request
// from another tab, or a dashboard's callback, keeps the same session alive. Its look is not activity.
// A form is sent only as the person the page was drawn for: before a form goes, the timer looks at the
// session; signed out, or signed in as someone else, the form is held and the dialog says so; signed in
// again as the same person, the form gets the new session's token and goes.
(function () {
  "use strict";
  var WARN_SECONDS = 120;  // from the page (SCORECARD_SESSION_WARN_SECONDS)
  var TYPING_EVERY_MS = 60 * 1000;
  var timer = null;
  var lastExtended = Date.now();
  var dialog = null;
  var opener = null;  // what had the focus when the dialog opened: it gets it back when the dialog closes
  var ended = false;
  var absoluteNoted = false;
  var pageUser = null;
  var pageSession = null;

  function marker() { return document.querySelector("[data-session-timer]"); }

  function formToken() {
    var input = document.querySelector("input[name=csrf_token]");
    return input ? input.value : "";
  }

  // The session as the server sees it: {left: {idle, absolute}, idle_minutes, max_hours, csrf_token, user,
  // session}, or null when signed out. A POST counts as activity.
  function ask(method) {
    var found = marker();
    if (!found) { return Promise.reject(new Error("no session timer on this page")); }
    return fetch(found.getAttribute("data-session-timer"), {
      method: method, credentials: "same-origin", cache: "no-store", redirect: "manual",
      headers: {"Accept": "application/json", "X-CSRFToken": formToken()}
    }).then(function (response) {
      if (response.status === 401) { return null; }
      if (!response.ok) { throw new Error("session check answered " + response.status); }
      return response.json();
    });
  }

  function schedule(seconds) {
    clearTimeout(timer);
    timer = setTimeout(check, Math.max(1, seconds) * 1000);
  }

  function clock(secondsFromNow) {
    return new Date(Date.now() + secondsFromNow * 1000).toLocaleTimeString([], {hour: "numeric", minute: "2-digit"});
  }

  // The page's forms follow the session `state` describes: "same" session, "renewed" (the same person
  // signed in again: the forms get its token), or "other" (someone else is signed in: nothing is changed).
  function adopt(state) {
    if (pageUser !== null && state.user !== pageUser) { return "other"; }
    if (state.session === pageSession) { return "same"; }
    document.querySelectorAll("input[name=csrf_token]").forEach(function (input) { input.value = state.csrf_token; });
    pageSession = state.session;
    return "renewed";
  }

  // The session as the server sees it, adopted by the page's forms; null (and the dialog says why) when
  // signed out or signed in as someone else.
  function look() {
    return ask("GET").then(function (state) {
      if (!state) { showEnded(); return null; }
      if (adopt(state) === "other") { showEnded(state.user); return null; }
      return state;
    });
  }

  function secondsLeft(state) { return Math.min(state.left.idle, state.left.absolute); }

  function scheduleWarning(state) { schedule(secondsLeft(state) - WARN_SECONDS); }

  function check() {
    return look().then(function (state) {
      if (!state) { return; }
      var left = secondsLeft(state);
      if (left > WARN_SECONDS) { close(); scheduleWarning(state); return; }
      if (state.left.idle <= state.left.absolute) {
        showWarning(state, left);
      } else if (!absoluteNoted) {
        showLimit(state, left);
      }
      schedule(Math.min(left + 2, 30));  // again soon: another tab may keep the session, or it ends
    }).catch(function () { schedule(60); });
  }

  function build(role, heading, text, actions) {
    close();
    opener = document.activeElement;
    dialog = document.createElement("dialog");
    dialog.className = "scorecard-session";
    dialog.setAttribute("role", role);
    dialog.setAttribute("aria-labelledby", "scorecard-session-heading");
    dialog.setAttribute("aria-describedby", "scorecard-session-text");
    var h = document.createElement("h2");
    h.id = "scorecard-session-heading";
    h.className = "margin-top-0";
    h.textContent = heading;
    var p = document.createElement("p");
    p.id = "scorecard-session-text";
    p.textContent = text;
    var row = document.createElement("div");
    row.className = "scorecard-session__actions";
    actions.forEach(function (action) { row.appendChild(action); });
    dialog.appendChild(h);
    dialog.appendChild(p);
    dialog.appendChild(row);
    document.body.appendChild(dialog);
    dialog.addEventListener("close", function () {  // closed by the browser (Escape): disposed of as close() does
      if (this === dialog) { close(); }
    });
    dialog.showModal();
    return dialog;
  }

  function button(label, className, onClick) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "usa-button " + className;
    b.textContent = label;
    b.addEventListener("click", onClick);
    return b;
  }

  function close() {
    if (dialog) {
      if (dialog.open) { dialog.close(); }
      dialog.remove();
      dialog = null;
      giveFocusBack();
    }
  }

  // Focus goes back where it was; when nothing held it (a dashboard just drawn), to the page's heading,
  // not to the start of the document (WCAG 2.4.3). The page stays where it was scrolled to, as a dialog
  // closed by the browser leaves it: someone reading far down a long page is not sent back to its top.
  function giveFocusBack() {
    var back = opener;
    opener = null;
    if (!back || back === document.body || !document.contains(back)) {
      back = document.querySelector("main h1") || document.getElementById("main-content");
      if (back && !back.hasAttribute("tabindex")) { back.setAttribute("tabindex", "-1"); }
    }
    if (back && back.focus) { back.focus({preventScroll: true}); }
  }

  function showWarning(state, left) {
    if (dialog && dialog.open && dialog.getAttribute("data-kind") === "warning") { return; }
    build("alertdialog", "You will be signed out soon",
          "After " + state.idle_minutes + (state.idle_minutes === 1 ? " minute" : " minutes")
          + " without activity you will be signed out at " + clock(left)
          + ". Anything typed on this page and not yet saved stays here, but cannot be saved once you are signed out.",
          [button("Stay signed in", "", extend)]).setAttribute("data-kind", "warning");
  }

  function showLimit(state, left) {
    absoluteNoted = true;
    build("alertdialog", "Your session ends soon",
          "A session lasts at most " + state.max_hours + (state.max_hours === 1 ? " hour" : " hours")
          + ": you will be signed out at " + clock(left)
          + ". Save what you are working on, then sign in again.",
          [button("OK", "", close)]).setAttribute("data-kind", "limit");
  }

  // Signed out; or, with `someone`, signed in as someone else than the page was drawn for.
  function showEnded(someone) {
    ended = true;
    clearTimeout(timer);
    var signIn = document.createElement("a");
    signIn.className = "usa-button usa-button--outline";
    signIn.href = marker() ? marker().getAttribute("data-session-sign-in") : "/auth/login";
    signIn.target = "_blank";
    signIn.rel = "noopener";
    signIn.textContent = "Sign in (opens a new tab)";
    build("alertdialog", someone ? "You are signed in as someone else" : "You were signed out",
          someone ? otherWords(someone)
                  : "Nothing on this page is lost, but it cannot be saved until you sign in again. Sign in in a "
                    + "new tab, then come back here and choose Continue.",
          [signIn, button("Continue", "", resume)]).setAttribute("data-kind", "ended");
    // Escape would leave a page whose Save can only fail: the first is refused (a browser lets a second one
    // close the dialog, to read or copy the page; a form sent then brings the dialog back).
    dialog.addEventListener("cancel", function (event) { event.preventDefault(); });
  }

  function extend() {
    lastExtended = Date.now();
    look().then(function (state) {  // the page's token must be this session's before it is sent
      return state ? ask("POST") : "held";
    }).then(function (state) {
      if (state === "held") { return; }
      if (!state) { showEnded(); return; }
      close();
      scheduleWarning(state);
    }).catch(function () { schedule(30); });
  }

  function otherWords(someone) {
    return "This page was opened as " + pageUser + ", and " + someone + " is signed in now: nothing on it is "
      + "lost, but it is not sent as someone else. Sign in as " + pageUser + " in a new tab, then choose "
      + "Continue; or reload the page to work as " + someone + ".";
  }

  // After signing in again elsewhere (as the person the page was drawn for): the page's forms get the
  // new session's token.
  function resume() {
    ask("GET").then(function (state) {
      var text = document.getElementById("scorecard-session-text");
      if (!state) {
        text.textContent = "You are still signed out: sign in in the other tab first, then choose Continue.";
        return;
      }
      if (adopt(state) === "other") {
        text.textContent = otherWords(state.user);
        return;
      }
      if (dashboardRefused) {  // the view drawn is not what its controls show: drawn again as its address says
        window.location.reload();
        return;
      }
      ended = false;
      absoluteNoted = false;
      lastExtended = Date.now();
      close();
      scheduleWarning(state);
    }).catch(function () { schedule(30); });
  }

  document.addEventListener("input", function (event) {
    var target = event.target;
    if (ended || !target || !target.closest || !target.closest("form")) { return; }
    if (Date.now() - lastExtended >= TYPING_EVERY_MS) { extend(); }
  }, true);

  // Before a form that changes something goes: is the page's session still the one signed in?
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!marker() || !form.querySelector("input[name=csrf_token]") || /\/auth\/logout$/.test(form.action)
        || typeof form.requestSubmit !== "function") {  // a browser without it sends the form as it is
      return;
    }
    if (form.hasAttribute("data-session-looked")) {
      form.removeAttribute("data-session-looked");
      return;
    }
    event.preventDefault();
    var submitter = event.submitter && event.submitter.form === form ? event.submitter : null;
    var send = function () {
      form.setAttribute("data-session-looked", "");
      if (submitter) { form.requestSubmit(submitter); } else { form.requestSubmit(); }
    };
    look().then(function (state) {
      if (state) { send(); }
    }).catch(send);  // the look failed (the network): the form goes as it is, and the server judges it
  }, true);

  // A dashboard's callback refused for want of a session (signed out in another tab, the session's last
  // hour gone by) changed nothing but the control pressed: the page went on showing the view before under
  // the new choice, and nothing said why until the timer next looked, up to half an hour later. Such a
  // refusal (401) makes the timer look now, and its dialog says what happened.
  // (A page's callbacks are refused together: one look for all of them.) Continue, once signed in again,
  // draws the page again: the control chosen kept its new value over the view before.
  var lookingAfterRefusal = false;
  var dashboardRefused = false;
  if (typeof window.fetch === "function") {
    var plainFetch = window.fetch;
    window.fetch = function () {
      return plainFetch.apply(this, arguments).then(function (response) {
        if (response.status !== 401 || !/\/_dash-/.test(response.url || "")) { return response; }
        dashboardRefused = true;
        // Once ended, a refusal brings the dialog back if it was put away to read the page (as a form sent
        // does): the control's new choice showed the view before under it, and nothing said so.
        if (ended && dialog && dialog.open) { return response; }
        if (!lookingAfterRefusal) {
          lookingAfterRefusal = true;
          check().then(function () { lookingAfterRefusal = false; });
        }
        return response;
      });
    };
  }

  // A Dash page draws its marker after this script runs: wait for it.
  function start(tries) {
    var found = marker();
    if (!found) {
      if (tries > 0) { setTimeout(function () { start(tries - 1); }, 1000); }
      return;
    }
    WARN_SECONDS = Number(found.getAttribute("data-session-warn")) || WARN_SECONDS;
    pageUser = found.getAttribute("data-session-user");
    pageSession = found.getAttribute("data-session-id");
    schedule(Number(found.getAttribute("data-session-left")) - WARN_SECONDS);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { start(60); });
  } else {
    start(60);
  }
}());
