"""Dashboards landing page."""
import dash
from dash import html

dash.register_page(__name__, path="/", name="Overview", title="Dashboards · CX Scorecard")


def layout(**_):
    return html.Div([
        html.H1("Dashboards"),
        html.P("One view across the agency, refreshed from the latest imports."),
        html.Ul([html.Li(html.A("Heatmap: programs × A-11 drivers, latest quarter", href="/dashboards/heatmap"))]),
    ])
