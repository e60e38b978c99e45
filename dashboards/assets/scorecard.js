/* CX Scorecard dashboards: after each navigation inside the dashboards, move focus to the page's
   heading (so a screen reader announces the new page) and mark the current page in the
   dashboards' navigation and the header's (aria-current). The first page shown keeps focus at the top:
   the skip link comes first. */
(function () {
  var shown = 0;

  function markCurrent() {
    var here = window.location.pathname.replace(/\/+$/, '') || '/';
    document.querySelectorAll('#dash-subnav a').forEach(function (link) {
      var path = new URL(link.href, window.location.href).pathname.replace(/\/+$/, '') || '/';
      if (path === here) {
        link.setAttribute('aria-current', 'page');
        link.classList.add('dash-subnav__link--current');
      } else {
        link.removeAttribute('aria-current');
        link.classList.remove('dash-subnav__link--current');
      }
    });
    // The header's Dashboards item (drawn once, marked "true"): "page" on the Overview, its own page.
    document.querySelectorAll('.usa-nav a.usa-current').forEach(function (link) {
      var path = new URL(link.href, window.location.href).pathname.replace(/\/+$/, '') || '/';
      link.setAttribute('aria-current', path === here ? 'page' : 'true');
    });
  }

  function focusHeading(tries) {
    var heading = document.querySelector('#main-content h1');
    if (!heading) {
      if (tries > 0) { window.setTimeout(function () { focusHeading(tries - 1); }, 50); }
      return;
    }
    if (!heading.hasAttribute('tabindex')) { heading.setAttribute('tabindex', '-1'); }
    heading.focus();
  }

  /* Back to a page from a link followed in one of its table panels: the panel is opened again (a lazy one's
     table drawn by the server) and the focus put on the link followed, where the keyboard user left it. The
     panel had closed and the focus gone to the heading (or the page's top): a keyboard user tabbed through the
     table's rows again to go on. Kept for the page's address in the tab's session storage, and used once. */
  var FOLLOWED = 'scorecard:followed';
  var FOLLOWED_FOR_MS = 30 * 60 * 1000;

  function here() { return window.location.pathname + window.location.search; }

  document.addEventListener('click', function (event) {
    var link = event.target.closest && event.target.closest('details.dash-details a[href]');
    if (!link || link.hasAttribute('download') || link.getAttribute('href').charAt(0) === '#') { return; }
    var panels = Array.prototype.slice.call(document.querySelectorAll('details.dash-details'));
    try {
      window.sessionStorage.setItem(FOLLOWED, JSON.stringify(
        {page: here(), panel: panels.indexOf(link.closest('details.dash-details')), href: link.getAttribute('href'),
         at: Date.now()}));
    } catch (e) { /* no session storage: the page opens as it would */ }
  }, true);

  /* Only a page come back to by Back (or Forward) is restored: inside the dashboards Back is a popstate; a page
     loaded by Back (from a why-page) says so in its navigation entry. A page opened afresh, by a link or its
     address, opens at its top, the record of the link followed dropped. */
  var cameBack = false;
  window.addEventListener('popstate', function () { cameBack = true; });

  function loadedByBack() {
    var entry = window.performance && performance.getEntriesByType && performance.getEntriesByType('navigation')[0];
    return !!entry && entry.type === 'back_forward';
  }

  function followedHere() {
    var kept = null, back = cameBack || (shown === 1 && loadedByBack());
    cameBack = false;
    try { kept = JSON.parse(window.sessionStorage.getItem(FOLLOWED) || 'null'); } catch (e) { return null; }
    if (!kept || kept.page !== here()) { return null; }
    window.sessionStorage.removeItem(FOLLOWED);
    return back && Date.now() - (kept.at || 0) < FOLLOWED_FOR_MS ? kept : null;  // not a page opened much later
  }

  function backToFollowed(kept, tries) {
    var panel = document.querySelectorAll('details.dash-details')[kept.panel];
    if (panel && !panel.open) { panel.open = true; }
    var link = panel && Array.prototype.find.call(panel.querySelectorAll('a[href]'), function (a) {
      return a.getAttribute('href') === kept.href;
    });
    if (link) {
      link.focus();
      link.scrollIntoView({block: 'center'});
    } else if (tries > 0) {  // the page's tables are still being drawn
      window.setTimeout(function () { backToFollowed(kept, tries - 1); }, 100);
    }
  }

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    scorecard: {
      pageShown: function () {
        shown += 1;
        window.setTimeout(function () {
          markCurrent();
          var kept = followedHere();
          if (kept) {
            backToFollowed(kept, 100);
          } else if (shown > 1) {
            focusHeading(20);
          }
        }, 0);
        return window.dash_clientside.no_update;
      }
    }
  });
})();

