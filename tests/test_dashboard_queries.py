"""The dashboards' query functions on a small agency built here: the heatmap's cells, order and
filters; the overview's pooled scores, statuses, commitments, leaders, A-11 reporting and what
changed since the quarter before. Plain data in, plain data out: no browser, no Dash."""
import json
import re
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from dashboards.queries import common, heatmap, overview
from dashboards.queries.program import wilson
from scorecard.a11 import ensure_standard_metrics
from scorecard.extensions import db
from scorecard.models import (
    Agency,
    Commitment,
    CommitmentStatus,
    CommitmentUpdate,
    Component,
    Direction,
    Finding,
    Function,
    Leader,
    LifeExperience,
    Metric,
    MetricKind,
    Observation,
    PerformancePlan,
    PlanElement,
    PlanRequirement,
    Program,
    Role,
    Rule,
    RuleStatus,
    RuleSubject,
    RuleVersion,
    ScopeType,
    Target,
    subject_key,
)
from scorecard.survey import compare, compare_shares, pool, stats_from_counts

Q4, Q3 = "FY2026-Q4", "FY2026-Q3"
TODAY = date(2026, 11, 22)  # in FY2027-Q1: the quarter before closed on 2026-09-30
HIGH = [0, 0, 20, 100, 80]    # mean 4.30, n 200
LOW = [10, 20, 50, 80, 40]    # mean 3.60, n 200
MID = [0, 5, 15, 45, 35]      # mean 4.10, n 100
FEW = [0, 1, 2, 4, 3]         # n 10: below the minimum sample
EXECUTIVE = common.Scope(Role.executive)


def observe(session, program: Program, code: str, period: str, counts, channel="web", touchpoint=""):
    metric = ensure_standard_metrics(session)[code]
    session.flush()
    session.add(Observation(
        metric_id=metric.id, agency_id=program.component.agency_id, component_id=program.component_id,
        program_id=program.id, subject_key=subject_key(program_id=program.id), period=period, channel=channel,
        touchpoint=touchpoint, n=sum(counts), count_1=counts[0], count_2=counts[1], count_3=counts[2],
        count_4=counts[3], count_5=counts[4], value=stats_from_counts(counts).mean))


def build(session) -> dict:
    """Two agencies. Alpha turns red in Q4 (a significant fall); Bravo stays green; Charlie has too
    few answers; Delta's agency has no target; Echo reported in Q2 but not in Q4."""
    metrics = ensure_standard_metrics(session)
    a, b = Agency(code="DA", name="Department A"), Agency(code="DB", name="Department B")
    one, two = Component(agency=a, code="C1", name="Bureau One"), Component(agency=a, code="C2", name="Bureau Two")
    three = Component(agency=b, code="C3", name="Bureau Three")
    p = {name: Program(component=c, code=f"P-{name}", name=name) for name, c in (
        ("Alpha", one), ("Bravo", one), ("Charlie", two), ("Delta", three), ("Echo", two))}
    retiring = LifeExperience(name="Approaching retirement", programs=[p["Charlie"]])
    session.add_all([a, b, retiring, *p.values()])
    session.flush()
    for code in ("trust", "satisfaction"):
        session.add(Target(metric_id=metrics[code].id, scope_type=ScopeType.agency, scope_id=a.id, fiscal_year=2026,
                           target=4.0, green_at=4.0, amber_at=3.8))
    observe(session, p["Alpha"], "trust", Q3, HIGH)
    observe(session, p["Alpha"], "trust", Q4, LOW[:3] + [40, 20], channel="web")
    observe(session, p["Alpha"], "trust", Q4, [0, 0, 0, 40, 20], channel="phone")  # pooled: LOW
    observe(session, p["Bravo"], "trust", Q3, MID)
    observe(session, p["Bravo"], "trust", Q4, MID)
    observe(session, p["Bravo"], "satisfaction", Q4, HIGH)
    observe(session, p["Charlie"], "trust", Q3, FEW)
    observe(session, p["Charlie"], "trust", Q4, FEW)
    observe(session, p["Delta"], "trust", Q3, MID)
    observe(session, p["Delta"], "trust", Q4, MID)
    observe(session, p["Echo"], "trust", "FY2026-Q2", MID)
    session.commit()
    return {"agencies": (a, b), "components": (one, two, three), "programs": p, "life": retiring, "metrics": metrics}


@pytest.fixture
def world(app):
    with app.app_context():
        yield build(db.session)


def _rule_version(session, subject: RuleSubject, key: str) -> RuleVersion:
    rule = Rule(key=key, title=key, subject_type=subject)
    version = RuleVersion(rule=rule, version=1, status=RuleStatus.published, definition={})
    session.add(version)
    session.flush()
    return version


def finding(session, subject: RuleSubject, subject_id: int, period: str, *, status=None, rating=None, key="r"):
    version = session.scalar(sa.select(RuleVersion).join(Rule).where(Rule.key == key)) or _rule_version(
        session, subject, key)
    found = Finding(rule_version_id=version.id, subject_type=subject, subject_id=subject_id, period=period,
                    outcome="status" if status else "rating", status=status, rating=rating,
                    explanation="test finding", fingerprint="x", facts={})
    session.add(found)
    session.commit()
    return found


# ------------------------------------------------------------------------------ the heatmap

def test_the_trust_tile_and_the_programs_lines_agree_on_a_v2_change(app):
    """70 of 100 trusting (thumbs), then 50 of 100 answering 3 or 4 on a 1-5 form: the share who trust fell
    significantly, the 1-5 mean (3.80 -> 3.50) not. The tile said "Down 20.0 percentage points ..., significant"
    while what changed, the rules and the program page said no change. Both judge it alike now."""
    from dashboards.pages.overview import MEAN_HELD, change_sentence

    with app.app_context():
        agency = Agency(code="GS", name="General Services")
        program = Program(component=Component(agency=agency, code="GS-1", name="Public Buildings"), code="P-GS",
                          name="Lease Desk")
        db.session.add(program)
        db.session.flush()
        observe(db.session, program, "trust", Q3, [30, 0, 0, 0, 70])
        observe(db.session, program, "trust", Q4, [0, 0, 50, 50, 0])
        db.session.commit()
        chosen = common.ProgramFilter(agency.id)
        tile = overview.agency_score(db.session, Q4, "trust", chosen, min_n=30)
        assert (tile.unit, tile.significant, tile.direction, tile.mean_held) == (overview.SHARE, False, "none", True)
        assert tile.change == pytest.approx(-20.0)
        said = change_sentence(tile)
        assert said.startswith("No significant change from FY2026-Q3") and said.endswith(MEAN_HELD + "."), said
        lines, _ = overview._significant_changes(db.session, Q4, chosen, 30)
        assert lines == [], "what changed says no change either"


def test_a_score_just_below_an_edge_is_not_shown_on_it(world):
    """A trust score of 3.796, red against an amber edge at 3.8, was shown as "3.80" on the heatmap, the overview
    and the program page: read as on the edge, so amber. It is shown to the places that keep it off the edge."""
    from dashboards.queries.overview import trust_words

    foxtrot = Program(component=world["components"][0], code="P-Foxtrot", name="Foxtrot")
    db.session.add(foxtrot)
    db.session.flush()
    observe(db.session, foxtrot, "trust", Q4, [75, 0, 0, 1, 174])  # mean 949 / 250 = 3.796
    db.session.commit()
    heat = heatmap.driver_heatmap(db.session, Q4, min_n=30)
    cell = next(row for row in heat.rows if row.program == "Foxtrot").cells[heat.drivers.index("trust")]
    assert (cell.value, cell.status) == (3.796, "red"), cell
    status = common.program_statuses(db.session, Q4, min_n=30)[foxtrot.id]
    assert trust_words(status).startswith("trust 3.796, 70.0% who trust (n = 250)"), trust_words(status)


def test_a_heatmap_keeps_the_trust_column_of_a_program_that_reported_it_without_counts(world):
    """A component whose one program's FY2026-Q4 trust is a value typed without its answers (it judges nothing)
    drew an empty heatmap: the trust column was set aside as "not asked", and the program's row and its status
    finding with it, where the program page and the overview list the program as no data."""
    from dashboards.figures.heatmap import heatmap_figure

    agency = world["agencies"][0]
    lone = Component(agency=agency, code="C9", name="Bureau Nine")
    india = Program(component=lone, code="P-India", name="India")
    db.session.add_all([lone, india])
    db.session.flush()
    db.session.add(Observation(metric_id=world["metrics"]["trust"].id, agency_id=agency.id, component_id=lone.id,
                               program_id=india.id, subject_key=subject_key(program_id=india.id), period=Q4,
                               channel="web", touchpoint="", n=500, value=4.2,
                               question_text="This interaction increased my trust."))
    db.session.commit()
    heat = heatmap.driver_heatmap(db.session, Q4, common.ProgramFilter(component_id=lone.id), min_n=30)
    assert heat.drivers == ["trust"] and "trust" not in heat.not_asked, (heat.drivers, heat.not_asked)
    [row] = heat.rows
    assert row.program == "India" and row.cells[0].status == "no_data" and row.cells[0].value is None
    assert "This interaction increased my trust." in row.cells[0].question
    hover = heatmap_figure(heat)["data"][0]["hovertext"][0][0]
    assert "Trust / confidence: reported without counts: no score" in hover.replace("<br>", " "), hover
    everyone = heatmap.driver_heatmap(db.session, Q4, min_n=30)
    assert "India" in [r.program for r in everyone.rows], "listed beside the programs with scores"
    assert everyone.not_asked == ["effectiveness", "ease", "efficiency", "transparency", "employee"], (
        "the other drivers no program answered are still set aside")


