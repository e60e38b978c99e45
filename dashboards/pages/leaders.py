"""Leaders: every leader whose plan has a CX requirement, for one appraisal year (default: the
newest), with the ratings the rules propose beside the rating official's decisions, the elements
at risk (proposed below 3), the plans not yet decided and how the decided ones spread over OPM's
summary levels (chart and table); filters for year, component, function and agency in the URL (an
agency's leaders as the overview counts them). A leader
leads to their plan only for who may see it (an officer their function's leaders, a leader their
own plan, a viewer none)."""
from dataclasses import replace
from typing import Optional

import dash
from dash import Input, Output, State, callback, dcc, html
from flask_login import current_user

from dashboards import components, filters, tables, validation
from dashboards.cache import cached_answer
from dashboards.figures.leaders import level_label, levels_figure, none_shown
from dashboards.queries import common
from dashboards.queries import leaders as queries
from dashboards.urlstate import QueryParam, UrlState
from scorecard.extensions import db
from scorecard.periods import parse_period, year_begins
from scorecard.permissions import can
from scorecard.plans.services import not_begun_words
from scorecard.text import counted

dash.register_page(__name__, path="/leaders", name="Leaders", title="Leaders · CX Scorecard", order=5,
                   needs_plans=True)  # not in the navigation of a role that opens no plan (chrome.dashboard_pages)



def _latest():
    year = common.newest_begun(common.plan_years(db.session))
    return str(year) if year is not None else None


PAGE_SIZE = 100  # leaders a page of the list shows; the downloads hold them all

def _component_options(agency_id) -> list[dict]:
    """The components with leaders, of the agency chosen (None: of every agency)."""
    return components.choices(queries.filter_choices(db.session, agency_id)[0], "All components")


agency_components = filters.ComponentsOfTheAgency("leaders", _component_options)
url = UrlState("/leaders", [
    QueryParam("year", "leaders-year", validation.fiscal_year, default=_latest,
               offered=lambda: common.plan_years(db.session)),
    filters.choice("component", "leaders-component", lambda: queries.filter_choices(db.session)[0]),
    filters.choice("function", "leaders-function", lambda: queries.filter_choices(db.session)[1]),
    filters.agency("leaders-agency"),
    QueryParam("page", "leaders-table-page", validation.page_number, default="1", omit="1", prop="data",
               first_on_change=True),
], reconcile=agency_components.reconcile)
url.register()
agency_components.register()
FILTER_PARAMS = url.params[:4]
FILTERS = [State(p.control, "value") for p in FILTER_PARAMS]
components.register_pager("leaders-table")



LEDE = ("Leaders whose performance plans carry CX requirements: the rating the rules propose for each requirement "
        "beside the rating official's decision on its element, the elements at risk (proposed below 3, Fully "
        "Successful), the plans not yet decided, and how the decided plans spread over OPM's summary levels. The rules "
        "only propose; a rating official decides.")


def layout(**query):
    if not can(current_user, "view_plans"):  # no plan to show: said once, not beside an empty chart and tables
        return html.Div([
            components.page_heading("Leaders' CX requirements", lede=LEDE),
            html.P("A leader's ratings are shown to those who may open the leader's plan: administrators, executives "
                   "and analysts, officers for their function's leaders, and each leader for their own. Your role "
                   "opens no plan, so this page has none to show.",
                   className="dash-empty"),
        ])
    values = url.read(query)
    session = db.session
    function_choices = queries.filter_choices(session)[1]
    years = [{"label": f"FY{y}", "value": str(y)} for y in common.plan_years(session)]
    return html.Div([
        components.page_heading("Leaders' CX requirements", lede=LEDE),
        url.location(query),
        html.Div([
            components.filter_control("leaders-year", "Appraisal year", years, values["year"], searchable=False),
            components.filter_control("leaders-component", "Component", agency_components.options(values["agency"]),
                                      values["component"]),
            components.filter_control("leaders-function", "C-suite function",
                                      components.choices(function_choices, "All functions"), values["function"]),
            components.filter_control("leaders-agency", "Agency",
                                      components.choices(common.agencies(session), "All agencies"), values["agency"]),
        ], className="dash-filters", role="group", **{"aria-label": "Filters"}),
        html.P(id="leaders-summary", className="dash-lede", role="status"),
        components.loading(html.Div(id="leaders-tiles"), "leaders-tiles"),
        components.chart(dcc.Graph(id="leaders-graph", config=components.GRAPH_CONFIG, className="dash-graph"),
                         "leaders by summary level"),
        components.table_panel("leaders-levels", summary="Show the summary levels as a table, with downloads"),
        html.Section([
            html.H2("Leaders", id="leaders-list-heading"),
            # above the table: a page turned keeps the focus where the new page starts (below it, Previous onto a
            # longer page was left 4,000 px down the page, and the first page's rows were 231 Tabs before it)
            components.pager("leaders-table", "Pages of the leaders list", values["page"]),
            components.table_panel("leaders-table", summary="The leaders as a table, with downloads of every page",
                                   open=True),
        ], className="dash-section dash-named-rows", **{"aria-labelledby": "leaders-list-heading"}),
    ])