/* Opening another dashboard page as Dash's own links do (dcc.Link): without reloading the app, so the
   focus moves to the new page's heading as after any navigation (a reload left it on the body). */
(function () {
  function openInDashboards(href) {
    window.history.pushState({}, '', href);
    window.dispatchEvent(new CustomEvent('_dashprivate_pushstate'));
    window.scrollTo(0, 0);
  }

  /* A plain link to another dashboard page (in a table's HTML, drawn by tables.js, or an html.A). A click
     with a modifier key, a download, a link to a place on the same page (the skip link), to a briefing's
     file or to a page outside the dashboards goes as the browser takes it. */
  document.addEventListener('click', function (event) {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey ||
        event.altKey) { return; }
    var link = event.target.closest && event.target.closest('a[href]');
    if (!link || (link.target && link.target !== '_self') || link.hasAttribute('download')) { return; }
    var url = new URL(link.href, window.location.href);
    var path = url.pathname;
    if (url.hash && path === window.location.pathname && url.search === window.location.search) {
      return;  // a place on this page (the skip link to #main-content): the browser moves there, and the focus
    }
    if (url.origin !== window.location.origin || path.indexOf('/dashboards/') !== 0 ||
        path.indexOf('/dashboards/briefings/') === 0 || path.indexOf('/dashboards/_') === 0 ||
        path.indexOf('/dashboards/assets/') === 0) { return; }
    event.preventDefault();
    openInDashboards(path + url.search + url.hash);
  });

  /* The dashboards' navigation carries the filters the pages share (the quarter and the agency chosen,
     dashboards/chrome.py SHARED_FILTERS) to the page it opens, under that page's own names for them: a
     meeting held on a past quarter stays on it from tab to tab, through the pages that have no quarter (the
     tab's session keeps what was chosen last; a page showing its default, the latest quarter or every
     agency, forgets it). Each link's address says so before it is used (pointed at, focused, pressed), so a
     copied link or one opened in a new tab carries them too. */
  var KEPT = 'scorecard.dashboards.shared';
  /* Only a value written as the pages write it is carried: one typed into the address that its page refused
     ("period=garbage") is said on that page, not handed on to every tab. */
  var WRITTEN = {quarter: /^FY\d{4}-Q[1-4]$/, agency: /^[1-9]\d{0,9}$/};

  function pairs(text) {
    return (text || '').split(/\s+/).filter(Boolean).map(function (pair) { return pair.split(':'); });
  }

  function kept() {
    try { return JSON.parse(window.sessionStorage.getItem(KEPT)) || {}; } catch (e) { return {}; }
  }

  function keep(chosen) {
    try { window.sessionStorage.setItem(KEPT, JSON.stringify(chosen)); } catch (e) { /* storage refused */ }
  }

  /* What a page the navigation does not list takes ("period:quarter" on a program's page), from the
     navigation's data-unlisted ("/dashboards/program=period:quarter;..."); "" for one that takes none. */
  function unlisted(nav, path) {
    var found = (nav.getAttribute('data-unlisted') || '').split(';').map(function (entry) {
      return entry.split('=');
    }).find(function (entry) { return (entry[0].replace(/\/+$/, '') || '/') === path; });
    return found ? found[1] : '';
  }

  function chosenNow(nav) {
    var here = new URLSearchParams(window.location.search);
    var path = window.location.pathname.replace(/\/+$/, '') || '/';
    var page = Array.prototype.find.call(nav.querySelectorAll('a[data-path]'), function (link) {
      return (link.getAttribute('data-path').replace(/\/+$/, '') || '/') === path;
    });
    var carry = page ? page.getAttribute('data-carry') : unlisted(nav, path);
    var takes = pairs(carry).map(function (pair) { return pair[1]; });
    var chosen = kept();
    takes.forEach(function (kind) { delete chosen[kind]; });  // this page says what is chosen, or shows its default
    pairs(nav.getAttribute('data-shared')).forEach(function (pair) {
      var value = here.get(pair[0]);
      if (value && (!WRITTEN[pair[1]] || WRITTEN[pair[1]].test(value))) { chosen[pair[1]] = value; }
    });
    keep(chosen);
    return chosen;
  }

  function carryFilters() {
    var nav = document.getElementById('dash-subnav');
    if (!nav) { return; }
    var chosen = chosenNow(nav);
    nav.querySelectorAll('a[data-path]').forEach(function (link) {
      var query = new URLSearchParams();
      pairs(link.getAttribute('data-carry')).forEach(function (pair) {
        if (pair[1] in chosen) { query.set(pair[0], chosen[pair[1]]); }
      });
      var search = query.toString();
      var href = link.getAttribute('data-path') + (search ? '?' + search : '');
      if (link.getAttribute('href') !== href) { link.setAttribute('href', href); }
    });
  }

  /* A right click ("Copy link address", "Open in new tab") and a touch use the link's address too. */
  ['mouseover', 'focusin', 'mousedown', 'contextmenu', 'touchstart', 'click'].forEach(function (kind) {
    document.addEventListener(kind, function (event) {
      if (event.target.closest && event.target.closest('#dash-subnav')) { carryFilters(); }
    }, true);  // first: the click that opens the page reads the address carried
  });
  window.addEventListener('popstate', carryFilters);
  window.addEventListener('_dashprivate_pushstate', carryFilters);

  /* A chart of quarters that scrolls sideways on a narrow screen (dashboards.components.chart, by_quarter) opens
     on the latest quarters, at its right end, as a reader wants them: it opened on the oldest of several years.
     Once, when it first overflows: a reader who scrolls it back is left there. */
  var latestPending = false;
  function showLatest() {
    latestPending = false;
    document.querySelectorAll('.dash-chart-scroll').forEach(function (region) {
      if (!region.querySelector('.main-svg')) { return; }
      if (region.getAttribute('data-latest') === 'right' && !region.getAttribute('data-scrolled')
          && region.scrollWidth > region.clientWidth + 1) {
        region.scrollLeft = region.scrollWidth;
        region.setAttribute('data-scrolled', 'latest');
      }
      keepTitle(region);  // also after Plotly draws the chart again (a new filter)
    });
  }

  /* A chart scrolled sideways keeps its title in view, at the left of what shows: scrolled to its latest
     quarters on a phone, "Trust / confidence by quarter: Benefits Call Center" read ": Benefits Call". Its lines,
     wrapped for the chart's own width, are made smaller where what shows is narrower (at 320 px they ran 45 px
     past the right edge, cut off however the chart was scrolled); never below 0.6 of their size. */
  function keepTitle(region) {
    fitInView(region, region.querySelector('.g-gtitle'));
    var plot = region.querySelector('.js-plotly-plot');
    if (plot && plot.data && plot.data.length === 0) {  // an empty figure: its message (figures.empty_figure) too
      region.querySelectorAll('.infolayer .annotation').forEach(function (note) { fitInView(region, note); });
    }
  }
  function fitInView(region, element) {
    if (!element || !element.getBBox) { return; }
    var box = element.getBBox();
    var room = region.clientWidth - box.x - 4;
    var scale = box.width > room && box.width > 0 ? Math.max(0.6, room / box.width) : 1;
    var shift = 'translate(' + region.scrollLeft + 'px, 0px)' + (scale < 1 ? ' scale(' + scale.toFixed(3) + ')' : '');
    if (element.style.transform !== shift) {
      element.style.transformOrigin = box.x + 'px ' + box.y + 'px';
      element.style.transform = shift;
    }
  }
  // A window made narrower (a phone turned, a window split) draws no chart again: its titles are fitted anew.
  window.addEventListener('resize', function () {
    if (!latestPending) { latestPending = true; window.requestAnimationFrame(showLatest); }
  });
  // On paper a chart does not scroll: its title prints at its left, as drawn, and is kept in view again after
  // (static/print.js fits a chart drawn wider than the paper to it).
  window.addEventListener('beforeprint', function () {
    document.querySelectorAll('.dash-chart-scroll .g-gtitle, .dash-chart-scroll .infolayer .annotation')
      .forEach(function (element) { element.style.transform = ''; });
  });
  window.addEventListener('afterprint', showLatest);
  document.addEventListener('scroll', function (event) {
    var region = event.target;
    if (region.classList && region.classList.contains('dash-chart-scroll')) { keepTitle(region); }
  }, true);  // scroll does not bubble: caught on its way down
  new MutationObserver(function () {
    if (!latestPending) { latestPending = true; window.requestAnimationFrame(showLatest); }
  }).observe(document.documentElement, {subtree: true, childList: true});

  /* A selected heatmap cell opens its program's page. */
  window.dash_clientside = Object.assign({}, window.dash_clientside);
  window.dash_clientside.scorecard = Object.assign({}, window.dash_clientside.scorecard, {
    openProgram: function (clickData) {
      var point = clickData && clickData.points && clickData.points[0];
      var href = point && point.customdata;
      if (typeof href === 'string' && href.indexOf('/dashboards/program?') === 0) {
        openInDashboards(href);
      }
      return window.dash_clientside.no_update;
    },
    /* A dropdown whose values are ids (components.search_by_label): the options whose name holds every word
       typed, and the one chosen (a list without it would have Dash clear the choice as the search ends). */
    byLabel: function (search, options, value) {
      var words = (search || '').toLocaleLowerCase().split(/\s+/).filter(Boolean);
      if (!options) { return window.dash_clientside.no_update; }
      if (!words.length) { return options; }
      return options.filter(function (option) {
        var name = String(option.label).toLocaleLowerCase();
        return option.value === value || words.every(function (word) { return name.indexOf(word) >= 0; });
      });
    }
  });
})();

