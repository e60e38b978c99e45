"""A program's figures: trust by quarter across the method break (A-11's v1 survey as a mean on
1-5, the v2 survey from FY2024-Q2 as the share who trust, side by side with a gap and a labelled
marker between them, never one line across it), the other drivers and the v2 aspects by quarter
(each with its 95% band and target), and respondents by channel and touchpoint.

Every point hovers its value, n, interval, target, status in words, the question as asked
(non-standard wording marked) and the import batches it came from. A line never joins two eras:
each era's points are their own traces."""
import copy
from typing import Optional

from plotly.subplots import make_subplots

from dashboards.figures.heatmap import FONT, default_template, empty_figure, titled
from dashboards.figures.text import plain, wrapped
from dashboards.queries.program import (
    ASPECT_NAMES,
    BREAK_LABEL,
    MEAN,
    NEGATIVE,
    POSITIVE,
    SCALE_WORDS,
    V1,
    V2,
    Breakdown,
    Point,
    Series,
    Trend,
    era_of,
)
from dashboards.tables import as_given, status_word
from scorecard.a11 import driver_name
from scorecard.scoring import beside_target

INK = "#1b1b1b"
COLOURS = {MEAN: "#005ea2", "share": "#1a4480", POSITIVE: "#216e1f", NEGATIVE: "#b04a00"}
BANDS = {MEAN: "rgba(0, 94, 162, 0.16)", "share": "rgba(26, 68, 128, 0.16)", POSITIVE: "rgba(33, 110, 31, 0.14)",
         NEGATIVE: "rgba(176, 74, 0, 0.14)"}
SYMBOLS = {POSITIVE: "circle", NEGATIVE: "diamond"}
DASHES = {POSITIVE: "solid", NEGATIVE: "dot"}
WEAK = {"insufficient_data", "no_data"}  # drawn as an open marker: too few answers to judge


def fmt(value: Optional[float], unit: str) -> str:
    if value is None:
        return "no score"
    return f"{value:.2f}" if unit == MEAN else f"{value:.1f}%"


def beside(value: Optional[float], target: Optional[float], unit: str = MEAN, edges: tuple = ()) -> str:
    """A mean written beside its target as its status was judged (scoring.beside_target: 3.897 against 3.90,
    amber, read "3.90", on target; nor as its status's `edges`); a share, or a mean without a target, as `fmt`
    writes it."""
    if value is None or target is None or unit != MEAN:
        return fmt(value, unit)
    return as_given(beside_target(value, target, edges=edges))


def hover(series: Series, point: Point) -> str:
    unit = series.spec.unit
    lines = [f"<b>{series.label}</b>, {point.period}"]
    if point.without_counts:
        lines.append("reported without counts: no score")
    else:
        value = beside(point.value, point.target, unit, point.edges)
        lines.append(f"{value} (n = {point.n:,})" if point.n is not None else value)
    if point.ci_low is not None:
        lines.append(f"95% interval {fmt(point.ci_low, unit)} to {fmt(point.ci_high, unit)}")
    if point.scale:
        lines.append(SCALE_WORDS[point.scale])
    if point.mean is not None:
        target = f" against target {as_given(point.mean_target)}" if point.mean_target is not None else ""
        lines.append(f"mean on 1-5 {beside(point.mean, point.mean_target, edges=point.edges)}{target}")
    elif point.target is not None:
        lines.append(f"target {fmt(point.target, unit)}")
    lines.append(f"status: {status_word(point.status)}")
    lines.append("question: " + wrapped(point.question_words, 70, most=4))
    lines.append("from: " + plain("; ".join(point.sources)))
    return "<br>".join(lines)


def _runs(periods: list[str], values: list) -> list[list[int]]:
    """Index runs of consecutive quarters that have a value (a band is drawn per run)."""
    runs, run = [], []
    for i, value in enumerate(values):
        if value is None:
            if run:
                runs.append(run)
            run = []
        else:
            run.append(i)
    if run:
        runs.append(run)
    return runs


_GRIDS: dict[str, tuple[dict, dict]] = {}  # make_subplots' layouts, by their arguments


