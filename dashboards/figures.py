"""Figure builders: plain data in, Plotly figures out."""
import plotly.graph_objects as go

from dashboards.queries import Heatmap

# Status → (position on the colour scale, colour, short label shown in the cell).
STATUS_STYLE = {
    "red": (0, "#d83933", "R"),
    "amber": (1, "#ffbe2e", "A"),
    "green": (2, "#00a91c", "G"),
    "insufficient_data": (3, "#a9aeb1", "n<min"),
    "no_target": (4, "#73b3e7", "no target"),
}


def _discrete_scale() -> list:
    steps = len(STATUS_STYLE)
    scale = []
    for position, colour, _ in STATUS_STYLE.values():
        scale += [[position / steps, colour], [(position + 1) / steps, colour]]
    return scale


def heatmap_figure(heat: Heatmap) -> go.Figure:
    """Programs × drivers coloured red/amber/green against targets, with the score in each cell
    (colour is never the only signal)."""
    if not heat.programs:
        fig = go.Figure()
        fig.add_annotation(text="No program observations for this period yet.", showarrow=False)
        fig.update_layout(xaxis_visible=False, yaxis_visible=False, height=300)
        return fig
    z, text, hover = [], [], []
    for r, program in enumerate(heat.programs):
        z_row, text_row, hover_row = [], [], []
        for c, driver in enumerate(heat.drivers):
            status = heat.statuses[r][c]
            style = STATUS_STYLE.get(status)
            value, n, target = heat.values[r][c], heat.n[r][c], heat.targets[r][c]
            z_row.append(None if style is None else style[0] + 0.5)
            text_row.append("" if value is None else f"{value:.2f} {style[2] if style else ''}".strip())
            hover_row.append(
                f"{program}<br>{driver}: {'no data' if value is None else f'{value:.2f}'}"
                f"<br>n = {n if n is not None else '—'}; target {target if target is not None else '—'}"
                f"<br>status: {status.replace('_', ' ')}")
        z.append(z_row)
        text.append(text_row)
        hover.append(hover_row)
    fig = go.Figure(go.Heatmap(
        z=z, x=heat.drivers, y=heat.programs, text=text, texttemplate="%{text}",
        hovertext=hover, hoverinfo="text", colorscale=_discrete_scale(), zmin=0, zmax=len(STATUS_STYLE),
        showscale=False, xgap=2, ygap=2,
    ))
    fig.update_layout(
        title=f"A-11 drivers by program, {heat.period}",
        height=max(360, 28 * len(heat.programs) + 160),
        margin=dict(l=10, r=10, t=60, b=10),
        yaxis=dict(autorange="reversed", automargin=True),
        xaxis=dict(side="top"),
    )
    return fig
