/* The component every dashboard table is drawn with (dashboards.components.TableHtml): the HTML
   the server wrote (dashboards.tables.to_html, every text escaped there), parsed by the browser's
   own parser. Dash's Markdown component read the same HTML as JSX, node by node: 2,000 leaders took
   it 7 seconds to show; the browser parses them in a fraction of one. The table is drawn again only
   when its HTML changes.

   A long table shows its first rows (`firstRows`, components.TABLE_FIRST_ROWS), and a button above it
   draws the rest: laying out every row of a long table held the page still (the heatmap's 3,500 rows
   at 500 programs: 2 to 5 seconds before anything could be clicked), where parsing them took a tenth
   of a second. The button comes before the table, not after its hundreds of links; pressed, the focus
   goes to the first row it drew. Its caption says how many rows are shown; the downloads hold every
   row; printing draws them all. */
(function () {
  var React = window.React;
  var waiting = [];  // the tables whose rest is not drawn yet: printing draws it

  function counted(n) {
    return n.toLocaleString('en-US');
  }

  function draw(host, html, first) {
    var template = document.createElement('template');
    template.innerHTML = html || '';  // parsed, not laid out: a template's content is not in the page
    var table = template.content.querySelector('table');
    var body = table && table.tBodies[0];
    var shown = body ? body.rows.length : 0;
    forget(host);
    if (!first || shown <= first) {
      host.replaceChildren(template.content);
      return;
    }
    var rest = document.createRange();
    rest.setStartBefore(body.rows[first]);
    rest.setEndAfter(body.lastChild);
    var rows = rest.extractContents();
    var caption = table.caption || table.createCaption();
    var note = document.createElement('span');
    note.className = 'dash-table__shown';
    note.textContent = ' (the first ' + counted(first) + ' of ' + counted(shown) +
      ' rows are shown: the button above the table shows every row, the downloads hold them all)';
    caption.appendChild(note);
    var more = document.createElement('div');
    more.className = 'dash-table__more';
    var status = document.createElement('p');
    status.setAttribute('role', 'status');
    status.setAttribute('tabindex', '-1');
    status.className = 'dash-table__more-status';
    status.textContent = 'The first ' + counted(first) + ' of ' + counted(shown) + ' rows are shown.';
    var button = document.createElement('button');
    button.type = 'button';
    button.className = 'usa-button usa-button--outline usa-button--small';
    button.textContent = 'Show all ' + counted(shown) + ' rows';
    button.addEventListener('click', function () {
      button.disabled = true;
      status.textContent = 'Drawing all ' + counted(shown) + ' rows…';
      // after the words are painted: laying out every row holds the page for a moment
      window.setTimeout(function () {
        var next = rows.firstElementChild;  // the first row it draws
        drawRest(later);
        var cell = next && next.cells[0];
        if (cell) {
          cell.setAttribute('tabindex', '-1');
          cell.focus();
        } else {
          status.focus();
        }
      }, 50);
    });
    var later = {host: host, body: body, rows: rows, note: note, status: status, button: button, shown: shown};
    more.appendChild(status);
    more.appendChild(button);
    template.content.insertBefore(more, template.content.firstChild);
    host.replaceChildren(template.content);
    waiting.push(later);
  }

  function forget(host) {
    waiting = waiting.filter(function (later) { return later.host !== host; });
  }

  function drawRest(later) {
    if (waiting.indexOf(later) < 0) { return; }
    waiting = waiting.filter(function (other) { return other !== later; });
    later.body.appendChild(later.rows);
    later.note.remove();
    later.button.remove();
    later.status.textContent = 'All ' + counted(later.shown) + ' rows are shown.';
  }

  // Captured: before static/print.js fits each table to the paper, measuring its rows.
  window.addEventListener('beforeprint', function () {
    waiting.slice().forEach(drawRest);
  }, {capture: true});

  function TableHtml(props) {
    var ref = React.useRef(null);
    React.useLayoutEffect(function () {
      var host = ref.current;
      draw(host, props.html, props.firstRows);
      return function () { forget(host); };
    }, [props.html, props.firstRows]);
    return React.createElement('div', {id: props.id, className: props.className, ref: ref});
  }

  window.dashboards = Object.assign({}, window.dashboards, {TableHtml: TableHtml});
})();
