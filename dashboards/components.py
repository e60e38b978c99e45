"""Pieces every dashboard page builds with: a status badge (word and shape, never colour alone),
a number with its n, a tile, a labelled filter, a chart's data as an accessible table one toggle
away with CSV and XLSX downloads of exactly what it shows, and a list of links.

Downloads: put `table_panel("x-table")` in the layout, fill `x-table.children` with
`data_table(table)` from the page's callback, and register once, at import,
`register_downloads("x-table", build, [State("x-filter", "value"), ...])` where `build` takes the
converted filter values and returns the `tables.Table` shown — the download recomputes it (from
the cache) instead of trusting what the browser sends back.

A table too long to draw at once (the leaders list, 2,000 rows) is shown a page at a time:
`pager(table_id, label, page)` under its panel, the page in the URL (a `QueryParam` on
`<table_id>-page`, prop "data", `first_on_change`), `register_pager(table_id)` at import, and the
page's callback reads the page the reader asked for with `page_wanted`. The downloads hold every
page.

A long table (the heatmap's 3,500 rows, the overview's every program) is drawn only while its
panel is open: `table_panel("x-table", lazy=True)` and `register_lazy_table("x-table", build,
filters)` in place of filling it from the page's callback. Closed, the page's answer carries no
table at all.
"""
from collections.abc import Callable
from typing import Optional

import dash
from dash import Input, Output, State, dcc, html
from dash.development.base_component import Component

from dashboards import tables, validation
from dashboards.cache import cached_answer
from dashboards.tables import Table, status_word
from scorecard.clock import agency_today
from scorecard.text import in_file_name

# The shape beside each status word (dashboards/assets/icons/*.svg, drawn by CSS in currentColor).
STATUS_SHAPES = {
    "red": "octagon with a cross", "amber": "triangle with an exclamation mark", "green": "circle with a tick",
    "insufficient_data": "dotted circle", "no_target": "circle with a dash", "no_data": "empty circle",
}


def page_heading(text: str, lede: Optional[str] = None, *, title_id: Optional[str] = None,
                 lede_id: Optional[str] = None, names_tab: bool = False) -> html.Div:
    """The page's h1 (it receives focus after each navigation inside the dashboards) and an
    optional sentence under it; with ids, a callback may change their texts (the elements stay, and
    the focus with them). `names_tab`: a page of one thing (a program, a function) is named in the
    browser's tab by its heading (assets/scorecard.js), not by the page's kind alone."""
    marks = {**({"id": title_id} if title_id else {}), **({"data-tab-title": "heading"} if names_tab else {})}
    children = [html.H1(text, tabIndex="-1", className="dash-page-title", **marks)]
    if lede:
        children.append(html.P(lede, className="dash-lede", **({"id": lede_id} if lede_id else {})))
    return html.Div(children)


def status_badge(status: Optional[str], *, label: Optional[str] = None) -> html.Span:
    """The status as a word with its shape; `label` replaces the word (e.g. "3 red")."""
    status = status or "no_data"
    return html.Span([html.Span(className=f"status-icon status-icon--{status}", **{"aria-hidden": "true"}),
                      html.Span(label or status_word(status), className="status-badge__word")],
                     className=f"status-badge status-badge--{status}")


def format_number(value: Optional[float], decimals: int = 2) -> str:
    return "no data" if value is None else f"{value:,.{decimals}f}"


def with_n(value: Optional[float], n: Optional[int], *, decimals: int = 2, ci: Optional[tuple] = None) -> html.Span:
    """A score with the respondents behind it ("4.12 · n = 1,234") and, given, its 95% CI."""
    parts = [html.Span(format_number(value, decimals), className="with-n__value")]
    if n is not None:
        parts.append(html.Span(f"n = {n:,}", className="with-n__n"))
    if ci is not None and None not in ci:
        parts.append(html.Span(f"95% CI {ci[0]:.{decimals}f} to {ci[1]:.{decimals}f}", className="with-n__ci"))
    return html.Span(parts, className="with-n")