def test_heatmap_cells_carry_value_n_target_and_status_worst_first(world):
    heat = heatmap.driver_heatmap(db.session, Q4, min_n=30)
    assert heat.period == Q4 and heat.drivers == ["satisfaction", "trust"], "in the survey's order"
    assert heat.not_asked == ["effectiveness", "ease", "efficiency", "transparency", "employee"], (
        "drivers no program answered are set aside, not drawn as columns of no data")
    names = [row.program for row in heat.rows]
    assert names[0] == "Alpha", "the red program comes first"
    assert set(names) == {"Alpha", "Bravo", "Charlie", "Delta"}  # Echo has nothing in Q4
    trust = heat.drivers.index("trust")
    cells = {row.program: row.cells[trust] for row in heat.rows}
    assert (cells["Alpha"].value, cells["Alpha"].n, cells["Alpha"].target, cells["Alpha"].status) == (
        3.6, 200, 4.0, "red")
    assert cells["Bravo"].status == "green" and cells["Charlie"].status == "insufficient_data"
    assert cells["Delta"].status == "no_target"
    # FY2026 is A-11's v2 survey: a trust cell also gives the share who trust (4 or 5 here)
    assert (cells["Alpha"].share, cells["Bravo"].share, heat.shares) == (60.0, 80.0, True)
    satisfaction = {row.program: row.cells[0] for row in heat.rows}
    assert satisfaction["Bravo"].status == "green" and satisfaction["Alpha"].status == "no_data"
    # a cell with no observation names no question and no batch: nothing was asked, nothing is missing
    from dashboards.pages.heatmap import heatmap_table
    alpha = satisfaction["Alpha"]
    assert (alpha.question, alpha.source) == ("no observations", "no observations")
    [row] = [r for r in heatmap_table(heat).rows if r["program"] == "Alpha" and r["driver"] == "Satisfaction"]
    assert (row["question"], row["source"]) == ("no observations", "no observations")


def test_the_heatmap_pools_as_the_scores_do_means_without_answers_and_values_of_no_one(world):
    """A mean reported without its answer counts beside others' counts is weighed by its n before the v2
    survey (2,000 respondents' 4.80 beside 100 answers, once left out); from it, trust is counted from the
    answers and such a mean judges nothing (the import says so). A value of no respondents weighs nothing.
    The heatmap's pooling in the database and scoring.pooled_score agree."""
    import sqlalchemy as sa

    from scorecard.scoring import answers_only, pooled_score

    bravo, trust = world["programs"]["Bravo"], world["metrics"]["trust"]
    for channel, value, n in (("mail", 4.8, 2000), ("kiosk", 1.0, 0)):
        db.session.add(Observation(metric_id=trust.id, agency_id=bravo.component.agency_id,
                                   component_id=bravo.component_id, program_id=bravo.id,
                                   subject_key=subject_key(program_id=bravo.id), period=Q4, channel=channel,
                                   touchpoint="", n=n, value=value))
    db.session.commit()
    rows = db.session.scalars(sa.select(Observation).where(
        Observation.program_id == bravo.id, Observation.metric_id == trust.id, Observation.period == Q4)).all()
    v1 = pooled_score(MetricKind.likert, rows)
    assert v1.n == 2100 and v1.value == pytest.approx((stats_from_counts(MID).mean * 100 + 4.8 * 2000) / 2100)
    assert answers_only("trust", Q4)
    expected = pooled_score(MetricKind.likert, rows, counted_only=True)
    assert expected.n == 100 and expected.value == pytest.approx(stats_from_counts(MID).mean)
    echo = world["programs"]["Echo"]  # its only trust row of the quarter: a value of no respondents
    db.session.add(Observation(metric_id=trust.id, agency_id=echo.component.agency_id, component_id=echo.component_id,
                               program_id=echo.id, subject_key=subject_key(program_id=echo.id), period=Q4,
                               channel="web", touchpoint="", n=0, value=3.0))
    db.session.commit()
    heat = heatmap.driver_heatmap(db.session, Q4, min_n=30)
    cell = next(row for row in heat.rows if row.program == "Bravo").cells[heat.drivers.index("trust")]
    assert cell.n == 100 and cell.value == pytest.approx(expected.value, abs=0.005)  # shown to 2 places
    assert cell.share == pytest.approx(stats_from_counts(MID).percent_agree), "the share of the answers counted"
    [echo_row] = [row for row in heat.rows if row.program == "Echo"]
    assert echo_row.cells[heat.drivers.index("trust")].status == "no_data", "listed, with no score to give"


def test_a_trust_cell_gives_the_status_the_overview_gives_and_the_rule_finding_behind_it(world):
    """The rules' status finding decides a program's status on the overview; the heatmap's trust cell
    says the same and names the finding (its why-page), however the score alone would read; the
    other drivers' cells stay as the scores judge them, and the worst-first order follows."""
    bravo, trust = world["programs"]["Bravo"], "trust"
    found = finding(db.session, RuleSubject.program, bravo.id, Q4, status="red", key="program-status")
    heat = heatmap.driver_heatmap(db.session, Q4, min_n=30)
    rows = {row.program: row for row in heat.rows}
    cell = rows["Bravo"].cells[heat.drivers.index(trust)]
    assert (cell.status, cell.finding_id) == ("red", found.id), cell
    assert common.program_statuses(db.session, Q4)[bravo.id].status == cell.status
    assert rows["Bravo"].cells[heat.drivers.index("satisfaction")].status == "green", "only trust has the finding"
    assert rows["Alpha"].cells[heat.drivers.index(trust)].finding_id is None, "no finding: none named"
    assert [row.program for row in heat.rows][:2] == ["Alpha", "Bravo"], "both red, so first; the lower mean first"
    assert [row.program for row in heatmap.survey_heatmap(db.session, Q4, min_n=30).rows][:2] != ["Alpha", "Bravo"], (
        "the scores alone put Bravo, green, after the others")


def test_heatmap_filters_and_name_order(world):
    (_, b), (one, _, _), life = world["agencies"], world["components"], world["life"]
    assert heatmap.driver_heatmap(db.session, Q4).period == heatmap.driver_heatmap(db.session, None).period == Q4

    def names(**filters):
        heat = heatmap.driver_heatmap(db.session, Q4, common.ProgramFilter(**filters), "name")
        return [row.program for row in heat.rows]
    assert names() == ["Alpha", "Bravo", "Delta", "Charlie"], "by component (One, Three, Two), then program"
    assert names(agency_id=b.id) == ["Delta"]
    assert names(component_id=one.id) == ["Alpha", "Bravo"]
    assert names(life_experience_id=life.id) == ["Charlie"]
    assert names(agency_id=b.id, component_id=one.id) == []
    assert names(agency_id=2**31 - 1) == []


def test_a_v2_trust_cell_gives_the_share_who_trust_beside_the_score_it_is_judged_on(app):
    from dashboards.figures import heatmap_figure
    from dashboards.pages.heatmap import heatmap_table

    with app.app_context():
        world = build(db.session)
        alpha = world["programs"]["Alpha"]
        observe(db.session, alpha, "trust", "FY2024-Q1", [0, 0, 56, 112, 112])  # v1: the statement on 1-5
        observe(db.session, alpha, "trust", "FY2024-Q2", [60, 0, 0, 0, 140])    # v2 thumbs: 70% up, mean 3.80
        db.session.commit()
        v1 = heatmap.driver_heatmap(db.session, "FY2024-Q1")
        assert [c.share for r in v1.rows for c in r.cells] == [None] and not v1.shares
        assert "Share who trust (%)" not in [c.header for c in heatmap_table(v1).columns]
        v2 = heatmap.driver_heatmap(db.session, "FY2024-Q2")
        [[cell]] = [r.cells for r in v2.rows]
        assert (cell.value, cell.share) == (pytest.approx(3.8), 70.0)
        table = heatmap_table(v2)
        assert [c.header for c in table.columns][3:5] == ["Score (1-5)", "Share who trust (%)"]
        assert table.rows[0]["share"] == 70.0
        figure = heatmap_figure(v2)["data"][0]
        assert figure["text"][0][0].startswith("3.80<br>70.0%<br>")
        hover = figure["hovertext"][0][0].replace("<br>", " ")  # on lines a phone shows
        assert "70.0% who trust" in hover and "a thumbs up counted 5" in hover



def test_a_heatmap_cell_gives_its_question_as_asked_and_the_import_batches_it_came_from(app):
    """The issue: a score's hover and table give the question wording and the import batch; a v2 trust
    cell asked on 1-5 is not said to count thumbs."""
    from dashboards.figures import heatmap_figure
    from dashboards.pages.heatmap import heatmap_table
    from scorecard.models import ImportBatch

    with app.app_context():
        world = build(db.session)
        alpha, bravo = world["programs"]["Alpha"], world["programs"]["Bravo"]
        observe(db.session, alpha, "trust", "FY2024-Q1", [0, 0, 56, 112, 112], channel="web")
        observe(db.session, alpha, "trust", "FY2024-Q1", [0, 0, 10, 20, 20], channel="phone")
        observe(db.session, bravo, "trust", "FY2024-Q2", [10, 10, 20, 60, 100])  # v2 asked on 1-5
        batch = ImportBatch(filename="q1.csv", format="metrics", checksum="x" * 64, status="committed")
        db.session.add(batch)
        db.session.flush()
        web, phone = db.session.scalars(sa.select(Observation).where(
            Observation.program_id == alpha.id, Observation.period == "FY2024-Q1").order_by(Observation.channel.desc()))
        web.question_text, web.import_batch_id = "This interaction increased my trust in the agency.", batch.id
        phone.question_text = "I  trust   this agency."  # another wording, typed in without an import
        db.session.commit()
        v1 = heatmap.driver_heatmap(db.session, "FY2024-Q1")
        [[cell]] = [r.cells for r in v1.rows]
        assert cell.question == ("I trust this agency. | This interaction increased my trust in the agency. "
                                 "(non-standard wording)")
        assert cell.source == f"batch {batch.id}; no import batch (entered directly)"
        row = heatmap_table(v1).rows[0]
        assert (row["question"], row["source"]) == (cell.question, cell.source)
        hover = heatmap_figure(v1)["data"][0]["hovertext"][0][0]
        assert all(len(line) <= 44 for line in re.sub(r"</?[bi]>", "", hover).split("<br>")), "a phone's width"
        hover = hover.replace("<br>", " ")
        assert "question: I trust this agency." in hover and f"from: batch {batch.id};" in hover
        v2 = heatmap.driver_heatmap(db.session, "FY2024-Q2")
        [[five]] = [r.cells for r in v2.rows]
        assert five.share == 80.0 and not five.thumbs and five.question == "question not recorded"
        hover = heatmap_figure(v2)["data"][0]["hovertext"][0][0].replace("<br>", " ")
        assert "(mean on 1-5); 80.0% who trust" in hover and "thumbs" not in hover
        # a question as stored is text, never markup: Plotly's hover reads <b>, <a> and entities
        observe(db.session, bravo, "trust", "FY2024-Q3", [10, 10, 20, 60, 100])
        db.session.flush()
        db.session.execute(sa.update(Observation).where(Observation.period == "FY2024-Q3").values(
            question_text='<b>I trust</b> &amp; <a href="https://evil.example/">click</a>'))
        db.session.commit()
        hover = heatmap_figure(heatmap.driver_heatmap(db.session, "FY2024-Q3"))["data"][0]["hovertext"][0][0]
        assert "<a " not in hover and "<b>I" not in hover and "&lt;b&gt;I trust&lt;/b&gt; &amp;amp;" in hover