def _subplot_grid(rows: int, cols: int, options: dict) -> tuple[dict, dict]:
    """make_subplots' layout (as JSON) and each cell's axis names, made once per arguments (it takes
    milliseconds a time, and a page asks the same few grids again and again)."""
    key = repr((rows, cols, sorted(options.items())))
    found = _GRIDS.get(key)
    if found is None:
        grid = make_subplots(rows=rows, cols=cols, **options)
        refs = {}
        for row in range(1, rows + 1):
            for col in range(1, cols + 1):
                subplot = grid.get_subplot(row, col)
                if subplot is not None:
                    refs[(row, col)] = (subplot.xaxis.plotly_name, subplot.yaxis.plotly_name)
        if len(_GRIDS) >= 256:
            _GRIDS.clear()
        found = _GRIDS[key] = (grid.layout.to_plotly_json(), refs)
    return found


class Panels:
    """Subplots built in one go: make_subplots lays out the axes, traces and axis settings are
    collected as plain dicts and the figure is made once (adding them one by one to a Plotly
    figure costs seconds on a page of small multiples)."""

    def __init__(self, rows: int, cols: int, **options):
        layout, refs = _subplot_grid(rows, cols, options)
        # the axes are filled in here, a copy each; the template (most of the layout) is only read
        self.layout = {key: value if key == "template" else copy.deepcopy(value) for key, value in layout.items()}
        self.refs = dict(refs)
        self.traces: list[dict] = []
        self.shapes: list[dict] = []
        self.annotations: list[dict] = list(self.layout.get("annotations", []))

    def add(self, trace: dict, row: int = 1, col: int = 1) -> None:
        x, y = self.refs[(row, col)]
        self.traces.append({"type": "scatter", **trace, "xaxis": x.replace("axis", ""),
                            "yaxis": y.replace("axis", "")})

    def axes(self, row: int, col: int, *, x: Optional[dict] = None, y: Optional[dict] = None) -> None:
        xname, yname = self.refs[(row, col)]
        self.layout.setdefault(xname, {}).update(x or {})
        self.layout.setdefault(yname, {}).update(y or {})

    def domain(self, row: int, col: int) -> tuple[list, list]:
        xname, yname = self.refs[(row, col)]
        return self.layout[xname]["domain"], self.layout[yname]["domain"]

    def figure(self, title: str, height: int, *, legend_below: bool = False, top: Optional[int] = None) -> dict:
        for key, value in list(self.layout.items()):
            if key.startswith("xaxis"):
                value.update({"type": "category", "showgrid": False, "tickangle": -45, "tickfont": {"size": 12},
                              "linecolor": "#71767a", **{k: v for k, v in value.items()}})
            elif key.startswith("yaxis"):
                value.update({"gridcolor": "#dfe1e2", "zeroline": False, "linecolor": "#71767a",
                              "tickfont": {"size": 12}, **{k: v for k, v in value.items()}})
        for annotation in self.annotations[:len(self.layout.get("annotations", []))]:  # the subplot titles
            annotation["font"] = {"size": 14, "family": FONT, "color": INK}
        legend = ({"orientation": "h", "yanchor": "top", "y": -0.3, "x": 0, "xanchor": "left"} if legend_below else
                  {"orientation": "h", "yanchor": "bottom", "y": 1 + 32 / (height - 130), "x": 0, "xanchor": "left"})
        self.layout.update(
            font={"family": FONT, "color": INK}, height=height, plot_bgcolor="#fff", hovermode="closest",
            margin={"l": 10, "r": 10, "t": top or (110 if legend_below else 120), "b": 10},
            legend={**legend, "font": {"size": 13}}, annotations=self.annotations, shapes=self.shapes,
            hoverlabel={"bgcolor": "#fff", "font": {"family": FONT, "color": INK, "size": 13}, "align": "left"})
        titled(self.layout, title)
        return {"data": self.traces, "layout": {"template": default_template(), **self.layout}}


