/* The component every dashboard table is drawn with (dashboards.components.TableHtml): the HTML
   the server wrote (dashboards.tables.to_html, every text escaped there), set as the element's
   content in one step, for the browser's own parser. Dash's Markdown component read the same HTML
   as JSX, node by node: 2,000 leaders took it 7 seconds to show; the browser parses them in a
   fraction of one. React sets the content again only when the HTML changes. */
(function () {
  var React = window.React;

  function TableHtml(props) {
    return React.createElement('div', {
      id: props.id,
      className: props.className,
      dangerouslySetInnerHTML: {__html: props.html || ''}
    });
  }

  window.dashboards = Object.assign({}, window.dashboards, {TableHtml: TableHtml});
})();