def test_scores_pooled_with_their_sources_are_the_scores_pooled_without(app):
    """The heatmap pools a quarter grouped by question and import batch too (one pass for the scores and
    where they came from): the groups summed give the numbers the plain pooling gives, a mean reported
    without answer counts weighed in as there."""
    from scorecard.models import ImportBatch

    EARLY = "FY2024-Q1"  # a quarter the world has no observations in
    with app.app_context():
        world = build(db.session)
        alpha, bravo = world["programs"]["Alpha"], world["programs"]["Bravo"]
        observe(db.session, alpha, "trust", EARLY, [0, 0, 56, 112, 112], channel="web")
        observe(db.session, alpha, "trust", EARLY, [3, 1, 10, 20, 20], channel="phone")
        observe(db.session, bravo, "satisfaction", EARLY, [5, 5, 10, 10, 10])
        batches = [ImportBatch(filename=f"{name}.csv", format="metrics", checksum=name * 64, status="committed")
                   for name in "ab"]
        db.session.add_all(batches)
        db.session.flush()
        web, phone = db.session.scalars(sa.select(Observation).where(
            Observation.program_id == alpha.id, Observation.period == EARLY).order_by(Observation.channel.desc()))
        web.import_batch_id, phone.import_batch_id = batches[0].id, batches[1].id
        phone.question_text = "I trust\nthis   agency."
        lone = Observation(metric_id=web.metric_id, agency_id=web.agency_id, component_id=web.component_id,
                           program_id=alpha.id, subject_key=web.subject_key, period=EARLY, channel="mail",
                           touchpoint="", value=4.8, n=2000)  # a mean without its answers, entered directly
        db.session.add(lone)
        db.session.commit()
        plain = common.pooled_scores(db.session, EARLY)
        sourced = common.pooled_scores(db.session, EARLY, sourced=True)
        assert {m: {p: s[:5] for p, s in found.items()} for m, found in sourced.items()} == {
            m: {p: s[:5] for p, s in found.items()} for m, found in plain.items()}
        trust = common.status_metric(db.session).id
        alpha_trust = sourced[trust][alpha.id]
        assert alpha_trust.n == 280 + 54 + 2000 and alpha_trust.counts == (3, 1, 66, 132, 132)
        assert alpha_trust.questions == ("I trust this agency.",)
        assert alpha_trust.batches == (batches[0].id, batches[1].id, None)
        assert plain[trust][alpha.id].questions == () and plain[trust][alpha.id].batches == ()


def test_heatmap_without_data(app):
    with app.app_context():
        assert heatmap.driver_heatmap(db.session).rows == []
        assert common.periods_with_data(db.session) == []


# ------------------------------------------------------------------------------ the overview

def test_agency_scores_pool_every_answer_with_ci_and_significance(world):
    """FY2026 is A-11's v2 survey: trust is the share who trust (4 or 5 here), as on the program page."""
    trust = overview.agency_score(db.session, Q4, "trust")
    now, before = pool(LOW, MID, FEW, MID), pool(HIGH, MID, FEW, MID)
    assert trust.n == sum(now) == 410 and trust.unit == overview.SHARE
    assert trust.value == pytest.approx(100 * (now[3] + now[4]) / 410) == pytest.approx(100 * 287 / 410)
    assert (trust.ci_low, trust.ci_high) == pytest.approx(wilson(trust.value, 410))
    change = compare_shares((100 * (before[3] + before[4]) / 410, 410), (trust.value, 410))
    assert trust.prior_period == Q3 and trust.prior_n == 410
    assert trust.prior_value == pytest.approx(100 * 347 / 410)
    assert (trust.change, trust.significant, trust.direction) == (pytest.approx(change.delta), True, "down")
    assert trust.change == pytest.approx(-100 * 60 / 410), "in percentage points"

    a = world["agencies"][1]
    delta = overview.agency_score(db.session, Q4, "trust", common.ProgramFilter(a.id))
    assert delta.n == 100 and delta.direction == "none", "one program, the same answers: no significant change"
    assert overview.agency_score(db.session, Q4, "no such driver") is None


def test_an_agency_score_before_the_v2_survey_is_the_mean_with_its_interval(app):
    with app.app_context():
        world = build(db.session)
        alpha, bravo = world["programs"]["Alpha"], world["programs"]["Bravo"]
        for program, counts in ((alpha, HIGH), (bravo, LOW)):
            observe(db.session, program, "trust", "FY2023-Q3", HIGH)
            observe(db.session, program, "trust", "FY2023-Q4", counts)
        db.session.commit()
        trust = overview.agency_score(db.session, "FY2023-Q4", "trust")
        expected = stats_from_counts(pool(HIGH, LOW))
        assert (trust.unit, trust.n, trust.value) == (overview.MEAN, 400, pytest.approx(expected.mean))
        assert (trust.ci_low, trust.ci_high) == pytest.approx((expected.ci_low, expected.ci_high))
        change = compare(pool(HIGH, HIGH), pool(HIGH, LOW))
        assert (trust.change, trust.direction) == (pytest.approx(change.delta), "down")


def test_a_program_answering_in_one_quarter_only_is_no_change_of_the_agency_score(app):
    """31 published agencies' programs answered in FY2023-Q1 and not in FY2023-Q2: the pooled trust fell from
    4.25 to 3.99, "significant at 95%", though no program's trust fell. The change reads the programs with
    answers in both quarters; the headline stays every answer of the quarter."""
    from dashboards.pages.overview import change_sentence

    with app.app_context():
        world = build(db.session)
        alpha, bravo = world["programs"]["Alpha"], world["programs"]["Bravo"]
        observe(db.session, alpha, "trust", "FY2023-Q3", LOW)
        observe(db.session, bravo, "trust", "FY2023-Q3", [0, 0, 0, 0, 2000])  # gone the next quarter
        observe(db.session, alpha, "trust", "FY2023-Q4", LOW)
        db.session.commit()
        trust = overview.agency_score(db.session, "FY2023-Q4", "trust")
        assert (trust.programs, trust.prior_programs, trust.compared) == (1, 2, 1) and not trust.like_for_like
        assert trust.value == pytest.approx(stats_from_counts(LOW).mean) and trust.n == 200
        assert (trust.direction, trust.significant, trust.change) == ("none", False, pytest.approx(0))
        assert change_sentence(trust) == ("Of the 1 program with answers in both quarters (1 in FY2023-Q4, 2 in "
                                          "FY2023-Q3): no significant change from FY2023-Q3 (3.60 then, 3.60 now).")
        observe(db.session, bravo, "trust", "FY2023-Q4", [0, 0, 0, 0, 1])
        db.session.commit()
        alike = overview.agency_score(db.session, "FY2023-Q4", "trust")
        assert alike.like_for_like and alike.weighed and alike.direction == "none", (
            "both programs answered as before: Bravo's 2,000 answers of 5 becoming one is no fall of trust")
        said = change_sentence(alike)
        assert said.startswith("No significant change from FY2023-Q3 (+0.") and said.endswith(
            "; each program weighed the same in both quarters, by its answers in the two)."), said
        assert " now" not in said, "its weighed 'now' read as a second score beside the headline"


def test_a_rise_made_by_who_answered_is_no_rise(app):
    """FY2022-Q4's agency-wide trust read "up 0.04, significant at 95%" where most programs fell: programs
    scoring low sent fewer answers. Each program is weighed alike in both quarters, and the change is theirs."""
    from dashboards.pages.overview import change_sentence

    with app.app_context():
        world = build(db.session)
        alpha, bravo = world["programs"]["Alpha"], world["programs"]["Bravo"]
        observe(db.session, alpha, "trust", "FY2023-Q3", [0, 0, 400, 600, 0])   # 3.60, many answers
        observe(db.session, bravo, "trust", "FY2023-Q3", [0, 0, 0, 400, 600])   # 4.60
        observe(db.session, alpha, "trust", "FY2023-Q4", [0, 0, 60, 40, 0])     # 3.40, few answers now
        observe(db.session, bravo, "trust", "FY2023-Q4", [0, 0, 0, 500, 500])   # 4.50
        db.session.commit()
        trust = overview.agency_score(db.session, "FY2023-Q4", "trust")
        pooled = compare(pool([0, 0, 400, 600, 0], [0, 0, 0, 400, 600]), pool([0, 0, 60, 40, 0], [0, 0, 0, 500, 500]))
        assert pooled.direction == "up", "pooled, the quarter's answers rose: the trap"
        assert trust.direction == "down" and trust.change == pytest.approx((1100 * -0.2 + 2000 * -0.1) / 3100)
        assert trust.weighed and change_sentence(trust) == (
            f"Down 0.14 from FY2023-Q3 (95% CI {trust.change_low:+.2f} to {trust.change_high:+.2f}; each program "
            "weighed the same in both quarters, by its answers in the two), significant at 95%.")
        assert trust.change_high < 0