def add_series(panels: Panels, series: Series, periods: list[str], *, row: int, col: int, colour: str, band: str,
               name: str, legend: bool, dash: str = "solid", symbol: str = "circle",
               target: tuple[str, str] = ("Target", INK)) -> bool:
    """One era's points of a series over `periods` (a quarter without a point is a gap): the 95%
    band, the line with its markers (open below the minimum sample) and the target, if any, drawn as
    `target` (its legend's name and its colour). True when it drew a target."""
    points = {p.period: p for p in series.points}
    shown = [points.get(q) for q in periods]
    values = [p.value if p else None for p in shown]
    lows = [p.ci_low if p and p.ci_low is not None else None for p in shown]
    highs = [p.ci_high if p and p.ci_high is not None else None for p in shown]
    for run in _runs(periods, [lo if hi is not None else None for lo, hi in zip(lows, highs)]):
        xs = [periods[i] for i in run]
        panels.add(dict(
            x=xs + xs[::-1], y=[highs[i] for i in run] + [lows[i] for i in run][::-1], fill="toself",
            fillcolor=band, line=dict(width=0), hoverinfo="skip", showlegend=False, legendgroup=name,
            name=f"{name}: 95% interval", mode="lines"), row, col)
    panels.add(dict(
        x=periods, y=values, mode="lines+markers", name=name, legendgroup=name, showlegend=legend,
        line=dict(color=colour, width=2.5, dash=dash), connectgaps=False,
        marker=dict(size=9, color=colour, symbol=[f"{symbol}-open" if p and p.status in WEAK else symbol
                                                  for p in shown], line=dict(width=2, color=colour)),
        hovertext=[hover(series, p) if p else "" for p in shown], hoverinfo="text",
        customdata=[p.period if p else None for p in shown]), row, col)
    targets = [p.target if p else None for p in shown]
    if not any(t is not None for t in targets):
        return False
    target_name, target_colour = target
    panels.add(dict(
        x=periods, y=targets, mode="lines", name=target_name, legendgroup=target_name, showlegend=False,
        line=dict(color=target_colour, width=1.5, dash="dash"), connectgaps=False,
        hovertext=[f"{series.label}: target {fmt(t, series.spec.unit)} ({q})" if t is not None else ""
                   for t, q in zip(targets, periods)], hoverinfo="text"), row, col)
    return True


def _legend_target(panels: Panels, name: str = "Target", colour: str = INK) -> None:
    """A legend entry for the dashed target lines (drawn once, with no data)."""
    panels.add(dict(x=[None], y=[None], mode="lines", name=name, legendgroup=name,
                    line=dict(color=colour, width=1.5, dash="dash"), hoverinfo="skip"))


def break_marker(panels: Panels, x: float) -> None:
    """The method break: a vertical dashed rule at `x` (paper coordinates), labelled above the panels."""
    panels.shapes.append(dict(type="line", xref="paper", yref="paper", x0=x, x1=x, y0=-0.02, y1=1.2,
                              line=dict(color=INK, width=2, dash="dashdot")))
    # above the panels' titles (two lines each): between them it touched the first one's on a phone
    panels.annotations.append(dict(text=f"<b>{BREAK_LABEL}</b>", xref="paper", yref="paper", x=x, y=1.2,
                                   yanchor="bottom", xanchor="center", showarrow=False,
                                   font=dict(size=13, family=FONT, color=INK), bgcolor="#fff", borderpad=3))


