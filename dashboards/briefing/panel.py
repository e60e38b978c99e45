"""The briefing buttons of a dashboard page: "Download briefing (PDF)" and "(Excel)" start a job
(jobs.start) for the page's current filters; a poll (dcc.Interval, every half second while a job
runs) shows its stage and a progress bar in a live region, then sends the file once and leaves
a link to download it again (the Flask route, which checks the user too). The tab keeps the job's id,
so that the page opened again in it (reloaded, or come back to) shows the briefing's progress or link.

    briefing.panel("overview-briefing", Scope.of(current_user))     # in the layout
    briefing.register("overview-briefing", State("overview-period", "value"),
                      State("overview-agency", "value"))           # at import

Each briefing is said to be of its quarter and agency, and, when the page's filters are chosen again
(the two states are read as inputs too), whether it is still of them. The two states must already be
registered with `validation` (the page's UrlState does it); the panel's own inputs are registered here.
"""
import hashlib
import json
from typing import Optional

import dash
from dash import Input, Output, State, dcc, html
from flask import current_app, request
from flask_login import current_user
from plotly.utils import PlotlyJSONEncoder

from dashboards import URL_BASE, validation
from dashboards.briefing import jobs
from dashboards.queries import common
from dashboards.queries.common import Scope
from dashboards.queries.overview import LEADERS_BELOW
from scorecard.clock import agency_today, in_zone, zone_name
from scorecard.config import site_base_url
from scorecard.extensions import db
from scorecard.permissions import can
from scorecard.text import listed

POLL_MS = 500


def contents(scope: Scope) -> str:
    """What the briefing holds for `scope`, in words: its leaders with CX requirements proposed below 3
    only for the roles that see performance plans (the others' says so, and is not offered)."""
    parts = ["the tiles", "what changed", "red programs with their reasons", "overdue commitments"]
    if can(scope, "view_plans"):
        return listed([*parts, LEADERS_BELOW[0].lower() + LEADERS_BELOW[1:]])
    return f"{listed(parts)} (performance plans are not shown to your role)"


def panel(prefix: str, scope: Scope) -> html.Section:
    heading = f"{prefix}-heading"
    return html.Section([
        html.H2("Briefing", id=heading),
        html.P(f"The quarter and agency chosen above, as a PDF to read or an Excel workbook to work from: "
               f"{contents(scope)}.", className="dash-tile__sub"),
        html.Div([
            html.Button("Download briefing (PDF)", id=f"{prefix}-pdf", n_clicks=0, type="button",
                        className="usa-button usa-button--outline usa-button--small"),
            html.Button("Download briefing (Excel)", id=f"{prefix}-xlsx", n_clicks=0, type="button",
                        className="usa-button usa-button--outline usa-button--small"),
        ], className="dash-downloads"),
        html.Div(id=f"{prefix}-status", role="status", **{"aria-live": "polite"}),
        html.P(id=f"{prefix}-refused", className="usa-error-message", role="alert"),  # apart: the poll writes status
        # Kept in the tab (sessionStorage): a page reloaded while its briefing is written, or after, shows it again.
        dcc.Store(id=f"{prefix}-job", storage_type="session"),
        dcc.Store(id=f"{prefix}-shown"),  # what the status shows (`unrepeated`), for as long as the page is open
        dcc.Interval(id=f"{prefix}-poll", interval=POLL_MS, disabled=True, n_intervals=0),
        dcc.Download(id=f"{prefix}-download"),
    ], className="dash-section", id=prefix, **{"aria-labelledby": heading})


def download_url(job_id: str) -> str:
    return f"{URL_BASE}briefings/{job_id}"


def covers(period: Optional[str], agency_id: Optional[int]) -> str:
    """The quarter and agency a briefing is of, in words: "FY2026-Q2, all agencies"."""
    agency = "all agencies" if agency_id is None else dict(common.agencies(db.session)).get(
        agency_id, f"the agency with the id {agency_id}")
    return f"{period or 'no quarter with data'}, {agency}"


def chosen(period: Optional[str], agency_id: Optional[int]) -> tuple:
    """The page's filters as a briefing is started for them: no quarter chosen is the quarter the dashboards
    open on (a job keeps the quarter it was of, whatever data comes after)."""
    return period or common.chosen_period(db.session, None), agency_id


def of_job(found: dict) -> tuple:
    """The quarter and agency a job's briefing is of (`chosen`'s)."""
    return chosen(found.get("period"), found.get("agency_id"))


def elsewhere(found: dict, shown: tuple) -> str:
    """What the panel adds when its briefing is not of the filters the page now shows (`shown`, `chosen`'s): the
    link stayed under "the quarter and agency chosen above", and the wrong quarter went to the meeting."""
    if of_job(found) == shown:
        return ""
    return (f" It is not of the quarter and agency chosen now ({covers(*shown)}): start a new one with the buttons "
            "above for those.")