def test_a_significant_change_too_small_for_two_places_is_not_said_as_0(app):
    """At 335,981 answers a change of +0.0047 is significant: it read "Up 0.00 from FY2021-Q2"."""
    from dashboards.pages.overview import change_sentence

    common = dict(driver="trust", name="Trust", period="FY2021-Q3", prior_period="FY2021-Q2", n=335_981,
                  prior_n=330_000, significant=True, direction="up", sufficient=True, programs=3, compared=3,
                  prior_programs=3)
    weighed = overview.AgencyScore(**common, value=4.4555, prior_value=4.4508, compared_value=4.4555, change=0.0047,
                                   change_low=0.001, change_high=0.009, weighed=True)
    assert change_sentence(weighed).startswith("Up 0.005 from FY2021-Q2 (95% CI +0.001 to +0.009;"), (
        change_sentence(weighed))
    alike = overview.AgencyScore(**common, value=4.4545, prior_value=4.4521, compared_value=4.4545, change=0.0024,
                                 change_low=0.0005, change_high=0.0043)
    assert change_sentence(alike) == "Up 0.002 from FY2021-Q2 (4.45), significant at 95%.", change_sentence(alike)


def test_v2_trust_pools_thumbs_and_1_to_5_forms_as_the_share_who_trust(app):
    """A thumbs form's answers are stored as 1s and 5s: pooled with a 1-5 form's as a mean, 73% thumbs up
    and a 1-5 form's mean of 4.13 read 3.99, which is neither. The tile gives the share who trust."""
    from dashboards.briefing.content import glance_table
    from dashboards.pages.overview import change_sentence, interval_words, measure_words, score_tile

    with app.app_context():
        world = build(db.session)
        alpha, bravo = world["programs"]["Alpha"], world["programs"]["Bravo"]
        observe(db.session, alpha, "trust", "FY2025-Q1", [100, 0, 0, 0, 100])  # thumbs: 50% up
        observe(db.session, bravo, "trust", "FY2025-Q1", [10, 10, 30, 25, 25])  # 1-5: 50% answer 4 or 5
        observe(db.session, alpha, "trust", "FY2025-Q2", [60, 0, 0, 0, 140])   # 70% up
        observe(db.session, bravo, "trust", "FY2025-Q2", [5, 5, 20, 40, 30])   # 70% answer 4 or 5
        db.session.commit()
        trust = overview.agency_score(db.session, "FY2025-Q2", "trust")
        assert (trust.unit, trust.n, trust.value, trust.prior_value) == (overview.SHARE, 300, 70.0, 50.0)
        assert trust.change == pytest.approx(20.0) and trust.direction == "up"
        low, high = wilson(70.0, 300)
        assert measure_words(trust).startswith("The share who trust (a thumbs up, or 4 or 5 on a 1-5 form)")
        assert interval_words(trust) == f"95% CI {low:.1f}% to {high:.1f}%"
        assert change_sentence(trust) == "Up 20.0 percentage points from FY2025-Q1 (50.0%), significant at 95%."
        words = json.dumps(score_tile(trust).to_plotly_json(), default=lambda o: o.to_plotly_json())
        assert '"70.0%"' in words and "Mean on the 1-5 scale" not in words
        found = overview.overview(db.session, "FY2025-Q2", common.ProgramFilter(), EXECUTIVE, TODAY)
        table = glance_table(found)
        glance = table.rows[0]
        assert glance["measure"] == "Trust / confidence, agency-wide (% who trust)" and glance["value"] == 70.0
        value = next(c for c in table.columns if c.key == "value")
        assert (value.text(glance["value"]), value.export(glance["value"])) == ("70.0%", 70.0), "not '70.00'"


def test_an_agency_wide_interval_is_written_to_the_places_its_ends_differ_at():
    """At a million answers the overview's tile read "95% CI 4.10 to 4.10", as if it had no uncertainty."""
    from dataclasses import replace

    from dashboards.pages.overview import interval_words

    score = overview.AgencyScore(driver="trust", name="Trust", period="FY2022-Q2", prior_period="FY2022-Q1", value=4.1,
                                 n=1_028_483, ci_low=4.0981,
                                 ci_high=4.1034)
    assert interval_words(score) == "95% CI 4.098 to 4.103"
    assert interval_words(replace(score, ci_low=4.05, ci_high=4.15)) == "95% CI 4.05 to 4.15"
    share = replace(score, unit=overview.SHARE, value=79.9, ci_low=79.91, ci_high=79.94)
    assert interval_words(share) == "95% CI 79.91% to 79.94%"
    assert interval_words(replace(share, ci_high=79.97)) == "95% CI 79.9% to 80.0%"


def test_a_changes_interval_is_written_to_the_places_its_ends_differ_at():
    """At a million answers the overview's change read "down 0.02 (95% CI -0.02 to -0.02)"."""
    assert overview.change_interval(-0.0236, -0.0181, 2) == "95% CI -0.024 to -0.018"
    assert overview.change_interval(0.0512, 0.0531, 2) == "95% CI +0.051 to +0.053"
    assert overview.change_interval(-0.83, -0.49, 2) == "95% CI -0.83 to -0.49"
    assert overview.change_interval(0.004, 0.009, 2) == "95% CI +0.004 to +0.009"  # off zero first
    assert overview.change_interval(0.31, 0.34, 1) == "95% CI +0.31 to +0.34"  # points of a share
    # one that holds zero is not written to four places for an end near it
    assert overview.change_interval(-0.0107, 0.00003, 2) == "95% CI -0.01 to +0.00"
    assert overview.change_interval(0.0001, 0.256, 2) == "95% CI +0.0001 to +0.2560"  # barely leaves zero out


def test_a_significant_change_is_written_to_the_places_its_means_differ_at():
    """At half a million answers a change of 0.004 is significant: it read "4.70 → 4.70 (+0.00)"."""
    from scorecard.periods import parse_period

    tiny = compare([0, 0, 50_000, 50_000, 400_000], [0, 0, 51_000, 50_000, 399_000])
    assert tiny.significant
    assert (round(tiny.ci_low, 3), round(tiny.ci_high, 3)) == (-0.007, -0.001)
    assert overview._mean_change("trust", parse_period("FY2023-Q3"), tiny) == (
        "trust 4.700 → 4.696 (-0.004, 95% CI -0.007 to -0.001, n = 500,000 and 500,000)"), (
        "its interval too: a change this small is no news however certain")
    plain = compare([0, 0, 56, 112, 112], [40, 40, 80, 60, 60])
    assert overview._mean_change("ease", parse_period("FY2023-Q3"), plain) == (
        f"ease {plain.before.mean:.2f} → {plain.after.mean:.2f} ({plain.after.mean - plain.before.mean:+.2f}, "
        f"95% CI {plain.ci_low:+.2f} to {plain.ci_high:+.2f}, n = 280 and 280)")
    near = compare([0, 0, 300, 300, 400], [0, 0, 338, 300, 362])  # its interval ends at -0.003: not "-0.00"
    assert near.significant and round(near.ci_high, 2) == 0
    assert f"95% CI {near.ci_low:+.3f} to {near.ci_high:+.3f}," in overview._mean_change(
        "ease", parse_period("FY2023-Q3"), near)


def test_nothing_is_compared_across_the_surveys_change(app):
    """FY2024-Q1 (v1: the statement on 1-5) and FY2024-Q2 (v2: thumbs up or down as 1 and 5) are not one
    measure: a tile's change and the changes listed were drawn across it ("fell: trust 4.20 → 3.40")."""
    from dashboards.pages.overview import change_sentence

    with app.app_context():
        world = build(db.session)
        alpha = world["programs"]["Alpha"]
        observe(db.session, alpha, "trust", "FY2024-Q1", [0, 0, 56, 112, 112])   # 4.20
        observe(db.session, alpha, "trust", "FY2024-Q2", [112, 0, 0, 0, 168])    # 3.40: 60% trust
        db.session.commit()
        trust = overview.agency_score(db.session, "FY2024-Q2", "trust")
        assert (trust.change, trust.significant, trust.direction) == (None, False, overview.BREAK)
        assert change_sentence(trust) == "Not compared with FY2024-Q1: A-11's survey changed in FY2024-Q2."
        changes = overview.changes_since_prior(db.session, "FY2024-Q2", common.ProgramFilter(), EXECUTIVE, TODAY)
        assert not changes.of(overview.DECLINED) and not changes.of(overview.IMPROVED)
        assert changes.note.startswith("Survey scores: not compared with FY2024-Q1, as A-11's survey changed in "
                                       "FY2024-Q2."), "not 'FY2024-Q2 against FY2024-Q1', as if compared"
        # The page says so once in each kind of score change, and its summary no longer reads "0 changes since"
        # as if compared; a status is judged in each quarter alone, so "turned red" is still listed.
        from dashboards.pages.overview import changes_section, summary

        page = json.dumps(changes_section(changes, show_commitments=True).to_plotly_json(), default=str)
        assert page.count("Not compared with FY2024-Q1: A-11's survey changed in FY2024-Q2.") == 2
        assert "Programs that turned red (" in page, "statuses are compared across the change"
        said = summary(overview.overview(db.session, "FY2024-Q2", common.ProgramFilter(), EXECUTIVE, TODAY))
        assert said.endswith(" since FY2024-Q1 (survey scores not compared: A-11's survey changed)."), said


def test_programs_by_status_and_the_rules_status_finding(world):
    counts = overview.programs_by_status(db.session, Q4).counts
    assert counts == {"red": 1, "amber": 0, "green": 1, "insufficient_data": 1, "no_target": 1, "no_data": 0}
    bravo = world["programs"]["Bravo"]
    found = finding(db.session, RuleSubject.program, bravo.id, Q4, status="amber", key="program-status")
    statuses = common.program_statuses(db.session, Q4)
    assert statuses[bravo.id].status == "amber" and statuses[bravo.id].finding_id == found.id
    assert overview.programs_by_status(db.session, Q4).counts["amber"] == 1


