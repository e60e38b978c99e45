"""Reference layouts: commitments, org structure, metric definitions, leaders, performance plans,
capacity assessments and targets. Each is data — columns with synonyms, how it is recognised, its
natural key and a marshmallow row schema; names are resolved against the database by its sink."""
import difflib
import re
from typing import Optional

from importers.formats.base import Column, Format, RowProblems
from importers.formats.row_schema import Cell, RowSchema, load_row
from importers.normalize import refuse_look_alikes, to_bool, to_date, to_number, to_text, value_mark
from scorecard.auth.services import email_problem
from scorecard.capacity.services import NARRATIVE_MAX, evidence_links
from scorecard.commitments.services import MAX_TEXT_LENGTH, STATUS_LABELS, TypedLinks, link_problem
from scorecard.evidence import split_links
from scorecard.models import (
    CAPACITY_DOMAINS,
    CommitmentStatus,
    Direction,
    Driver,
    MetricKind,
    RatingMethod,
    ScopeType,
)
from scorecard.periods import read_planned_year

# ------------------------------------------------------------------------------ converters

_NAME_SPLIT = re.compile(r"\s*[;\n]\s*")
_CHOICE = re.compile(r"[\W_]+")


def text(limit: Optional[int] = None):
    """Trimmed text no longer than `limit` characters (the column's size in the database), as to_text
    reads it (the apostrophe an export put before a formula-like text taken off)."""
    def convert(raw):
        value = to_text(raw)
        if value is not None and limit is not None and len(value) > limit:
            raise ValueError(f"the text is {len(value):,} characters long; at most {limit:,} fit")
        return value
    return convert


def org_name(limit: int):
    """An organisation's name (an agency, component or program) as `text` reads it, refusing one with
    a letter of another alphabet among Latin ones (normalize.refuse_look_alikes): it would stand
    as a second organisation that looks like the first."""
    read = text(limit)

    def convert(raw):
        value = read(raw)
        if value:
            refuse_look_alikes(value)
        return value
    return convert


def to_fiscal_year(raw):
    """A fiscal year written FY2025, FY 2025, FY25, 2025 or 2025.0, within the years the product plans for, read
    as every way in reads one (periods.read_planned_year)."""
    value = to_text(raw)
    return None if value is None else read_planned_year(value)


def choice(enum, noun: str, aliases: dict | None = None, words: dict | None = None):
    """One member of `enum`, read case- and spacing-insensitively ("At risk", "at-risk", "AT_RISK"); a refusal
    lists the members as `words` names them (the web form's, where it has its own), else by their codes."""
    aliases = aliases or {}

    def convert(raw):
        value = to_text(raw)
        if value is None:
            return None
        key = _CHOICE.sub("_", value.casefold()).strip("_")
        key = aliases.get(key, key)
        try:
            return enum(key)
        except ValueError:
            raise ValueError(f"{value!r} is not a {noun}; use one of "
                             f"{', '.join((words or {}).get(m, m.value) for m in enum)}") from None
    return convert


def _domain_key(value: str) -> str:
    text = value.casefold().replace("&", " and ").replace("organisation", "organization")
    return " ".join(_CHOICE.sub(" ", text).split())


_DOMAINS = {_domain_key(d): d for d in CAPACITY_DOMAINS}


def to_domain(raw):
    """One of the capacity-assessment domains, however it is spaced, cased or spelled with & / and."""
    value = to_text(raw)
    if value is None:
        return None
    try:
        return _DOMAINS[_domain_key(value)]
    except KeyError:
        close = difflib.get_close_matches(_domain_key(value), list(_DOMAINS), n=1, cutoff=0.6)
        hint = f" (did you mean {_DOMAINS[close[0]]!r}?)" if close else ""
        raise ValueError(f"{value!r} is not a capacity-assessment domain{hint}; the domains are "
                         f"{'; '.join(CAPACITY_DOMAINS)}") from None


