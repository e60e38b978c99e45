// A page that comes back refusing a form (or reporting a conflict) moves the keyboard and screen-reader
// focus to what it says: a role="alert" present on load is not read by every screen reader, and focus
// left on the page's top made a keyboard user search for why nothing was saved.
// The element marked data-focus-on-load (with tabindex="-1": a form's summary of its problems, or a
// refusal flashed at the top, such as a wrong sign-in) is focused; without one, the first field marked in
// error (a form that shows its messages beside its fields: tokens, uploads, users). A page merely opened
// (an import batch that failed) keeps the focus where the browser puts it.
document.addEventListener("DOMContentLoaded", function () {
  var target = document.querySelector("[data-focus-on-load]:not([data-focus-on-load=message])")
    || document.querySelector("main .usa-form-group--error input:not([type=hidden]), "
                              + "main .usa-form-group--error select, main .usa-form-group--error textarea, "
                              + "main [aria-invalid=true]");
  if (target) {
    target.focus();
  }
});

// A form whose answer is worked out in the background (an upload, an import's confirm, a revert) lands on a
// page that shows the work under way and reloads itself once it is done. That page then says what happened
// (what the preview found, that the rows were refused, that the revert was done or refused), but the focus
// stayed at its top and nothing was read out. The form marked data-awaits-result notes that its answer is
// awaited (in this tab: sessionStorage); the first page after it that is no longer working ([data-working])
// focuses what it says ([data-result]), unless the focus was moved to a refusal above. A result page merely
// opened is left as it is.
(function () {
  var AWAITED = "scorecard-result-awaited";

  document.addEventListener("submit", function (event) {
    if (!event.defaultPrevented && event.target.hasAttribute("data-awaits-result")) {
      try { window.sessionStorage.setItem(AWAITED, "1"); } catch (e) { /* no storage: the page as it was */ }
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    try {
      if (!window.sessionStorage.getItem(AWAITED) || document.querySelector("[data-working]")) {
        return;
      }
      window.sessionStorage.removeItem(AWAITED);
    } catch (e) {
      return;
    }
    var result = document.querySelector("main [data-result]");
    if (result && (!document.activeElement || document.activeElement === document.body)) {
      result.focus();
    }
  });
}());

// A page a form was sent from and redirected to says what was done in a message flashed at its top ("Saved:
// ..."; data-focus-on-load="message"): it gets the focus, as a refusal does, so that it is read out and the
// keyboard starts below it (the focus was left on the page's body). Asked last: a refusal, a field in error
// or an awaited result above keep the focus.
document.addEventListener("DOMContentLoaded", function () {
  var message = document.querySelector("main [data-focus-on-load=message]");
  if (message && (!document.activeElement || document.activeElement === document.body)) {
    message.focus();
  }
});