def visible(year, component_id, function_id, agency_id) -> queries.Leaders:
    """The plans the viewer may see, without links (the figure and the counts are drawn from them)."""
    found = queries.leaders(db.session, year, queries.LeaderFilter(component_id, function_id, agency_id))
    return queries.visible_to(db.session, found, common.Scope.of(current_user))


def leaders_for(year, component_id, function_id, agency_id) -> queries.Leaders:
    return queries.leaders_for(db.session, common.Scope.of(current_user), year,
                               queries.LeaderFilter(component_id, function_id, agency_id))


# ----------------------------------------------------------------------------- tables

def levels_table(found: queries.Leaders) -> tables.Table:
    """The chart's bars: plans per decided summary level and per proposed CX rating."""
    total = len(found.plans)
    proposals = found.proposals()
    rows = [{"level": level_label(level), "decided": n, "proposed": proposals.get(level)}  # NO_LEVEL: not a rating
            for level, n in found.levels().items()]
    return tables.Table(
        caption=(f"FY{found.fiscal_year} plans with CX requirements (n = {total:,})" if found.fiscal_year is not None
                 else "Plans with CX requirements (no performance plans yet)")
        + " by decided summary level and by proposed rating of their CX elements (the lowest, where several)",
        columns=[tables.Column("level", "Level", row_header=True),
                 tables.Column("decided", "Plans decided at this summary level", tables.COUNT),
                 tables.Column("proposed", "Plans whose CX elements are proposed at this rating", tables.COUNT)],
        rows=rows if total else [], empty=none_shown(found),
        name=tables.year_named("leader-levels", found.fiscal_year))


def _ratings(elements, rating, *, named: bool) -> str:
    """Each element's rating ("2", or "Results Driven: 2; Leading People: 3" when `named`)."""
    if not elements:
        return "none"
    if not named:
        return "; ".join(rating(e) for e in elements)
    return "; ".join(f"{e.name}: {rating(e)}" for e in elements)


def _rating(value) -> str:
    return "none yet" if value is None else str(value)


def _decided(element) -> str:
    """An element's decision, saying whether it overrode the proposal it answered and whether the rules propose
    otherwise since (the tile counts both: a confirmation whose proposal moved read as an override)."""
    said = _rating(element.decided)
    if element.overridden:
        said += f" (overriding the proposal of {element.answered}"
        return said + (f"; the rules propose {_rating(element.proposed)} now)" if element.moved else ")")
    if element.moved:
        said += f" (the proposal it answered; the rules propose {_rating(element.proposed)} now)"
    return said