def to_email(raw):
    """An e-mail address as a sign-in takes it (scorecard.auth.services.email_problem), lower-cased: a
    leader's address is how the leader's own sign-in finds their plan, and "mailto:a@b.gov" was kept as
    another leader's."""
    value = to_text(raw)
    if value is None:
        return None
    problem = email_problem(value)
    if problem:
        raise ValueError(problem)
    return value.casefold()


NAME_MAX = 300  # the longest name a list may hold (a program's; a life experience's is 200)


def to_names(raw, limit: int = NAME_MAX):
    """Several names in one cell, separated by semicolons or line breaks, each at most `limit`
    characters; None when blank."""
    value = to_text(raw)
    if value is None:
        return None
    names = [n for n in _NAME_SPLIT.split(value) if n]
    long = next((n for n in names if len(n) > limit), None)
    if long is not None:
        raise ValueError(f"the name {long[:40]!r}... is {len(long):,} characters long; at most {limit:,} fit")
    return tuple(dict.fromkeys(names)) or None


NONE = "(none)"  # removes what a blank cell keeps (a program's life experiences); "none" reads as blank


def to_experience_names(raw):
    """Life experiences' names (at most 200 characters each, as LifeExperience.name holds); "(none)" for
    none, () (a blank cell is None: it keeps a program's)."""
    names = to_names(raw, 200)
    if names is None:
        return None
    if NONE in (n.casefold() for n in names):
        if any(n.casefold() != NONE for n in names):
            raise ValueError(f"{NONE} removes a program's life experiences; it is not listed with life experiences")
        return ()
    return tuple(n for n in names if to_text(n) is not None) or None  # "none;" is blank, not a life experience


def to_links(raw):
    """Evidence links: web addresses separated by spaces, semicolons or line breaks, each checked by
    the domain's rule for evidence links (the web form's: http or https, naming a site) as the cell is
    read, so the file's every problem is named at once. Spaces and invisible characters in a link are
    refused by the commitments sink only where the links change, as on the web: a link stored before
    that rule comes back unchanged."""
    value = to_text(raw)
    if value is None:
        return None
    links = TypedLinks(dict.fromkeys(split_links(value)))
    problem = link_problem(links, characters=False)
    if problem:
        raise ValueError(problem)
    return links


def to_row_number(noun: str):
    """A whole number from 1 up (a commitment's id or version as an export wrote it: 12, 12.0, "12")."""
    def convert(raw):
        value = to_number(raw)
        if value is None:
            return None
        if not value.is_integer() or value < 1 or value > 2**31 - 1:
            given = str(raw).strip()  # as typed: 99999999999999999999 read "1e+20"
            shown = given if len(given) <= 30 else f"{given[:30]}..."
            raise ValueError(f"{shown} is not a {noun} (a whole number from 1 to {2**31 - 1:,})")
        return int(value)
    return convert


def to_weight(raw):
    """An element weight in percent, 0-100: "20", "20%", a cell formatted as 20% (the reader hands it on as
    "20%"), or a fraction such as 0.2 (the plans sink scales a plan whose fractions add up to 1)."""
    value = to_number(raw)
    if value is not None and not 0 <= value <= 100:
        raise ValueError(f"the weight {value:g} is outside 0-100")
    return value


COMMITMENT_STATUS = choice(CommitmentStatus, "commitment status", {"not_yet_started": "not_started",
                                                                    "completed": "complete", "done": "complete"},
                           words=STATUS_LABELS)
METRIC_KIND = choice(MetricKind, "metric kind", {
    "survey": "likert", "likert_1_5": "likert", "likert_scale": "likert", "percentage": "percent", "pct": "percent",
    "number": "count", "time": "duration", "days": "duration", "dollars": "currency", "money": "currency"})
DIRECTION = choice(Direction, "direction (higher or lower is better)", {
    "higher_is_better": "higher", "up": "higher", "high": "higher", "lower_is_better": "lower", "down": "lower",
    "low": "lower"})
DRIVER = choice(Driver, "A-11 driver", {"trust_confidence": "trust", "effectiveness_quality": "effectiveness",
                                        "ease_simplicity": "ease", "efficiency_speed": "efficiency",
                                        "transparency_equity": "transparency", "employee_helpfulness": "employee"})
