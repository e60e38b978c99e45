"""The capacity figure: components × the five A-11 capacity domains for a fiscal year, each cell
shaded by its self-assessed score (lighter is lower) with the score and its change from the year
before written in it; hovering adds the rules' evidence score and the action plan."""

from dashboards.figures.heatmap import FONT, default_template, empty_figure, titled
from dashboards.figures.text import cut_in_the_middle, plain, wrapped
from dashboards.queries.capacity import Capacity, DomainCell
from scorecard.capacity.services import score_text

# Light to mid blue: black text stays above 7:1 on every shade. A domain not scored sits below the
# scale's bottom (NOT_SCORED) and is grey.
NOT_SCORED = -0.25
SCALE = [[0.0, "#f0f0f0"], [0.19, "#f0f0f0"], [0.2, "#eff6fb"], [1.0, "#73b3e7"]]
LABEL_CHARS = 30  # of a component's name beside its row (a phone keeps room for the five domains)


def _change(cell: DomainCell) -> str:
    change = cell.change
    if change is None:
        if cell.previous is None:
            return f"no FY{cell.prior_year} score"
        # this year not scored yet (its cell says so): last year's score, as the capacity page gives it
        return f"FY{cell.prior_year}: {score_text(cell.previous)}" if cell.comparable else "other scale"
    if abs(change) < 1e-9:
        return "no change"
    return f"{'up' if change > 0 else 'down'} {score_text(abs(change))}"


def _evidence(cell: DomainCell) -> str:
    if cell.finding_id is None:
        return "rules' evidence score: none"
    return (f"rules' evidence score: {cell.evidence_words} ({cell.evidence_period})"
            f"<br>{wrapped(cell.evidence_explanation or '', 70)}")


def _evidence_short(cell: DomainCell) -> str:
    """The rules' evidence score as the cell writes it ("" when no rule scores the domain)."""
    if cell.finding_id is None:
        return ""
    return f"evidence: {cell.evidence_words}"


def capacity_figure(found: Capacity) -> dict:
    """The figure as Plotly's JSON (what dcc.Graph takes)."""
    if not found.rows:
        return empty_figure(f"No capacity assessment for FY{found.fiscal_year}." if found.fiscal_year
                            else "No capacity assessment yet.")
    z, text, hover = [], [], []
    for row in found.rows:
        low, high = row.scale
        z_row, text_row, hover_row = [], [], []
        for cell in row.cells:
            z_row.append(NOT_SCORED if cell.score is None else (cell.score - low) / max(1, high - low))
            text_row.append(f"<b>{cell.score_words}</b><br>{_change(cell)}<br>{_evidence_short(cell)}")
            hover_row.append(
                f"<b>{plain(row.label)}</b> ({row.status})<br>{plain(cell.domain)}: {cell.score_words}"
                f"<br>{cell.change_words}<br>{_evidence(cell)}<br>action plan: {cell.action_words}")
        z.append(z_row)
        text.append(text_row)
        hover.append(hover_row)
    # One line a name, cut in its middle (the hover and the table give it whole): a component told from another
    # agency's by the agency's name ran to 60 characters and at 320 px pushed the cells off the screen. The rows
    # are placed by number, so two names cut alike stay two rows.
    labels = [f"{cut_in_the_middle(row.label, LABEL_CHARS)}<br><span style='font-size:11px'>{row.status}</span>"
              for row in found.rows]
    # each domain's name on short lines ("Customer<br>Understanding"): upright at a phone's width, one long
    # line ran into the title
    domains = [wrapped(d, 14) for d in found.domains]
    # Plotly's JSON made directly, as the heatmap's is: go.Figure's validation was half the answer's time.
    return {
        "data": [{
            "type": "heatmap", "z": z, "x": domains, "y": list(range(len(labels))), "text": text,
            "texttemplate": "%{text}",
            "textfont": {"color": "#1b1b1b", "size": 13}, "hovertext": hover, "hoverinfo": "text",
            "colorscale": SCALE, "zmin": NOT_SCORED, "zmax": 1, "showscale": False, "xgap": 3, "ygap": 3,
        }],
        "layout": titled({
            "template": default_template(),
            "font": {"family": FONT, "color": "#1b1b1b"}, "plot_bgcolor": "#fff",
            "height": max(320, 72 * len(found.rows) + 170), "margin": {"l": 10, "r": 10, "t": 120, "b": 10},
            "yaxis": {"autorange": "reversed", "automargin": True, "tickfont": {"size": 13}, "tickmode": "array",
                      "tickvals": list(range(len(labels))), "ticktext": labels, "showgrid": False, "zeroline": False},
            "xaxis": {"side": "top", "tickfont": {"size": 13}},
        }, f"Capacity self-assessment by domain, FY{found.fiscal_year}, and the change from FY{found.fiscal_year - 1}"),
    }