def trust_figure(trend: Trend, program: str) -> dict:
    """Trust by quarter: the v1 mean (with its band and target) and, after a gap and the marker,
    the v2 share who trust (with its band, and the target where a thumbs form makes it a share).
    The v2 panel's axis is on its right, so the gap between the panels holds only the marker."""
    v1 = trend.of(topic="trust", era=V1)
    v2 = trend.of(topic="trust", era=V2)
    eras = [(era, series[0]) for era, series in ((V1, v1), (V2, v2)) if series]
    if not eras:
        return empty_figure("No trust answers for this program yet.")
    columns = {era: [p for p in trend.periods if era_of(p) == era] for era, _ in eras}
    # two short lines each: one line of each overlapped the other on a phone
    titles = {V1: "Mean score on 1-5<br>(A-11 v1 survey)", V2: "Share who trust<br>(A-11 v2 survey)"}
    panels = Panels(1, len(eras), column_widths=[max(3, len(columns[e])) for e, _ in eras],
                    horizontal_spacing=0.08, subplot_titles=[titles[e] for e, _ in eras])
    for col, (era, series) in enumerate(eras, start=1):
        colour = COLOURS[MEAN] if era == V1 else COLOURS["share"]
        band = BANDS[MEAN] if era == V1 else BANDS["share"]
        name = "Trust, mean on 1-5 (v1)" if era == V1 else "Trust, share who trust (v2)"
        add_series(panels, series, columns[era], row=1, col=col, colour=colour, band=band, name=name, legend=True,
                   symbol="circle" if era == V1 else "square")
        x = dict(categoryorder="array", categoryarray=columns[era])
        if era == V1:
            panels.axes(1, col, x=x, y=dict(range=[1, 5], title=dict(text="Mean (1-5)")))
        else:
            panels.axes(1, col, x=x, y=dict(range=[0, 100], ticksuffix="%", title=dict(text="Share who trust"),
                                            side="right" if len(eras) == 2 else "left"))
    _legend_target(panels)
    if len(eras) == 2:
        left, right = panels.domain(1, 1)[0][1], panels.domain(1, 2)[0][0]
        break_marker(panels, (left + right) / 2)
    return panels.figure(f"Trust / confidence by quarter: {plain(program)}", 550 if len(eras) == 2 else 470,
                         legend_below=True, top=140 if len(eras) == 2 else 70)


def _grid(topics: list[str]) -> tuple[int, int]:
    cols = 1 if len(topics) == 1 else 2
    return (len(topics) + cols - 1) // cols, cols


def drivers_figure(trend: Trend, program: str) -> dict:
    """The other A-11 drivers (mean on 1-5, with band and target) in small multiples; a driver
    asked in both eras is two traces with the marker between them."""
    series = trend.of(aspects=False, exclude_topic="trust")
    if not series:
        return empty_figure("No answers to the other A-11 drivers for this program.")
    topics = list(dict.fromkeys(s.spec.topic for s in series))
    periods = _span(trend.periods, series)
    rows, cols = _grid(topics)
    panels = Panels(rows, cols, subplot_titles=[driver_name(t) for t in topics],
                    vertical_spacing=min(0.12, 0.5 / rows), horizontal_spacing=0.08)
    for i, topic in enumerate(topics):
        row, col = divmod(i, cols)
        for s in (s for s in series if s.spec.topic == topic):
            era_periods = [p for p in periods if era_of(p) == s.spec.era]
            add_series(panels, s, era_periods, row=row + 1, col=col + 1, colour=COLOURS[MEAN], band=BANDS[MEAN],
                       name="Mean score", legend=i == 0 and s.spec.era == series[0].spec.era)
        panels.axes(row + 1, col + 1, x=dict(categoryorder="array", categoryarray=periods,
                                             range=[-0.5, len(periods) - 0.5]), y=dict(range=[1, 5]))
    _legend_target(panels)
    _break_in_axes(panels, periods)
    era_words = "A-11 v1 survey" if all(era_of(p) == V1 for p in periods) else "both surveys"
    return panels.figure(f"The other A-11 drivers by quarter ({era_words}, mean on 1-5): {plain(program)}",
                         150 + 250 * rows)