SCOPE_TYPE = choice(ScopeType, "scope type")


def _records(schema, required):
    def records(row: dict, options: dict) -> list[dict]:
        return [load_row(schema, row, required)]
    return records


def _required(columns) -> tuple:
    return tuple(c.name for c in columns if c.required)


# ---------------------------------------------------------------------------- commitments

COMMITMENT_COLUMNS = (
    Column("id", ("commitment id", "commitment number"),
           help="The commitment's number, as a download of commitments gives it: the row updates that "
                "commitment (its title may then change). Blank: the function and title name it, or a new one."),
    Column("function", ("c suite function", "csuite function", "function code", "owner function", "office"),
           required=True, help="The C-suite function that owns the commitment (CFO, CIO, CHCO, GC, ...)."),
    Column("title", ("commitment", "commitment title", "commitment name"), required=True,
           help="The commitment, as the function states it; with the function it names the commitment."),
    Column("description", ("details", "commitment description")),
    Column("status", ("commitment status", "current status"),
           help="Not started, On track, At risk, Off track, Complete or Dropped, as the web form words them (the "
                "codes, not_started ..., are read too; blank: Not started when new)."),
    Column("reason", ("status reason", "reason for status", "explanation", "why"),
           help="Required when the status is At risk or Off track, and a new one when the due date moves."),
    Column("next_step", ("next steps", "next action")),
    Column("due_date", ("due", "due on", "deadline", "target date", "completion date"), help="A date."),
    Column("leader", ("owner", "responsible leader", "accountable leader", "leader email", "leader name"),
           help="The named leader, by e-mail (theirs, or the one they sign in with) or name (optional)."),
    Column("component", ("bureau", "operating division", "component name")),
    Column("programs", ("program", "related programs", "services", "program names"),
           help="Programs the commitment serves, separated by semicolons."),
    Column("metrics", ("linked metrics", "related metrics", "metric codes"),
           help="Metric codes the commitment moves, separated by semicolons."),
    Column("capacity_domain", ("domain", "capacity domain", "assessment domain"),
           help="For a capacity-assessment action item: " + "; ".join(CAPACITY_DOMAINS) + "."),
    Column("evidence_links", ("evidence", "evidence link", "evidence links", "links"),
           help="Web links (http:// or https://), separated by spaces, semicolons or line breaks."),
    Column("note", ("update note", "comment", "comments"), help="Kept in the commitment's update history."),
    Column("version", ("downloaded version", "version downloaded"),
           help="The commitment's version when it was downloaded (leave it as it is). When the commitment "
                "changed since, the row is a conflict: it is shown beside the current values and not written."),
)


def _exported_names(raw):
    return to_names(text()(raw))


class CommitmentRow(RowSchema):
    id = Cell(to_row_number("commitment id"))
    function = Cell(text(16))
    title = Cell(text(300))
    description = Cell(text(MAX_TEXT_LENGTH))
    status = Cell(COMMITMENT_STATUS)
    reason = Cell(text(MAX_TEXT_LENGTH))
    next_step = Cell(text(MAX_TEXT_LENGTH))
    due_date = Cell(to_date)
    leader = Cell(text(254))
    component = Cell(text(200))
    programs = Cell(_exported_names)
    metrics = Cell(_exported_names)
    capacity_domain = Cell(to_domain)
    evidence_links = Cell(to_links)
    note = Cell(text(MAX_TEXT_LENGTH))  # as the web form and the API: the history note too
    version = Cell(to_row_number("version"))


COMMITMENTS = Format(
    name="commitments",
    title="Commitments (C-suite, bulk create and update)",
    sink="commitments",
    columns=COMMITMENT_COLUMNS,
    signature=("function", "title"),
    any_of=(("status", "due_date", "reason", "description"),),
    key=("function", "title"),
    records=_records(CommitmentRow(), _required(COMMITMENT_COLUMNS)),
    description="One row per commitment of a C-suite function: new titles are created, known ones updated "
                "(by id when the row has one, as a download of commitments does). Officers may import only "
                "their own function's commitments; leaders only the status and reason of those that name them. "
                "A column left out of the file leaves that field as it is. "
                "A row downloaded at a version older than the commitment's current one is a conflict: shown, "
                "not written.",
    template_lists={"status": [STATUS_LABELS[s] for s in CommitmentStatus], "capacity_domain": list(CAPACITY_DOMAINS)},
)