def test_a11_reporting_counts_programs_that_should_have_reported(world):
    report = overview.a11_reporting(db.session, Q4)
    assert (report.expected, report.reported) == (5, 4)
    assert [name for _, name, _ in report.missing] == ["Echo"]
    assert report.share == pytest.approx(0.8)
    b = world["agencies"][1]
    assert overview.a11_reporting(db.session, Q4, common.ProgramFilter(b.id)).missing == []
    assert report.stopped == set() and overview.a11_reporting(db.session, Q3).stopped == {report.missing[0][0]}, (
        "Echo reported in Q2: in Q3 it stopped; in Q4 it is not news")


def test_a_program_that_stopped_reporting_this_quarter_is_named_first(world):
    """A program that reported last quarter and not this one was buried among those that had not reported for
    years ("and 34 more"), sorted by component and name: it comes first, and the tile says it reported then."""
    one, two = world["components"][:2]
    aardvark, zulu = Program(component=one, code="P-Aa", name="Aardvark"), Program(component=two, code="P-Zu",
                                                                                    name="Zulu")
    db.session.add_all([aardvark, zulu])
    db.session.flush()
    observe(db.session, aardvark, "trust", "FY2026-Q1", MID)
    observe(db.session, zulu, "trust", Q3, MID)
    db.session.commit()
    report = overview.a11_reporting(db.session, Q4)
    assert [name for _, name, _ in report.missing] == ["Zulu", "Aardvark", "Echo"]
    assert report.stopped == {zulu.id} and report.prior == Q3
    from plotly.utils import PlotlyJSONEncoder

    from dashboards.pages.overview import reporting_tile
    words = json.dumps(reporting_tile(report, None), cls=PlotlyJSONEncoder)
    assert "Zulu (Bureau Two), which reported in FY2026-Q3" in words
    # one whose results ended quarters ago says when (a real agency's file ending in FY2023-Q1 read as today's news)
    assert report.last[aardvark.id] == "FY2026-Q1" and zulu.id in report.last
    assert "Aardvark (Bureau One), last reported in FY2026-Q1\"" in words


def test_a_quarter_of_other_metrics_only_is_no_quarter_of_the_dashboards(world):
    """A backlog (an operational metric, no survey answers) in a later quarter: the dashboards still
    open on the latest quarter with survey results, and it counts as no program's A-11 reporting."""
    alpha, echo = world["programs"]["Alpha"], world["programs"]["Echo"]
    backlog = Metric(code="backlog", name="Claims backlog", kind=MetricKind.count, unit="claims",
                     direction=Direction.lower)
    db.session.add(backlog)
    db.session.flush()
    for program, period in ((alpha, "FY2027-Q1"), (echo, Q4)):
        db.session.add(Observation(metric_id=backlog.id, agency_id=program.component.agency_id,
                                   component_id=program.component_id, program_id=program.id,
                                   subject_key=subject_key(program_id=program.id), period=period, value=1200))
    db.session.commit()
    assert common.periods_with_data(db.session)[:2] == [Q4, Q3]
    assert common.chosen_period(db.session, None) == Q4
    from scorecard.main.services import home_summary
    assert home_summary(db.session)["latest_period"] == Q4, "the home page names the dashboards' quarter"
    report = overview.a11_reporting(db.session, Q4)
    assert (report.expected, report.reported) == (5, 4), "Echo's backlog is not its survey results"
    assert echo.id not in common.program_statuses(db.session, Q4)


def test_changes_name_significant_falls_and_programs_that_turned_red(world):
    alpha = world["programs"]["Alpha"]
    changes = overview.changes_since_prior(db.session, Q4, common.ProgramFilter(), EXECUTIVE, TODAY)
    red = changes.of(overview.TURNED_RED)
    assert [line.subject for line in red] == ["Alpha (Bureau One)"]
    assert "from green" in red[0].text and "3.60" in red[0].text
    assert red[0].href == f"/dashboards/program?id={alpha.id}&period={Q4}" and red[0].why == ""
    fell = changes.of(overview.DECLINED)
    assert [line.subject for line in fell] == ["Alpha (Bureau One)"]
    assert "trust 4.30 → 3.60" in fell[0].text
    assert "; 90.0% → 60.0% who trust" in fell[0].text, "FY2026 is A-11's v2 survey: the shares who trust too"
    assert "60.0% who trust" in red[0].text
    assert changes.of(overview.IMPROVED) == [], "Bravo and Delta answered the same; Charlie is too small"
    assert changes.tested == 3, "Alpha, Bravo and Delta's trust: Charlie's too few answers are not tested"
    assert ("3 program scores with enough answers in both quarters were compared, each change tested on its own at "
            "95% (not adjusted for how many were "
            "compared: about 1 in 20 scores that did not really change reads as a significant change)") in changes.note

    why = finding(db.session, RuleSubject.program, alpha.id, Q4, status="red", key="program-status")
    changes = overview.changes_since_prior(db.session, Q4, common.ProgramFilter(), EXECUTIVE, TODAY)
    line = changes.of(overview.TURNED_RED)[0]
    assert line.why == f"/findings/{why.id}", "a why-page when the rules said so"
    assert line.href == f"/dashboards/program?id={alpha.id}&period={Q4}", (
        "the program's name leads to its page, as every other program name of the overview does")



def test_an_agencys_first_quarter_says_there_was_nothing_to_compare_not_no_change(world):
    """An agency whose first survey results are the quarter chosen read "0 changes since FY2026-Q3", each kind
    "(0) None." and the briefing "No significant change.": as if compared and found steady."""
    from dashboards.briefing.content import changes_table
    from dashboards.pages.overview import changes_section, summary

    golf_agency = Agency(code="DG", name="Department G")
    golf = Program(component=Component(agency=golf_agency, code="C7", name="Bureau Seven"), code="P-Golf", name="Golf")
    db.session.add(golf)
    db.session.flush()
    observe(db.session, golf, "trust", Q4, LOW)
    db.session.commit()
    first = overview.changes_since_prior(db.session, Q4, common.ProgramFilter(agency_id=golf_agency.id), EXECUTIVE,
                                         TODAY)
    assert (first.prior_reported, first.compared, first.lines) == (0, False, [])
    assert "Survey scores: no program here reported in FY2026-Q3: nothing to compare FY2026-Q4 with." in first.note
    page = json.dumps(changes_section(first, show_commitments=True).to_plotly_json(), default=str)
    assert "(0)" not in page.split("Commitments that slipped")[0], "the survey's kinds are not counted"
    assert page.count("Not compared: no program here reported in FY2026-Q3") == 3
    found = overview.overview(db.session, Q4, common.ProgramFilter(agency_id=golf_agency.id), EXECUTIVE, TODAY)
    assert summary(found).endswith("; no results in FY2026-Q3 to compare with."), summary(found)
    assert changes_table(found, "http://x").empty == "None: the survey scores were not compared (as said above)."
    everyone = overview.changes_since_prior(db.session, Q4, common.ProgramFilter(), EXECUTIVE, TODAY)
    assert everyone.compared and everyone.prior_reported == 4, "the programs that reported in FY2026-Q3"
    assert summary(overview.overview(db.session, Q4, common.ProgramFilter(), EXECUTIVE, TODAY)).endswith(
        " since FY2026-Q3.")


def test_a_program_that_turned_red_by_chance_says_its_change_was_not_significant(world):
    """The overview lists only changes significant at 95%, and a program that turned red is listed among
    them: one whose trust crossed the red threshold by a hair (3.85 to 3.77, n = 100 each) said only
    "turned red", as if its trust had really fallen. It says the change is not a significant one."""
    one = world["components"][0]
    foxtrot = Program(component=one, code="P-Foxtrot", name="Foxtrot")
    db.session.add(foxtrot)
    db.session.flush()
    observe(db.session, foxtrot, "trust", Q3, [0, 5, 25, 50, 20])   # 3.85: amber
    observe(db.session, foxtrot, "trust", Q4, [0, 7, 26, 50, 17])   # 3.77: red
    db.session.commit()
    changes = overview.changes_since_prior(db.session, Q4, common.ProgramFilter(), EXECUTIVE, TODAY)
    red = {line.subject: line.text for line in changes.of(overview.TURNED_RED)}
    assert red["Foxtrot (Bureau One)"].endswith(
        f"; its trust was 3.85 in {Q3}, not a significant change at 95% (the change's 95% CI -0.30 to +0.14)")
    assert re.search(rf"; its trust was 4\.30 in {Q3}, a significant decline at 95% \(the change's 95% CI "
                     r"-0\.\d\d to -0\.\d\d\)$", red["Alpha (Bureau One)"]), (
        "a line that said nothing of significance when the fall was significant read as if it had not been tested")
    assert "Foxtrot (Bureau One)" not in [line.subject for line in changes.of(overview.DECLINED)]


def test_a_v2_trust_whose_mean_moved_without_its_share_says_why_it_is_not_significant(world):
    """From the v2 survey on, trust's change is significant where its 1-5 mean and its share who trust both move:
    "not a significant change at 95% (the change's 95% CI -0.223 to -0.003)" gave an interval leaving zero out
    beside "not significant", and no reason."""
    hotel = Program(component=world["components"][0], code="P-Hotel", name="Hotel")
    db.session.add(hotel)
    db.session.flush()
    observe(db.session, hotel, "trust", Q3, [0, 0, 40, 0, 60])   # 4.20, 60% who trust
    observe(db.session, hotel, "trust", Q4, [0, 45, 0, 0, 55])   # 3.65, 55% who trust: the mean moved, not the share
    db.session.commit()
    changes = overview.changes_since_prior(db.session, Q4, common.ProgramFilter(), EXECUTIVE, TODAY)
    red = {line.subject: line.text for line in changes.of(overview.TURNED_RED)}
    assert re.search(r"not a significant change at 95% \(the change's 95% CI -0\.\d+ to -0\.\d+; the 1-5 mean moved, "
                     r"but the share who trust did not move with it, and a change is called significant where both "
                     r"do\)$", red["Hotel (Bureau One)"]), red["Hotel (Bureau One)"]


