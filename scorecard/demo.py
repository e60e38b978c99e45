"""The demo agency: a realistic, deterministic department to explore the product with.

`seed_demo` fills the database once; a second run finds the demo agency and changes nothing.
Twelve fiscal quarters of data end at the last complete quarter before today.
"""
import random
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from scorecard.models import (
    CAPACITY_DOMAINS, Agency, AuditEvent, CapacityAssessment, CapacityDomainScore, Commitment, CommitmentStatus,
    CommitmentUpdate, Component, Direction, Function, Leader, LifeExperience, Metric, MetricKind, Observation,
    PerformancePlan, PlanElement, PlanRequirement, Program, RatingMethod, Role, ScopeType, Target, User,
    subject_key, utcnow,
)
from scorecard.a11 import DRIVER_STATEMENTS, ensure_standard_metrics
from scorecard.models.capacity import CapacityStatus
from scorecard.periods import Period, latest_complete_period

DEMO_AGENCY_CODE = "DPS"
DEMO_PASSWORD = "demo-password-2025"
SEED = 280  # OMB Circular A-11 Section 280

FUNCTIONS = [
    ("CFO", "Chief Financial Officer"), ("CIO", "Chief Information Officer"),
    ("CHCO", "Chief Human Capital Officer"), ("GC", "General Counsel"),
    ("CDO", "Chief Data Officer"), ("CAO", "Chief Acquisition Officer"),
    ("CXO", "Chief Experience Officer"), ("PIO", "Performance Improvement Officer"),
]

DRIVER_METRICS = [(code, name, statement) for code, (name, statement) in DRIVER_STATEMENTS.items()]

OPERATIONAL_METRICS = [
    # code, name, kind, unit, direction, target, green, amber, base, spread
    ("wait_time", "Average wait time", MetricKind.duration, "minutes", Direction.lower, 10, 10, 15, 12, 6),
    ("backlog", "Claims backlog", MetricKind.count, "claims", Direction.lower, 5000, 5000, 8000, 6000, 3000),
    ("digital_adoption", "Digital adoption", MetricKind.percent, "%", Direction.higher, 60, 60, 45, 55, 15),
]

FUNCTION_METRICS = [
    ("cfo_cx_budget_aligned", "% of CX budget aligned to HISP priorities", "CFO", MetricKind.percent, "%",
     Direction.higher, 80, 80, 60, 70, 15),
    ("cio_services_fully_digital", "% of services fully digital", "CIO", MetricKind.percent, "%",
     Direction.higher, 50, 50, 35, 40, 12),
    ("chco_days_to_hire_cx", "Days to hire CX staff", "CHCO", MetricKind.duration, "days",
     Direction.lower, 80, 80, 100, 95, 20),
]

COMPONENTS = [
    ("BA", "Benefits Administration", True, [
        "Disability Compensation Claims", "Pension Applications", "Survivor Benefits", "Education Benefits",
        "Benefits Call Center", "Online Benefits Portal", "Appeals Processing"]),
    ("PTS", "Passport & Travel Services", True, [
        "Passport Renewal Online", "Passport Acceptance Facilities", "Travel Advisories",
        "Passport Information Center", "Expedited Passport Agencies", "Trusted Traveler Enrollment"]),
    ("DAA", "Disaster Assistance Agency", True, [
        "Individual Disaster Assistance", "Disaster Recovery Centers", "Flood Insurance Claims",
        "Disaster Helpline", "Housing Inspections", "Small Community Grants", "Hazard Mitigation Grants"]),
    ("SBO", "Small Business Office", False, [
        "Business Loan Applications", "Contracting Assistance", "Entrepreneurial Training",
        "Export Assistance", "Business Help Desk", "Disaster Loans"]),
    ("RS", "Retirement Services", True, [
        "Retirement Applications", "Survivor Annuities", "Retirement Information Line",
        "Online Annuitant Services", "Health Benefits Enrollment", "Life Insurance Claims", "Tax Form Requests"]),
    ("HCO", "Health Coverage Office", True, [
        "Marketplace Enrollment", "Coverage Help Line", "Eligibility Appeals",
        "Provider Enrollment", "Prescription Assistance", "Navigator Grants", "Member Portal"]),
]