# ------------------------------------------------------------------------ org structure

ORG_COLUMNS = (
    Column("agency", ("department", "agency name", "organization")),
    Column("agency_code", ("agency abbreviation", "department code")),
    Column("component", ("bureau", "operating division", "component name", "service provider"), required=True),
    Column("component_code", ("bureau code", "component abbreviation")),
    Column("hisp", ("high impact", "high impact service provider", "is hisp"), help="TRUE for a HISP."),
    Column("program", ("program name", "service", "service name")),
    Column("program_code", ("service code",)),
    Column("program_description", ("service description", "description"),
           help="Blank keeps a program's description."),
    Column("life_experiences", ("life experience",),
           help="Life experiences, separated by semicolons; blank keeps a program's, (none) removes them."),
)


class OrgRow(RowSchema):
    agency = Cell(org_name(200))
    agency_code = Cell(text(32))
    component = Cell(org_name(200))
    component_code = Cell(text(32))
    hisp = Cell(to_bool)
    program = Cell(org_name(300))
    program_code = Cell(text(64))
    program_description = Cell(to_text)
    life_experiences = Cell(to_experience_names)


ORG = Format(
    name="org",
    title="Org structure (agencies, components, programs)",
    sink="org",
    columns=ORG_COLUMNS,
    signature=("component",),
    any_of=(("component_code", "program_code", "hisp", "life_experiences"),),
    key=("agency", "component", "program"),
    records=_records(OrgRow(), _required(ORG_COLUMNS)),
    description="One row per component or program: unknown names are created (codes are made up when "
                "none is given), known ones updated. Administrators only.",
)


METRIC_COLUMNS = (
    Column("code", ("metric code", "metric id", "metric"), required=True),
    # A new metric needs its name and kind, so a file must have both columns; only the code must be
    # filled in on every row (METRIC_CELLS): for a metric already defined a blank cell, in any column, keeps
    # what is stored.
    Column("name", ("metric name", "title", "label"), required=True,
           help="Needed for a new metric; blank keeps a defined metric's name."),
    Column("kind", ("type", "metric kind", "metric type", "scale"), required=True,
           help="likert (1-5 survey score), percent, count, duration, currency or index. Needed for a new "
                "metric; blank keeps a defined metric's kind."),
    Column("unit", ("units", "unit of measure"), help="Blank keeps a defined metric's unit."),
    Column("direction", ("better", "which way is better", "polarity"),
           help="higher or lower (is better); blank keeps a defined metric's direction (higher for a new one)."),
    Column("driver", ("a 11 driver", "a11 driver", "cx driver"),
           help="Optional A-11 driver; blank keeps a defined metric's driver."),
    Column("description", ("definition", "notes"), help="Blank keeps a defined metric's description."),
)


METRIC_CELLS = ("code",)  # filled in on every row; name and kind only for a new metric (the sink checks)


class MetricRow(RowSchema):
    code = Cell(text(64))
    name = Cell(text(200))
    kind = Cell(METRIC_KIND)
    unit = Cell(text(32))
    direction = Cell(DIRECTION)
    driver = Cell(DRIVER)
    description = Cell(to_text)


METRIC_DEFINITIONS = Format(
    name="metric-definitions",
    title="Metric definitions",
    sink="metric-definitions",
    columns=METRIC_COLUMNS,
    signature=("code", "kind"),
    key=("code",),
    records=_records(MetricRow(), METRIC_CELLS),
    description="One row per metric: code, name, kind, unit, direction and optional A-11 driver; for a metric "
                "already defined, a blank cell keeps what it has.",
    template_lists={"kind": [k.value for k in MetricKind], "direction": [d.value for d in Direction],
                    "driver": [d.value for d in Driver]},
)