def test_a_v1_score_pooling_a_typed_mean_has_no_change_tested(world):
    """Before the v2 survey a mean typed with its n pools beside counted answers, and such a score has no
    interval (the rules' change reads it as insufficient data). The overview tested the change of the counted
    answers alone and gave its 95% interval beside a trust pooled with the typed mean: it says it is not tested,
    and lists no significant decline for it; a typed mean alone said nothing of its change at all."""
    agency = world["agencies"][0]
    metrics = world["metrics"]
    db.session.add(Target(metric_id=metrics["trust"].id, scope_type=ScopeType.agency, scope_id=agency.id,
                          fiscal_year=2023, target=4.0, green_at=4.0, amber_at=3.8))
    golf = Program(component=world["components"][0], code="P-Golf", name="Golf")
    db.session.add(golf)
    db.session.flush()
    before, now = "FY2023-Q3", "FY2023-Q4"
    observe(db.session, golf, "trust", before, HIGH)
    observe(db.session, golf, "trust", now, LOW)
    db.session.add(Observation(metric_id=metrics["trust"].id, agency_id=agency.id, component_id=golf.component_id,
                               program_id=golf.id, subject_key=subject_key(program_id=golf.id), period=now,
                               channel="phone", touchpoint="", n=100, value=3.5))
    db.session.commit()
    status = common.program_statuses(db.session, now)[golf.id]
    assert status.status == "red" and status.n == 300 and round(status.value, 3) == 3.567
    changes = overview.changes_since_prior(db.session, now, common.ProgramFilter(), EXECUTIVE, TODAY)
    red = {line.subject: line.text for line in changes.of(overview.TURNED_RED)}
    assert red["Golf (Bureau One)"].endswith(
        f"; its trust was 4.30 in {before}, a change not tested at 95%: a mean reported without its answer counts "
        "has no interval")
    assert changes.of(overview.DECLINED) == [] and changes.tested == 0

    # a typed mean alone (its counted answers replaced): not tested either, and said so
    hotel = Program(component=world["components"][0], code="P-Hotel", name="Hotel")
    db.session.add(hotel)
    db.session.flush()
    observe(db.session, hotel, "trust", before, HIGH)
    db.session.add(Observation(metric_id=metrics["trust"].id, agency_id=agency.id, component_id=hotel.component_id,
                               program_id=hotel.id, subject_key=subject_key(program_id=hotel.id), period=now,
                               channel="web", touchpoint="", n=409, value=1.5))
    db.session.commit()
    changes = overview.changes_since_prior(db.session, now, common.ProgramFilter(), EXECUTIVE, TODAY)
    red = {line.subject: line.text for line in changes.of(overview.TURNED_RED)}
    assert red["Hotel (Bureau One)"].endswith(
        f"; its trust was 4.30 in {before}, a change not tested at 95%: a mean reported without its answer counts "
        "has no interval")


# ------------------------------------------------------------------------------ commitments

def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


def commitments(session) -> dict:
    cfo = Function(code="CFO", name="Chief Financial Officer")
    cio = Function(code="CIO", name="Chief Information Officer")
    made = {}

    def make(title, function, status, *, due=None, history=(), updated=TODAY - timedelta(days=3)):
        c = Commitment(function=function, title=title, status=status, due_date=due, last_update_at=_at(updated),
                       reason="Late supplier." if status.needs_reason else None, evidence_links=[])
        c.created_at = _at(date(2026, 1, 5))
        for day, was in history:
            c.updates.append(CommitmentUpdate(at=_at(day), status=was))
        session.add(c)
        made[title] = c
    S = CommitmentStatus
    make("Slipped", cfo, S.at_risk, history=[(date(2026, 1, 5), S.on_track), (date(2026, 10, 20), S.at_risk)])
    make("Steady", cfo, S.on_track, history=[(date(2026, 1, 5), S.on_track)])
    make("Went overdue", cio, S.off_track, due=date(2026, 11, 1), history=[(date(2026, 1, 5), S.off_track)])
    make("Long overdue", cio, S.on_track, due=date(2026, 5, 1), history=[(date(2026, 1, 5), S.on_track)])
    make("Quiet", cio, S.not_started, updated=TODAY - timedelta(days=40), history=[(date(2026, 1, 5), S.not_started)])
    make("Done", cfo, S.complete, due=date(2026, 10, 1), history=[(date(2026, 1, 5), S.complete)])
    session.commit()
    return made


def test_commitments_by_status_as_the_list_counts_them(world):
    made = commitments(db.session)
    counts = overview.commitments_by_status(db.session, EXECUTIVE, TODAY, stale_days=30)
    by_key = {row.key: row.count for row in counts.rows}
    assert by_key == {"not_started": 1, "on_track": 2, "at_risk": 1, "off_track": 1, "overdue": 2, "stale": 1}
    assert counts.open_total == 5 == sum(by_key[s] for s in ("not_started", "on_track", "at_risk", "off_track"))
    links = {row.key: row.href for row in counts.rows}
    assert links["at_risk"] == "/commitments/?status=at_risk" and links["overdue"] == "/commitments/?overdue=1"
    assert links["stale"].startswith("/commitments/?stale=30&status=not_started")

    # Every role sees the department's commitments (DESIGN §6: the agency dashboards); the list page shows an
    # officer their function's and a viewer none, so their counts open the C-suite functions page instead.
    officer = common.Scope(Role.officer, function_id=made["Slipped"].function_id)
    for scope in (officer, common.Scope(Role.viewer)):
        theirs = overview.commitments_by_status(db.session, scope, TODAY)
        assert {r.key: r.count for r in theirs.rows} == by_key
        assert not theirs.listed and {r.href for r in theirs.rows} == {"/dashboards/functions"}
    assert counts.listed
    from dashboards.pages.overview import commitments_tile

    footer = json.dumps(commitments_tile(theirs).to_plotly_json(), default=lambda o: o.to_plotly_json())
    assert "5 open commitments of the department's C-suite" in footer and "opens the C-suite functions page" in footer


def test_commitments_that_slipped_or_went_overdue_since_last_quarter(world):
    made = commitments(db.session)
    S = CommitmentStatus
    august = Commitment(function=made["Went overdue"].function, title="Slipped in the quarter", status=S.off_track,
                        reason="Vendor late.", evidence_links=[])
    august.updates = [CommitmentUpdate(at=_at(date(2026, 1, 5)), status=S.on_track),
                      CommitmentUpdate(at=_at(date(2026, 8, 20)), status=S.off_track)]
    db.session.add(august)
    db.session.commit()
    changes = overview.changes_since_prior(db.session, Q4, common.ProgramFilter(), EXECUTIVE, TODAY)
    # The latest quarter with data: from the close of the quarter before it to today (a slip in August,
    # inside FY2026-Q4, was in no quarter's window: FY2026-Q4's began when FY2027-Q1 did).
    assert (changes.since, changes.as_of) == (date(2026, 6, 30), TODAY)
    slipped = changes.of(overview.SLIPPED)
    assert [line.subject for line in slipped] == ["CFO: Slipped", "CIO: Slipped in the quarter"]
    assert slipped[0].text == "slipped from on track to at risk"
    assert slipped[0].href == f"/commitments/{made['Slipped'].id}"
    assert [line.subject for line in changes.of(overview.WENT_OVERDUE)] == ["CIO: Went overdue"], (
        "overdue before the quarter before closed is not news; a complete commitment is never overdue")
    earlier = overview.changes_since_prior(db.session, Q3, common.ProgramFilter(), EXECUTIVE, TODAY)
    assert (earlier.since, earlier.as_of) == (date(2026, 3, 31), date(2026, 6, 30)), "an earlier quarter: itself"
    assert [line.subject for line in earlier.of(overview.WENT_OVERDUE)] == ["CIO: Long overdue"]
    assert earlier.of(overview.SLIPPED) == []

    viewer = overview.changes_since_prior(db.session, Q4, common.ProgramFilter(), common.Scope(Role.viewer), TODAY)
    assert [(line.subject, line.href) for line in viewer.of(overview.SLIPPED)] == [
        ("CFO: Slipped", "/dashboards/function?code=CFO"),
        ("CIO: Slipped in the quarter", "/dashboards/function?code=CIO")], (
        "the same lines, each leading to its function's page: the commitment's refuses a viewer")

    # An earlier quarter's commitments as they stood at its close: one finished since, or given a later date
    # since, was overdue then all the same (the page read their status and date of today, and left them out);
    # one made since was not there to go overdue.
    late = Commitment(function=made["Went overdue"].function, title="Finished late", status=S.complete,
                      due_date=date(2026, 5, 15), evidence_links=[])
    late.updates = [CommitmentUpdate(at=_at(date(2026, 1, 5)), status=S.on_track),
                    CommitmentUpdate(at=_at(date(2026, 6, 2)), status=S.at_risk),
                    CommitmentUpdate(at=_at(date(2026, 8, 1)), status=S.complete)]
    moved = Commitment(function=made["Went overdue"].function, title="Moved later", status=S.on_track,
                       due_date=date(2027, 1, 1), evidence_links=[])
    moved.updates = [CommitmentUpdate(at=_at(date(2026, 1, 5)), status=S.on_track),
                     CommitmentUpdate(at=_at(date(2026, 8, 1)), status=S.on_track,
                                      changes={"due_date": ["2026-05-20", "2026-09-01"]}),
                     CommitmentUpdate(at=_at(date(2026, 9, 5)), status=S.on_track,
                                      changes={"due_date": ["2026-09-01", "2027-01-01"]})]
    since = Commitment(function=made["Went overdue"].function, title="Made since", status=S.on_track,
                       due_date=date(2026, 5, 10), evidence_links=[])
    since.updates = [CommitmentUpdate(at=_at(date(2026, 9, 1)), status=S.on_track)]
    db.session.add_all([late, moved, since])
    db.session.commit()
    earlier = overview.changes_since_prior(db.session, Q3, common.ProgramFilter(), EXECUTIVE, TODAY)
    assert [(line.subject, line.text) for line in earlier.of(overview.WENT_OVERDUE)] == [
        ("CIO: Finished late", "went overdue: due 2026-05-15, status at risk"),
        ("CIO: Long overdue", "went overdue: due 2026-05-01, status on track"),
        ("CIO: Moved later", "went overdue: due 2026-05-20, status on track")]
    now = overview.changes_since_prior(db.session, Q4, common.ProgramFilter(), EXECUTIVE, TODAY)
    assert [line.subject for line in now.of(overview.WENT_OVERDUE)] == ["CIO: Went overdue"], (
        "today's quarter: finished, moved on, or overdue before it began")

    # one made already past its due date went overdue the day it was made: said so, not as if it had slipped
    past = Commitment(function=made["Went overdue"].function, title="Made past due", status=S.on_track,
                      due_date=date(2026, 11, 15), evidence_links=[])
    past.updates = [CommitmentUpdate(at=_at(date(2026, 11, 19)), status=S.on_track)]
    db.session.add(past)
    db.session.commit()
    now = overview.changes_since_prior(db.session, Q4, common.ProgramFilter(), EXECUTIVE, TODAY)
    assert ("CIO: Made past due", "went overdue: due 2026-11-15, status on track; made on 2026-11-19, after its due "
            "date") in [(line.subject, line.text) for line in now.of(overview.WENT_OVERDUE)]


