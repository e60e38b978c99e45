"""Heatmap page: the latest quarter, programs × A-11 drivers, red/amber/green against targets."""
import dash
from dash import Input, Output, callback, dcc, html
from flask import current_app

from dashboards import figures, queries, validation
from scorecard.extensions import db

dash.register_page(__name__, path="/heatmap", name="Heatmap", title="Heatmap · CX Scorecard")

ALL = "all"


def layout(**_):
    periods = queries.periods_with_data(db.session)
    agency_options = [{"label": "All agencies", "value": ALL}] + [
        {"label": name, "value": str(aid)} for aid, name in queries.agencies(db.session)]
    return html.Div([
        html.H1("Programs × A-11 drivers"),
        html.P("Each cell is the program's pooled survey score (1-5) for the quarter. Green, amber and red "
               "compare it with the program's target; grey cells have fewer respondents than the minimum "
               "sample and are never red.", className="dash-lede"),
        html.Div([
            html.Div([
                html.Label("Quarter", htmlFor="heatmap-period"),
                dcc.Dropdown(id="heatmap-period", options=periods, value=periods[0] if periods else None,
                             clearable=False),
            ], className="dash-filter"),
            html.Div([
                html.Label("Agency", htmlFor="heatmap-agency"),
                dcc.Dropdown(id="heatmap-agency", options=agency_options, value=ALL, clearable=False),
            ], className="dash-filter"),
        ], className="dash-filters"),
        dcc.Loading(dcc.Graph(id="heatmap-graph", config={"displaylogo": False})),
    ])


validation.register("heatmap-period", "value", validation.period)
validation.register("heatmap-agency", "value", validation.id_or(ALL))


@callback(Output("heatmap-graph", "figure"), Input("heatmap-period", "value"), Input("heatmap-agency", "value"))
@validation.validated
def update_heatmap(period, agency_id):
    heat = queries.driver_heatmap(db.session, period, agency_id, min_n=current_app.config["SURVEY_MIN_N"])
    return figures.heatmap_figure(heat)
