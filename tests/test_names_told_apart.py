"""Records that share a name are told apart wherever the dashboards and forms list them side by side
(scorecard.naming): two agencies' "Retirement Services" and their "Contact Center" programs, two metrics
called "Average wait time". Named alike, a green and a red read as one, and the capacity chart drew two
components as one row, one's scores lost."""
import html
import re

import sqlalchemy as sa

from dashboards.queries import capacity as capacity_queries
from dashboards.queries import common, heatmap
from dashboards.queries import program as program_queries
from scorecard.extensions import db
from scorecard.models import (
    CAPACITY_DOMAINS,
    Agency,
    CapacityAssessment,
    CapacityDomainScore,
    Component,
    Leader,
    Metric,
    Observation,
    PerformancePlan,
    Program,
    User,
    subject_key,
)
from scorecard.models.capacity import CapacityStatus
from scorecard.naming import told_apart


def test_told_apart_adds_only_the_qualifiers_a_shared_name_needs():
    told = told_apart({1: ("Contact Center", "Retirement Services", "DPS"),
                       2: ("Contact Center", "retirement  services", "OPM"),  # read as a person reads it
                       3: ("Contact Center", "Benefits", "DPS"), 4: ("Pensions", "Retirement Services", "DPS"),
                       5: ("Pat Smith", None, "x@y.gov"), 6: ("Pat\u200b Smith", "", "z@y.gov")})
    assert told == {1: ("Contact Center", "Retirement Services", "DPS"),
                    2: ("Contact Center", "retirement  services", "OPM"), 3: ("Contact Center", "Benefits"),
                    4: ("Pensions",), 5: ("Pat Smith", "x@y.gov"), 6: ("Pat\u200b Smith", "z@y.gov")}


def _namesake(session) -> tuple[Program, Component]:
    """Another agency with a component and program named as the demo's first program and its component."""
    program = session.scalar(sa.select(Program).join(Component).order_by(Program.id))
    other = Agency(code="OA", name="Other Agency")
    component = Component(agency=other, code="OA-1", name=program.component.name, is_hisp=True)
    namesake = Program(component=component, code="OA-1-01", name=program.name)
    session.add_all([other, component, namesake])
    session.commit()
    return program, namesake


def test_the_overview_and_heatmap_name_two_agencies_programs_of_one_name_with_their_agency(demo):
    with demo.app_context():
        program, namesake = _namesake(db.session)
        period = db.session.scalar(sa.select(Observation.period).where(Observation.program_id == program.id)
                                   .order_by(Observation.period.desc()))
        trust = db.session.scalar(sa.select(Metric).where(Metric.code == "trust"))
        db.session.add(Observation(metric=trust, program_id=namesake.id, component_id=namesake.component_id,
                                   agency_id=namesake.component.agency_id, period=period, channel="", touchpoint="",
                                   value=2.0, n=200, count_1=100, count_2=0, count_3=0, count_4=0, count_5=100,
                                   subject_key=subject_key(namesake.id)))
        db.session.commit()
        names = common.program_names(db.session, (program.id, namesake.id))
        own = program.component.agency.name
        assert names == {program.id: (program.name, f"{program.component.name}, {own}"),
                         namesake.id: (program.name, f"{program.component.name}, Other Agency")}
        heat = heatmap.driver_heatmap(db.session, period)
        rows = {row.program_id: row for row in heat.rows}
        assert (rows[program.id].component, rows[namesake.id].component) == (names[program.id][1],
                                                                             names[namesake.id][1])
        from dashboards.figures.heatmap import heatmap_figure
        heat.rows = [rows[program.id], rows[namesake.id]]
        labels = heatmap_figure(heat)["layout"]["yaxis"]["ticktext"]
        assert labels[0] != labels[1] and labels[1].endswith("Other Agency</span>"), "the chart's labels too"
        other = db.session.scalar(sa.select(Program).where(Program.id.not_in([program.id, namesake.id])))
        assert common.program_names(db.session, (other.id,))[other.id] == (other.name, other.component.name)