def aspects_figure(trend: Trend, program: str) -> dict:
    """The v2 aspects: the share naming each as what went well and as what could be improved."""
    series = trend.of(aspects=True)
    if not series:
        return empty_figure("No answers to the A-11 v2 survey's aspects for this program.")
    topics = list(dict.fromkeys(s.spec.topic for s in series))
    periods = _span(trend.periods, series)
    rows, cols = _grid(topics)
    panels = Panels(rows, cols, subplot_titles=[ASPECT_NAMES.get(t, t) for t in topics],
                    vertical_spacing=min(0.1, 0.5 / rows), horizontal_spacing=0.08)
    highest = max((p.ci_high or p.value or 0) for s in series for p in s.points)
    shown, targeted = set(), {}
    for i, topic in enumerate(topics):
        row, col = divmod(i, cols)
        for s in (s for s in series if s.spec.topic == topic):
            polarity = s.spec.polarity
            words = "went well" if polarity == POSITIVE else "could be improved"
            # each line's target in its colour and named for it: one "Target" sat at 30% in one panel (for what
            # went well) and at 12% in the next (for what could be improved)
            target = (f"Target, what {words}", COLOURS[polarity])
            if add_series(panels, s, periods, row=row + 1, col=col + 1, colour=COLOURS[polarity],
                          band=BANDS[polarity], name=f"% naming it as what {words}", legend=polarity not in shown,
                          dash=DASHES[polarity], symbol=SYMBOLS[polarity], target=target):
                targeted[polarity] = target
            shown.add(polarity)
        panels.axes(row + 1, col + 1, x=dict(categoryorder="array", categoryarray=periods,
                                             range=[-0.5, len(periods) - 0.5]),
                    y=dict(range=[0, min(100, highest * 1.1 + 5)], ticksuffix="%"))
    for polarity in (POSITIVE, NEGATIVE):
        if polarity in targeted:
            _legend_target(panels, *targeted[polarity])
    # room above the panels for the legend's three entries on three lines, as a phone's width sets them
    return panels.figure(f"A-11 v2 survey: what went well and what could be improved, by quarter: {plain(program)}",
                         150 + 230 * rows, top=170)


def _span(periods: list[str], series: list[Series]) -> list[str]:
    """The quarters from the first to the last point of `series`."""
    having = {p.period for s in series for p in s.points}
    inside = [i for i, p in enumerate(periods) if p in having]
    return periods[inside[0]:inside[-1] + 1] if inside else []


def _break_in_axes(panels: Panels, periods: list[str]) -> None:
    """The marker in every panel whose quarters cross the break (between the last v1 quarter and
    the first v2 one, in category positions)."""
    eras = [era_of(p) for p in periods]
    if V1 not in eras or V2 not in eras:
        return
    at = eras.index(V2) - 0.5
    for k, (xname, yname) in enumerate(panels.refs.values()):
        x, y = xname.replace("axis", ""), yname.replace("axis", "")
        panels.shapes.append(dict(type="line", xref=x, yref=f"{y} domain", x0=at, x1=at, y0=0, y1=1,
                                  line=dict(color=INK, width=2, dash="dashdot")))
        if k == 0:
            panels.annotations.append(dict(text=BREAK_LABEL, xref=x, yref=f"{y} domain", x=at, y=1, xanchor="left",
                                           yanchor="bottom", showarrow=False, bgcolor="#fff",
                                           font=dict(size=12, family=FONT, color=INK)))


def volumes_figure(breakdown: Breakdown, program: str) -> dict:
    """Respondents by channel and touchpoint in the quarter (the most any question had), as Plotly's
    JSON (what dcc.Graph takes; go.Figure's validation was a third of the quarter's answer)."""
    volumes = [v for v in breakdown.volumes if v.respondents]
    if not volumes:
        return empty_figure(f"No respondents recorded for {breakdown.period or 'this quarter'}.")
    labels = [wrapped(v.label, 48, most=4) for v in volumes]
    bar = {"type": "bar", "x": [v.respondents for v in volumes], "y": labels, "orientation": "h",
           "marker": {"color": COLOURS[MEAN]}, "text": [f"n = {v.respondents:,}" for v in volumes],
           "textposition": "outside", "cliponaxis": False, "textfont": {"color": INK, "size": 13},
           "hovertext": [f"<b>{plain(v.label)}</b><br>respondents: {v.respondents:,}<br>questions: {v.measures}"
                         for v in volumes],
           "hoverinfo": "text", "name": "Respondents"}
    layout = titled({"height": max(260, 60 * len(volumes) + 120), "margin": {"l": 10, "r": 60, "t": 70, "b": 10}},
                    f"Respondents by channel and touchpoint, {breakdown.period}: {plain(program)}")
    layout.update({"template": default_template(), "font": {"family": FONT, "color": INK}, "plot_bgcolor": "#fff",
                   "showlegend": False,
                   "yaxis": {"autorange": "reversed", "automargin": True, "tickfont": {"size": 13}},
                   "xaxis": {"title": {"text": "Respondents"}, "gridcolor": "#dfe1e2", "rangemode": "tozero"}})
    return {"data": [bar], "layout": layout}
