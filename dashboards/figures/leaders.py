"""The leaders' figure, on OPM's five levels: how many plans a rating official has decided at each
summary level, beside how many plans the rules propose at each rating for their CX elements; the
last bars count the plans with none yet. Each bar writes its count; the two series differ in
pattern as well as colour, and the legend names them."""
import plotly.graph_objects as go

from dashboards.figures.heatmap import FONT, empty_figure
from dashboards.queries.leaders import NONE_YET, Leaders
from scorecard.ratings import RATING_LABELS

DECIDED = "Decided summary level"
PROPOSED = "Proposed rating of the CX elements (the lowest, where several)"


def level_label(level) -> str:
    return "None yet" if level == NONE_YET else f"{level} {RATING_LABELS[level]}"


def levels_figure(found: Leaders) -> go.Figure | dict:
    if not found.plans:
        return empty_figure("No plan with a CX requirement for these filters.")
    total = len(found.plans)
    fig = go.Figure()
    for name, counts, colour, shape in ((DECIDED, found.levels(), "#73b3e7", ""),
                                        (PROPOSED, found.proposals(), "#dfe1e2", "/")):
        fig.add_trace(go.Bar(
            name=name, x=[level_label(level).replace(" ", "<br>", 1) for level in counts], y=list(counts.values()),
            text=[f"{n:,}" for n in counts.values()], textposition="outside", cliponaxis=False,
            textfont=dict(size=14, color="#1b1b1b"),
            marker=dict(color=colour, line=dict(color="#1b1b1b", width=1),
                        pattern=dict(shape=shape, fgcolor="#565c65", fgopacity=0.5)),
            hovertext=[f"<b>{level_label(level)}</b><br>{name}: {n:,} of {total:,} plans" for level, n in
                       counts.items()], hoverinfo="text"))
    fig.update_layout(
        barmode="group",
        title=dict(text=f"FY{found.fiscal_year} plans with CX requirements (n = {total:,}): decided summary levels "
                        "and proposed CX ratings", x=0, xanchor="left", font=dict(size=18)),
        font=dict(family=FONT, color="#1b1b1b"), plot_bgcolor="#fff", height=430,
        margin=dict(l=10, r=10, t=110, b=20), legend=dict(orientation="h", y=1.12, x=0),
        yaxis=dict(title="Plans", gridcolor="#dfe1e2", rangemode="tozero"), xaxis=dict(tickfont=dict(size=13)))
    return fig
