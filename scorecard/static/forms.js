// A date box left half typed (11/25/yyyy) is sent by the browser as blank, so a due date half edited was saved as
// no due date. Each such box of a form that changes something is named to the server in a field of its own
// (scorecard/commitments/forms.py, INCOMPLETE_DATES), which refuses it beside the box.
(function () {
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if ((form.getAttribute("method") || "get").toLowerCase() !== "post") {
      return;
    }
    form.querySelectorAll("input[data-incomplete-date]").forEach(function (flag) {
      flag.remove();
    });
    form.querySelectorAll("input[type=date]").forEach(function (box) {
      if (box.name && box.validity && box.validity.badInput) {
        var flag = document.createElement("input");
        flag.type = "hidden";
        flag.name = "incomplete_date";
        flag.value = box.name;
        flag.setAttribute("data-incomplete-date", "");
        form.appendChild(flag);
      }
    });
  });
})();
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
// A file input keeps its visible label in its name (WCAG 2.5.3): the U.S. Web Design System's file input
// names it "Drag file here or choose from folder" (and, once a file is chosen, by the file), so a screen
// reader did not read "Spreadsheet" and a speech user could not say it to reach the control.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("input[type=file][id]").forEach(function (input) {
    var label = document.querySelector("label[for='" + input.id + "']");
    if (!label) {
      return;
    }
    var text = label.textContent.trim();
    var keep = function () {
      var name = input.getAttribute("aria-label");
      if (name && name.indexOf(text) !== 0) {
        input.setAttribute("aria-label", text + ". " + name);
      }
    };
    keep();
    new MutationObserver(keep).observe(input, {attributes: true, attributeFilter: ["aria-label"]});
  });
});
// A list of checkboxes in a box that scrolls (templates/commitments/_macros.html checkboxes) says above it
// which are chosen, kept as they are ticked: the chosen ones sit among dozens, most out of sight.
(function () {
  document.addEventListener("change", function (event) {
    var box = event.target.closest && event.target.closest(".scorecard-choices[data-chosen]");
    var said = box && document.getElementById(box.getAttribute("data-chosen"));
    if (!said) {
      return;
    }
    var names = Array.prototype.map.call(box.querySelectorAll("input[type=checkbox]:checked"), function (input) {
      var label = box.querySelector('label[for="' + input.id + '"]');
      return label ? label.textContent : input.value;
    });
    said.textContent = names.length ? "Chosen (" + names.length + "): " + names.join("; ") : "None chosen.";
  });
})();
// A search box above a long list of checkboxes (templates/commitments/_macros.html checkboxes, with `find`)
// shows only the choices whose name, or group's name, holds what is typed (case and accents aside), and says
// how many it shows. A box ticked and then hidden stays ticked (and is sent); Enter in the search box does not
// send the form, and Escape empties it. Without script the box stays hidden and every choice shows.
(function () {
  function folded(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/[\u2018\u2019\u02bc]/g, "'")
      .replace(/[\u201c\u201d]/g, '"').toLowerCase().replace(/\s+/g, " ").trim();
  }
  function show(input, box, said, noun) {
    var wanted = folded(input.value);
    var choices = box.querySelectorAll(".usa-checkbox");
    var shown = 0;
    choices.forEach(function (choice) {
      var group = choice.closest("fieldset") !== box.closest("fieldset") ? choice.closest("fieldset") : null;
      var legend = group && group.querySelector("legend");
      var text = folded(choice.textContent + " " + (legend ? legend.textContent : ""));
      var match = !wanted || text.indexOf(wanted) !== -1;
      choice.hidden = !match;
      shown += match ? 1 : 0;
    });
    box.querySelectorAll("fieldset").forEach(function (group) {
      group.hidden = !group.querySelector(".usa-checkbox:not([hidden])");
    });
    box.hidden = shown === 0;
    said.textContent = !wanted ? "" : shown === 0 ? "None of the " + choices.length + " " + noun + " holds \u201c" +
      input.value.trim() + "\u201d." : "Showing " + shown + " of " + choices.length + " " + noun + ".";
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".scorecard-choices-find[data-find-in]").forEach(function (finder) {
      var box = document.getElementById(finder.getAttribute("data-find-in"));
      var input = finder.querySelector("input[type=search]");
      var said = finder.querySelector("[aria-live]");
      var noun = finder.getAttribute("data-noun") || "choices";
      if (!box || !input || !said) {
        return;
      }
      finder.hidden = false;
      input.addEventListener("input", function () { show(input, box, said, noun); });
      input.addEventListener("keydown", function (event) {
        if (event.key === "Enter") {
          event.preventDefault();
        } else if (event.key === "Escape" && input.value) {
          event.preventDefault();
          input.value = "";
          show(input, box, said, noun);
        }
      });
    });
  });
})();
// A counted text box (the U.S. Web Design System's character count) opened with text in it, a refused form
// shown again or a stored reason, said "10000 characters allowed" (and its live region the same) beside
// 10,213 characters until a key was pressed: its count is brought up to date as the page opens.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll(".usa-character-count__field").forEach(function (field) {
    if (field.value) {
      field.dispatchEvent(new Event("input", {bubbles: true}));
    }
  });
});
// The count reads its numbers as the pages' messages write them ("4,000 characters allowed", "1,250 characters
// over limit"): the design system's script writes "4000", beside a refusal saying "at most 4,000".
(function () {
  function grouped(node) {
    var text = node.textContent;
    var said = text.replace(/\d{4,}/g, function (digits) { return Number(digits).toLocaleString("en-US"); });
    if (said !== text) {
      node.textContent = said;
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".usa-character-count").forEach(function (count) {
      var watch = function () {
        count.querySelectorAll(".usa-character-count__status, .usa-character-count__sr-status").forEach(grouped);
      };
      new MutationObserver(watch).observe(count, {childList: true, characterData: true, subtree: true});
      watch();
    });
  });
})();
// A link in an error summary to a field brings into sight what says what the field is and what is wrong
// with it, then focuses the field: followed as an anchor, the browser scrolled the field itself to the
// screen's top edge, its label, hint and error message above it, out of sight (WCAG 3.3.1). It shows the
// group's legend when the legend and the field fit on the screen together (a capacity domain's name above
// its score), else the field's label; as the GOV.UK Design System's error summary does. A link to a group of
// checkboxes (its fieldset, which takes no focus: the focus was left on the page) focuses its first box.
(function () {
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest('.usa-alert--error a[href^="#"]');
    if (!link || event.defaultPrevented || event.button !== 0 || event.ctrlKey || event.metaKey ||
        event.shiftKey || event.altKey) {
      return;
    }
    var field = document.getElementById(decodeURIComponent(link.getAttribute("href").slice(1)));
    var group = field && field.tagName === "FIELDSET" ? field : null;
    if (group) {  // a group of checkboxes or radio buttons: its first, under its legend (a fieldset takes no focus)
      field = group.querySelector('input[type="checkbox"], input[type="radio"]') || group.querySelector(
        "input:not([type=hidden]), select, textarea");
    }
    if (!field || !/^(INPUT|SELECT|TEXTAREA)$/.test(field.tagName)) {
      return;
    }
    var label = group ? null : document.querySelector('label[for="' + CSS.escape(field.id) + '"]');
    var fieldset = group || field.closest("fieldset");
    var legend = fieldset && fieldset.querySelector("legend");
    var shown = label || field;
    if (legend && field.getBoundingClientRect().bottom - legend.getBoundingClientRect().top < window.innerHeight * 0.9) {
      shown = legend;
    }
    event.preventDefault();
    shown.scrollIntoView({block: "start"});
    field.focus({preventScroll: true});
    if (history.replaceState) {
      history.replaceState(history.state, "", link.hash);
    }
  });
})();
