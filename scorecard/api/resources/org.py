"""Agencies, components, programs (with life experiences), functions and metrics."""
import sqlalchemy as sa
import sqlalchemy.orm as so

from scorecard.api import schemas as s
from scorecard.api.base import Blueprint, get_or_404, page
from scorecard.extensions import db
from scorecard.models import Agency, Component, Function, LifeExperience, Metric, Program

blp = Blueprint("api_org", __name__, description="Agencies, components, programs, functions and metrics.")


@blp.route("/agencies")
@blp.arguments(s.AgencyArgs, location="query")
@blp.response(200, s.page_of(s.AgencySchema))
def agencies(args):
    """Agencies, by id."""
    query = sa.select(Agency).order_by(Agency.id)
    if args.get("code"):
        query = query.where(sa.func.upper(Agency.code) == args["code"].strip().upper())  # any case, as the others
    return page(db.session, query, args)


@blp.route("/agencies/<int(max=2147483647):agency_id>")
@blp.response(200, s.AgencySchema)
def agency(agency_id):
    """One agency."""
    return get_or_404(db.session, Agency, agency_id, "agency")


@blp.route("/components")
@blp.arguments(s.ComponentArgs, location="query")
@blp.response(200, s.page_of(s.ComponentSchema))
def components(args):
    """Components (bureaus, operating divisions; HISPs flagged), by id."""
    query = sa.select(Component).order_by(Component.id)
    if args.get("agency_id"):
        query = query.where(Component.agency_id == args["agency_id"])
    if "is_hisp" in args:
        query = query.where(Component.is_hisp.is_(args["is_hisp"]))
    return page(db.session, query, args, options=[so.joinedload(Component.agency)])


@blp.route("/components/<int(max=2147483647):component_id>")
@blp.response(200, s.ComponentSchema)
def component(component_id):
    """One component."""
    return get_or_404(db.session, Component, component_id, "component")


@blp.route("/programs")
@blp.arguments(s.ProgramArgs, location="query")
@blp.response(200, s.page_of(s.ProgramSchema))
def programs(args):
    """Programs (services the public uses) with their life experiences, by id."""
    query = sa.select(Program).join(Component, Component.id == Program.component_id).order_by(Program.id)
    if args.get("agency_id"):
        query = query.where(Component.agency_id == args["agency_id"])
    if args.get("component_id"):
        query = query.where(Program.component_id == args["component_id"])
    if args.get("life_experience"):
        query = query.where(Program.life_experiences.any(
            sa.func.lower(LifeExperience.name) == " ".join(args["life_experience"].split()).lower()))
    return page(db.session, query, args, options=[
        so.joinedload(Program.component).joinedload(Component.agency), so.selectinload(Program.life_experiences)])


@blp.route("/programs/<int(max=2147483647):program_id>")
@blp.response(200, s.ProgramSchema)
def program(program_id):
    """One program."""
    return get_or_404(db.session, Program, program_id, "program")


@blp.route("/functions")
@blp.arguments(s.PageArgs, location="query")
@blp.response(200, s.page_of(s.FunctionSchema))
def functions(args):
    """C-suite functions (CFO, CIO, CHCO, GC ...), by id."""
    return page(db.session, sa.select(Function).order_by(Function.id), args)


@blp.route("/functions/<int(max=2147483647):function_id>")
@blp.response(200, s.FunctionSchema)
def function(function_id):
    """One function."""
    return get_or_404(db.session, Function, function_id, "function")


@blp.route("/metrics")
@blp.arguments(s.MetricArgs, location="query")
@blp.response(200, s.page_of(s.MetricSchema))
def metrics(args):
    """Metric definitions with their A-11 driver, by id."""
    query = sa.select(Metric).order_by(Metric.id)
    if args.get("driver"):
        query = query.where(Metric.driver == args["driver"])
    if args.get("kind"):
        query = query.where(Metric.kind == args["kind"])
    return page(db.session, query, args)


@blp.route("/metrics/<int(max=2147483647):metric_id>")
@blp.response(200, s.MetricSchema)
def metric(metric_id):
    """One metric."""
    return get_or_404(db.session, Metric, metric_id, "metric")