def test_a_commitment_made_this_quarter_slips_from_its_first_status_and_a_due_date_pushed_back_is_a_slip(world):
    made = commitments(db.session)
    cfo = made["Slipped"].function
    S = CommitmentStatus
    new = Commitment(function=cfo, title="Made in October", status=S.at_risk, reason="Vendor late.", evidence_links=[])
    new.updates = [CommitmentUpdate(at=_at(date(2026, 10, 11)), status=S.not_started),
                   CommitmentUpdate(at=_at(date(2026, 11, 2)), status=S.at_risk)]
    pushed = Commitment(function=cfo, title="Pushed back", status=S.at_risk, due_date=date(2027, 3, 31),
                        reason="Budget moved.", evidence_links=[])
    pushed.updates = [CommitmentUpdate(at=_at(date(2026, 1, 5)), status=S.on_track),
                      CommitmentUpdate(at=_at(date(2026, 10, 15)), status=S.on_track,
                                       changes={"due_date": ["2026-12-01", "2027-01-31"]}),
                      CommitmentUpdate(at=_at(date(2026, 11, 3)), status=S.at_risk,
                                       changes={"due_date": ["2027-01-31", "2027-03-31"]})]
    earlier = Commitment(function=cfo, title="Brought forward", status=S.on_track, due_date=date(2026, 12, 15),
                         evidence_links=[])
    earlier.updates = [CommitmentUpdate(at=_at(date(2026, 1, 5)), status=S.on_track),
                       CommitmentUpdate(at=_at(date(2026, 10, 15)), status=S.on_track,
                                        changes={"due_date": ["2027-01-31", "2026-12-15"]})]
    cleared = Commitment(function=cfo, title="Cleared then set earlier", status=S.at_risk, reason="Vendor late.",
                         due_date=date(2027, 1, 15), evidence_links=[])
    cleared.updates = [CommitmentUpdate(at=_at(date(2026, 1, 5)), status=S.on_track),
                       CommitmentUpdate(at=_at(date(2026, 10, 20)), status=S.at_risk,
                                        changes={"due_date": ["2027-03-29", None]}),
                       CommitmentUpdate(at=_at(date(2026, 11, 5)), status=S.at_risk,
                                        changes={"due_date": [None, "2027-01-15"]})]
    dated = Commitment(function=cfo, title="Dated then pushed", status=S.on_track, due_date=date(2027, 2, 1),
                       evidence_links=[])
    dated.updates = [CommitmentUpdate(at=_at(date(2026, 1, 5)), status=S.on_track),
                     CommitmentUpdate(at=_at(date(2026, 10, 20)), status=S.on_track,
                                      changes={"due_date": [None, "2026-12-10"]}),
                     CommitmentUpdate(at=_at(date(2026, 11, 5)), status=S.on_track,
                                      changes={"due_date": ["2026-12-10", "2027-02-01"]})]
    finished = Commitment(function=cfo, title="Pushed then finished", status=S.complete, due_date=date(2027, 1, 31),
                          evidence_links=[])
    finished.updates = [CommitmentUpdate(at=_at(date(2026, 1, 5)), status=S.on_track),
                        CommitmentUpdate(at=_at(date(2026, 11, 5)), status=S.on_track,
                                         changes={"due_date": ["2026-11-22", "2027-01-31"]}),
                        CommitmentUpdate(at=_at(date(2026, 11, 6)), status=S.complete)]
    # dropped in the window: an officer dropping bad news took it out of "what changed" (and off the briefing)
    given_up = Commitment(function=cfo, title="Dropped while off track", status=S.dropped, reason="No budget.",
                          due_date=date(2026, 11, 20), evidence_links=[])
    given_up.updates = [CommitmentUpdate(at=_at(date(2026, 1, 5)), status=S.off_track),
                        CommitmentUpdate(at=_at(date(2026, 11, 10)), status=S.dropped)]
    db.session.add_all([new, pushed, earlier, cleared, dated, finished, given_up])
    db.session.commit()
    changes = overview.changes_since_prior(db.session, Q4, common.ProgramFilter(), EXECUTIVE, TODAY)
    slipped = changes.of(overview.SLIPPED)
    assert [(line.subject, line.text) for line in slipped] == [
        ("CFO: Cleared then set earlier", "slipped from on track to at risk"),  # one line, its date brought forward
        ("CFO: Dated then pushed", "due date moved from 2026-12-10 to 2027-02-01"),  # given a date, then pushed
        ("CFO: Dropped while off track", "slipped from off track to dropped"),
        ("CFO: Made in October", "slipped from not started (as made on 2026-10-11) to at risk"),  # said made then
        ("CFO: Pushed back", "slipped from on track to at risk; due date moved from 2026-12-01 to 2027-03-31"),
        ("CFO: Slipped", "slipped from on track to at risk")], (
        "a date brought forward is no slip; nor is a commitment complete by the quarter's end, its date moved or not")


# ------------------------------------------------------------------------------ leaders below 3

def test_leaders_whose_cx_requirements_are_proposed_below_3(world):
    trust = world["metrics"]["trust"]
    plans = {}
    cfo = Function(code="CFO", name="Chief Financial Officer")
    for name, rating in (("Low Leader", 2), ("Fine Leader", 3), ("Lowest Leader", 1)):
        plan = PerformancePlan(leader=Leader(name=name, component=None if name == "Low Leader" else
                                             world["components"][0], function=cfo if name == "Low Leader" else None),
                               fiscal_year=2027)
        element = PlanElement(name="Results Driven", weight=40, is_results_driven=True)
        element.requirements = [PlanRequirement(text="Raise trust", metric=trust),
                                PlanRequirement(text="Lead people")]  # not CX: never listed
        plan.elements.append(element)
        db.session.add(plan)
        db.session.flush()
        finding(db.session, RuleSubject.requirement, element.requirements[0].id, "FY2027-Q1", rating=rating,
                key="requirement-rating")
        plans[name] = plan
    found = overview.leaders_below(db.session, EXECUTIVE)
    assert found.fiscal_year == 2027 and found.plans == 3
    assert [(x.leader, [r.rating for r in x.requirements]) for x in found.leaders] == [
        ("Lowest Leader", [1]), ("Low Leader", [2])]
    assert found.leaders[0].plan_id == plans["Lowest Leader"].id and found.leaders[0].component == "Bureau One"
    assert [x.unit for x in found.leaders] == ["Bureau One", "CFO"], "a C-suite leader is placed by function"
    assert overview.leaders_below(db.session, common.Scope(Role.viewer)) is None


def test_the_whole_overview_for_the_latest_quarter(world):
    found = overview.overview(db.session, None, common.ProgramFilter(), EXECUTIVE, TODAY, min_n=30)
    assert found.period == Q4 and found.periods[:2] == [Q4, Q3]
    assert [s.driver for s in found.scores] == ["trust", "satisfaction"]
    assert found.statuses.total == 4 and found.reporting.expected == 5 and found.commitments.open_total == 0
    assert found.leaders.fiscal_year is None


def test_an_agency_with_no_results_in_the_quarter_is_told_where_its_newest_are(world):
    """A performance.gov agency's data ends years before the department's: chosen on the latest quarter,
    its overview says nothing but zeros, so it names the agency's newest quarter with results."""
    c = Agency(code="DC", name="Department C")
    program = Program(component=Component(agency=c, code="C4", name="Bureau Four"), code="P-Foxtrot", name="Foxtrot")
    db.session.add(program)
    db.session.flush()
    observe(db.session, program, "trust", "FY2025-Q1", MID)
    observe(db.session, program, "trust", "FY2023-Q2", MID)
    db.session.commit()
    assert common.newest_period(db.session, common.ProgramFilter(agency_id=c.id)) == "FY2025-Q1"
    assert common.newest_period(db.session, common.ProgramFilter(agency_id=c.id, component_id=-1)) is None
    found = overview.overview(db.session, Q4, common.ProgramFilter(agency_id=c.id), EXECUTIVE, TODAY)
    assert (found.period, found.statuses.total, found.newest) == (Q4, 0, "FY2025-Q1")
    a = world["agencies"][0]
    assert overview.overview(db.session, Q4, common.ProgramFilter(agency_id=a.id), EXECUTIVE, TODAY).newest is None, (
        "an agency with results in the quarter needs no pointer")
    assert overview.overview(db.session, Q4, common.ProgramFilter(), EXECUTIVE, TODAY).newest is None


def test_the_overview_without_data(app):
    with app.app_context():
        found = overview.overview(db.session, None, common.ProgramFilter(), EXECUTIVE, TODAY)
        assert found.period is None and found.scores == [] and found.changes is None