def leaders_table(found: queries.Leaders, page: Optional[tables.Page] = None) -> tables.Table:
    """One row per leader (of `page`, or all): proposals and decisions (on OPM's 1-5 scale), the
    elements at risk, the plan's summary."""
    rows = []
    for plan in found.plans:
        lowest = plan.lowest
        summary = plan.summary
        several = len(plan.cx_elements) > 1
        rows.append({
            "leader": f"{plan.leader}, {plan.title}" if plan.title else plan.leader, "href": plan.plan_href,
            "unit": " and ".join(x for x in (plan.component, plan.function) if x),
            "requirements": len(plan.requirements),
            "lowest": _rating(lowest.proposed if lowest else None),
            "why": tables.finding_words(lowest.finding_id) if lowest else None,
            "why_href": lowest.why_href if lowest else None,
            "proposed": _ratings(plan.cx_elements, lambda e: _rating(e.proposed), named=several),
            "decided": _ratings(plan.cx_elements, _decided, named=several),
            "at_risk": _ratings(plan.at_risk, lambda e: f"proposed {e.proposed}", named=True),
            "decisions": f"{plan.decided_count} of {len(plan.elements)}",
            "level": (level_label(summary.level) if summary.level is not None
                      else "no level: the weights break OPM's rules" if plan.decided and plan.weights_broken
                      else "not yet decided"),  # as the levels chart counts it (Leaders.levels)
            "score": summary.score})
    shown = f", leaders {page.start + 1:,} to {page.end:,} of {page.total:,}" if page and page.pages > 1 else ""
    return tables.Table(
        caption=f"Leaders with CX requirements, {_year_of(found)}: proposed and decided ratings (1-5), elements "
                f"at risk and the summary level{shown}; those with an element at risk first, then by their lowest "
                "CX requirement",
        columns=[tables.Column("leader", "Leader (plan)", link="href", row_header=True),
                 tables.Column("unit", "Component or function"),
                 tables.Column("requirements", "CX requirements", tables.COUNT),
                 tables.Column("lowest", "Lowest CX requirement, proposed"),
                 tables.Column("why", "Why", link="why_href"),
                 tables.Column("proposed", "CX element, proposed"), tables.Column("decided", "CX element, decided"),
                 tables.Column("at_risk", "Elements at risk (proposed below 3)"),
                 tables.Column("decisions", "Elements decided"),
                 tables.Column("level", "Summary level"), tables.Column("score", "Summary score", tables.COUNT)],
        rows=rows, empty=none_shown(found, "leader"), name=tables.year_named("leaders", found.fiscal_year))


def _year_of(found: queries.Leaders) -> str:
    """"FY2026", or, before any plan is made, that there is none (it read "FYNone")."""
    return f"FY{found.fiscal_year}" if found.fiscal_year is not None else "no performance plans yet"


# ----------------------------------------------------------------------------- words

def summary(found: queries.Leaders, latest: Optional[str] = None) -> str:
    """The page's sentence; `latest`, the newest quarter with results: of a year none of whose quarters has
    results yet, what its proposals read (as the overview's tile says)."""
    if found.fiscal_year is None:
        return common.NO_PLANS
    total = len(found.plans)
    more = "more " if total else ""  # none shown: they are the plans, not more of them
    hidden = (f" {counted(found.not_shown, more + 'plan')} {'is' if found.not_shown == 1 else 'are'} not shown to "
              "your role: a leader's ratings are shown to who may open the plan.") if found.not_shown else ""
    if not total:
        return f"No FY{found.fiscal_year} plan with a CX requirement for these filters that you may see.{hidden}"
    undecided = counted(len(found.undecided), "plan")
    early = (" " + common.proposals_before_results(found.fiscal_year, latest)
             if latest and parse_period(latest).fiscal_year < found.fiscal_year else "")
    begins = year_begins(found.fiscal_year)  # next year's plans, written early: none decided yet
    early += f" {not_begun_words(found.fiscal_year, begins)}" if begins else ""
    return (f"FY{found.fiscal_year}: {counted(total, 'leader')} with CX requirements; "
            f"{len(found.requirement_below):,} with a CX requirement proposed below 3, {len(found.at_risk):,} of them "
            f"with an element proposed below 3; {undecided} not yet decided.{early}{hidden}")


def settled_early(found: queries.Leaders) -> int:
    """Plans not every element of which is decided, whose summary level is settled already (a critical element
    decided at 1: OPM's level 1): the levels chart counts them at their level, the undecided among the rest."""
    return sum(1 for p in found.undecided if p.level is not None)


def settled_words(settled: int) -> str:
    one = settled == 1
    return (f"{counted(settled, 'plan')} of these {'has its' if one else 'have their'} summary level settled "
            f"already (a critical element decided at 1 is level 1): the levels chart counts {'it' if one else 'them'} "
            "there.")


