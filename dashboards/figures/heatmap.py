"""The heatmap: programs × A-11 drivers, each cell its status colour with the score and the
status word written in it."""
import textwrap
from functools import cache

import plotly.io as pio

from dashboards import links
from dashboards.figures.text import SIZED, cut_in_the_middle, labels_width, wrapped
from dashboards.queries.heatmap import NOT_OBSERVED, Heatmap
from dashboards.tables import as_given, status_word
from scorecard.a11 import driver_name, driver_names

LABEL_CHARS = 24  # of a line of a program's name beside its row (a phone keeps room for the columns)
CHART_ROWS = 50   # programs the chart draws, in the order chosen (the table holds them all): at 500 a browser
                  # took 10 s and more to draw the 26,000 px chart, on every change of a filter
QUESTION_CHARS = 160  # of a question's wording in a cell's hover (the table gives it whole)
ORDER = ["red", "amber", "green", "insufficient_data", "no_target", "no_data"]
FONT = "Source Sans Pro Web, Helvetica Neue, Helvetica, Roboto, Arial, sans-serif"


TITLE_CHARS = 44     # a chart title's line: 18 px text a phone's chart (about 360 px wide) shows whole
TITLE_LINE_PX = 24   # the height each further line of a title takes
TITLE_TOP_PX = 12    # above the title (at a width where a title's line would reach the tool bar, top
                     # right, dashboards.css hides the bar: the tables and downloads hold the same data)