LIFE_EXPERIENCES = {
    "Approaching retirement": ("RS",),
    "Recovering from a disaster": ("DAA",),
    "Transitioning from military to civilian life": ("BA",),
    "Navigating the transition to Medicare": ("HCO", "RS"),
    "Launching a small business": ("SBO",),
}

CHANNELS = ["web", "phone", "in person", "email", "mobile"]

ELEMENTS = [("Leading Change", 15), ("Leading People", 15), ("Business Acumen", 15),
            ("Building Coalitions", 15), ("Results Driven", 40)]

DEMO_USERS = [
    # email, role, function code, leader e-mail
    ("admin@demo.cx.gov", "admin", None, None),
    ("executive@demo.cx.gov", "executive", None, None),
    ("cfo.officer@demo.cx.gov", "officer", "CFO", None),
    ("analyst@demo.cx.gov", "analyst", None, None),
    ("leader@demo.cx.gov", "leader", None, "leader.ba@demo.cx.gov"),
    ("viewer@demo.cx.gov", "viewer", None, None),
]

FIRST = ["Avery", "Jordan", "Morgan", "Taylor", "Casey", "Riley", "Quinn", "Harper", "Rowan", "Emerson",
         "Parker", "Reese", "Sawyer", "Blake", "Cameron", "Drew", "Elliot", "Finley", "Hayden", "Kendall"]
LAST = ["Alvarez", "Brooks", "Chen", "Diaz", "Edwards", "Fischer", "Garcia", "Hughes", "Iverson", "Jackson",
        "Kim", "Lopez", "Martin", "Nguyen", "Okafor", "Patel", "Robinson", "Silva", "Thompson", "Williams"]


def seed_demo(session, today: date | None = None) -> bool:
    """Create the demo agency unless it exists. Returns True when it created anything."""
    if session.scalar(sa.select(Agency).where(Agency.code == DEMO_AGENCY_CODE)) is not None:
        return False
    today = today or date.today()
    rng = random.Random(SEED)
    last = latest_complete_period(today)
    periods = [last.prev(k) for k in range(11, -1, -1)]
    current_fy = Period.from_date(today).fiscal_year

    agency = Agency(code=DEMO_AGENCY_CODE, name="Department of Public Services (demo)")
    session.add(agency)
    functions = _functions(session)
    metrics = _metrics(session)
    components, programs = _org(session, agency)
    session.flush()
    _observations(session, rng, agency, programs, functions, metrics, periods)
    _targets(session, agency, programs, metrics, {p.fiscal_year for p in periods} | {current_fy})
    leaders = _leaders(session, rng, components, functions)
    session.flush()
    commitments = _commitments(session, rng, functions, components, programs, metrics, leaders, today)
    _plans(session, leaders, programs, metrics, commitments, current_fy)
    _users(session, functions)
    session.flush()
    _commitment_histories(session, commitments, current_fy)
    _capacity(session, rng, components, current_fy, today)
    session.commit()
    return True


def _functions(session) -> dict[str, Function]:
    existing = {f.code: f for f in session.scalars(sa.select(Function))}
    for code, name in FUNCTIONS:
        if code not in existing:
            existing[code] = Function(code=code, name=name)
            session.add(existing[code])
    return existing


def _metrics(session) -> dict[str, Metric]:
    existing = {m.code: m for m in session.scalars(sa.select(Metric))}

    def ensure(code, **fields):
        if code not in existing:
            existing[code] = Metric(code=code, **fields)
            session.add(existing[code])

    existing.update(ensure_standard_metrics(session))
    for code, name, kind, unit, direction, *_ in OPERATIONAL_METRICS:
        ensure(code, name=name, kind=kind, unit=unit, direction=direction)
    for code, name, _fn, kind, unit, direction, *_ in FUNCTION_METRICS:
        ensure(code, name=name, kind=kind, unit=unit, direction=direction)
    return existing


