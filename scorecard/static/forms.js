// A form that changes something is sent once per press: a second click (a double click, an impatient
// Enter) while the first answer is on its way is not sent. The server refuses a second save too, but
// the browser shows the last answer it gets, which was the refusal: the page showing a new token's
// secret, or the saved commitment, was replaced by "sent before". After a few seconds a press sends again
// (an answer that never came), and a page brought back by Back can be sent again. Forms that only ask
// (method GET: filters, downloads) are never held.
(function () {
  var HOLD_MS = 8000;
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || (form.getAttribute("method") || "get").toLowerCase() !== "post") {
      return;
    }
    var sentAt = Number(form.getAttribute("data-sent-at") || 0);
    if (sentAt && Date.now() - sentAt < HOLD_MS) {
      event.preventDefault();
      return;
    }
    form.setAttribute("data-sent-at", String(Date.now()));
  });
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      document.querySelectorAll("form[data-sent-at]").forEach(function (form) {
        form.removeAttribute("data-sent-at");
      });
    }
  });
})();
