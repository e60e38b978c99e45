"""A-11 reporting compliance by quarter: the designated programs stacked by status (each status its
own fill and pattern, named in the legend and the hover; the count written in its segment), with
"reported of designated" written above each quarter."""
from dashboards.figures.heatmap import FONT, default_template, empty_figure, titled
from dashboards.figures.program import INK
from dashboards.queries.compliance import (
    BELOW_MINIMUM,
    LATE,
    NOT_REPORTED,
    NOT_YET_DUE,
    REPORTED,
    WITHOUT_COUNTS,
    WORDS,
    Compliance,
)

# Light fills (black text on each above 7:1), and a pattern each so that colour is never the only signal.
FILLS = {REPORTED: "#70e17b", LATE: "#ffbe2e", WITHOUT_COUNTS: "#c4e2f5", BELOW_MINIMUM: "#dfe1e2",
         NOT_YET_DUE: "#ffffff", NOT_REPORTED: "#f2938c"}
PATTERNS = {REPORTED: "", LATE: "/", WITHOUT_COUNTS: "-", BELOW_MINIMUM: ".", NOT_YET_DUE: "+", NOT_REPORTED: "x"}
ORDER = [REPORTED, LATE, WITHOUT_COUNTS, BELOW_MINIMUM, NOT_YET_DUE, NOT_REPORTED]  # bottom to top


def compliance_figure(found: Compliance) -> dict:
    """The figure as Plotly's JSON (what dcc.Graph takes; a validated go.Figure costs milliseconds)."""
    if not found.quarters or not any(q.designated for q in found.quarters):
        return empty_figure("No designated program in these quarters.")
    periods = [q.period for q in found.quarters]
    bars = []
    for status in ORDER:
        counts = [q.counts[status] for q in found.quarters]
        if status == NOT_YET_DUE and not any(counts):
            continue  # only a quarter whose results are not yet due has it
        bars.append({
            "type": "bar", "x": periods, "y": counts, "name": WORDS[status], "marker": {
                "color": FILLS[status], "line": {"color": INK, "width": 0.75},
                "pattern": {"shape": PATTERNS[status], "fgcolor": "#3d4551", "size": 7, "solidity": 0.25}},
            "text": [str(c) if c else "" for c in counts], "textposition": "inside", "insidetextanchor": "middle",
            "textfont": {"color": INK, "size": 12},
            "hovertext": [f"<b>{q.period}</b><br>{WORDS[status]}: {q.counts[status]:,} of {q.designated:,} "
                          f"designated programs" for q in found.quarters], "hoverinfo": "text"})
    notes = [{"x": q.period, "y": q.designated, "yanchor": "bottom", "showarrow": False,
              "text": f"{q.reported:,}<br>of {q.designated:,}", "font": {"size": 12, "color": INK}}
             for q in found.quarters]
    return {"data": bars, "layout": titled({
        "template": default_template(), "annotations": notes, "barmode": "stack",
        # a count keeps a readable size; one that does not fit its thin segment at that size is left to the
        # hover and the table (shown anyway, thin segments' counts ran into each other, unreadable)
        "uniformtext": {"minsize": 11, "mode": "hide"},
        "font": {"family": FONT, "color": INK}, "height": 600, "plot_bgcolor": "#fff",
        "margin": {"l": 10, "r": 10, "t": 80, "b": 130},
        # below the quarters: above the bars, its five entries on five lines at a phone's width ran into the title.
        # The legend and the axis at the right: a phone opens the chart on its latest quarters, at its right end
        # (components.chart `by_quarter`), where at the left they were out of sight; the entries one under another,
        # in the width that shows (side by side, the first ones were out of sight)
        "showlegend": True,  # with one status alone too: Plotly hides a legend of one trace, leaving its colour alone
        "legend": {"orientation": "v", "yanchor": "top", "y": -0.3, "x": 1, "xanchor": "right",
                   "traceorder": "normal", "font": {"size": 13}},
        "xaxis": {"type": "category", "tickangle": -45},
        "yaxis": {"title": {"text": "Programs"}, "gridcolor": "#dfe1e2", "rangemode": "tozero", "side": "right"},
        "hoverlabel": {"bgcolor": "#fff", "font": {"family": FONT, "color": INK, "size": 13}, "align": "left"}},
        "Designated programs by reporting status, per quarter (n = programs)")}