def _org(session, agency):
    components, programs = [], []
    experiences = {name: LifeExperience(name=name) for name in LIFE_EXPERIENCES}
    session.add_all(experiences.values())
    for code, name, hisp, program_names in COMPONENTS:
        component = Component(agency=agency, code=f"{DEMO_AGENCY_CODE}-{code}", name=name, is_hisp=hisp)
        components.append(component)
        for i, program_name in enumerate(program_names, start=1):
            program = Program(component=component, code=f"{DEMO_AGENCY_CODE}-{code}-{i:02d}", name=program_name)
            program.life_experiences = [experiences[e] for e, codes in LIFE_EXPERIENCES.items() if code in codes]
            programs.append(program)
    session.add_all(components + programs)
    return components, programs


def _likert_counts(rng: random.Random, mean: float, n: int) -> list[int]:
    """Answer counts for `n` respondents whose mean lands near `mean`."""
    weights = [max(0.01, 1.2 - abs(k - mean)) ** 2 * rng.uniform(0.85, 1.15) for k in range(1, 6)]
    total = sum(weights)
    counts = [int(n * w / total) for w in weights]
    counts[round(mean) - 1] += n - sum(counts)
    return counts


def _observations(session, rng, agency, programs, functions, metrics, periods):
    rows = []
    now = utcnow()
    for program in programs:
        base = rng.uniform(3.3, 4.5)
        trend = rng.uniform(-0.04, 0.05)
        small = rng.random() < 0.1  # a few programs struggle to reach the minimum sample
        channel = CHANNELS[program.id % len(CHANNELS)]
        for q, period in enumerate(periods):
            for code, _name, question in DRIVER_METRICS:
                mean = min(4.9, max(1.4, base + trend * q + rng.uniform(-0.25, 0.25)))
                n = rng.randint(8, 28) if small else rng.randint(60, 900)
                counts = _likert_counts(rng, mean, n)
                value = sum((k + 1) * c for k, c in enumerate(counts)) / n
                rows.append(_obs(metrics[code], agency, program.component_id, program.id, None, period, channel,
                                 value, n, counts, question, now))
            for code, _name, _kind, _unit, _dir, _t, _g, _a, base_value, spread in OPERATIONAL_METRICS:
                value = round(max(0.0, base_value + rng.uniform(-spread, spread)), 1)
                rows.append(_obs(metrics[code], agency, program.component_id, program.id, None, period, "", value,
                                 None, None, None, now))
    for code, _name, fn, _kind, _unit, _dir, _t, _g, _a, base_value, spread in FUNCTION_METRICS:
        for q, period in enumerate(periods):
            value = round(base_value + rng.uniform(-spread, spread), 1)
            rows.append(_obs(metrics[code], agency, None, None, functions[fn].id, period, "", value, None, None,
                             None, now))
    session.execute(sa.insert(Observation), rows)


def _obs(metric, agency, component_id, program_id, function_id, period, channel, value, n, counts, question, now):
    counts = counts or [None] * 5
    return dict(
        metric_id=metric.id, agency_id=agency.id, component_id=component_id, program_id=program_id,
        function_id=function_id, period=str(period), channel=channel, touchpoint="",
        subject_key=subject_key(program_id, function_id, component_id, agency.id),
        value=value, n=n, count_1=counts[0], count_2=counts[1], count_3=counts[2], count_4=counts[3],
        count_5=counts[4], question_text=question, created_at=now, updated_at=now,
    )


def _targets(session, agency, programs, metrics, fiscal_years):
    for fy in sorted(fiscal_years):
        for code, *_ in DRIVER_METRICS:
            session.add(Target(metric=metrics[code], scope_type=ScopeType.agency, scope_id=agency.id,
                               fiscal_year=fy, target=4.0, green_at=4.0, amber_at=3.7))
        for code, _n, _k, _u, _d, target, green, amber, *_ in OPERATIONAL_METRICS + [
                m[:1] + m[1:2] + m[3:] for m in FUNCTION_METRICS]:
            session.add(Target(metric=metrics[code], scope_type=ScopeType.agency, scope_id=agency.id,
                               fiscal_year=fy, target=target, green_at=green, amber_at=amber))
        # Call centres are held to a stricter trust target.
        for program in programs:
            if "Call Center" in program.name or "Help" in program.name:
                session.add(Target(metric=metrics["trust"], scope_type=ScopeType.program, scope_id=program.id,
                                   fiscal_year=fy, target=4.2, green_at=4.2, amber_at=3.9))


