"""The leaders' figure, on OPM's five levels: how many plans a rating official has decided at each
summary level, beside how many plans the rules propose at each rating for their CX elements; the
last bars count the plans with none yet. Each bar writes its count; the two series differ in
pattern as well as colour, and the legend names them."""
from dashboards.figures.heatmap import FONT, default_template, empty_figure, titled
from dashboards.queries.leaders import NO_LEVEL, NONE_YET, Leaders
from scorecard.ratings import RATING_LABELS
from scorecard.text import counted

DECIDED = "Decided summary level"
PROPOSED = "Proposed rating of the CX elements (the lowest, where several)"


def level_label(level) -> str:
    if level == NO_LEVEL:
        return "Decided, no level: the weights break OPM's rules"
    return "None yet" if level == NONE_YET else f"{level} {RATING_LABELS[level]}"


def _tick(level) -> str:
    return "Decided, no level:<br>weights break<br>OPM's rules" if level == NO_LEVEL else (
        level_label(level).replace(" ", "<br>", 1))


def none_shown(found: Leaders, what: str = "plan") -> str:
    """What the chart and the tables say when they show no plan: that there is none, or, when there are plans
    the viewer may not see, that none of them is shown ("No plan ... for these filters" read as none at all)."""
    if not found.not_shown:
        return f"No {what} with a CX requirement for these filters."
    hidden = counted(found.not_shown, "plan")
    return (f"No {what} with a CX requirement for these filters that your role may see: "
            f"{hidden} {'is' if found.not_shown == 1 else 'are'} not shown to it.")


def levels_figure(found: Leaders) -> dict:
    """The figure as Plotly's JSON (what dcc.Graph takes; a validated go.Figure costs milliseconds)."""
    if not found.plans:
        return empty_figure(none_shown(found))
    total = len(found.plans)
    bars, levels, proposals = [], found.levels(), found.proposals()
    # Counts of plans: a few plans drew an axis of 0, 0.2, 0.4 ... 1; whole numbers only below 6 (Plotly
    # picks whole steps above).
    whole = {"dtick": 1} if max(*levels.values(), *proposals.values()) < 6 else {}
    for name, counts, colour, shape in ((DECIDED, levels, "#73b3e7", ""), (PROPOSED, proposals, "#dfe1e2", "/")):
        bars.append({
            "type": "bar", "name": name, "x": [_tick(level) for level in counts],
            "y": list(counts.values()), "text": [f"{n:,}" for n in counts.values()], "textposition": "outside",
            "cliponaxis": False, "textfont": {"size": 14, "color": "#1b1b1b"},
            "marker": {"color": colour, "line": {"color": "#1b1b1b", "width": 1},
                       "pattern": {"shape": shape, "fgcolor": "#565c65", "fgopacity": 0.5}},
            "hovertext": [f"<b>{level_label(level)}</b><br>{name}: {n:,} of {counted(total, 'plan')}"
                          for level, n in counts.items()], "hoverinfo": "text"})
    return {"data": bars, "layout": titled({
        "template": default_template(), "barmode": "group",
        "font": {"family": FONT, "color": "#1b1b1b"}, "plot_bgcolor": "#fff", "height": 430,
        "margin": {"l": 10, "r": 10, "t": 110, "b": 20},
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.08, "x": 0},  # grows upwards, clear of the bars
        "yaxis": {"title": {"text": "Plans"}, "gridcolor": "#dfe1e2", "rangemode": "tozero", **whole},
        "xaxis": {"tickfont": {"size": 13}}},
        f"FY{found.fiscal_year} plans with CX requirements (n = {total:,}): decided summary levels and proposed CX "
        "ratings")}