def test_the_capacity_chart_draws_two_components_of_one_name_as_two_rows(demo, demo_today):
    with demo.app_context():
        year = capacity_queries.opening_year(db.session, today=demo_today)
        shown = db.session.scalar(sa.select(Component).join(CapacityAssessment)
                                  .where(CapacityAssessment.fiscal_year == year).order_by(Component.id))
        other = Agency(code="OA", name="Other Agency")
        namesake = Component(agency=other, code="OA-1", name=shown.name, is_hisp=True)
        assessment = CapacityAssessment(component=namesake, fiscal_year=year, status=CapacityStatus.submitted,
                                        scale_min=1, scale_max=5)
        assessment.scores = [CapacityDomainScore(domain=d, score=2, position=i) for i, d in enumerate(CAPACITY_DOMAINS)]
        db.session.add_all([other, namesake, assessment])
        db.session.commit()
        name = shown.name
        found = capacity_queries.capacity(db.session, demo_today, year)
        from dashboards.figures.capacity import capacity_figure
        figure = capacity_figure(found)
    rows, labels = figure["data"][0]["y"], figure["layout"]["yaxis"]["ticktext"]
    assert len(labels) == len(set(labels)) == len(set(rows)) == len(found.rows), labels
    # cut in the middle, each keeps the agency that tells it apart; the hover names it whole
    assert any(label.split("<br>")[0].endswith("Other Agency") for label in labels), labels
    assert any(f"{name}, Other Agency" in hover for hovers in figure["data"][0]["hovertext"] for hover in hovers)


def test_two_metrics_of_one_name_read_with_their_codes_on_the_program_page_and_the_commitment_form(demo):
    with demo.app_context():
        program = db.session.scalar(sa.select(Program).join(Observation, Observation.program_id == Program.id)
                                    .join(Metric).where(Metric.code == "wait_time").order_by(Program.id))
        wait = db.session.scalar(sa.select(Metric).where(Metric.code == "wait_time"))
        period = db.session.scalar(sa.select(Observation.period).where(Observation.program_id == program.id,
                                                                       Observation.metric_id == wait.id))
        own = Metric(code="wait_time_local", name=wait.name, kind=wait.kind, unit=wait.unit,
                     direction=wait.direction)
        db.session.add(own)
        db.session.flush()
        db.session.add(Observation(metric=own, program_id=program.id, component_id=program.component_id,
                                   agency_id=program.component.agency_id, period=period, channel="", touchpoint="",
                                   value=45.0, subject_key=subject_key(program.id)))
        db.session.commit()
        names = sorted(m.name for m in program_queries.other_measures(db.session, program.id))
        assert f"{wait.name} (wait_time)" in names and f"{wait.name} (wait_time_local)" in names, names
        officer = db.session.scalar(sa.select(User).where(User.email == "cfo.officer@demo.cx.gov"))
        page = html.unescape(demo.test_client(user=officer).get("/commitments/new").get_data(as_text=True))
    labels = re.findall(r'<label[^>]*for="metric_ids-\d+"[^>]*>([^<]*)</label>', page)
    assert f"{wait.name} (wait_time)" in labels and f"{wait.name} (wait_time_local)" in labels, labels


def _pat_smiths(session) -> tuple[list[Leader], str, list[str]]:
    """Two leaders named "Pat Smith, Manager", each in a component named as a demo component, of two agencies;
    each with a FY2027 plan. Returns them, the component's name and their agencies' names."""
    shown = session.scalar(sa.select(Component).order_by(Component.id))
    other = session.scalar(sa.select(Agency).where(Agency.code == "OA")) or Agency(code="OA", name="Other Agency")
    namesake = session.scalar(sa.select(Component).join(Agency).where(Agency.code == "OA",
                                                                      Component.name == shown.name)) \
        or Component(agency=other, code="OA-2", name=shown.name, is_hisp=True)
    leaders = [Leader(name="Pat Smith", title="Manager", email="pat.one@demo.cx.gov", component=shown),
               Leader(name="Pat Smith", title="Manager", email="pat.two@demo.cx.gov", component=namesake)]
    session.add_all([other, namesake, *leaders, *(PerformancePlan(leader=lead, fiscal_year=2027) for lead in leaders)])
    session.commit()
    return leaders, shown.name, [shown.agency.name, "Other Agency"]


