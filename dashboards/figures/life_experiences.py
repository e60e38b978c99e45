"""Life experiences: each one's trust pooled over its programs' answers, with its 95% interval and n
written beside the point (a mean on 1-5 before FY2024-Q2, the share who trust from it)."""
from dashboards.figures.heatmap import FONT, default_template, empty_figure, titled
from dashboards.figures.program import COLOURS, INK, fmt
from dashboards.figures.text import plain
from dashboards.queries.life_experience_rollup import Rollup
from dashboards.queries.program import MEAN, TRUST
from dashboards.tables import status_word
from scorecard.text import counted


def trust_figure(rollup: Rollup) -> dict:
    """Pooled trust per life experience: a dot with its interval as an error bar and "n = …". The figure
    as Plotly's JSON (what dcc.Graph takes; a validated go.Figure costs milliseconds)."""
    shown = [(e, e.measure(TRUST)) for e in rollup.experiences]
    shown = [(e, m) for e, m in shown if m is not None and m.value is not None]
    if not shown:
        return empty_figure(f"No trust answers from life-experience programs in {rollup.period or 'any quarter'}.")
    unit = shown[0][1].unit
    values = [m.value for _, m in shown]
    plus = [(m.ci_high - m.value) if m.ci_high is not None else 0 for _, m in shown]
    minus = [(m.value - m.ci_low) if m.ci_low is not None else 0 for _, m in shown]
    labels = [f"<b>{plain(e.name)}</b><br>{fmt(m.value, unit)} (n = {m.n:,})<br><span style='font-size:11px'>"
              f"{m.programs} of {counted(len(e.programs), 'program')} reported, "
              f"{counted(e.agencies, 'agency', 'agencies')}</span>"
              for e, m in shown]
    hover = []
    for experience, measure in shown:
        counts = ", ".join(f"{n} {status_word(s)}" for s, n in experience.statuses.items() if n)
        interval = "" if measure.ci_low is None else \
            f"<br>95% interval {fmt(measure.ci_low, unit)} to {fmt(measure.ci_high, unit)}"
        hover.append(f"<b>{plain(experience.name)}</b><br>{measure.label}: {fmt(measure.value, unit)} "
                     f"(n = {measure.n:,}){interval}<br>pooled over {counted(measure.programs, 'program')}<br>"
                     f"programs by status: {counts}")
    dots = {
        "type": "scatter", "x": values, "y": labels, "mode": "markers",
        "marker": {"size": 12, "color": COLOURS[MEAN], "symbol": "circle"},
        "error_x": {"type": "data", "array": plus, "arrayminus": minus, "color": COLOURS[MEAN], "thickness": 2,
                    "width": 6},
        "hovertext": hover, "hoverinfo": "text", "name": "Pooled trust"}
    lowest = min(m.ci_low if m.ci_low is not None else m.value for _, m in shown)
    highest = max(m.ci_high if m.ci_high is not None else m.value for _, m in shown)
    pad = 0.25 if unit == MEAN else 8  # the dots' spread, not the whole scale: differences stay visible
    bounds = (1, 5) if unit == MEAN else (0, 100)
    span = [max(bounds[0], lowest - pad), min(bounds[1], highest + pad)]
    axis = {"range": span, "title": {"text": "Trust, mean on 1-5 (axis zoomed to the values)"}} if unit == MEAN else \
        {"range": span, "ticksuffix": "%", "title": {"text": "Share who trust (axis zoomed to the values)"}}
    what = "mean on 1-5, A-11 v1 survey" if unit == MEAN else "share who trust, A-11 v2 survey"
    return {"data": [dots], "layout": titled({
        "template": default_template(),
        "font": {"family": FONT, "color": INK}, "height": max(300, 80 * len(shown) + 140), "plot_bgcolor": "#fff",
        "margin": {"l": 10, "r": 20, "t": 70, "b": 10}, "showlegend": False,
        "yaxis": {"autorange": "reversed", "automargin": True, "tickfont": {"size": 13}},
        "xaxis": {"gridcolor": "#dfe1e2", **axis},
        "hoverlabel": {"bgcolor": "#fff", "font": {"family": FONT, "color": INK, "size": 13}, "align": "left"}},
        f"Trust by life experience, {rollup.period} ({what}), pooled over the programs' answers")}