def _leaders(session, rng, components, functions):
    leaders = []
    names = iter(f"{f} {l}" for l in LAST for f in FIRST)
    for component in components:
        short = component.code.split("-")[-1].lower()
        head = Leader(name=next(names), email=f"leader.{short}@demo.cx.gov", title=f"Administrator, {component.name}",
                      component=component)
        leaders.append(head)
        for k in range(6):
            leaders.append(Leader(name=next(names), email=f"{short}.manager{k + 1}@demo.cx.gov",
                                  title=f"Program Director, {component.name}", component=component))
    for code, function in functions.items():
        for k in range(2):
            title = FUNCTIONS[[c for c, _ in FUNCTIONS].index(code)][1] if k == 0 else f"Deputy {code}"
            leaders.append(Leader(name=next(names), email=f"{code.lower()}{'' if k == 0 else '.deputy'}@demo.cx.gov",
                                  title=title, function=function))
    for title in ("Deputy Secretary", "Chief Operating Officer"):
        leaders.append(Leader(name=next(names), email=f"{title.lower().replace(' ', '.')}@demo.cx.gov", title=title))
    session.add_all(leaders)
    return leaders


def _commitments(session, rng, functions, components, programs, metrics, leaders, today):
    plans = {
        "CFO": ["Align CX budget requests with HISP action plans", "Fund digital intake for top three services",
                "Publish CX spending in the annual financial report"],
        "CIO": ["Retire paper-only intake for two services", "Meet the login.gov adoption goal",
                "Cut average portal page load below two seconds"],
        "CHCO": ["Hire CX staff for every HISP", "Add a CX element to every SES plan",
                 "Train frontline staff in plain language"],
        "GC": ["Clear PRA review of the A-11 survey in 30 days", "Simplify benefit notice templates",
               "Publish the plain-language policy"],
        "CDO": ["Publish quarterly CX data on performance.gov", "Build one customer-feedback data model",
                "Automate survey pooling across channels"],
        "CAO": ["Add CX requirements to contact-centre contracts", "Shorten award time for CX research",
                "Report vendor CX performance quarterly"],
        "CXO": ["Run a journey map for each life experience", "Stand up the agency CX council",
                "Close the loop on top complaints within 30 days"],
        "PIO": ["Link CX goals to the strategic plan", "Review HISP action plans every quarter",
                "Report CX progress to the deputy secretary monthly"],
    }
    statuses = list(CommitmentStatus)
    heads = {l.function_id: l for l in leaders if l.function_id and ".deputy" not in (l.email or "")}
    ba_head = next(lead for lead in leaders if lead.email == "leader.ba@demo.cx.gov")  # the demo leader's account
    commitments = []
    for code, titles in plans.items():
        function = functions[code]
        for i, title in enumerate(titles):
            status = statuses[(i + len(code)) % 5]
            commitment = Commitment(
                function=function, leader=heads.get(function.id), title=title,
                description=f"{function.name} commitment: {title.lower()}.",
                due_date=today + timedelta(days=rng.randint(-60, 300)), status=status,
                reason="Vendor delays pushed the schedule." if status.needs_reason else None,
                evidence_links=[], capacity_domain=CAPACITY_DOMAINS[i % 5] if i == 2 else None,
                component=components[i % len(components)] if i == 1 else None,
                last_update_at=utcnow() - timedelta(days=rng.randint(1, 90)),
            )
            commitment.programs = rng.sample(programs, 2)
            commitment.metrics = [metrics["trust"]] if i == 0 else [metrics["satisfaction"]]
            if (code, i) in LATE:  # a few slipped past their due date, so overdue is something true to show
                commitment.due_date = today - timedelta(days=LATE[(code, i)])
            if (code, i) == ("CXO", 2):
                commitment.leader = ba_head
            commitments.append(commitment)
    session.add_all(commitments)
    return commitments


