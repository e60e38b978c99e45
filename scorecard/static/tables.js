// A table wider than the page scrolls within a region of its own, as the dashboards' tables do
// (dashboards.components.data_table), so the page itself never scrolls sideways: at a phone's width or
// at 200% zoom one wide table dragged the header, the text and every form of the page with it. The
// region is named by the table's caption (or what labels the table) and can take the keyboard's focus,
// so the arrow keys scroll it. Tables that fit are left as they are (no extra stop for the Tab key);
// a window made narrower (or a zoom) wraps those that no longer fit. A stacked table lays itself out row
// under row on a phone only: wider than that (a desktop at 200% zoom) it is a table like any other, and
// one too wide for the page scrolls in its region too (unwrapped again once it stacks and fits).
(function () {
  function label(table) {
    var caption = table.querySelector("caption");
    var by = table.getAttribute("aria-labelledby");
    var named = by && document.getElementById(by);
    return ((caption && caption.textContent) || (named && named.textContent) || "Table").replace(/\s+/g, " ").trim();
  }
  function wrapWide() {
    document.querySelectorAll("main table.usa-table").forEach(fit);
  }
  function fit(table) {
    var parent = table.parentElement;
    if (parent.classList.contains("scorecard-table-scroll")) {
      // it fits again (a wider window, the fonts arrived, text made smaller): nothing of it overflows
      if (table.scrollWidth <= parent.clientWidth) {
        parent.parentElement.insertBefore(table, parent);
        parent.remove();
      }
      return;
    }
    var room = parent.getBoundingClientRect().right - parseFloat(getComputedStyle(parent).paddingRight);
    if (parent.classList.contains("usa-table-container--scrollable") || table.getBoundingClientRect().right <= room + 1) {
      return;
    }
    var region = document.createElement("div");
    region.className = "usa-table-container--scrollable scorecard-table-scroll";
    region.setAttribute("tabindex", "0");
    region.setAttribute("role", "region");
    region.setAttribute("aria-label", label(table));
    parent.insertBefore(region, table);
    region.appendChild(table);
  }
  wrapWide();  // loaded at the end of the body: the tables are there, and the page is not yet drawn
  window.addEventListener("resize", wrapWide);
  // Measured again whenever a table's size changes without the window's: the page's fonts arriving after
  // the first measure, text spacing or size set by the reader, a zoom.
  if (window.ResizeObserver) {
    var observer = new ResizeObserver(function (entries) {
      entries.forEach(function (entry) { fit(entry.target); });
    });
    document.querySelectorAll("main table.usa-table").forEach(function (table) {
      observer.observe(table);
    });
  }
})();
