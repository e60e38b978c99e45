"""The C-suite functions' figures: commitments by status per function (stacked bars, each status
also a pattern and a name in the legend, each segment its count), and one function's own metrics
quarter by quarter against their targets (each point's status in words on hover, the latest
written beside it)."""
from typing import Optional

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboards import tables
from dashboards.figures.heatmap import FONT, empty_figure, titled
from dashboards.figures.text import plain, wrapped
from dashboards.queries.functions import STATUS_WORDS, STATUSES, FunctionMetric, Functions
from dashboards.tables import status_word
from scorecard.ratings import RATING_LABELS
from scorecard.scores import format_value
from scorecard.text import counted

# Each commitment status's fill (light, for black text) and pattern: never the colour alone.
STATUS_STYLE = {
    "off_track": ("#f2938c", "x"), "at_risk": ("#ffbe2e", "/"), "not_started": ("#dfe1e2", "."),
    "on_track": ("#97d4ea", ""), "complete": ("#70e17b", "+"), "dropped": ("#ffffff", "-"),
}


def by_quarter_table(series, *, label: str, caption: str, name: str, empty: str):
    """Measures quarter by quarter as a table: each of `series` (its `name`, `unit` and `points`: MetricPoint)
    a row per quarter, with value and target (numbers, in a download too) in the measure's unit, respondents
    (n), and status. The function page's own metrics, and a program's measures outside the A-11 survey."""
    rows = [{"metric": m.name, "period": p.period, "value": p.value, "target": p.target, "unit": m.unit or "",
             "n": p.n, "status": p.status}
            for m in series for p in m.points]
    return tables.Table(caption=caption, columns=[tables.Column("metric", label, row_header=True),
                                                  tables.Column("period", "Quarter"), *VALUE_COLUMNS,
                                                  tables.Column("n", "n", tables.COUNT),
                                                  tables.Column("status", "Status", tables.STATUS)],
                        rows=rows, empty=empty, name=name)


# A measure's value and target as numbers, as its figures read them (to one place), and the unit they are in.
VALUE_COLUMNS = (tables.Column("value", "Value", tables.NUMBER, decimals=1),
                 tables.Column("target", "Target", tables.NUMBER, decimals=1), tables.Column("unit", "Unit"))


NOT_SHOWN = "not shown to your role"


def rating_words(rating: Optional[int], shown: bool = True) -> str:
    """A proposed or decided rating with OPM's label ("3 (Fully Successful)"); for a plan the viewer may
    not see (`shown` False), that it is not shown."""
    if not shown:
        return NOT_SHOWN
    return "no proposal yet" if rating is None else f"{rating} ({RATING_LABELS[rating]})"


def n_words(n: Optional[int], survey: bool = False) -> str:
    """A measure's respondents as the tile and the hover say them, inside the tile's parentheses: no brackets of
    its own ("84% (target 80%; n not reported (not a survey measure))" read as a typo). A survey measure without
    them has no answers counted (v2 trust typed without its answers judges nothing), not "not a survey measure"."""
    if n is not None:
        return f"n = {n:,}"
    return "no answers counted" if survey else "no respondents: not a survey measure"


