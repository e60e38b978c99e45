"""The Dash dashboards: one Dash app, mounted on the Flask server under /dashboards/.

One product with the Flask pages: every page sits in the same frame (`chrome`: skip link, USWDS
banner, header with the role's navigation and sign out, the dashboards' navigation, footer),
with the USWDS CSS and fonts the Flask app serves under /static/ and `<html lang="en">`. After
each navigation inside the dashboards, focus moves to the page's heading (assets/scorecard.js).

Adding a page (see pages/overview.py and pages/heatmap.py):

- `pages/<name>.py`: `dash.register_page(__name__, path="/<name>", name=..., title="... · CX
  Scorecard", order=...)`; pass `nav=False` for a page reached from another (a drill-down).
  Its `layout(**query)` is a function (it reads the database and the user), starts with
  `components.page_heading(...)` (the h1 that receives focus).
- Filters in the URL: `urlstate.UrlState(path, [urlstate.QueryParam(...)])`, `.register()` at
  import, `.read(query)` in the layout and `.location()` in it. Then a copied link reproduces
  the view and the back button works.
- Data: a module in `queries/` (plain data in and out; `@cache.cached` for what each view
  reads); figures in `figures/` (plain data in, Plotly figure out). Callbacks stay thin: convert,
  query, build.
- Every callback input and state is registered in `validation` (a converter per component
  property) and the callback is decorated with `@validation.validated`; an unregistered input
  answers 400 to every request, and tests/test_dashboard_callbacks.py names it.
- Pieces (`components`): `page_heading`, `status_badge` (word and shape, never colour alone),
  `with_n` (a number with its n and CI), `tile`, `filter_control` (a labelled dropdown; the
  asset script makes Dash's dropdown one tab stop named by its label), `link_list`,
  `data_table` + `table_panel` + `register_downloads` (a chart's data as an accessible table one
  toggle away, CSV and XLSX of exactly what it shows; the table is `tables.Table`, plain data,
  drawn as one HTML component so that long tables stay fast). Status words: `tables.STATUS_WORDS`;
  status colours for figures: `figures.STATUS_COLOURS`. Links to drill-downs and why-pages: `links`.
- Who is looking: `queries.Scope.of(current_user)` is a hashable stand-in for the user that the
  services' visibility checks (commitments, plans) accept, so scoped results can be cached.
- The cache (`cache`): Flask-Caching bound by the app factory, keyed by a data version that an
  import, a revert, an evaluation or an edit changes; `SCORECARD_CACHE_TYPE` picks the backend.
- tests/test_accessibility.py runs axe-core on every registered page (no serious or critical
  violation, with every details toggle open too): a new page is checked without being listed.
"""
from pathlib import Path

import dash
from dash import Dash, Input, Output, clientside_callback

from scorecard.navigation import DASHBOARDS

URL_BASE = DASHBOARDS
_HERE = Path(__file__).resolve().parent

# One Dash instance per process (several would share Dash's global registries and break);
# each Flask app built by the factory binds it with init_app.
from dashboards import chrome  # noqa: E402  (after URL_BASE, which its imports read)

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
    external_stylesheets=chrome.STYLESHEETS,
    external_scripts=chrome.SCRIPTS,
    index_string=chrome.INDEX_STRING,
)


def _layout():
    return chrome.shell(dash.page_container)


dash_app.layout = _layout

# After Dash Pages shows a page (its store gets the page's title), move focus to the page's h1.
clientside_callback(
    dash.ClientsideFunction(namespace="scorecard", function_name="pageShown"),
    Output("dash-focus", "children"),
    Input("_pages_store", "data"),
)


def _no_such_page():
    """The app's 404 for an address under the dashboards that is neither a page nor Dash's own (Dash
    would answer 200 with its bare "404 - Page not found")."""
    from flask import abort, request

    rule = request.url_rule
    if rule is None or rule.rule != URL_BASE + "<path:path>":  # Dash's own routes, its assets, the briefings
        return
    if request.view_args["path"].strip("/") not in {page["path"].strip("/") for page in dash.page_registry.values()}:
        abort(404)


def init_dashboards(server) -> None:
    """Bind the Dash app to a Flask server. Sign-in is enforced by the server's
    deny-by-default check; Dash's callback dispatcher is exempt from CSRF (it posts JSON and
    the session cookie is SameSite=Lax) and checks every request (dashboards.validation) before
    a callback runs: a malformed one answers 400."""
    from werkzeug.exceptions import NotFound

    from dashboards.briefing.web import bp as briefings_bp
    from dashboards.cache import answered
    from dashboards.validation import guard
    from dashboards.warm import WarmAnswers
    from scorecard.extensions import csrf

    server.register_blueprint(briefings_bp)  # the briefings' downloads, under /dashboards/briefings/
    dash_app.init_app(server)
    # A script or style Dash does not serve (a mistyped or stale asset path) is not found: Dash raises
    # DependencyException for it, a 500 logged with the list of every path it serves.
    server.register_error_handler(dash.exceptions.DependencyException,
                                  lambda error: server.handle_http_exception(NotFound()))
    server.before_request(_no_such_page)
    for rule in server.url_map.iter_rules():
        if rule.rule.startswith(URL_BASE + "_dash-update-component"):
            server.view_functions[rule.endpoint] = guard(answered(server.view_functions[rule.endpoint], dash_app),
                                                         dash_app)
            csrf.exempt(server.view_functions[rule.endpoint])
    server.wsgi_app = WarmAnswers(server, dash_app, server.wsgi_app)  # a kept answer, without the framework's work
    # Dash readies itself on the first request, in hooks behind check-then-set flags (its callback map,
    # scripts and layout check; the pages' router): two first requests at once on a threaded server both
    # ran them, and one read the callback map while the other filled it (a 500 seen under load). Run
    # Dash's own first-request hooks here, once, before the server takes a request.
    with server.test_request_context(URL_BASE):
        for hook in list(server.before_request_funcs.get(None, [])):
            if getattr(hook, "__qualname__", "").startswith("Dash."):
                hook()