# (function, position) -> days past the due date on the demo's day
LATE = {("CFO", 2): 12, ("CIO", 0): 5, ("CXO", 2): 21}
STEPS = {  # the status a commitment moved through before its current one
    CommitmentStatus.on_track: [CommitmentStatus.not_started],
    CommitmentStatus.at_risk: [CommitmentStatus.not_started, CommitmentStatus.on_track],
    CommitmentStatus.off_track: [CommitmentStatus.not_started, CommitmentStatus.on_track, CommitmentStatus.at_risk],
    CommitmentStatus.complete: [CommitmentStatus.not_started, CommitmentStatus.on_track],
}
NOTES = {CommitmentStatus.on_track: "Work started on schedule.",
         CommitmentStatus.at_risk: "Flagged at the quarterly review.",
         CommitmentStatus.off_track: "Escalated at the quarterly review.",
         CommitmentStatus.complete: "Delivered; evidence filed."}


def _commitment_histories(session, commitments, fiscal_year):
    """Each commitment's update history, ending at its last update: created in the fiscal year's
    plan, then each status it moved through, by the function's officer where the demo has one
    (CFO) and the administrator otherwise."""
    users = {u.email: u for u in session.scalars(sa.select(User))}
    officer, admin = users["cfo.officer@demo.cx.gov"], users["admin@demo.cx.gov"]
    for n, commitment in enumerate(commitments):
        by = officer if commitment.function.code == "CFO" else admin
        steps = STEPS.get(commitment.status, [])
        end = commitment.last_update_at
        start = end - timedelta(days=40 + 25 * len(steps) + n % 7) if steps else end
        commitment.created_at = start
        first = steps[0] if steps else commitment.status
        history = [CommitmentUpdate(commitment=commitment, user_id=by.id, at=start, status=first, note=(
            f"Set in the FY{fiscal_year} CX action plan."), changes={
                "title": [None, commitment.title], "status": [None, first.value],
                "due_date": [None, commitment.due_date.isoformat() if commitment.due_date else None]})]
        for k, status in enumerate(steps[1:] + [commitment.status] if steps else []):
            before = steps[k]
            last = status is commitment.status
            reason = commitment.reason if last else ("Supplier capacity is uncertain." if status.needs_reason else None)
            changes = {"status": [before.value, status.value]}
            if reason != history[-1].reason:
                changes["reason"] = [history[-1].reason, reason]
            at = end if last else start + timedelta(days=25 * (k + 1))
            history.append(CommitmentUpdate(commitment=commitment, user_id=by.id, at=at, status=status, reason=reason,
                                            note=NOTES.get(status), changes=changes))
        session.add_all(history)


def _plans(session, leaders, programs, metrics, commitments, fiscal_year):
    by_component = {}
    for program in programs:
        by_component.setdefault(program.component_id, []).append(program)
    by_function = {c.function_id: c for c in commitments}
    for leader in leaders:
        plan = PerformancePlan(leader=leader, fiscal_year=fiscal_year, rating_method=RatingMethod.opm_majority)
        for position, (name, weight) in enumerate(ELEMENTS):
            element = PlanElement(name=name, weight=weight, position=position,
                                  is_results_driven=(name == "Results Driven"), is_critical=True)
            element.requirements.append(PlanRequirement(text=f"Demonstrates {name.lower()} across the organisation.",
                                                        position=0))
            if name == "Results Driven" and leader.function is not None:  # a C-suite leader: their function's CX
                element.requirements.append(PlanRequirement(
                    text=f"Deliver the {leader.function.code}'s CX commitments on time and meet its CX measures.",
                    position=1, function=leader.function))
            elif name == "Results Driven":
                linked = by_component.get(leader.component_id, [])
                for k, code in enumerate(("trust", "satisfaction", "ease")):
                    req = PlanRequirement(text=f"Raise {metrics[code].name.lower()} to target in the leader's programs.",
                                          position=k + 1, metric=metrics[code],
                                          commitment=by_function.get(leader.function_id) if k == 0 else None)
                    req.programs = list(linked)
                    element.requirements.append(req)
            plan.elements.append(element)
        session.add(plan)


