"""The demo's people: its leaders, their performance plans for this year and last, last year's ratings as
the rating official decided them, and the sign-ins of each role."""
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

from scorecard.demo.story import (
    CX_REQUIREMENTS,
    DEMO_PASSWORD,
    DEMO_USERS,
    ELEMENTS,
    FIRST,
    FUNCTIONS,
    LAST,
    random_stream,
)
from scorecard.models import (
    AuditEvent,
    ElementRating,
    ImportBatch,
    Leader,
    PerformancePlan,
    PlanElement,
    PlanRequirement,
    RatingMethod,
    Role,
    RuleSubject,
    User,
)
from scorecard.periods import Period
from scorecard.plans.basis import entry, with_batches
from scorecard.ratings import element_rating
from scorecard.survey import configured_min_n


def add_leaders(session, components, functions):
    leaders = []
    names = iter(f"{first} {last}" for last in LAST for first in FIRST)
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


def add_plans(session, leaders, programs, metrics, commitments, fiscal_year):
    """Every leader's plan for one fiscal year: the five SES elements; Results Driven holds the CX
    requirements — a C-suite leader's function, a component leader's programs (the deputy secretary's
    and the chief operating officer's: every program) on the v2 survey's measures. A component head's
    trust requirement links the C-suite commitment that names trust for their programs (the
    commitments are flushed first, so their functions and programs are known)."""
    by_component: dict = {}
    for program in programs:
        by_component.setdefault(program.component_id, []).append(program)
    trust_commitment = {}
    for commitment in commitments:
        if any(m.code == "trust" for m in commitment.metrics):
            for program in commitment.programs:
                trust_commitment.setdefault(program.component_id, commitment)
    for leader in leaders:
        plan = PerformancePlan(leader=leader, fiscal_year=fiscal_year, rating_method=RatingMethod.opm_majority)
        head = (leader.email or "").startswith("leader.")
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
                linked = by_component.get(leader.component_id, []) if leader.component_id else list(programs)
                for k, (code, text) in enumerate(CX_REQUIREMENTS):
                    req = PlanRequirement(text=text, position=k + 1, metric=metrics[code], commitment=(
                        trust_commitment.get(leader.component_id) if code == "trust" and head else None))
                    req.programs = list(linked)
                    element.requirements.append(req)
            plan.elements.append(element)
        session.add(plan)


# -- last year's ratings --------------------------------------------------------------------------------------
def requirement_proposals(session, requirement_ids, today: date) -> dict[int, tuple]:
    """{requirement id: (the rules' draft proposing its rating, the rule's version or None)}: the published
    requirement rules, or the default pack's (which `scorecard demo` publishes) when none is published yet.
    Writes nothing."""
    from scorecard.rules.context import load_context, load_observations
    from scorecard.rules.schema import compile_rule
    from scorecard.rules.service import functions_read, metrics_read, published_rules, run_rules
    from scorecard.rules.store import default_pack

    rules = [rule for _, rule in published_rules(session) if rule.subject_type is RuleSubject.requirement]
    if not rules:
        rules = [compile_rule(d) for d in default_pack() if d["applies_to"] == RuleSubject.requirement.value]
    ctx = load_context(session, today=today, min_n=configured_min_n(), observations=False)
    load_observations(session, ctx, metric_ids=metrics_read(ctx, rules), function_metrics=functions_read(ctx, rules))
    drafts = run_rules(ctx, rules, {RuleSubject.requirement: set(requirement_ids)})
    versions = {rule.key: rule.version for rule in rules}
    return {d.subject_id: (d, versions.get(d.rule_key)) for d in drafts if d.rating is not None}


NARRATIVE = ("rated on the accomplishment narrative and the rating official's observation; no rule proposes "
             "a rating for this element")
OVERRIDES = ("A rise in the second half of the year, after the intake redesign, that the four-quarter "
             "window does not yet show.",
             "Trust held up through the hurricane season surge better than the pooled score suggests.")


def rate_last_year(session, fiscal_year: int, today: date, moment: datetime) -> None:
    """The rating official's decisions on every element of last year's plans, beside what the rules
    proposed: the proposal confirmed, a few overridden one step up with a justification, and the
    elements no rule rates (the other ECQs) rated on the narrative, with a justification. They are made
    after the last file they answer was imported: a decision of 18 October had cited the year's last quarter,
    imported the next day."""
    rng = random_stream("ratings")
    official = session.scalar(sa.select(User).where(User.email == "executive@demo.cx.gov"))
    plans = session.scalars(
        sa.select(PerformancePlan).join(Leader).where(PerformancePlan.fiscal_year == fiscal_year,
                                                      Leader.email.like("%@demo.cx.gov"))
        .order_by(PerformancePlan.id)).all()
    requirements = [r for p in plans for e in p.elements for r in e.requirements if r.is_cx]
    proposals = requirement_proposals(session, [r.id for r in requirements], today)
    bases = {element.id: with_batches(session, [
        entry(r, d, rule_key=d.rule_key if d else None, rule_version=version)
        for r in element.requirements for d, version in [proposals.get(r.id, (None, None))]])
        for plan in plans for element in plan.elements}
    answered = {b for basis in bases.values() for e in basis for b in e.get("import_batches", ())}
    imported = session.scalar(sa.select(sa.func.max(ImportBatch.committed_at)).where(ImportBatch.id.in_(answered)))
    first = datetime.combine(Period(fiscal_year, 4).end, time(16, 0), tzinfo=UTC) + timedelta(days=18)
    if imported is not None:
        first = max(first, datetime.combine(imported.date() + timedelta(days=1), time(15, 0), tzinfo=UTC))
    overridden = 0
    for k, plan in enumerate(plans):
        at = min(first + timedelta(days=k % 20, hours=k % 5), moment - timedelta(days=1))
        for element in plan.elements:
            drafts = [proposals.get(r.id, (None, None)) for r in element.requirements]
            proposed = element_rating([d.rating if d else None for d, _ in drafts], plan.rating_method.value)
            if proposed is None:
                rating, why = rng.choice((3, 4, 4, 4, 5, 5)), f"{element.name}: {NARRATIVE}."
            elif proposed <= 3 and overridden < len(OVERRIDES) and rng.random() < 0.5:
                rating, why = proposed + 1, OVERRIDES[overridden]
                overridden += 1
            else:
                rating, why = proposed, None
            decision = ElementRating(element=element, proposed_rating=proposed, confirmed_rating=rating,
                                     justification=why, decided_by_id=official.id, at=at, basis=bases[element.id])
            session.add(decision)
            session.add(AuditEvent(user_id=official.id, at=at, action="plan.rate", entity_type="plan_element",
                                   entity_id=element.id, before={"proposed_rating": proposed},
                                   after={"confirmed_rating": rating, "justification": why}))


def add_users(session, functions):
    existing = set(session.scalars(sa.select(User.email)))
    digest = None
    for email, role, function_code, leader_email in DEMO_USERS:
        if email in existing:
            continue
        name = " ".join(word.upper() if word.upper() == function_code else word.title()  # "CFO Officer"
                        for word in email.split("@")[0].split("."))
        user = User(email=email, role=Role(role), name=name)
        if digest is None:
            user.set_password(DEMO_PASSWORD)
            digest = user.password_hash
        else:  # one published password for every demo account: hashed once (hashing is slow on purpose)
            user.password_hash = digest
        if function_code:
            user.function = functions[function_code]
        if leader_email:
            user.leader = session.scalar(sa.select(Leader).where(Leader.email == leader_email))
        session.add(user)
