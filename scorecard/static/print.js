// On paper nothing is wider than the page. While a page prints, the class scorecard-printing sets a table's
// cells at 8 pt with their words wrapping (scorecard.css); a table whose columns still cannot narrow to the
// paper (fourteen counts side by side, eight quarters of statuses) is scaled to it rather than cut at the
// paper's edge, and so is a chart that draws wider than it (drawn for a wide window, the CFO's metrics were
// cut at FY2026-Q2); one whose cells and labels fit prints as drawn. Everything is drawn as before once the
// printing is over. Loaded by the Flask pages and the dashboards alike (dashboards/chrome.py).
(function () {
  var PAPER_WIDTH = 640;  // CSS pixels of a Letter or A4 page's text, less its margins and the page's own
  function scaled(width) {
    return width > PAPER_WIDTH ? (PAPER_WIDTH / width).toFixed(3) : "";
  }
  // How far right a chart draws (its layers' right edge), at most its width.
  function drawnWidth(chart) {
    var right = 0;
    chart.querySelectorAll("svg.main-svg").forEach(function (layer) {
      var box = layer.getBBox();
      if (box.width > 0) { right = Math.max(right, box.x + box.width); }
    });
    return right > 0 ? Math.min(right, chart.offsetWidth) : chart.offsetWidth;
  }
  window.addEventListener("beforeprint", function () {
    document.documentElement.classList.add("scorecard-printing");
    document.querySelectorAll("main table").forEach(function (table) {
      var width = table.style.width;
      table.style.zoom = "";
      table.style.width = "min-content";  // as narrow as its words let it be
      var least = table.offsetWidth;
      table.style.width = width;
      table.style.zoom = scaled(least);
    });
    document.querySelectorAll(".js-plotly-plot .svg-container").forEach(function (chart) {
      chart.style.zoom = scaled(drawnWidth(chart));
    });
  });
  window.addEventListener("afterprint", function () {
    document.documentElement.classList.remove("scorecard-printing");
    document.querySelectorAll("main table, .js-plotly-plot .svg-container").forEach(function (element) {
      element.style.zoom = "";
    });
  });
})();
