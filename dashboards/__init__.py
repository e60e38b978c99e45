"""The Dash dashboards: one Dash app, mounted on the Flask server under /dashboards/."""
from pathlib import Path

import dash
from dash import Dash, dcc, html

URL_BASE = "/dashboards/"
_HERE = Path(__file__).resolve().parent

# One Dash instance per process (several would share Dash's global registries and break);
# each Flask app built by the factory binds it with init_app.
dash_app = Dash(
    __name__,
    server=False,
    use_pages=True,
    pages_folder=str(_HERE / "pages"),
    assets_folder=str(_HERE / "assets"),
    url_base_pathname=URL_BASE,
    title="CX Scorecard dashboards",
    serve_locally=True,
    suppress_callback_exceptions=True,
)


def _layout():
    return html.Div(
        [
            html.Header(
                [
                    html.A("CX Scorecard", href="/", className="dash-brand"),
                    html.Nav(
                        [html.A(page["name"], href=page["relative_path"], className="dash-nav-link")
                         for page in dash.page_registry.values()],
                        **{"aria-label": "Dashboards"},
                    ),
                ],
                className="dash-header",
            ),
            html.Main(dash.page_container, id="main-content"),
            dcc.Location(id="url"),
        ]
    )


dash_app.layout = _layout


def init_dashboards(server) -> None:
    """Bind the Dash app to a Flask server. Sign-in is enforced by the server's
    deny-by-default check; Dash's callback dispatcher is exempt from CSRF (it posts JSON and
    the session cookie is SameSite=Lax) and checks every request (dashboards.validation) before
    a callback runs: a malformed one answers 400."""
    from dashboards.validation import guard
    from scorecard.extensions import csrf

    dash_app.init_app(server)
    for rule in server.url_map.iter_rules():
        if rule.rule.startswith(URL_BASE + "_dash-update-component"):
            server.view_functions[rule.endpoint] = guard(server.view_functions[rule.endpoint], dash_app)
            csrf.exempt(server.view_functions[rule.endpoint])