LEADER_COLUMNS = (
    Column("leader", ("name", "leader name", "full name"), required=True),
    Column("email", ("e mail", "email address", "leader email"), help="Identifies the leader when given."),
    Column("title", ("position", "job title", "position title")),
    Column("component", ("bureau", "operating division", "component name")),
    Column("function", ("c suite function", "function code")),
)


class LeaderRow(RowSchema):
    leader = Cell(text(200))
    email = Cell(to_email)
    title = Cell(text(200))
    component = Cell(text(200))
    function = Cell(text(16))


LEADERS = Format(
    name="leaders",
    title="Leaders",
    sink="leaders",
    columns=LEADER_COLUMNS,
    signature=("leader", "email"),
    any_of=(("title", "component", "function"),),
    key=("email",),
    records=_records(LeaderRow(), _required(LEADER_COLUMNS)),
    description="One row per leader whose performance plan carries CX elements; matched by e-mail "
                "(or by name when there is none). Administrators only.",
)


# ---------------------------------------------------------------------- performance plans

PLAN_COLUMNS = (
    Column("leader", ("leader email", "leader name", "appraisee", "employee"), required=True,
           help="The leader, by e-mail (theirs, or the one they sign in with) or name."),
    Column("fiscal_year", ("fy", "fiscal year", "appraisal year", "appraisal period"), required=True,
           help="FY2026 or 2026."),
    Column("element", ("critical element", "element name", "performance element"), required=True),
    Column("weight", ("element weight", "weight percent", "weight pct", "weighting"), required=True,
           help="Percent; Results Driven at least 20, others at least 5, none above Results Driven, total 100."),
    Column("results_driven", ("is results driven",),
           help="TRUE for the Results Driven element (default: the element named Results Driven)."),
    Column("requirement", ("performance requirement", "requirement text", "standard")),
    Column("metric", ("linked metric", "metric code", "cx metric")),
    Column("target", ("target value", "linked target")),
    Column("target_scope", ("scope", "target for"),
           help="Whose target: a program, component, function or agency (default: the leader's own)."),
    Column("commitment", ("linked commitment", "commitment title")),
    Column("programs", ("program", "linked programs", "services")),
    Column("function", ("linked function", "c suite function"),
           help="A C-suite function (code or name): the requirement is measured by its commitments and metrics."),
    Column("rating_method", ("method",), help="opm_majority or weighted_mean."),
)


class PlanRow(RowSchema):
    leader = Cell(text(254))
    fiscal_year = Cell(to_fiscal_year)
    element = Cell(text(200))
    weight = Cell(to_weight)
    results_driven = Cell(to_bool)
    requirement = Cell(to_text)
    metric = Cell(text(64))
    target = Cell(to_number)
    target_scope = Cell(text(300))
    commitment = Cell(text(300))
    programs = Cell(to_names)
    function = Cell(text(200))
    rating_method = Cell(choice(RatingMethod, "rating method"))


_PLAN_ROW = PlanRow()


def plan_records(row: dict, options: dict) -> list[dict]:
    record = load_row(_PLAN_ROW, row, _required(PLAN_COLUMNS))
    links = [c for c in ("metric", "target", "commitment", "programs", "function") if record.get(c) is not None]
    if links and not record.get("requirement"):
        raise RowProblems([("requirement", row.get("requirement"),
                            f"a requirement's text is needed for the linked {', '.join(links)}")])
    if record.get("target") is not None and not record.get("metric"):
        raise RowProblems([("metric", row.get("metric"), "a target needs the metric it is for")])
    return [record]


PERFORMANCE_PLANS = Format(
    name="performance-plans",
    title="Performance plans (elements, weights, requirements)",
    sink="performance-plans",
    columns=PLAN_COLUMNS,
    signature=("leader", "element", "weight"),
    key=("leader", "fiscal_year", "element", "requirement"),
    records=plan_records,
    description="One row per requirement (or per element without one). A plan whose weights break OPM's "
                "rules is refused.",
)


# ------------------------------------------------------------------- capacity assessments

