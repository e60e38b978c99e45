"""C-suite functions: one row per function (CFO, CIO, CHCO, GC, CDO, CAO, CXO, PIO) with its
commitments by status, how many are overdue or not updated lately, its own metrics against their
targets and the CX rating the rules propose for its head; each function leads to its page.

Nothing to filter: the page is drawn with its layout, and its tables' downloads recompute what
the tables show."""

import dash
from dash import dcc, html
from flask import current_app
from flask_login import current_user

from dashboards import components, links, tables
from dashboards.figures.functions import VALUE_COLUMNS, commitments_figure, rating_words
from dashboards.figures.heatmap import ORDER
from dashboards.queries import common
from dashboards.queries import functions as queries
from dashboards.queries.functions import STATUS_WORDS, STATUSES
from dashboards.urlstate import UrlState
from scorecard.clock import agency_today
from scorecard.extensions import db
from scorecard.scoring import RED
from scorecard.text import counted

dash.register_page(__name__, path="/functions", name="C-suite functions", title="C-suite functions · CX Scorecard",
                   order=4)

url = UrlState("/functions", [])
url.register()


def functions_now() -> queries.Functions:
    config = current_app.config
    return queries.functions_for(db.session, common.Scope.of(current_user), agency_today(),
                                 stale_days=config.get("REMIND_STALE_DAYS", 30), min_n=config["SURVEY_MIN_N"])


def functions_table(found: queries.Functions) -> tables.Table:
    """One row per function: the numbers in the chart, overdue and quiet commitments, its own
    metrics and its head's proposed rating."""
    rows = []
    for row in found.rows:
        head = row.head
        line = {"function": row.code, "name": row.name, "href": links.function(row.code),
                **{status: row.counts.get(status, 0) for status in STATUSES},
                "total": row.total, "overdue": row.overdue, "stale": row.stale,
                "metrics": metric_words(row),
                "head": None, "rating": None}
        if head is not None:
            line.update(head=head.leader, head_href=head.plan_href, rating=rating_words(head.proposed, head.shown),
                        rating_href=head.why_href)
        rows.append(line)
    year = f"FY{found.fiscal_year}" if found.fiscal_year else "no plans yet"
    return tables.Table(
        caption=f"C-suite functions: commitments by status, overdue, not updated in {found.stale_days} days, own "
                f"metrics against their targets, and the head's proposed CX rating ({year}), as of "
                f"{found.today.isoformat()}",
        # who is behind first (overdue, quiet): at a desktop's width the last columns scroll out of view
        columns=[tables.Column("function", "Function", link="href", row_header=True),
                 tables.Column("name", "Name"),
                 tables.Column("overdue", "Overdue", tables.COUNT),
                 tables.Column("stale", f"Not updated in {found.stale_days} days", tables.COUNT),
                 *[tables.Column(status, STATUS_WORDS[status], tables.COUNT) for status in STATUSES],
                 tables.Column("total", "All commitments", tables.COUNT),
                 tables.Column("metrics", "Own metrics"),
                 tables.Column("head", "Head (plan)", link="head_href"),
                 tables.Column("rating", "Head's proposed CX rating", link="rating_href")],
        rows=rows, name=f"functions-{found.today.isoformat()}")


def metric_words(row: queries.FunctionSummary) -> str:
    """Its own metrics by status, worst first: "1 reported: 1 red" ("0 of 1 green" hid that it was red)."""
    if not row.metrics_reported:
        return "none reported"
    statuses = row.metric_statuses
    return f"{row.metrics_reported:,} reported: " + ", ".join(
        f"{statuses[status]:,} {tables.status_word(status)}" for status in ORDER if statuses[status])


def metrics_table(found: queries.Functions) -> tables.Table:
    """Each function's own metrics in their latest quarter against the year's target."""
    rows = []
    for row in found.rows:
        for metric in row.metrics:
            latest = metric.latest
            rows.append({"function": row.code, "href": links.function(row.code),
                         "metric": metric.name, "better": "lower" if metric.lower_is_better else "higher",
                         "period": latest.period, "value": latest.value, "target": latest.target,
                         "unit": metric.unit or "", "n": latest.n, "status": latest.status})
    return tables.Table(
        caption="Each function's own metrics in their latest quarter, against the fiscal year's target",
        columns=[tables.Column("function", "Function", link="href", row_header=True),
                 tables.Column("metric", "Metric"), tables.Column("better", "Better when"),
                 tables.Column("period", "Quarter"), *VALUE_COLUMNS, tables.Column("n", "n", tables.COUNT),
                 tables.Column("status", "Status", tables.STATUS)],
        rows=rows, empty="No function reports a metric of its own yet.",
        name=f"function-metrics-{found.today.isoformat()}")


def summary(found: queries.Functions) -> str:
    total = sum(row.total for row in found.rows)
    if not found.rows:
        return "No C-suite function is set up yet."
    behind = [row.code for row in found.rows if row.counts.get("off_track") or row.counts.get("at_risk") or row.overdue]
    red = [row.code for row in found.rows if any(m.latest and m.latest.status == RED for m in row.metrics)]
    late = sum(row.overdue for row in found.rows)
    text = (f"{counted(len(found.rows), 'function')}, {counted(total, 'commitment')}, {late:,} overdue as of "
            f"{found.today.isoformat()}. ")
    text += (f"Functions with a commitment off track, at risk or overdue: {', '.join(behind)}." if behind
             else "No function has a commitment off track, at risk or overdue.")
    text += (f" Functions whose own latest metric is red: {', '.join(red)}." if red
             else " No function's own latest metric is red.")
    return text


def layout(**query):
    found = functions_now()
    return html.Div([
        components.page_heading(
            "C-suite functions",
            lede="Each C-suite function's CX commitments by status, those overdue or not updated lately, the "
                 "function's own metrics against their targets, and the CX rating the rules propose for its head "
                 "(from the function's commitments and metrics). Select a function to see its commitments."),
        url.location(query),  # no settings: a key in the address is said to be left out
        html.P(summary(found), className="dash-lede", role="status", id="functions-summary"),
        components.chart(dcc.Graph(id="functions-graph", figure=commitments_figure(found),
                                   config=components.GRAPH_CONFIG, className="dash-graph"), "commitments by function"),
        components.table_panel("functions-table", summary="The functions as a table, with downloads", open=True,
                               children=components.data_table(functions_table(found))),
        html.Section([
            html.H2("Each function's own metrics", id="functions-metrics-heading"),
            html.P("Metrics whose subject is the function itself (not a program), pooled over its observations in "
                   "the latest quarter reported, against the function's target for that fiscal year (else the "
                   "agency's).", className="dash-tile__sub"),
            components.table_panel("functions-metrics", summary="The functions' metrics as a table, with downloads",
                                   open=True, children=components.data_table(metrics_table(found))),
        ], className="dash-section", **{"aria-labelledby": "functions-metrics-heading"}),
    ])


components.register_downloads("functions-table", lambda: functions_table(functions_now()), [])
components.register_downloads("functions-metrics", lambda: metrics_table(functions_now()), [])