def test_the_overview_and_the_compliance_page_count_a11_reporting_alike(evaluated):
    """The demo's real performance.gov programs stopped reporting years ago: both pages hold them to it."""
    from dashboards.queries.compliance import compliance
    from scorecard.periods import parse_period

    with evaluated.app_context():
        period = common.chosen_period(db.session, None)
        # a program that reported once, two years ago, and never since
        component = db.session.scalar(sa.select(Component).order_by(Component.id))
        quiet = Program(code="QUIET", name="Quiet Line", component=component)
        db.session.add(quiet)
        db.session.flush()
        trust = db.session.scalar(sa.select(Metric).where(Metric.code == "trust"))
        db.session.add(Observation(metric_id=trust.id, agency_id=component.agency_id, component_id=component.id,
                                   program_id=quiet.id, subject_key=subject_key(program_id=quiet.id),
                                   period=str(parse_period(period).prev(8)), value=4.0, n=50))
        db.session.commit()
        report = overview.a11_reporting(db.session, period)
        grid = compliance(db.session, period, 8)
        quarter = grid.quarters[-1]
        assert quarter.period == period and (report.expected, report.reported) == (quarter.designated, quarter.reported)
        not_reported = {row.program_id for row in grid.rows if row.cells[-1].status == "not_reported"}
        assert {pid for pid, _, _ in report.missing} == not_reported and quiet.id in not_reported


def test_the_leaders_tile_says_what_proposals_read_when_a_reader_could_take_them_for_the_quarters():
    """The tile shows the newest appraisal year's plans whatever quarter is chosen, and this year's (no
    quarter of which has results yet) are proposed from last year's quarters: a deputy secretary read
    "proposed 1" for FY2027 as judged on FY2027's data."""
    from dashboards.queries.overview import LeadersBelow

    periods = ["FY2026-Q4", "FY2026-Q3", "FY2026-Q2"]
    this_year = LeadersBelow(2027)
    assert this_year.read_from(periods, "FY2026-Q4") == (
        "No quarter of FY2027 has results yet: these proposals read each rule's window of quarters up to FY2027-Q1, "
        "and results so far end with FY2026-Q4 (a window that reaches none proposes nothing yet). They are the "
        "newest plans' (FY2027), whichever quarter is chosen; a red program's leaders are named from the plans of "
        "its quarter's year (or the nearest year's, where it has none)."), (
        "on the default quarter a reader met FY2027's proposals here and FY2026's under the red programs, unsaid")
    assert this_year.read_from(periods, "FY2026-Q2").endswith(
        "They are the newest plans' (FY2027), whichever quarter is chosen; a red program's leaders are named from "
        "the plans of its quarter's year (or the nearest year's, where it has none).")
    assert LeadersBelow(2026).read_from(periods, "FY2026-Q4") == ""
    assert LeadersBelow(2026).read_from(periods, "FY2026-Q2") == "", "the chosen quarter's own year"
    assert LeadersBelow(None).read_from(periods, "FY2026-Q4") == LeadersBelow(2026).read_from([], None) == ""
    # last year's plans while this year's results come in: the quarter shown is not their year
    ahead = ["FY2027-Q1", *periods]
    for chosen in (None, "FY2027-Q1"):
        assert LeadersBelow(2026).read_from(ahead, chosen) == (
            "They are the newest plans' (FY2026), whichever quarter is chosen; a red program's leaders are named "
            "from the plans of its quarter's year (or the nearest year's, where it has none)."), chosen
    assert LeadersBelow(2026).read_from(ahead, "FY2026-Q4") == ""


def test_the_leaders_tile_leads_to_the_leaders_page_for_those_it_does_not_list(app):
    """Past the ones listed, "and 12 more leaders." was a dead end where the other tiles link on."""
    from plotly.utils import PlotlyJSONEncoder

    from dashboards.pages.overview import LEADERS_SHOWN, leaders_tile
    from dashboards.queries.overview import LeaderBelow, LeadersBelow, RequirementBelow
    from tests.test_dashboard_pages import walk

    low = [RequirementBelow("Raise trust.", 2, 1)]
    found = LeadersBelow(2027, [LeaderBelow(f"Leader {k}", None, "Benefits", k, low) for k in range(LEADERS_SHOWN + 3)],
                         plans=40)
    tree = json.loads(json.dumps(leaders_tile(found).to_plotly_json(), cls=PlotlyJSONEncoder))
    more = [node["props"] for node in walk(tree) if node["props"].get("children") == "and 3 more, on the leaders page"]
    assert len(more) == 1 and more[0]["href"] == "/dashboards/leaders?year=2027", more
    # with an agency chosen the tile counts its leaders, and the leaders page opens on the same agency
    tree = json.loads(json.dumps(leaders_tile(found, agency=7).to_plotly_json(), cls=PlotlyJSONEncoder))
    more = [node["props"] for node in walk(tree) if node["props"].get("children") == "and 3 more, on the leaders page"]
    assert more[0]["href"] == "/dashboards/leaders?year=2027&agency=7", more


def test_a_count_of_one_is_written_in_the_singular(app):
    """A leader read "of the leaders in 1 FY2027 plans" on the overview and in the briefing; an agency of
    one program "of 1 programs with observations"; a function with one commitment "1 commitments"."""
    from plotly.utils import PlotlyJSONEncoder

    from dashboards.briefing.content import glance_table
    from dashboards.pages import functions as functions_page
    from dashboards.pages import life_experiences as life_page
    from dashboards.pages.function import summary as function_summary
    from dashboards.pages.overview import leaders_tile
    from dashboards.queries.functions import CommitmentLine, Functions, FunctionSummary
    from dashboards.queries.life_experience_rollup import Experience, LifeProgram, Rollup
    from dashboards.queries.overview import LeadersBelow
    from tests.test_dashboard_pages import walk

    def words(component) -> str:
        tree = json.loads(json.dumps(component.to_plotly_json(), cls=PlotlyJSONEncoder))
        return " ".join(str(node["props"].get("children")) for node in walk(tree))

    assert "of the leaders in 1 FY2027 plan (" in words(leaders_tile(LeadersBelow(2027, plans=1)))
    assert "of the leaders in 2 FY2027 plans (" in words(leaders_tile(LeadersBelow(2027, plans=2)))
    with app.app_context():
        world = build(db.session)
        observe(db.session, world["programs"]["Alpha"], "trust", "FY2025-Q1", [5, 5, 20, 40, 30])
        db.session.commit()
        found = overview.overview(db.session, "FY2025-Q1", common.ProgramFilter(), EXECUTIVE, TODAY)
        found.leaders = LeadersBelow(2027, plans=1)
        details = [row["detail"] for row in glance_table(found).rows]
        assert "of 1 program with observations in FY2025-Q1" in details, details
        assert any(d.startswith("of the leaders in 1 FY2027 plan (of every agency).") for d in details), details
        line = CommitmentLine(1, 1, None, "Publish CX spending", "on_track", None, [], None, None, 3, None, None, None,
                              None)
        one = FunctionSummary(1, "CFO", "Chief Financial Officer", commitments=[line])
        functions = Functions(TODAY, 30, 2027, rows=[one])
        assert functions_page.summary(functions).startswith("1 function, 1 commitment, 0 overdue")
        assert function_summary(functions, one, "CFO").startswith("1 commitment, 1 open")
        served = LifeProgram(1, "Alpha", "Benefits", "Agency", "green", 4.1, 40, None)
        rollup = Rollup("FY2025-Q1", experiences=[Experience(1, "Approaching retirement", programs=[served])])
        assert life_page.summary(rollup).startswith("1 life experience, 1 program, in FY2025-Q1")


def test_one_designated_program_and_one_open_commitment_are_written_in_the_singular(app):
    """An agency of one program read "1 of 1 designated programs reported" on the overview and the compliance
    page, a briefing "of 1 open commitments" beside a tile's "1 open commitment", a function's chart "1 of 1
    commitments"."""
    from dashboards.briefing.content import glance_table
    from dashboards.figures.functions import commitments_figure
    from dashboards.pages import compliance as compliance_page
    from dashboards.pages.overview import reporting_tile, under_way_notice
    from dashboards.queries import compliance
    from dashboards.queries.functions import CommitmentLine, Functions, FunctionSummary
    from dashboards.queries.overview import CommitmentCounts, Reporting

    counts = dict.fromkeys(compliance.STATUSES, 0) | {compliance.REPORTED: 1}
    found = compliance.Compliance(["FY2025-Q1"], quarters=[compliance.Quarter("FY2025-Q1", date(2025, 1, 30), counts)])
    assert compliance_page.summary(found).startswith("FY2025-Q1: 1 of 1 designated program reported (100%)")
    one = Reporting("FY2025-Q1", expected=1, reported=1, missing=[])
    assert "1 of 1 designated program reported in FY2025-Q1" in json.dumps(reporting_tile(one, None).to_plotly_json(),
                                                                           default=str)
    awaited = Reporting("FY2025-Q1", expected=1, reported=0, missing=[(1, "Alpha", "Benefits")],
                        due=date(2025, 1, 30), under_way=True)
    assert "0 of 1 designated program have reported so far" in json.dumps(
        [c.to_plotly_json() for c in under_way_notice(awaited)], default=str)
    line = CommitmentLine(1, 1, None, "Publish CX spending", "on_track", None, [], None, None, 3, None, None, None,
                          None)
    figure = commitments_figure(Functions(TODAY, 30, 2027, rows=[FunctionSummary(1, "CFO", "Chief Financial Officer",
                                                                                 commitments=[line])]))
    assert 'On track: 1 of 1 commitment"' in json.dumps(figure.to_plotly_json(), default=str)
    # one status alone is named in the legend too (Plotly hides a legend of one trace: its colour was all it had)
    assert figure.layout.showlegend is True and [trace.name for trace in figure.data] == ["On track"]
    from dashboards.figures.compliance import compliance_figure
    assert compliance_figure(found)["layout"]["showlegend"] is True
    with app.app_context():
        world = build(db.session)
        observe(db.session, world["programs"]["Alpha"], "trust", "FY2025-Q1", [5, 5, 20, 40, 30])
        db.session.commit()
        found = overview.overview(db.session, "FY2025-Q1", common.ProgramFilter(), EXECUTIVE, TODAY)
        found.commitments = CommitmentCounts(TODAY, 30, [overview.CommitmentCount("on_track", "On track", 1, "")], 1)
        details = [row["detail"] for row in glance_table(found).rows]
        assert f"of 1 open commitment, as of {TODAY.isoformat()}" in details, details