/* Dash's dropdown (dcc.Dropdown, Dash 4) keeps an aria-hidden input in the tab order that hands
   focus on to its button, and names the button by its value alone. Put the button itself in the
   tab order, take the hidden relay out of it, and name the button by its label first ("Quarter,
   FY2026-Q4"): keyboard and screen-reader users meet one control with its label.
   Open, its list is a dialog and a listbox without a name, whose options (labels with the role
   "option") each hold the radio button or checkbox that is the real control: name both by the
   filter's label and let the list be what it holds, a group of radio buttons (or checkboxes). */
(function () {
  var pending = false;

  function fixDropdowns() {
    pending = false;
    document.querySelectorAll('.dash-dropdown-wrapper').forEach(function (wrapper) {
      var relay = wrapper.querySelector('.dash-dropdown-focus-target');
      var button = wrapper.querySelector('button.dash-dropdown');
      if (!relay || !button) { return; }
      if (relay.getAttribute('tabindex') !== '-1') { relay.setAttribute('tabindex', '-1'); }
      if (!button.disabled && button.getAttribute('tabindex') !== '0') { button.setAttribute('tabindex', '0'); }
      var label = button.id && document.getElementById(button.id + '-label');
      if (label) {
        var names = (button.getAttribute('aria-labelledby') || '').split(/\s+/).filter(function (id) {
          return id && id !== label.id && document.getElementById(id);  // not the count Dash names while it is not drawn
        });
        var wanted = [label.id].concat(names).join(' ');
        if (button.getAttribute('aria-labelledby') !== wanted) { button.setAttribute('aria-labelledby', wanted); }
        if (button.getAttribute('aria-haspopup') !== 'dialog') { button.setAttribute('aria-haspopup', 'dialog'); }
      }
    });
    document.querySelectorAll('.dash-dropdown-content[role="dialog"]').forEach(function (dialog) {
      var trigger = dialog.id && document.querySelector('button.dash-dropdown[aria-controls="' + dialog.id + '"]');
      var label = trigger && trigger.id && document.getElementById(trigger.id + '-label');
      if (label && dialog.getAttribute('aria-labelledby') !== label.id) { dialog.setAttribute('aria-labelledby', label.id); }
      dialog.querySelectorAll('.dash-options-list[role="listbox"]').forEach(function (list) {
        list.setAttribute('role', list.querySelector('input[type="radio"]') ? 'radiogroup' : 'group');
        if (label) { list.setAttribute('aria-labelledby', label.id); }
      });
      dialog.querySelectorAll('label.dash-options-list-option[role], label.dash-options-list-option[aria-selected]')
        .forEach(function (option) {
          option.removeAttribute('role');
          option.removeAttribute('aria-selected');
        });
    });
  }

  function schedule() {
    if (!pending) { pending = true; window.requestAnimationFrame(fixDropdowns); }
  }

  new MutationObserver(schedule).observe(document.documentElement, {
    subtree: true, childList: true, attributes: true,
    attributeFilter: ['tabindex', 'aria-labelledby', 'aria-haspopup', 'role', 'aria-selected']
  });

  /* Opened on a chosen value, the list puts the focus on that option, where typed letters went nowhere (and
     the arrow keys then chose a neighbour): a letter typed on an option goes to the list's search box. */
  document.addEventListener('keydown', function (event) {
    if (event.key.length !== 1 || event.ctrlKey || event.metaKey || event.altKey || event.key === ' ') { return; }
    var target = event.target;
    var dialog = target && target.closest && target.closest('.dash-dropdown-content');
    if (!dialog || target.classList.contains('dash-dropdown-search')) { return; }
    var search = dialog.querySelector('input.dash-dropdown-search');
    if (search) { search.focus(); }
  }, true);

  /* What a search in a filter's list found is said (the list's "No options found" was shown, never heard): in a
     status region of the page's own, put there before the first search's answer, so that it is announced. */
  var found = null, counting = null, foundIn = null;  // the region, its pending count, the list it speaks of
  document.addEventListener('input', function (event) {
    var search = event.target;
    if (!search.classList || !search.classList.contains('dash-dropdown-search')) { return; }
    var dialog = search.closest('.dash-dropdown-content');
    foundIn = dialog;
    if (!found) {
      found = document.createElement('p');
      found.id = 'dash-dropdown-found';
      found.className = 'usa-sr-only';
      found.setAttribute('role', 'status');
      document.body.appendChild(found);
    }
    window.clearTimeout(counting);
    counting = window.setTimeout(function () {  // once the list has drawn what the search leaves
      if (!dialog || !dialog.isConnected) { found.textContent = ''; return; }  // closed meanwhile: chosen, or Escape
      var n = dialog.querySelectorAll('label.dash-options-list-option').length;
      found.textContent = !search.value.trim() ? '' :
        n ? n + (n === 1 ? ' option found' : ' options found') : 'No options found';
    }, 600);
  });
  /* ...and it is emptied as the list closes, or as the focus goes to another list or control: what one list's
     search found is nobody's later. */
  function forget() {
    window.clearTimeout(counting);
    if (found) { found.textContent = ''; }
    foundIn = null;
  }
  document.addEventListener('focusin', function (event) {
    var dialog = event.target && event.target.closest && event.target.closest('.dash-dropdown-content');
    if (foundIn && dialog !== foundIn) { forget(); }
  });
  document.addEventListener('focusout', function () {
    window.setTimeout(function () {
      if (found && found.textContent && !document.querySelector('.dash-dropdown-content')) { forget(); }
    }, 0);
  });

  /* Space on a closed filter opens it, as it presses any button. On a filter that can be searched the
     dropdown took the space for the first letter of a search and opened the list, and the button's own
     press then closed it again: Space did nothing there (Enter did). The button's press alone opens it. */
  document.addEventListener('keyup', function (event) {
    var button = event.target;
    if (event.key === ' ' && button.matches && button.matches('button.dash-dropdown')) {
      event.stopPropagation();
    }
  }, true);

  /* From the search box the arrow keys (and Tab, which the list moves by too) start at the top (or bottom)
     of what it found. The list kept the place it had before the search (the chosen option's, or the last
     one under the keys), so after typing "Passport" Down went to the second match and then back to the
     box, and Down, Enter chose the wrong one. Before such a key reaches the list, its place is reset the
     list's own way: Home, pressed on an option, takes it back to the search box. */
  document.addEventListener('keydown', function (event) {
    if (!event.isTrusted || ['ArrowDown', 'ArrowUp', 'PageDown', 'Tab'].indexOf(event.key) < 0) { return; }
    var search = event.target;
    if (!search.classList || !search.classList.contains('dash-dropdown-search')) { return; }
    var option = search.closest('.dash-dropdown-content').querySelector('label.dash-dropdown-option input');
    if (!option) { return; }
    event.preventDefault();
    event.stopPropagation();
    var press = function (element, key, shift) {
      element.dispatchEvent(new KeyboardEvent('keydown', {key: key, shiftKey: shift, bubbles: true, cancelable: true}));
    };
    option.focus();
    press(option, 'Home', false);
    press(search, event.key, event.shiftKey);
  }, true);

  /* An option that takes the focus is scrolled into sight within its list. Shift+Tab from the list's first
     option (or its search box) wraps to the last one, which the list's focus trap focuses without scrolling:
     the focus sat below the box, unseen, and Enter chose an agency nobody could see. Scrolled up, an option
     stops below the search box that sticks to the list's top (it stopped at the top, under the box). */
  document.addEventListener('focusin', function (event) {
    var option = event.target && event.target.closest && event.target.closest('label.dash-dropdown-option');
    var list = option && option.closest('.dash-dropdown-content');
    if (!list) { return; }
    var search = list.querySelector('.dash-dropdown-search-container');
    option.style.scrollMarginTop = search ? search.offsetHeight + 'px' : '';
    option.scrollIntoView({block: 'nearest'});
  });
})();