def test_two_leaders_of_one_name_in_two_agencies_components_of_one_name_are_told_apart(demo):
    """The plans list read "Pat Smith | Manager | Retirement Services" twice, the commitments list "Pat Smith", a
    commitment's history "Leader: Pat Smith -> Pat Smith" for a real change, and the leaders dashboard's component
    filter offered "Retirement Services" twice."""
    from dashboards.queries import leaders as leader_queries
    from scorecard.commitments.services import Names
    from scorecard.naming import leader_parts

    with demo.app_context():
        leaders, component, agencies = _pat_smiths(db.session)
        ids = [lead.id for lead in leaders]
        told = leader_parts(db.session)
        assert [told[i] for i in ids] == [("Pat Smith", component, agency) for agency in agencies]
        names = Names(db.session, [{"leader_id": ids}])
        assert names.words("leader_id", ids[0]) != names.words("leader_id", ids[1])
        assert names.words("leader_id", ids[1]) == f"Pat Smith ({component}, Other Agency)"
        choices = [label for _, label in leader_queries.filter_choices(db.session)[0] if component in label]
        assert sorted(choices) == sorted(f"{component} ({agency})" for agency in agencies), choices
        executive = db.session.scalar(sa.select(User).where(User.email == "executive@demo.cx.gov"))
        client = demo.test_client(user=executive)
    listed = "".join(html.unescape(client.get(f"/plans/?year=2027&page={n}").get_data(as_text=True)) for n in (1, 2))
    for agency in agencies:  # the column holds components, each named as among components
        assert f"<td>{component} ({agency})</td>" in listed, agency


def test_two_leaders_of_one_name_in_one_component_are_told_apart_by_e_mail_beside_the_name(demo):
    """Told apart by e-mail, the plans list's and the leaders dashboard's "Component or function" column held
    "pat.one@demo.cx.gov", the ratings export's held it beside its own leader_email column (a filter on the
    component missed the row), and a plan's page read "Manager · pat.one@... · pat.one@...". The e-mail goes
    beside the name; the column holds the component; the page's heading names the leader as told apart."""
    from dashboards.queries import leaders as leader_queries
    from scorecard.plans.export import rating_rows

    with demo.app_context():
        shown = db.session.scalar(sa.select(Component).order_by(Component.id))
        leaders = [Leader(name="Pat Smith", title="Manager", email=f"pat.{n}@demo.cx.gov", component=shown)
                   for n in ("one", "two")]
        plans = [PerformancePlan(leader=lead, fiscal_year=2027) for lead in leaders]
        db.session.add_all([*leaders, *plans])
        db.session.commit()
        component, agency, plan_ids = shown.name, shown.agency.name, [plan.id for plan in plans]
        rows = [r for r in rating_rows(db.session, 2027) if r[4] in plan_ids]
        assert all(r[2] == component and r[3] == agency for r in rows), rows
        found = leader_queries.leaders(db.session, 2027)
        executive = db.session.scalar(sa.select(User).where(User.email == "executive@demo.cx.gov"))
        client = demo.test_client(user=executive)
    dashboard = {p.plan_id: (p.leader, p.component) for p in found.plans if p.plan_id in plan_ids}
    assert set(dashboard.values()) <= {(f"Pat Smith (pat.{n}@demo.cx.gov)", component) for n in ("one", "two")}
    listed = "".join(html.unescape(client.get(f"/plans/?year=2027&page={n}").get_data(as_text=True)) for n in (1, 2))
    for n in ("one", "two"):
        assert f">Pat Smith (pat.{n}@demo.cx.gov)<span" in listed
    assert "<td>pat.one@demo.cx.gov</td>" not in listed and f"<td>{component}</td>" in listed
    page = html.unescape(client.get(f"/plans/{plan_ids[0]}").get_data(as_text=True))
    [heading] = re.findall(r"<h1[^>]*>(.*?)</h1>", page, re.S)
    assert heading == f"Pat Smith ({component}, {agency}, pat.one@demo.cx.gov): FY2027 performance plan"
    assert page.count("pat.one@demo.cx.gov") == 3, "the title, the heading and the leader's line: once each"


