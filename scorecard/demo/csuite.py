"""The demo's C-suite commitments, with their update histories (some overdue, some not updated for a
while), and two years of capacity assessments."""
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from scorecard.a11 import v2_metric_code
from scorecard.demo.story import FUNCTION_METRICS, random_stream
from scorecard.demo.survey import STORY_PROGRAM
from scorecard.models import (
    CAPACITY_DOMAINS,
    AuditEvent,
    CapacityAssessment,
    CapacityDomainScore,
    Commitment,
    CommitmentStatus,
    CommitmentUpdate,
    User,
)
from scorecard.models.capacity import CapacityStatus

COMMITMENT_TITLES = {
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
# Each function's third commitment is an action item of the components' capacity plans, in the A-11 capacity
# domain it builds (every domain has some).
ACTION_DOMAINS = {"CFO": "Governance & Strategy", "CIO": "Service Design & Improvement",
                  "CHCO": "Culture & Organization", "GC": "Culture & Organization", "CDO": "Measurement",
                  "CAO": "Measurement", "CXO": "Customer Understanding", "PIO": "Governance & Strategy"}
OWN_METRICS = {fn: code for code, _name, fn, *_ in FUNCTION_METRICS}  # function -> the metric it reports itself
EASE = v2_metric_code("positive", "ease")
S = CommitmentStatus
# Each function's commitments, in COMMITMENT_TITLES order: the GC and the PIO deliver, the CFO, the CDO and the
# CAO have fallen behind (so the rules propose their leaders' CX requirements below 3), the rest are in between.
STATUSES = {
    "CFO": (S.off_track, S.complete, S.not_started), "CIO": (S.off_track, S.on_track, S.on_track),
    "CHCO": (S.complete, S.not_started, S.on_track), "GC": (S.complete, S.on_track, S.on_track),
    "CDO": (S.off_track, S.complete, S.at_risk), "CAO": (S.at_risk, S.complete, S.not_started),
    "CXO": (S.on_track, S.complete, S.not_started), "PIO": (S.on_track, S.complete, S.complete),
}
# (function, position) -> days past the due date on the demo's day
LATE = {("CFO", 2): 12, ("CIO", 0): 5, ("CXO", 2): 21}
# (function, position) -> days since the last update on the demo's day: open ones left alone for weeks
# (the others were updated within the last four weeks)
QUIET = {("CDO", 0): 47, ("CAO", 2): 64, ("GC", 1): 38, ("PIO", 0): 75, ("CHCO", 2): 33}


def add_commitments(session, functions, components, programs, metrics, leaders, today, moment):
    """Three commitments per function. Each function's first names trust and two programs of one
    component (the functions take the components in turn), so every component's head has a C-suite
    commitment behind their trust requirement."""
    rng = random_stream("commitments")
    heads = {lead.function_id: lead for lead in leaders if lead.function_id and ".deputy" not in (lead.email or "")}
    ba_head = next(lead for lead in leaders if lead.email == "leader.ba@demo.cx.gov")  # the demo leader's account
    by_component: dict = {}
    for program in programs:
        by_component.setdefault(program.component_id, []).append(program)
    commitments = []
    for f, (code, titles) in enumerate(COMMITMENT_TITLES.items()):
        function = functions[code]
        for i, title in enumerate(titles):
            status = STATUSES[code][i]
            commitment = Commitment(
                function=function, leader=heads.get(function.id), title=title,
                description=f"{function.name} commitment: {title[:1].lower()}{title[1:]}.",  # CX, HISP kept so
                due_date=today + timedelta(days=rng.randint(-60, 300)), status=status,
                reason="Vendor delays pushed the schedule." if status.needs_reason else None,
                evidence_links=[], capacity_domain=ACTION_DOMAINS[code] if i == 2 else None,
                component=components[i % len(components)] if i == 1 else None,
                last_update_at=moment - timedelta(days=QUIET.get((code, i), rng.randint(1, 28))),
            )
            if i == 0:
                served = by_component[components[f % len(components)].id]
                commitment.programs = rng.sample(served, 2)
                story = next((p for p in served if p.name == STORY_PROGRAM), None)
                if story is not None and story not in commitment.programs:  # the red program has its commitment
                    commitment.programs = [commitment.programs[0], story]
            else:
                commitment.programs = rng.sample(programs, 2)
            # trust, else the function's own metric, else a v2 measure (satisfaction is no longer asked since V2_FROM)
            commitment.metrics = [metrics["trust"] if i == 0 else metrics[OWN_METRICS.get(code, EASE)]]
            if (code, i) in LATE:  # a few slipped past their due date, so overdue is something true to show
                commitment.due_date = today - timedelta(days=LATE[(code, i)])
            elif commitment.due_date < today and status not in (CommitmentStatus.complete, CommitmentStatus.dropped):
                commitment.due_date = today + timedelta(days=30 + rng.randint(0, 120))  # only LATE is overdue
            if (code, i) == ("CXO", 2):
                commitment.leader = ba_head
            commitments.append(commitment)
    session.add_all(commitments)
    return commitments


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


def add_commitment_histories(session, commitments, fiscal_year):
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


# -- capacity -----------------------------------------------------------------------------------------------
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


def add_capacity(session, components, current_fy, today):
    """Each component's capacity assessments for the two fiscal years before this one (each submitted
    by the analyst before its year ended, the second moving on from the first: the dashboard opens on it,
    with its change and the rules' evidence scores) and this one (a draft moving on from last year's
    scores), with the audit events the web pages would have written."""
    rng = random_stream("capacity")
    analyst = session.scalar(sa.select(User).where(User.email == "analyst@demo.cx.gov"))
    years = (current_fy - 2, current_fy - 1, current_fy)
    submitted = {fy: datetime(fy, 9, 15, 15, 0, tzinfo=UTC) for fy in years[:-1]}
    started = {**{fy: datetime(fy, 7, 1, 14, 0, tzinfo=UTC) for fy in years[:-1]},
               current_fy: max(datetime(current_fy - 1, 10, 1, 14, 0, tzinfo=UTC),
                               datetime(today.year, today.month, today.day, 14, 0, tzinfo=UTC)
                               - timedelta(days=7))}
    assessments = []
    for component in components:
        last_year = {}
        for fy in years:
            assessment = CapacityAssessment(component=component, fiscal_year=fy, created_at=started[fy])
            for position, domain in enumerate(CAPACITY_DOMAINS):
                score = (rng.randint(2, 5) if fy == years[0]
                         else min(7, max(1, last_year[domain] + rng.choice((-1, 0, 0, 1, 1, 2)))))
                last_year[domain] = score
                what = CAPACITY_NARRATIVES[domain][0 if score <= 3 else 1 if score <= 5 else 2]
                assessment.domain_scores.append(CapacityDomainScore(
                    domain=domain, position=position, score=score, evidence=CAPACITY_EVIDENCE.get(domain),
                    narrative=f"In FY{fy} {component.name} {what}."))
            if fy < current_fy:
                assessment.status = CapacityStatus.submitted
                assessment.submitted_at, assessment.submitted_by = submitted[fy], analyst
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
            session.add(AuditEvent(user_id=analyst.id, at=a.submitted_at, action="capacity.submit",
                                   entity_type="capacity_assessment", entity_id=a.id,
                                   before={"status": "draft"},
                                   after={"status": "submitted", "submitted_at": a.submitted_at.isoformat(),
                                          "total": f"{a.total:g} of 35", **names}))