def still_reported(period: Optional[str]) -> str:
    """A sentence for a quarter whose A-11 results are not all due yet (queries.compliance.awaited_until),
    with a space before it; "" for any other."""
    from dashboards.queries.compliance import awaited_until

    if not period or not (due := awaited_until(period, agency_today())):
        return ""
    return f" {period} is still being reported (results are due {due:%d %B %Y}): it shows the programs in so far."


def newest_results(period: Optional[str], newest: Optional[str], href: str) -> list:
    """For a view whose programs have no results in `period`: where their newest are, linked to that
    quarter's view (`href`), with a space before it; nothing when they have none at all."""
    if not newest or newest == period:
        return []
    return [f" Their newest results are from {newest}: ", html.A(f"show {newest}", href=href, className="usa-link"),
            "."]


def notice(text, *, tone: str = "info") -> html.Div:
    """A sentence the page needs read first (USWDS's slim alert: its icon and words, never colour alone);
    `text` a string or a list of a sentence's parts (a link among them)."""
    return html.Div(html.Div(html.P(text, className="usa-alert__text"), className="usa-alert__body"),
                    className=f"usa-alert usa-alert--{tone} usa-alert--slim margin-bottom-2", role="status")


def tile(title: str, children, *, tile_id: Optional[str] = None, footer=None) -> html.Section:
    """A headline tile: a heading (h2) and its content."""
    heading_id = f"{tile_id}-heading" if tile_id else None
    body = [html.H2(title, className="dash-tile__title", id=heading_id),
            html.Div(children, className="dash-tile__body")]
    if footer is not None:
        body.append(html.Div(footer, className="dash-tile__footer"))
    extra = {"aria-labelledby": heading_id} if heading_id else {}
    return html.Section(body, className="dash-tile", id=tile_id, **extra)


ALL = "all"  # the value of a filter's "everything" choice

# Every chart's settings: no Plotly logo, and no way to send the chart's data anywhere (Plotly's "Share
# chart" / "Edit in Chart Studio" upload it to plotly.com): what the pages show stays on the agency's server.
# Its tool bar keeps the picture download and the reset of a zoom: the pointer's own tools (zoom, pan, box
# and lasso selection, spike lines) were seven stops more for the Tab key on every chart, useless from the
# keyboard, and each chart's table holds its numbers.
GRAPH_CONFIG = {"displaylogo": False, "showSendToCloud": False, "showEditInChartStudio": False, "showLink": False,
                "plotlyServerURL": "", "modeBarButtonsToRemove": [
                    "sendDataToCloud", "editInChartStudio", "zoom2d", "pan2d", "select2d", "lasso2d", "zoomIn2d",
                    "zoomOut2d", "autoScale2d", "hoverClosestCartesian", "hoverCompareCartesian", "toggleSpikelines"]}


def loading(body, drawn: str) -> dcc.Loading:
    """`body` behind a spinner while the component `drawn` (an id) has its children drawn again, and only then:
    a download inside it (a table panel's) hid the whole of it while the file was written, and a keyboard
    user's focus fell from the button pressed to the page's start."""
    return dcc.Loading(body, type="dot", target_components={drawn: "children"})


def chart(graph, name: str, *, by_quarter: bool = False, **attributes) -> html.Div:
    """A chart in a region of its own, named for assistive technology (Plotly's drawing has no name of its
    own) and saying where its data is; on a narrow screen it keeps the width its words need and scrolls
    sideways (WCAG 1.4.10 lets a chart scroll): squeezed to a phone's width, Plotly cut its titles and
    labels off. Focusable, so that a keyboard scrolls it too. `by_quarter`: its quarters run left to right,
    and a narrow screen opens it on the latest (assets/scorecard.js), not on the oldest of many years; not
    small multiples, each panel holding every quarter (opened at their right end, the left panels' axis read
    "0%" for "40%"), nor a chart whose names are on its left (the respondents by channel).
    `attributes`: the region's own (an id)."""
    if by_quarter:
        attributes["data-latest"] = "right"
    return html.Div(graph, className="dash-chart-scroll", tabIndex="0", role="region", **attributes,
                    **{"aria-label": f"Chart: {name} (scrolls sideways on a narrow screen; the table with it holds "
                                     "the same data)"})


