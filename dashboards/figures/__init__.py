"""Figure builders: plain data in (from dashboards.queries), Plotly figures out; a module per page.

Colours come from `STATUS_COLOURS`, and every cell or mark also carries its status as a word:
colour is never the only signal.
"""
from dashboards.figures.heatmap import CHART_ROWS as HEATMAP_ROWS  # noqa: F401
from dashboards.figures.heatmap import heatmap_figure  # noqa: F401

# Each status's fill, light enough for black text (WCAG contrast above 7:1 on each).
STATUS_COLOURS = {
    "red": "#f2938c", "amber": "#ffbe2e", "green": "#70e17b", "insufficient_data": "#dfe1e2",
    "no_target": "#c4e2f5", "no_data": "#f7f7f7",
}