def progress_view(prefix: str, found: dict, shown: tuple) -> html.Div:
    percent = int(found.get("percent", 0))
    return html.Div([
        html.Label(f"Preparing the {jobs.FORMATS[found['fmt']][1]} briefing of {covers(*of_job(found))}: "
                   f"{found.get('stage', '')}",
                   htmlFor=f"{prefix}-progress", className="dash-tile__sub"),
        html.Progress(id=f"{prefix}-progress", value=str(percent), max="100"),
        html.Span(f" {percent}%"),
        html.P(elsewhere(found, shown).strip(), className="dash-tile__sub") if elsewhere(found, shown) else None,
    ])


def ready_view(job_id: str, found: dict, shown: tuple) -> html.P:
    """The link to download the briefing again, what it is of, and until when it is kept (and, when the page's
    filters have changed since, that it is not of them). A plain link (the route sends the file as an
    attachment): one followed after the briefing was removed opens a page saying so, where a `download` link
    failed silently in the browser's downloads."""
    kb = max(1, round(found.get("size", 0) / 1024))
    until = in_zone(found["kept_until"])
    return html.P([f"Your briefing of {covers(*of_job(found))} is ready. ",
                   html.A(f"Download {found['name']} ({jobs.FORMATS[found['fmt']][1]}, {kb:,} KB)",
                          href=download_url(job_id), className="usa-link"),
                   f". It is kept for you until {until:%d %B %Y, %H:%M} {zone_name(until)}.{elsewhere(found, shown)}"])


def unoffered(period, agency_id) -> Optional[str]:
    """Why a briefing of these filters is not started (a quarter without survey results, an agency that
    is not there: a stale or hand-made request), or None. An agency not there read as all agencies in
    the briefing's title, over no programs."""
    if period is not None and period not in common.periods_with_data(db.session):
        return f"No briefing was started: {period} has no survey results. Choose a quarter the page offers."
    if agency_id is not None and agency_id not in dict(common.agencies(db.session)):
        return f"No briefing was started: there is no agency with the id {agency_id}. Choose one the page offers."
    return None


def queued_view(prefix: str, fmt: str, shown: tuple) -> html.Div:
    period, agency_id = shown
    return progress_view(prefix, {"fmt": fmt, "stage": "Queued", "percent": 0, "period": period,
                                  "agency_id": agency_id}, shown)


def not_a_second(fmt: str, which: str) -> str:
    """Why no second briefing was started: the panel follows one, and a second start would leave it unsent."""
    return (f"No second briefing was started: the {jobs.FORMATS[fmt][1]} briefing {which} being prepared. "
            "Start another once it is ready.")


def still_writing(job_id) -> Optional[str]:
    """Why another briefing is not started while the panel's is being written, or None."""
    found = jobs.state(current_app, db.session, job_id, current_user.id) if job_id else None
    if found is None or found["status"] in (jobs.DONE, jobs.FAILED):
        return None
    return not_a_second(found["fmt"], "is still")


def start_job(fmt: str, period, agency_id) -> str:
    """Queue the signed-in user's briefing of the page's filters (`chosen`'s); its job id."""
    job_id, _ = jobs.start(current_app._get_current_object(), jobs.Request(
        owner_id=current_user.id, owner=getattr(current_user, "email", "") or "", scope=Scope.of(current_user),
        period=period, agency_id=agency_id, fmt=fmt, today=agency_today(), base_url=site_address()))
    return job_id


def site_address() -> str:
    """Where the briefing's links lead: SCORECARD_BASE_URL, the address people open the site at (the one the
    reminders' links use), else the address this request came to (its Host header)."""
    configured = site_base_url(current_app.config)
    return configured + "/" if configured else request.host_url


def poll(prefix: str, job_id, shown: tuple):
    """(status, poll disabled, download) for the job as the signed-in user sees it, beside the page's filters
    (`shown`, `chosen`'s)."""
    found = jobs.state(current_app, db.session, job_id, current_user.id) if job_id else None
    if found is None:
        return html.P("That briefing is not available: start a new one.", className="dash-empty"), True, dash.no_update
    if found["status"] == jobs.FAILED:
        return html.P(found.get("message", "The briefing failed."), className="usa-error-message"), True, dash.no_update
    if found["status"] != jobs.DONE:
        return progress_view(prefix, found, shown), False, dash.no_update
    send = dash.no_update
    if jobs.claim_delivery(db.session, job_id):
        found_file = jobs.file_for(current_app, db.session, job_id, current_user.id)
        if found_file is not None:
            data, name, mimetype = found_file
            send = dcc.send_bytes(data, filename=name, type=mimetype)
    return ready_view(job_id, found, shown), True, send