def choices(pairs, everything: str) -> list[dict]:
    """A filter's options: `everything` (value ALL) first, then each (id, name) pair, its id as text."""
    return [{"label": everything, "value": ALL}] + [{"label": name, "value": str(i)} for i, name in pairs]


def filter_control(control_id: str, label: str, options: list, value, *, hint: Optional[str] = None,
                   searchable: bool = True, clearable: bool = False) -> html.Div:
    """A labelled dropdown for a filter (options as [{"label", "value"}] or plain values). The label
    has the id `<control_id>-label`: assets/scorecard.js makes it part of the dropdown's name."""
    children = [html.Label(label, htmlFor=control_id, id=f"{control_id}-label",
                           className="usa-label dash-filter__label")]
    if hint:
        children.append(html.Div(hint, className="usa-hint", id=f"{control_id}-hint"))
    children.append(dcc.Dropdown(id=control_id, options=options, value=value, clearable=clearable,
                                 searchable=searchable, className="dash-filter__control"))
    return html.Div(children, className="dash-filter")


def searched_by_label(dropdown_id: str, options: list[dict]) -> dcc.Store:
    """The options of a dropdown whose values are ids, kept beside it for `search_by_label`."""
    return dcc.Store(id=f"{dropdown_id}-options", data=options)


def search_by_label(dropdown_id: str) -> None:
    """What is typed in the dropdown finds options by their names alone (in the browser: assets/scorecard.js).
    Dash's dropdown also searches the values, so typing "Program 250" listed Program 249 (id 250) first,
    and Enter opened it; "12" listed a program whose name has no 12. The page lays out `searched_by_label`."""
    dash.clientside_callback(
        dash.ClientsideFunction(namespace="scorecard", function_name="byLabel"),
        Output(dropdown_id, "options"), Input(dropdown_id, "search_value"),
        State(f"{dropdown_id}-options", "data"), State(dropdown_id, "value"), prevent_initial_call=True)


def link_list(items: list[tuple[str, str]], *, empty: str = "None."):
    """[(text, href)] as a list of links, or a sentence when there are none."""
    if not items:
        return html.P(empty, className="dash-empty")
    return html.Ul([html.Li(html.A(text, href=href, className="usa-link")) for text, href in items],
                   className="usa-list dash-link-list")


# ------------------------------------------------------------------------------ data tables

class TableHtml(Component):
    """A table as the HTML `tables.to_html` wrote, drawn by the browser's own parser
    (dashboards/assets/tables.js): one component for the page however long the table. Dash's
    Markdown component parses HTML as JSX and took seconds for a few thousand rows."""

    _namespace = "dashboards"  # window.dashboards.TableHtml
    _type = "TableHtml"
    _prop_names = ["id", "html", "className", "firstRows"]
    _valid_wildcard_attributes: list = []
    available_properties = _prop_names
    available_wildcard_properties: list = []

    def __init__(self, html: str, className: Optional[str] = None, id: Optional[str] = None,
                 firstRows: Optional[int] = None):  # noqa: N803 — the browser's name for the prop
        super().__init__(html=html, **{k: v for k, v in (("className", className), ("id", id),
                                                          ("firstRows", firstRows)) if v is not None})


# A longer table shows its first rows this many, and a button above it draws the rest (assets/tables.js): laying
# out the heatmap's 3,500 rows at 500 programs held the page still for 2 to 5 seconds.
TABLE_FIRST_ROWS = 500


