// A page that comes back refusing a form (or reporting a conflict) moves the keyboard and screen-reader
// focus to what it says (the element marked data-focus-on-load, with tabindex="-1"): a role="alert"
// present on load is not read by every screen reader, and focus left on the page's top made a
// keyboard user search for why nothing was saved.
document.addEventListener("DOMContentLoaded", function () {
  var target = document.querySelector("[data-focus-on-load]");
  if (target) {
    target.focus();
  }
});