def commitments_figure(found: Functions) -> go.Figure | dict:
    """One bar per function, its commitments stacked by status, worst first."""
    rows = [row for row in found.rows if row.total]
    if not rows:
        return empty_figure("No function has commitments yet.")
    labels = [plain(row.code) for row in rows]
    fig = go.Figure()
    for status in STATUSES:
        counts = [row.counts.get(status, 0) for row in rows]
        if not any(counts):
            continue
        colour, shape = STATUS_STYLE.get(status, ("#f7f7f7", ""))
        word = STATUS_WORDS[status]
        fig.add_trace(go.Bar(
            name=word, orientation="h", y=labels, x=counts,
            text=[str(c) if c else "" for c in counts], textposition="inside", insidetextanchor="middle",
            textfont=dict(color="#1b1b1b", size=13),
            marker=dict(color=colour, line=dict(color="#1b1b1b", width=1),
                        pattern=dict(shape=shape, fgcolor="#565c65", fgopacity=0.35, size=7)),
            hovertext=[f"<b>{plain(row.code)}, {plain(row.name)}</b><br>{word}: {c} of "
                       f"{counted(row.total, 'commitment')}"
                       for row, c in zip(rows, counts)],
            hoverinfo="text"))
    fig.update_layout(**titled(dict(height=max(320, 44 * len(rows) + 150), margin=dict(l=10, r=10, t=90, b=40)),
                               "Commitments by status, per function"),
        barmode="stack", font=dict(family=FONT, color="#1b1b1b"), plot_bgcolor="#fff",
        # above the plot, growing upwards: on two lines at a phone's width it covered the first bar. Shown with one
        # status alone too (Plotly hides a legend of one trace: the status was then its colour and pattern alone)
        showlegend=True, legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0, traceorder="normal"),
        yaxis=dict(autorange="reversed", tickfont=dict(size=14), automargin=True),
        xaxis=dict(title="Commitments", dtick=1, gridcolor="#dfe1e2", rangemode="tozero"))
    return fig


def metrics_figure(metrics: list[FunctionMetric], function: str) -> go.Figure | dict:
    """One panel per metric: its value each quarter (line and points) and the year's target
    (dashed); hovering a point gives its value, n, target and status in words."""
    if not metrics:
        return empty_figure(f"The {plain(function)} reports no metrics of its own.")
    titles = []
    for m in metrics:
        latest = m.latest
        better = "lower" if m.lower_is_better else "higher"
        titles.append(wrapped(  # short lines: a longer one was cut off at a phone's width, opened at the right end
            f"{m.name} ({better} is better); {latest.period}: {format_value(latest.value, m.unit)}, "
            f"{status_word(latest.status)}", 34))
    fig = make_subplots(rows=len(metrics), cols=1, subplot_titles=titles, vertical_spacing=0.22 / len(metrics))
    for k, m in enumerate(metrics, start=1):
        periods = [p.period for p in m.points]
        fig.add_trace(go.Scatter(
            x=periods, y=[p.value for p in m.points], mode="lines+markers", name=plain(f"{m.name}: value"),
            line=dict(color="#005ea2", width=2), marker=dict(size=8, symbol="circle"), hoverinfo="text",
            hovertext=[f"<b>{plain(m.name)}</b><br>{p.period}: {plain(format_value(p.value, m.unit))}"
                       f"<br>{n_words(p.n, m.survey)}"
                       f"<br>target {plain(format_value(p.target, m.unit)) if p.target is not None else 'none set'}"
                       f"<br>status: {status_word(p.status)}" for p in m.points]), row=k, col=1)
        if any(p.target is not None for p in m.points):
            fig.add_trace(go.Scatter(
                x=periods, y=[p.target for p in m.points], mode="lines", name=plain(f"{m.name}: target"),
                line=dict(color="#1b1b1b", width=2, dash="dash", shape="hv"), hoverinfo="skip"), row=k, col=1)
        last = m.latest
        fig.add_annotation(x=last.period, y=last.value, text=status_word(last.status), showarrow=True, arrowhead=0,
                           ax=0, ay=-28, font=dict(size=13, color="#1b1b1b"), bgcolor="#fff", row=k, col=1)
        # the axis at the right: a phone opens the chart on its latest quarters, at its right end
        # (components.chart `by_quarter`), where an axis at the left was out of sight
        fig.update_yaxes(title_text=plain(m.unit or ""), gridcolor="#dfe1e2", side="right", row=k, col=1)
        fig.update_xaxes(tickangle=-45, row=k, col=1)
    for title in fig.layout.annotations[:len(metrics)]:  # the panels' titles, at their right end for the same
        title.update(x=1, xanchor="right", align="right")
    fig.update_layout(**titled(dict(height=120 + 300 * len(metrics), margin=dict(l=10, r=10, t=110, b=60)),
                               f"The {plain(function)}'s own metrics by quarter (solid line) against their "
                               "targets (dashed)"),
                      font=dict(family=FONT, color="#1b1b1b"), plot_bgcolor="#fff", showlegend=False)
    return fig