def data_table(table: Table) -> html.Div:
    """The table with its caption, column headers (`scope="col"`) and a row header per row, in a
    scrollable region, drawn from `tables.to_html` as one component (`TableHtml`): a table of a
    few hundred rows as separate Dash components would cost the browser seconds to draw. Of a longer
    table the browser lays out the first TABLE_FIRST_ROWS rows, and the rest when asked (assets/tables.js)."""
    return html.Div(TableHtml(tables.to_html(table), className="dash-table-html", firstRows=TABLE_FIRST_ROWS),
                    className="usa-table-container--scrollable dash-table-wrap", tabIndex="0",
                    role="region", **{"aria-label": table.caption})


def table_panel(table_id: str, *, summary: str = "Show the data as a table", open: bool = False,
                children=None, lazy: bool = False) -> html.Details:
    """A details/summary toggle holding the table (`table_id`, filled by the page's callback, or,
    `lazy`, by `register_lazy_table` while the panel is open) and its CSV and XLSX download buttons
    (`register_downloads`)."""
    table = html.Div(_drawing() if lazy else children, id=table_id)
    # A lazy panel tells Dash when it opens or closes (dashboards/assets/scorecard.js), as `open`.
    lazy_panel = {"id": f"{table_id}-panel", "data-lazy-table": "true"} if lazy else {}
    # A page holds several panels: each download button is described by its panel's summary, so that a
    # screen reader's list of buttons tells the five "Download CSV" of a program's page apart.
    described = {"aria-describedby": f"{table_id}-toggle"}
    return html.Details([
        html.Summary(summary, className="dash-details__summary", id=f"{table_id}-toggle"),
        html.Div([
            html.Button("Download CSV", id=f"{table_id}-csv", n_clicks=0, type="button",
                        className="usa-button usa-button--outline usa-button--small", **described),
            html.Button("Download Excel (XLSX)", id=f"{table_id}-xlsx", n_clicks=0, type="button",
                        className="usa-button usa-button--outline usa-button--small", **described),
            dcc.Download(id=f"{table_id}-download"),
        ], className="dash-downloads"),
        *([html.P(id=f"{table_id}-status", role="status", className="usa-sr-only")] if lazy else []), table,
    ], open=open, className="dash-details", **lazy_panel)


def _drawing() -> html.P:
    """What a lazy panel holds until its table comes: said in words, not only by a spinner."""
    return html.P("Drawing the table…", className="dash-table-pending")


def register_lazy_table(table_id: str, build: Callable[..., Table], filters: list[State]) -> None:
    """Draw the table of a `lazy` panel while it is open, from `build(*filter values)`, again when a
    filter changes, and say so in the panel's status (announced by screen readers); closed, the
    table is dropped. Registers the panel's `open` with the validation registry; each filter must
    already be registered."""
    validation.register(f"{table_id}-panel", "open", validation.opened)

    @dash.callback(Output(table_id, "children"), Output(f"{table_id}-status", "children"),
                   Input(f"{table_id}-panel", "open"), *[Input(f.component_id, f.component_property) for f in filters],
                   prevent_initial_call=True)
    @validation.validated
    @cached_answer
    def lazy_table(is_open, *values):
        if not is_open:
            return _drawing(), ""
        table = build(*values)
        rows = len(table.rows)
        if rows > TABLE_FIRST_ROWS:
            # true before and after the rest is drawn (the page's own status, beside the table, says which)
            return data_table(table), (f"Table shown: {rows:,} rows, the first {TABLE_FIRST_ROWS:,} drawn at once (a "
                                       "button above the table draws the rest).")
        return data_table(table), f"Table shown: {rows:,} {'row' if rows == 1 else 'rows'}."


def pager(table_id: str, label: str, page) -> html.Nav:
    """Previous and next buttons for a table shown a page at a time, the range shown between them
    (a status, announced), and the page number (`<table_id>-page`, kept in the URL)."""
    button = "usa-button usa-button--outline usa-button--small"
    return html.Nav([
        dcc.Store(id=f"{table_id}-page", data=page),
        html.Button("Previous page", id=f"{table_id}-prev", n_clicks=0, type="button", className=button),
        html.P(id=f"{table_id}-range", role="status", className="dash-pager__range"),
        html.Button("Next page", id=f"{table_id}-next", n_clicks=0, type="button", className=button),
    ], className="dash-pager", **{"aria-label": label})