def titled(layout: dict, text: str, *, size: int = 18) -> dict:
    """`layout` with the chart's title `text` at the top of the figure, its lines wrapped at
    TITLE_CHARS (Plotly draws a title on one line and a phone's width cut it off; a line in a smaller
    font, `<span style='font-size:13px'>...</span>`, holds more). The margin above the plot and the
    figure's height grow by what each line the wrapping adds takes, so the plot keeps its size and
    what is drawn above it (a legend, panel titles) stays clear of the title."""
    lines = []
    for part in text.split("<br>"):
        smaller = SIZED.fullmatch(part)
        if smaller:
            px = int(smaller.group(1))
            lines += [f"<span style='font-size:{px}px'>{line}</span>"
                      for line in textwrap.wrap(smaller.group(2), TITLE_CHARS * size // px)]
        else:
            lines += textwrap.wrap(part, TITLE_CHARS) or [""]
    added = (len(lines) - 1 - text.count("<br>")) * TITLE_LINE_PX
    margin = layout.setdefault("margin", {})
    margin["t"] = margin.get("t", 80) + added
    layout["height"] = layout.get("height", 450) + added  # Plotly's default height, when none is given
    # Plotly sets a title of several lines a line (1em) higher than its anchor: it went over the top edge
    top = TITLE_TOP_PX + (size if len(lines) > 1 else 0)
    layout["title"] = {"text": "<br>".join(lines), "x": 0, "xanchor": "left", "y": 1 - top / layout["height"],
                       "yref": "container", "yanchor": "top", "font": {"size": size}}
    return layout


@cache
def default_template() -> dict:
    """Plotly's default template as go.Figure writes it into a figure's layout (margins that grow to fit
    the labels, white grid lines, hover text aligned left)."""
    return pio.templates[pio.templates.default].to_plotly_json()


def _discrete_scale(colours: dict) -> list:
    steps = len(ORDER)
    scale = []
    for position, status in enumerate(ORDER):
        scale += [[position / steps, colours[status]], [(position + 1) / steps, colours[status]]]
    return scale


EMPTY_CHARS = 32  # a line of an empty figure's message: within a phone's width at 16 px


def empty_figure(message: str) -> dict:
    """A figure with no data that says why, as Plotly's JSON (what dcc.Graph takes; a validated
    go.Figure costs milliseconds a page can do without). The message is at the top left, on short lines:
    centred on one line in a chart that scrolls sideways on a phone, it could not be read whole at any
    scroll (the page's script keeps it in view as it does a title)."""
    return {"data": [], "layout": {
        "template": default_template(),
        "annotations": [{"font": {"family": FONT, "size": 16}, "showarrow": False, "align": "left",
                         "text": "<br>".join(textwrap.wrap(message, EMPTY_CHARS, break_on_hyphens=False)) or message,
                         "x": 0, "xref": "paper", "xanchor": "left", "y": 1, "yref": "paper", "yanchor": "top"}],
        "xaxis": {"visible": False}, "yaxis": {"visible": False}, "height": 240, "plot_bgcolor": "#fff",
        "margin": {"l": 10, "r": 10, "t": 10, "b": 10}}}


def heatmap_figure(heat: Heatmap) -> dict:
    """Programs × drivers coloured by status against the targets; each cell writes its score and
    its status word (colour is never the only signal). A cell's customdata is its program's page.
    The figure as Plotly's JSON (what dcc.Graph takes)."""
    from dashboards.figures import STATUS_COLOURS

    if not heat.rows:
        return empty_figure("No program observations for this quarter and these filters.")
    drawn = heat.rows[:CHART_ROWS]
    z, text, hover, ids = [], [], [], []
    positions = {status: ORDER.index(status) + 0.5 for status in ORDER}
    names = [driver_name(driver) for driver in heat.drivers]
    tails: dict[tuple, str] = {}  # a hover's last lines, read from the status, question and source: alike in thousands
    for row in drawn:
        z_row, text_row, hover_row = [], [], []
        head = f"<b>{wrapped(row.label)}</b><br>"
        for name, cell in zip(names, row.cells):
            z_row.append(positions.get(cell.status, positions["no_data"]))
            value = "—" if cell.value is None else as_given(cell.value)
            shown, said = value, value
            if cell.value is None and cell.question != NOT_OBSERVED:  # reported, but with nothing to score
                said = "reported without counts: no score"
            if cell.share is not None:  # v2 trust: the mean the status is judged on, and the share who trust
                shown = f"{value}<br>{cell.share:.1f}%"  # a line each: a phone's narrow cell cut "3.62 · 65.6%"
                thumbs = ", a thumbs up counted 5, down 1" if cell.thumbs else ""
                said = f"{value} (mean on 1-5{thumbs}); {cell.share:.1f}% who trust"
            word = status_word(cell.status)
            text_row.append(f"{shown}<br>{word}")
            n = "—" if cell.n is None else f"{cell.n:,}"
            target = "—" if cell.target is None else as_given(cell.target)
            tail = tails.get((cell.status, cell.question, cell.source))
            if tail is None:
                question = cell.question
                if len(question) > QUESTION_CHARS:
                    question = question[:QUESTION_CHARS] + "…"
                tail = tails[cell.status, cell.question, cell.source] = (
                    f"<br>status: {word}<br>{wrapped(f'question: {question}')}"
                    f"<br>{wrapped('from: ' + (cell.source or NOT_OBSERVED))}<br><i>select to open the program</i>")
            hover_row.append(f"{head}{wrapped(f'{name}: {said}')}<br>n = {n}; target {target}{tail}")
        z.append(z_row)
        text.append(text_row)
        hover.append(hover_row)
        ids.append([links.program(row.program_id, heat.period)] * len(heat.drivers))
    # Short lines (the hover and the table give the names whole): a real service's name ("Finding information
    # about programs on the website.") took three quarters of a phone's width and crushed the columns. The
    # rows are placed by number, so two names shortened alike stay two rows; a component is cut in its middle,
    # keeping the agency that tells two programs of one name apart at its end.
    labels = [f"{wrapped(row.program, LABEL_CHARS, most=2)}<br>"
              f"<span style='font-size:11px'>{cut_in_the_middle(row.component, LABEL_CHARS + 6)}</span>"
              for row in drawn]
    title = f"A-11 drivers by program, {heat.period}"
    if heat.not_asked:  # not reported: asked by A-11's v2 survey or not, no file here gave them (a trust-only file)
        title += (f"<br><span style='font-size:13px'>Not reported in {heat.period}: {driver_names(heat.not_asked)}"
                  "</span>")
    if len(drawn) < len(heat.rows):
        title += (f"<br><span style='font-size:13px'>The first {len(drawn)} of {len(heat.rows):,} programs in the "
                  "order chosen; the table below holds every one</span>")
    # Plain data, not go.Figure: at 500 programs Plotly's validation of every cell took 100 ms of the
    # answer's 130 (measured); the keys are Plotly's own, and the template the one go.Figure would add.
    return {
        "data": [{
            "type": "heatmap", "z": z, "x": list(heat.drivers), "y": list(range(len(drawn))), "text": text,
            "texttemplate": "%{text}", "textfont": {"color": "#1b1b1b", "size": 12}, "hovertext": hover,
            "hoverinfo": "text", "customdata": ids, "colorscale": _discrete_scale(STATUS_COLOURS), "zmin": 0,
            "zmax": len(ORDER), "showscale": False, "xgap": 3, "ygap": 3,
        }],
        "layout": titled({
            "template": default_template(),
            "font": {"family": FONT, "color": "#1b1b1b"},
            "height": max(360, 52 * len(drawn) + 140),
            "margin": {"l": 16 + labels_width(labels, 13), "r": 10, "t": 110 if heat.not_asked else 90, "b": 10},
            "plot_bgcolor": "#fff",
            "yaxis": {"autorange": "reversed", "automargin": False, "tickfont": {"size": 13}, "tickmode": "array",
                      "tickvals": list(range(len(drawn))), "ticktext": labels, "showgrid": False,
                      "zeroline": False},
            # A quarter with few drivers asked keeps its columns narrow rather than stretched.
            "xaxis": {"side": "top", "tickfont": {"size": 14}, "tickmode": "array", "tickvals": list(heat.drivers),
                      "ticktext": [wrapped(driver_name(d), 14) for d in heat.drivers],
                      "domain": [0, min(1.0, 0.16 * max(len(heat.drivers), 2))]},
        }, title),
    }