CAPACITY_NARRATIVES = {  # domain -> what the component does, by how far along it is (low, middle, high score)
    "Measurement": ("surveys a few services once a year",
                    "fields the A-11 post-transaction survey on its main channels every quarter",
                    "reports every service's A-11 survey each quarter and reviews it monthly"),
    "Governance & Strategy": ("has no named CX lead yet", "has a CX lead and a draft CX strategy",
                              "runs a CX council chaired by the deputy administrator, with a funded strategy"),
    "Culture & Organization": ("trains a few frontline staff in CX", "includes CX in new-hire training",
                               "rewards CX results in every SES plan and trains all frontline staff"),
    "Customer Understanding": ("relies on complaint counts", "interviews customers for its largest service",
                               "keeps journey maps for each life experience it serves, refreshed yearly"),
    "Service Design & Improvement": ("fixes problems as they are reported",
                                     "tests new forms with customers before release",
                                     "runs a human-centred design team that ships monthly"),
}
CAPACITY_EVIDENCE = {"Measurement": "https://www.performance.gov/cx/",
                     "Customer Understanding": "https://digital.gov/topics/customer-experience/"}


def _capacity(session, rng, components, current_fy, today):
    """Each component's capacity assessment for last fiscal year (submitted by the analyst before
    the year ended) and this one (a draft moving on from last year's scores), with the audit
    events the web pages would have written."""
    analyst = session.scalar(sa.select(User).where(User.email == "analyst@demo.cx.gov"))
    submitted_at = datetime(current_fy - 1, 9, 15, 15, 0, tzinfo=UTC)
    started = {current_fy - 1: datetime(current_fy - 1, 7, 1, 14, 0, tzinfo=UTC),
               current_fy: max(datetime(current_fy - 1, 10, 1, 14, 0, tzinfo=UTC),
                               datetime(today.year, today.month, today.day, 14, 0, tzinfo=UTC)
                               - timedelta(days=7))}
    assessments = []
    for component in components:
        last_year = {}
        for fy in (current_fy - 1, current_fy):
            assessment = CapacityAssessment(component=component, fiscal_year=fy, created_at=started[fy])
            for position, domain in enumerate(CAPACITY_DOMAINS):
                score = (rng.randint(2, 6) if fy < current_fy
                         else min(7, max(1, last_year[domain] + rng.choice((-1, 0, 0, 1, 1, 2)))))
                last_year[domain] = score
                what = CAPACITY_NARRATIVES[domain][0 if score <= 3 else 1 if score <= 5 else 2]
                assessment.domain_scores.append(CapacityDomainScore(
                    domain=domain, position=position, score=score, evidence=CAPACITY_EVIDENCE.get(domain),
                    narrative=f"In FY{fy} {component.name} {what}."))
            if fy < current_fy:
                assessment.status = CapacityStatus.submitted
                assessment.submitted_at, assessment.submitted_by = submitted_at, analyst
            session.add(assessment)
            assessments.append(assessment)
    session.flush()
    for a in assessments:
        scores = {f"{d.domain}: score": d.score for d in a.domain_scores}
        names = {"component": a.component.name, "fiscal_year": a.fiscal_year}
        session.add(AuditEvent(user_id=analyst.id, at=a.created_at, action="capacity.create",
                               entity_type="capacity_assessment", entity_id=a.id,
                               after={"scale_min": 1, "scale_max": 7, **scores, **names}))
        if a.status is CapacityStatus.submitted:
            session.add(AuditEvent(user_id=analyst.id, at=submitted_at, action="capacity.submit",
                                   entity_type="capacity_assessment", entity_id=a.id,
                                   before={"status": "draft"},
                                   after={"status": "submitted", "submitted_at": submitted_at.isoformat(),
                                          "total": f"{a.total:g} of 35", **names}))


def _users(session, functions):
    existing = set(session.scalars(sa.select(User.email)))
    for email, role, function_code, leader_email in DEMO_USERS:
        if email in existing:
            continue
        user = User(email=email, role=Role(role), name=email.split("@")[0].replace(".", " ").title())
        user.set_password(DEMO_PASSWORD)
        if function_code:
            user.function = functions[function_code]
        if leader_email:
            user.leader = session.scalar(sa.select(Leader).where(Leader.email == leader_email))
        session.add(user)