def pager_ends(shown: tables.Page) -> tuple[str, str]:
    """The pager's Previous and Next as `aria-disabled` ("true" on the first and last page). Not
    `disabled`: a button disabled while it has focus drops it to the page's top, and a keyboard user
    who pressed Next onto the last page would lose their place. Pressed there, it changes nothing."""
    return str(shown.number == 1).lower(), str(shown.number == shown.pages).lower()


def register_pager(table_id: str) -> None:
    """Register the pager's buttons with the validation registry (its page is a `QueryParam`)."""
    validation.register(f"{table_id}-prev", "n_clicks", validation.clicks)
    validation.register(f"{table_id}-next", "n_clicks", validation.clicks)


def page_wanted(table_id: str, page: int) -> int:
    """The page the reader asks for: one on from `page` after Next, one back after Previous
    (`tables.page_of` keeps it within the table)."""
    return page + {f"{table_id}-next": 1, f"{table_id}-prev": -1}.get(dash.ctx.triggered_id, 0)


def register_downloads(table_id: str, build: Callable[..., Table], state: list[State]) -> None:
    """Answer the panel's download buttons with `build(*state values)` as .csv or .xlsx. Registers
    the buttons' clicks with the validation registry; each State must already be registered."""
    validation.register(f"{table_id}-csv", "n_clicks", validation.clicks)
    validation.register(f"{table_id}-xlsx", "n_clicks", validation.clicks)

    @dash.callback(Output(f"{table_id}-download", "data"), Input(f"{table_id}-csv", "n_clicks"),
                   Input(f"{table_id}-xlsx", "n_clicks"), *state, prevent_initial_call=True)
    @validation.validated
    @cached_answer
    def download(csv_clicks, xlsx_clicks, *values):
        if not dash.ctx.triggered_id or not (csv_clicks or xlsx_clicks):
            return dash.no_update
        table = build(*values)
        name = table.name + filters_in_name(state, values, table.name)
        if dash.ctx.triggered_id == f"{table_id}-xlsx":
            return dcc.send_bytes(tables.to_xlsx(table), f"{name}.xlsx")
        return dcc.send_bytes(tables.to_csv(table), f"{name}.csv", type="text/csv")


NOT_IN_NAME = ("sort", "page")  # how a table is ordered or paged: the same rows, whichever


def filters_in_name(state: list[State], values, name: str) -> str:
    """The filters chosen (not "all") that a download's file name does not say yet, as it adds them, each by
    its id and, where its control names its values, its name in plain letters ("-agency-19-Department_of_Energy-
    component-12-Grants_Office"), so a filtered file is not taken for the whole ("heatmap-FY2026-Q4.csv" read the
    same whatever agency was chosen) and says which it is of once out of the page ("agency-19" said nothing in a
    meeting's folder); the id keeps two choices apart whose names read alike or have no such letters."""
    from dashboards.urlstate import NAMED

    parts = []
    for spec, value in zip(state, values):
        key = spec.component_id.split("-", 1)[-1] if isinstance(spec.component_id, str) else ""
        text = "" if value is None else str(value)
        said = any(f"-{form}-" in f"-{name}-" for form in (text, f"FY{text}"))  # "leaders-FY2026" says year 2026
        if not key or key.rsplit("-", 1)[-1] in NOT_IN_NAME or text in ("", ALL) or said:
            continue
        parts.append(f"-{key}-{in_file_name(text)}")  # the id: two choices, two names
        named = NAMED.get(spec.component_id)
        label = (named().get(text) or "") if named else ""
        # its own name ("Agency: Component" lists a component), in the letters a file name keeps everywhere
        words = in_file_name(label.rsplit(": ", 1)[-1], limit=None).strip("_")[:40].rstrip("_")
        parts.append(f"-{words}" if words else "")
    return "".join(parts)