def tiles(found: queries.Leaders) -> html.Div:
    total = len(found.plans)
    overridden = sum(p.overridden for p in found.plans)
    moved = sum(p.moved for p in found.plans)
    undecided = len(found.undecided)
    settled = settled_early(found)

    def share(n: int) -> str:
        return f"{n:,} of {counted(total, 'plan')} ({n / total:.0%})"
    return html.Div([
        components.tile("Leaders with CX requirements", [
            html.P(f"{total:,}", className="dash-tile__big"),
            html.P(f"in FY{found.fiscal_year} plans", className="dash-tile__sub")], tile_id="leaders-total"),
        components.tile("A CX requirement proposed below 3", [
            html.P(f"{len(found.requirement_below):,}", className="dash-tile__big"),
            html.P(share(len(found.requirement_below)), className="dash-tile__sub")], tile_id="leaders-below",
            footer="As the overview counts them. An element is rated from all its requirements (OPM's rule), "
                   "so not every one puts its element at risk."),
        components.tile("At risk: an element proposed below 3", [
            html.P(f"{len(found.at_risk):,}", className="dash-tile__big"),
            html.P(share(len(found.at_risk)), className="dash-tile__sub")], tile_id="leaders-at-risk"),
        components.tile("Plans not yet decided", [
            html.P(f"{undecided:,}", className="dash-tile__big"),
            html.P(share(undecided), className="dash-tile__sub"),
            *([html.P(settled_words(settled), className="dash-tile__sub")] if settled else [])],
            tile_id="leaders-undecided",
            footer=f"Decisions so far that override the rules' proposal: {counted(overridden, 'element')}."
                   + (f" Proposals changed since their decision: {counted(moved, 'element')} (the decision stands "
                      "until the rating official decides again)." if moved else "")),
    ], className="dash-tiles")


@callback(Output("leaders-graph", "figure"), Output("leaders-levels", "children"),
          Output("leaders-summary", "children"), Output("leaders-tiles", "children"),
          *[Input(p.control, "value") for p in FILTER_PARAMS])
@validation.validated
@cached_answer
def update_leaders(year, component_id, function_id, agency_id):
    found = visible(year, component_id, function_id, agency_id)
    latest = next(iter(common.periods_with_data(db.session)), None)
    return (levels_figure(found), components.data_table(levels_table(found)), summary(found, latest),
            tiles(found) if found.plans else None)


@callback(Output("leaders-table", "children"), Output("leaders-table-page", "data"),
          Output("leaders-table-range", "children"), Output("leaders-table-prev", "aria-disabled"),
          Output("leaders-table-next", "aria-disabled"),
          Input("leaders-table-page", "data"), Input("leaders-table-prev", "n_clicks"),
          Input("leaders-table-next", "n_clicks"), *[Input(p.control, "value") for p in FILTER_PARAMS])
@validation.validated
@cached_answer
def update_leaders_list(page, _previous, _next, year, component_id, function_id, agency_id):
    """A page of the list (the one asked for, within the list), its range and the pager's state; the
    links are added for that page only. A page past the last (an address's) shows the last and says so,
    keeping the page asked in the address; Previous and Next go on from the last."""
    found = visible(year, component_id, function_id, agency_id)
    last = tables.page_of(len(found.plans), page, PAGE_SIZE).pages
    shown = tables.page_of(len(found.plans), components.page_wanted("leaders-table", min(page, last)), PAGE_SIZE)
    past = page > last and dash.ctx.triggered_id not in ("leaders-table-prev", "leaders-table-next")
    linked = queries.with_links(replace(found, plans=found.plans[shown.start:shown.end]))
    asked = f"{page:,}" if page < validation.MAX_PAGE else f"{validation.MAX_PAGE:,} or beyond"  # read at most that
    words = shown.words("leaders") + (f" There is no page {asked}: this is the last." if past else "")
    return (components.data_table(leaders_table(linked, shown)),
            str(shown.number) if shown.number != page and not past else dash.no_update, words,
            *components.pager_ends(shown))


components.register_downloads("leaders-levels", lambda *values: levels_table(leaders_for(*values)), FILTERS)
components.register_downloads("leaders-table", lambda *values: leaders_table(leaders_for(*values)), FILTERS)