def resumed(job_id):
    """The briefing callback's outputs for the tab's job as the page opens (or as a start keeps it): its poll
    started again, so that its next tick shows its progress, failure or link; a job the user can no longer
    reach (removed, past its time, another's, or no id at all: "") is forgotten without a word, as nothing was
    asked."""
    unchanged = dash.no_update
    if job_id is None:
        return unchanged, unchanged, unchanged, unchanged, unchanged
    if jobs.state(current_app, db.session, job_id, current_user.id) is None:
        return None, True, unchanged, unchanged, unchanged
    return unchanged, False, unchanged, unchanged, unchanged


def unrepeated(outputs: tuple, written: Optional[str]) -> tuple:
    """The briefing callback's outputs with the status left as it is when it would show what it shows already
    (`written`, a digest of it), and the digest of what it shows next: the status is a live region, and the poll,
    every half second, wrote the same words anew, which a screen reader may read out again each time."""
    status = outputs[2]
    if status is dash.no_update or status is None:
        return (*outputs, dash.no_update)
    digest = hashlib.sha256(json.dumps(status, cls=PlotlyJSONEncoder, sort_keys=True).encode()).hexdigest()[:32]
    if digest == written:
        return (*outputs[:2], dash.no_update, *outputs[3:], dash.no_update)
    return (*outputs, digest)


def register(prefix: str, period: State, agency: State) -> None:
    """Register the panel's callbacks (and their inputs with the validation registry)."""
    for control in ("pdf", "xlsx"):
        validation.register(f"{prefix}-{control}", "n_clicks", validation.clicks)
    validation.register(f"{prefix}-poll", "n_intervals", validation.clicks)
    validation.register(f"{prefix}-job", "data", validation.kept_token)
    validation.register(f"{prefix}-job", "modified_timestamp", validation.timestamp)
    validation.register(f"{prefix}-shown", "data", validation.kept_token)

    # The filters are inputs too: chosen again, the panel says whether its briefing is still of them.
    filters = [Input(state.component_id, state.component_property) for state in (period, agency)]

    @dash.callback(Output(f"{prefix}-job", "data"), Output(f"{prefix}-poll", "disabled"),
                   Output(f"{prefix}-status", "children"), Output(f"{prefix}-download", "data"),
                   Output(f"{prefix}-refused", "children"), Output(f"{prefix}-shown", "data"),
                   Input(f"{prefix}-pdf", "n_clicks"), Input(f"{prefix}-xlsx", "n_clicks"),
                   Input(f"{prefix}-poll", "n_intervals"), Input(f"{prefix}-job", "modified_timestamp"),
                   *filters, State(f"{prefix}-job", "data"), State(f"{prefix}-shown", "data"),
                   prevent_initial_call=True)
    @validation.validated
    def briefing(pdf_clicks, xlsx_clicks, _ticks, _kept_at, period_value, agency_id, job_id, written):
        """A button starts a job; each tick of the poll reports on it; the tab's job, read back when the page
        is opened again or its filters are chosen again, is polled again (or forgotten, when it is gone). The
        status is written only when what it says changes (`unrepeated`)."""
        return unrepeated(answer(pdf_clicks, xlsx_clicks, period_value, agency_id, job_id), written or None)

    def answer(pdf_clicks, xlsx_clicks, period_value, agency_id, job_id) -> tuple:
        pressed = dash.ctx.triggered_id
        if pressed in (f"{prefix}-job", period.component_id, agency.component_id):
            return resumed(job_id)
        shown = chosen(period_value, agency_id)
        if pressed in (f"{prefix}-pdf", f"{prefix}-xlsx") and (pdf_clicks or xlsx_clicks):
            fmt = "xlsx" if pressed == f"{prefix}-xlsx" else "pdf"
            refused = unoffered(period_value, agency_id) or still_writing(job_id)
            if refused:
                return dash.no_update, dash.no_update, dash.no_update, dash.no_update, refused
            try:
                job_id = start_job(fmt, *shown)
            except jobs.TooMany as refused:  # the briefing shown (if any) keeps being polled
                return dash.no_update, dash.no_update, dash.no_update, dash.no_update, str(refused)
            except jobs.JustStarted as just:  # follow that one: this page may never have heard of it
                return (just.job_id, False, queued_view(prefix, just.fmt, shown), dash.no_update,
                        not_a_second(just.fmt, "started a moment ago is"))
            return job_id, False, queued_view(prefix, fmt, shown), dash.no_update, None
        if pressed == f"{prefix}-poll":
            status, done, send = poll(prefix, job_id, shown)
            # A refusal stays while the briefing shown is written, and goes with it (ready, or failed).
            return dash.no_update, done, status, send, None if done else dash.no_update
        return dash.no_update, dash.no_update, dash.no_update, dash.no_update, dash.no_update