CAPACITY_COLUMNS = (
    Column("component", ("bureau", "operating division", "component name", "service provider"), required=True),
    Column("fiscal_year", ("fy", "fiscal year", "assessment year"), required=True, help="FY2026 or 2026."),
    Column("domain", ("capacity domain", "cx function", "assessment domain", "area"), required=True,
           help="; ".join(CAPACITY_DOMAINS) + "."),
    Column("score", ("domain score", "rating", "maturity"), help="On the assessment's scale (default 1-7)."),
    Column("narrative", ("description", "assessment", "explanation", "comments")),
    Column("evidence", ("evidence links", "supporting evidence")),
)


def to_evidence(raw):
    """Evidence links as the assessment form takes them (capacity.services.evidence_links), one per
    line, a space or a semicolon."""
    value = to_text(raw)
    return None if value is None else evidence_links(split_links(value), noun="link")


class CapacityRow(RowSchema):
    """As the assessment form checks them: the years assessed, the narrative's length, the links."""

    component = Cell(text(200))
    fiscal_year = Cell(to_fiscal_year)
    domain = Cell(to_domain)
    score = Cell(to_number)
    narrative = Cell(text(NARRATIVE_MAX))
    evidence = Cell(to_evidence)


CAPACITY = Format(
    name="capacity",
    title="Capacity assessments (domain scores)",
    sink="capacity",
    columns=CAPACITY_COLUMNS,
    signature=("component", "domain"),
    any_of=(("score", "narrative"),),
    key=("component", "fiscal_year", "domain"),
    records=_records(CapacityRow(), _required(CAPACITY_COLUMNS)),
    description="One row per component, fiscal year and capacity domain, with its score and narrative.",
    template_lists={"domain": list(CAPACITY_DOMAINS)},
)


# ---------------------------------------------------------------------------------- targets

TARGET_COLUMNS = (
    Column("metric", ("metric code", "metric name"), required=True),
    Column("scope_type", ("scope type", "level", "applies to level"),
           help="agency, component, program or function (blank: found from the scope's name)."),
    Column("scope", ("scope name", "applies to", "for"), required=True,
           help="The program, component, function or agency the target is for."),
    Column("fiscal_year", ("fy", "fiscal year"), required=True, help="FY2026 or 2026."),
    Column("target", ("target value", "goal"), required=True),
    Column("green_at", ("green", "green threshold", "green from"), help="Default: the target."),
    Column("amber_at", ("amber", "amber threshold", "amber from", "yellow", "yellow threshold"), required=True),
)


class TargetRow(RowSchema):
    metric = Cell(text(64))
    scope_type = Cell(SCOPE_TYPE)
    scope = Cell(text(300))
    fiscal_year = Cell(to_fiscal_year)
    target = Cell(to_number)
    green_at = Cell(to_number)
    amber_at = Cell(to_number)


def _target_records(row: dict, options: dict) -> list[dict]:
    """A target's typed values, and whether its numbers were written with "%" ("1%" is a percent, not a share
    of 100% given by mistake)."""
    record = load_row(TargetRow(), row, _required(TARGET_COLUMNS))
    record["written_as_percent"] = any(value_mark(row.get(c)) == "%" for c in ("target", "green_at", "amber_at"))
    return [record]


TARGETS = Format(
    name="targets",
    title="Targets (with green / amber thresholds)",
    sink="targets",
    columns=TARGET_COLUMNS,
    signature=("metric", "target", "fiscal_year"),
    any_of=(("green_at", "amber_at"),),
    key=("metric", "scope_type", "scope", "fiscal_year"),
    records=_target_records,
    description="One row per metric, scope and fiscal year. For a higher-is-better metric a value at or "
                "above green_at is green, at or above amber_at amber; lower-is-better flips the comparisons.",
    template_lists={"scope_type": [s.value for s in ScopeType]},
)

REFERENCE_FORMATS = (COMMITMENTS, ORG, METRIC_DEFINITIONS, LEADERS, PERFORMANCE_PLANS, CAPACITY, TARGETS)