/* A table panel drawn only while open (components.table_panel(lazy=True)) tells Dash when it opens
   or closes, so the server draws its table then; by mouse, keyboard or script alike. */
document.addEventListener('toggle', function (event) {
  var panel = event.target;
  var clientside = window.dash_clientside;
  if (panel && panel.id && panel.getAttribute && panel.getAttribute('data-lazy-table') === 'true' &&
      clientside && typeof clientside.set_props === 'function') {
    clientside.set_props(panel.id, {open: panel.open});
  }
}, true);

/* The primary navigation on a narrow screen (a phone, a desktop at 200% zoom): USWDS hides it behind the
   header's Menu button. The Flask pages open it with USWDS's own script; the dashboards with this one, as
   USWDS does: the menu shown over an overlay, its close button focused, closed by that button, the
   overlay, Escape or a link followed, the focus back on Menu. */
(function () {
  var ACTIVE = 'usa-js-mobile-nav--active';

  function setOpen(open, quietly) {
    var nav = document.querySelector('.usa-header .usa-nav');
    if (!nav) { return; }
    document.body.classList.toggle(ACTIVE, open);
    nav.classList.toggle('is-visible', open);
    var overlay = document.querySelector('.usa-overlay');
    if (overlay) { overlay.classList.toggle('is-visible', open); }
    var menu = document.querySelector('.usa-menu-btn');
    if (menu) { menu.setAttribute('aria-expanded', open ? 'true' : 'false'); }
    if (open) {
      var close = nav.querySelector('.usa-nav__close');
      if (close) { close.focus(); }
    } else if (menu && !quietly) {
      menu.focus();
    }
  }

  document.addEventListener('click', function (event) {
    var target = event.target;
    if (!(target instanceof Element)) { return; }
    if (target.closest('.usa-menu-btn')) {
      setOpen(true);
    } else if (document.body.classList.contains(ACTIVE)
               && (target.closest('.usa-nav__close, .usa-overlay') || target.closest('.usa-nav a'))) {
      setOpen(false);
    }
  });
  document.addEventListener('keydown', function (event) {
    if (event.key === 'Escape' && document.body.classList.contains(ACTIVE)) { setOpen(false); }
  });
  /* A window made wide enough for the full navigation (a phone turned, a zoom undone) closes the menu, as
     USWDS's does: left open, its overlay covered the page and the Tab key went round the menu alone. */
  function menuShown() {
    var menu = document.querySelector('.usa-menu-btn');
    return !!menu && menu.getClientRects().length > 0;
  }
  window.addEventListener('resize', function () {
    if (document.body.classList.contains(ACTIVE) && !menuShown()) { setOpen(false, true); }
  });
  /* While the menu is open the Tab key stays in it, as in USWDS's own: from its last link to its close
     button and back (it went on to the page behind the overlay). */
  document.addEventListener('keydown', function (event) {
    if (event.key !== 'Tab' || !document.body.classList.contains(ACTIVE) || !menuShown()) { return; }
    var nav = document.querySelector('.usa-header .usa-nav');
    if (!nav) { return; }
    var stops = Array.prototype.filter.call(
      nav.querySelectorAll('a[href], button:not([disabled]), input:not([disabled]), [tabindex="0"]'),
      function (element) { return element.getClientRects().length > 0; });
    if (!stops.length) { return; }
    var first = stops[0];
    var last = stops[stops.length - 1];
    var at = document.activeElement;
    if (!nav.contains(at)) {
      event.preventDefault();
      first.focus();
    } else if (event.shiftKey && at === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && at === last) {
      event.preventDefault();
      first.focus();
    }
  });
})();

