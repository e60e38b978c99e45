"""The frame around every dashboard page, the same as the Flask pages' (templates/base.html): the
skip link, the USWDS banner, the header with the navigation the user's role may see and the sign
out form, the dashboards' own navigation (from the Dash page registry), and the footer.

Built per request by `shell()` (the Dash app's layout function), so it reads the signed-in user.
The assets the Flask pages use — USWDS CSS and fonts, scorecard.css — are linked from the app's
own /static/ (`STYLESHEETS`); nothing comes from a CDN.
"""
import sys
from typing import Optional

import dash
from dash import dcc, html
from flask import url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from scorecard.navigation import DASHBOARDS, FOOTER, current_item, footer_links, nav_items
from scorecard.security import session_timer

STYLESHEETS = ["/static/uswds/css/uswds.min.css", "/static/scorecard.css"]
# the session timer, as on the Flask pages (it finds `session_marker`), and a table fitted to the paper it prints on
SCRIPTS = ["/static/session.js", "/static/print.js"]

# Dash's page shell, with `lang` on <html> and no <footer> of its own around the scripts (one
# footer landmark per page: ours).
INDEX_STRING = """<!DOCTYPE html>
<html lang="en">
<head>
{%metas%}
<title>{%title%}</title>
{%favicon%}
{%css%}
</head>
<body>
{%app_entry%}
<div class="dash-scripts">
{%config%}
{%scripts%}
{%renderer%}
</div>
</body>
</html>"""


def banner() -> html.Section:
    return html.Section(
        html.Div(html.Header(html.Div([
            html.Div(html.Img(src="/static/uswds/img/us_flag_small.png", alt="", className="usa-banner__header-flag",
                              **{"aria-hidden": "true"}), className="grid-col-auto"),
            html.Div(html.P("An official website of the United States government", className="usa-banner__header-text"),
                     className="grid-col-fill tablet:grid-col-auto", **{"aria-hidden": "true"}),
        ], className="usa-banner__inner"), className="usa-banner__header"), className="usa-accordion"),
        className="usa-banner", **{"aria-label": "Official website of the United States government"})


def sign_out(user) -> html.Form:
    """The sign-out button: a POST with the CSRF token, as on the Flask pages."""
    return html.Form([
        dcc.Input(type="hidden", name="csrf_token", value=generate_csrf()),
        html.Button(f"Sign out ({user.email})", type="submit",
                    className="usa-button usa-button--unstyled usa-nav-link"),
    ], method="post", action=url_for("auth.logout"), className="display-inline")


def header(user) -> html.Header:
    """The Flask pages' header (USWDS basic): on a narrow screen (a phone, a desktop at 200% zoom) the
    navigation hides behind a Menu button (opened and closed by assets/scorecard.js, where the Flask
    pages have USWDS's own script)."""
    signed_in = getattr(user, "is_authenticated", False)
    navbar = [html.Div(html.Em(html.A("CX Scorecard", href=url_for("main.index"), title="CX Scorecard home"),
                               className="usa-logo__text"), className="usa-logo")]
    if signed_in:
        navbar.append(html.Button("Menu", type="button", className="usa-menu-btn"))
    children = [html.Div(navbar, className="usa-navbar")]
    if signed_in:
        shown = nav_items(user)
        here = current_item(shown, DASHBOARDS)  # every dashboard page is under Dashboards
        items = [html.Li(html.A(html.Span(label), href=href,
                                className="usa-nav-link" + (" usa-current" if href == here else ""),
                                **({"aria-current": "true"} if href == here else {})),
                         className="usa-nav__primary-item") for label, href in shown]
        items.append(html.Li(sign_out(user), className="usa-nav__primary-item"))
        close = html.Button(html.Img(src=url_for("static", filename="uswds/img/usa-icons/close.svg"), role="img",
                                     alt="Close"), type="button", className="usa-nav__close")
        children.append(html.Nav([close, html.Ul(items, className="usa-nav__primary usa-accordion")],
                                 className="usa-nav", **{"aria-label": "Primary navigation"}))
    return html.Header([html.Div(className="usa-overlay"), html.Div(children, className="usa-nav-container")],
                       className="usa-header usa-header--basic")


def dashboard_pages(user=None) -> list[dict]:
    """The pages the dashboards' navigation lists: every registered page but those registered
    with `nav=False` (pages reached from another, such as a program's drill-down), and those registered
    with `needs_plans=True` (the leaders') for a `user` whose role opens no plan (a viewer: the tab led to
    "Your role opens no plan"), by `order`."""
    from scorecard.plans.services import plans_seen

    hidden = user is not None and getattr(user, "is_authenticated", False) and plans_seen(user) == "none"
    pages = [p for p in dash.page_registry.values() if p.get("nav", True) and not (hidden and p.get("needs_plans"))]
    return sorted(pages, key=lambda p: (p.get("order") if p.get("order") is not None else 99, p["name"]))


# The filters the dashboards share: a page's query-string parameter and the filter it is. The quarter and the
# agency chosen on one page are carried to the others the navigation opens (assets/scorecard.js), so a
# meeting held on a past quarter does not land on the latest at each page.
SHARED_FILTERS = {"period": "quarter", "through": "quarter", "agency": "agency"}


def _carried(page: dict) -> str:
    """"period:quarter agency:agency": the shared filters `page` takes, by its own parameters' names."""
    url = getattr(sys.modules.get(page["module"]), "url", None)
    names = [p.name for p in getattr(url, "params", ())]
    return " ".join(f"{name}:{SHARED_FILTERS[name]}" for name in names if name in SHARED_FILTERS)


def dashboards_nav(user=None) -> html.Nav:
    links = [html.Li(html.A(page["name"], href=page["relative_path"], className="dash-subnav__link",
                            **{"data-path": page["relative_path"], "data-carry": _carried(page)}),
                     className="dash-subnav__item") for page in dashboard_pages(user)]
    shared = " ".join(f"{name}:{kind}" for name, kind in SHARED_FILTERS.items())
    # The pages the navigation does not list that take a shared filter too (a program's page, its quarter):
    # shown on their default (a program's own latest quarter) they forget it, as a listed page does.
    unlisted = ";".join(f"{page['relative_path']}={carried}" for page in dash.page_registry.values()
                        if not page.get("nav", True) and (carried := _carried(page)))
    return html.Nav(html.Div(html.Ul(links, className="dash-subnav__list"), className="grid-container"),
                    className="dash-subnav", id="dash-subnav",
                    **{"aria-label": "Dashboards", "data-shared": shared, "data-unlisted": unlisted})


def footer() -> html.Footer:
    links = [part for label, href in footer_links()
             for part in (" ", html.A(label, href=href, className="usa-link"))]
    return html.Footer(html.Div([FOOTER, *links], className="grid-container padding-y-2"),
                       className="usa-footer usa-footer--slim")


def shell(content, user: Optional[object] = None) -> html.Div:
    """Skip link, banner, header, the dashboards' navigation, `content` in <main>, footer."""
    user = current_user if user is None else user
    return html.Div([
        html.A("Skip to main content", href="#main-content", className="usa-skipnav"),
        banner(),
        header(user),
        dashboards_nav(user),
        html.Main(content, id="main-content", className="grid-container dash-main", tabIndex="-1"),
        footer(),
        html.Div(id="dash-focus", hidden=True),
        session_marker(),
    ])


def session_marker() -> html.Div:
    """Where the session timer (/static/session.js) reads where to ask and the seconds left."""
    return html.Div(id="session-timer", hidden=True, **session_timer())