def test_a_commitment_tied_to_namesakes_names_each_row_and_the_briefing_each_leader(demo, demo_today):
    """A commitment tied to two agencies' "Contact Center" and moving two metrics called "Average wait time" read
    four rows "Contact Center (Retirement Services) | Average wait time", each a different number; the briefing's
    overdue commitments named two Pat Smiths "Pat Smith" twice."""
    from datetime import timedelta

    from dashboards.briefing.content import overdue_table
    from scorecard.models import Commitment, CommitmentStatus, Function
    from scorecard.permissions import Role

    with demo.app_context():
        program, namesake = _namesake(db.session)
        wait = db.session.scalar(sa.select(Metric).where(Metric.code == "wait_time"))
        own = Metric(code="wait_time_local", name=wait.name, kind=wait.kind, unit=wait.unit, direction=wait.direction)
        leaders, component, agencies = _pat_smiths(db.session)
        cfo = db.session.scalar(sa.select(Function).where(Function.code == "CFO"))
        commitments = [Commitment(function=cfo, title=f"Shorten the wait {n}", leader=lead,
                                  programs=[program, namesake], status=CommitmentStatus.at_risk,
                                  due_date=demo_today - timedelta(days=5), metrics=[wait, own])
                       for n, lead in enumerate(leaders)]
        db.session.add_all([own, *commitments])
        db.session.flush()
        for subject, metric, value in ((program, wait, 10.0), (namesake, wait, 30.0), (program, own, 11.0),
                                       (namesake, own, 31.0)):
            if db.session.scalar(sa.select(Observation.id).where(  # the demo's own, kept
                    Observation.program_id == subject.id, Observation.metric_id == metric.id,
                    Observation.period == "FY2026-Q4").limit(1)) is not None:
                continue
            db.session.add(Observation(metric=metric, program_id=subject.id, component_id=subject.component_id,
                                       agency_id=subject.component.agency_id, period="FY2026-Q4", channel="",
                                       touchpoint="", value=value, subject_key=subject_key(subject.id)))
        db.session.commit()
        commitment_id = commitments[0].id
        overdue = overdue_table(db.session, common.Scope(Role.executive), demo_today, "http://x.test/")
        executive = db.session.scalar(sa.select(User).where(User.email == "executive@demo.cx.gov"))
        page = html.unescape(demo.test_client(user=executive).get(f"/commitments/{commitment_id}")
                             .get_data(as_text=True))
    table = page[page.index('id="metric-status"'):page.index("</table>", page.index('id="metric-status"'))]
    rows = re.findall(r'<th scope="row">([^<]*)</th><td>([^<]*)</td>', table)
    assert len(rows) == 4 and len(set(rows)) == 4, rows
    assert {metric for _, metric in rows} == {f"{wait.name} (wait_time)", f"{wait.name} (wait_time_local)"}
    mine = [row["leader"] for row in overdue.rows if row["title"].startswith("Shorten the wait")]
    assert sorted(mine) == sorted(f"Pat Smith ({component}, {agency})" for agency in agencies), mine


def _findings_listed(app, version, period: str) -> str:
    """The findings tables of every page of a rule version's findings in `period`, as the executive reads them
    (in an app context)."""
    executive = db.session.scalar(sa.select(User).where(User.email == "executive@demo.cx.gov"))
    client, listed = app.test_client(user=executive), ""
    for page in range(1, 60):
        text = html.unescape(client.get(f"/rules/{version.rule.key}/versions/{version.version}?period={period}"
                                        f"&page={page}").get_data(as_text=True))
        start = text.index('id="concluded-findings"')
        listed += text[start:text.index("</table>", start)]
        if f"page={page + 1}" not in text:
            return listed
    return listed


