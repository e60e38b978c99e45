// A page that comes back refusing a form (or reporting a conflict) moves the keyboard and screen-reader
// focus to what it says: a role="alert" present on load is not read by every screen reader, and focus
// left on the page's top made a keyboard user search for why nothing was saved.
// The element marked data-focus-on-load (with tabindex="-1": a form's summary of its problems, or a
// refusal flashed at the top, such as a wrong sign-in) is focused; without one, the first field marked in
// error (a form that shows its messages beside its fields: tokens, uploads, users). A page merely opened
// (an import batch that failed) keeps the focus where the browser puts it.
document.addEventListener("DOMContentLoaded", function () {
  var target = document.querySelector("[data-focus-on-load]")
    || document.querySelector("main .usa-form-group--error input:not([type=hidden]), "
                              + "main .usa-form-group--error select, main .usa-form-group--error textarea, "
                              + "main [aria-invalid=true]");
  if (target) {
    target.focus();
  }
});