/* A page of one thing (a program, a C-suite function) is named in the browser's tab by its heading, which
   its h1 marks with data-tab-title: every program's tab read "Program · CX Scorecard" (the page's kind), and
   stayed so as another was chosen. Kept in step as the heading changes, and over Dash's own title, at most
   once per burst of changes. Spaces are collapsed as the browser reads a title back, so a name set is a
   name found. */
(function () {
  var SUFFIX = ' · CX Scorecard';
  function nameTab() {
    var heading = document.querySelector('#main-content h1[data-tab-title]');
    if (!heading) { return; }
    var wanted = heading.textContent.replace(/\s+/g, ' ').trim() + SUFFIX;
    if (document.title !== wanted) { document.title = wanted; }
  }
  var waiting = false;
  new MutationObserver(function () {
    if (waiting) { return; }
    waiting = true;
    window.setTimeout(function () { waiting = false; nameTab(); }, 100);
  }).observe(document.documentElement, {subtree: true, childList: true, characterData: true});
})();

/* Escape dismisses a chart's hover label (WCAG 1.4.13: content shown on hover can be dismissed without
   moving the pointer), as it closes the menu and the filters' lists. */
document.addEventListener('keydown', function (event) {
  if (event.key !== 'Escape' || !window.Plotly || !window.Plotly.Fx) { return; }
  document.querySelectorAll('.js-plotly-plot').forEach(function (plot) {
    if (plot.querySelector('.hoverlayer > *')) { window.Plotly.Fx.unhover(plot); }
  });
});