def test_a_rules_page_names_each_namesake_subject_of_its_findings(evaluated):
    """The program trust rule's page listed "Contact Center trust was 3.85 (n=130) ..." and "Contact Center trust
    was 3.91 (n=110) ...": two agencies' programs, only the finding's number telling them apart. A subject that
    shares its name is named as told apart before what the rule found; one whose name is its own is not."""
    from scorecard.models import Finding, RuleSubject, RuleVersion

    with evaluated.app_context():
        finding = db.session.scalars(sa.select(Finding).where(Finding.subject_type == RuleSubject.program,
                                                              Finding.outcome == "status")
                                     .order_by(Finding.period.desc(), Finding.id)).first()
        period, version = finding.period, db.session.get(RuleVersion, finding.rule_version_id)
        program = db.session.get(Program, finding.subject_id)
        other_agency = Agency(code="OA", name="Other Agency")
        component = Component(agency=other_agency, code="OA-1", name=program.component.name, is_hisp=True)
        namesake = Program(component=component, code="OA-1-01", name=program.name)
        db.session.add_all([other_agency, namesake])
        db.session.flush()
        table = Finding.__table__  # the program's finding, as the rule would find of its namesake
        row = dict(db.session.execute(sa.select(table).where(table.c.id == finding.id)).mappings().one())
        db.session.execute(table.insert().values({**{k: v for k, v in row.items() if k != "id"},
                                                  "subject_id": namesake.id}))
        db.session.commit()
        told = [f"{program.name} ({program.component.name}, {agency})"
                for agency in (program.component.agency.name, "Other Agency")]
        other = db.session.scalars(sa.select(Finding).where(
            Finding.rule_version_id == version.id, Finding.period == period,
            Finding.subject_type == RuleSubject.program, Finding.subject_id.not_in([program.id, namesake.id]))).first()
        other_name = db.session.get(Program, other.subject_id).name
        listed = _findings_listed(evaluated, version, period)
    for name in told:
        assert f'<span class="text-bold">{name}:</span>' in listed, name
    assert f'<span class="text-bold">{other_name}' not in listed, "a name of its own is not repeated"


def test_a_plans_import_refusal_names_each_component_as_told_apart(demo, tmp_path):
    """Two rows of a plans file, for the Pat Smiths of two agencies' components of one name, were both refused
    "there is no FY2027 target for 'satisfaction' for component 'Retirement Services'": one meant each agency's."""
    from importers.pipeline import run_import
    from tests.test_import_reference import write_csv

    with demo.app_context():
        leaders, component, agencies = _pat_smiths(db.session)
        emails = [lead.email for lead in leaders]
        header = ["Leader", "Fiscal year", "Element", "Weight", "Requirement", "Metric", "Target"]
        rows = [[email, "FY2029", "Results Driven", 100, "Raise satisfaction.", "satisfaction", 4.0]
                for email in emails]
        result = run_import(db.session, write_csv(tmp_path / "plans.csv", header, rows))
    said = sorted(e["message"] for e in result.as_json()["errors"] if e["column"] == "Target")
    assert len(said) == 2 and said[0] != said[1], said
    for agency in agencies:
        assert any(f"component '{component} ({agency})'" in message for message in said), said


def test_a_rules_page_names_each_namesake_leader_of_its_requirement_findings(evaluated):
    """Two Pat Smiths' requirements, found alike by a plan rule, read as one leader's on the rule's page."""
    from scorecard.models import Finding, PlanElement, PlanRequirement, RuleSubject, RuleVersion

    with evaluated.app_context():
        finding = db.session.scalars(sa.select(Finding).where(Finding.subject_type == RuleSubject.requirement)
                                     .order_by(Finding.period.desc(), Finding.id)).first()
        version = db.session.get(RuleVersion, finding.rule_version_id)
        leaders, component, agencies = _pat_smiths(db.session)
        table = Finding.__table__  # the finding, as the rule would find of each Pat Smith's requirement
        row = {k: v for k, v in db.session.execute(sa.select(table).where(table.c.id == finding.id)).mappings().one()
               .items() if k != "id"}
        for lead in leaders:
            element = PlanElement(plan=lead.plans[0], name="Customer Experience", weight=100)
            requirement = PlanRequirement(element=element, text="Raise trust.")
            db.session.add_all([element, requirement])
            db.session.flush()
            db.session.execute(table.insert().values({**row, "subject_id": requirement.id}))
        db.session.commit()
        listed = _findings_listed(evaluated, version, finding.period)
    for agency in agencies:
        assert f'<span class="text-bold">Pat Smith ({component}, {agency}):</span>' in listed, agency
