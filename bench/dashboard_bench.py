"""Dashboard benchmark: every callback of every dashboard page on an agency of 500 programs,
40 quarters, 1,000,000 observations and 2,000 leaders (plans, CX requirements, the rules'
findings), on a SQLite file.

The pages and their callbacks are found as the app declares them (Dash's page registry and
callback map), so a page added later is measured too. Each callback is requested as the browser
requests it: a POST to Dash's callback endpoint (its inputs and states; the answer serialised) by a
client signed in as an executive, with the values the page's layout starts with (a dropdown without
one takes its first option; a button counts one click). For each, 20 calls:
  cold — the dashboards' cache (queries and answers) emptied before every call;
  warm — the cache filled by one call first.
Beside them, the baseline: one hand-written SQL query computing the same numbers from the same
database (fetched through sqlite3), run once after each of the callback's calls, cold and warm (its
p95 over those runs). Where a page's numbers do not fit one query, the closest one
is named. Lines read `ratio cold <page>.<callback> X.XX` (p95 ÷ baseline p95), and `ratio warm`.
Targets: cold <= 2.0, warm <= 0.2. It also reports the first full load of the overview (server
time of GET /dashboards/, its _dash-layout and _dash-dependencies, the page routing and the
overview's first callbacks, through a signed-in test client), a briefing written at this scale,
and the peak RSS of the measuring process.

    .venv/bin/python bench/dashboard_bench.py [--keep DIR] [--calls 20] [--page NAME]
"""
import argparse
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from processes import peak_mb, run_in_process  # noqa: E402  (bench/ is on the path when run)

TODAY = date(2026, 11, 15)            # FY2027-Q1; the data ends with FY2026-Q4
PROGRAMS, COMPONENTS, LEADERS = 500, 50, 2000
QUARTERS = 40
OBSERVATIONS = 1_000_000
DRIVERS = ["satisfaction", "trust", "effectiveness", "ease", "efficiency", "transparency", "employee"]
CHANNELS = ["web", "phone", "in person", "email", "mobile", "mail", "chat", "kiosk"]
ELEMENTS = [("Leading Change", 10), ("Leading People", 10), ("Business Acumen", 10),
            ("Building Coalitions", 10), ("Results Driven", 40), ("Customer Experience", 20)]
FUNCTIONS = ["CFO", "CIO", "CHCO", "GC", "CDO", "CAO", "CXO", "PIO"]
LIFE_EXPERIENCES = ["Approaching retirement", "Recovering from a disaster", "Having a child", "Starting a business",
                    "Transitioning from service", "Facing a financial shock"]
TARGETS = {"cold": 2.0, "warm": 0.2}


def _app(url):
    """The app as wsgi.py serves it (settled for serving), on the benchmark's database."""
    from scorecard import create_app, settle_for_serving
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False})
    settle_for_serving()
    return app


# ------------------------------------------------------------------------------------- the data

def build(path: Path) -> None:  # noqa: C901 — one straight block per table of the data set, read top to bottom
    """Create the schema and the agency with executemany inserts (scorecard.bulk), then publish
    and run the default rule pack, so the findings are the engine's own."""
    import sqlalchemy as sa

    from scorecard.a11 import ensure_standard_metrics
    from scorecard.bulk import bulk_insert, collector_paused
    from scorecard.extensions import db
    from scorecard.models import (
        CAPACITY_DOMAINS,
        Agency,
        CapacityAssessment,
        CapacityDomainScore,
        Commitment,
        CommitmentUpdate,
        Component,
        Function,
        Leader,
        LifeExperience,
        PerformancePlan,
        PlanElement,
        PlanRequirement,
        Program,
        Target,
    )
    from scorecard.models.commitments import commitment_metrics, commitment_programs
    from scorecard.models.org import program_life_experience
    from scorecard.models.plans import requirement_programs
    from scorecard.periods import Period
    from scorecard.rules.service import evaluate
    from scorecard.rules.store import default_pack, import_rules

    rng = random.Random(9)
    app = _app(f"sqlite:///{path}")
    with app.app_context(), collector_paused():
        db.create_all()
        session = db.session
        metrics = ensure_standard_metrics(session)
        session.flush()
        metric_ids = {code: metrics[code].id for code in DRIVERS}
        now = datetime.now(UTC)

        def ins(model, rows):
            if rows:
                session.execute(sa.insert(getattr(model, "__table__", model)), rows)
        ins(Agency, [{"id": 1, "code": "BENCH", "name": "Bench Department"}])
        ins(Component, [{"id": c + 1, "agency_id": 1, "code": f"C{c:02d}", "name": f"Component {c:02d}",
                         "is_hisp": c % 3 != 2} for c in range(COMPONENTS)])
        per = PROGRAMS // COMPONENTS
        ins(Program, [{"id": p + 1, "component_id": p // per + 1, "code": f"P{p:03d}", "name": f"Program {p:03d}"}
                      for p in range(PROGRAMS)])
        ins(Function, [{"id": i + 1, "code": code, "name": code} for i, code in enumerate(FUNCTIONS)])
        ins(LifeExperience, [{"id": i + 1, "name": name} for i, name in enumerate(LIFE_EXPERIENCES)])
        ins(program_life_experience, [{"program_id": p + 1, "life_experience_id": p % len(LIFE_EXPERIENCES) + 1}
                                      for p in range(0, PROGRAMS, 2)])
        last = Period(2026, 4)
        periods = [str(last.prev(k)) for k in range(QUARTERS - 1, -1, -1)]
        targets = []
        for fy in sorted({int(p[2:6]) for p in periods} | {TODAY.year + 1}):
            for code in DRIVERS:
                targets.append({"metric_id": metric_ids[code], "scope_type": "agency", "scope_id": 1, "fiscal_year": fy,
                                "target": 4.0, "green_at": 4.0, "amber_at": 3.7})
            for p in range(0, PROGRAMS, 10):
                targets.append({"metric_id": metric_ids["trust"], "scope_type": "program", "scope_id": p + 1,
                                "fiscal_year": fy, "target": 4.2, "green_at": 4.2, "amber_at": 3.9})
        ins(Target, targets)
        _observations(session, bulk_insert, metric_ids, periods, rng, now)
        # Leaders: 40 per component (a quarter of them in a C-suite function), a FY2026 and a FY2027 plan
        # each: 6 elements, 1 general requirement each, and 3 CX requirements on 2 of the component's programs.
        ins(Leader, [{"id": i + 1, "name": f"Leader {i:04d}", "email": f"leader{i:04d}@bench.gov",
                      "title": f"Director {i:04d}", "component_id": i % COMPONENTS + 1,
                      "function_id": i % len(FUNCTIONS) + 1 if i % 4 == 0 else None} for i in range(LEADERS)])
        plans, elements, requirements, links = [], [], [], []
        for year in (2026, 2027):
            for i in range(LEADERS):
                plans.append({"id": len(plans) + 1, "leader_id": i + 1, "fiscal_year": year,
                              "rating_method": "opm_majority"})
                component = i % COMPONENTS
                for position, (name, weight) in enumerate(ELEMENTS):
                    elements.append({"id": len(elements) + 1, "plan_id": len(plans), "name": name,
                                     "position": position, "weight": weight,
                                     "is_results_driven": name == "Results Driven", "is_critical": True})
                    requirements.append({"id": len(requirements) + 1, "element_id": len(elements), "position": 0,
                                         "text": f"Demonstrates {name.lower()}.", "metric_id": None})
                    if name == "Results Driven":
                        for k in range(3):
                            code = DRIVERS[(i + k) % len(DRIVERS)]
                            requirements.append({"id": len(requirements) + 1, "element_id": len(elements),
                                                 "position": k + 1, "text": f"Raise {code} to target.",
                                                 "metric_id": metric_ids[code]})
                            first = component * per + (i // COMPONENTS + k) % per
                            for program in {first, component * per + (first + 3) % per}:
                                links.append({"requirement_id": len(requirements), "program_id": program + 1})
        ins(PerformancePlan, plans)
        ins(PlanElement, elements)
        ins(PlanRequirement, requirements)
        ins(requirement_programs, links)
        commitments, c_programs, c_metrics, updates = [], [], [], []
        statuses = ["not_started", "on_track", "at_risk", "off_track", "complete"]
        for k in range(400):
            status = statuses[k % 5]
            commitments.append({"id": k + 1, "function_id": k % len(FUNCTIONS) + 1, "title": f"Commitment {k:03d}",
                                "leader_id": (k * 37) % LEADERS + 1 if k % 2 else None,
                                "component_id": k % COMPONENTS + 1, "status": status,
                                # a third are action items of the component's capacity plan
                                "capacity_domain": CAPACITY_DOMAINS[k // 3 % 5] if k % 3 == 0 else None,
                                "reason": "Vendor delays." if status in ("at_risk", "off_track") else None,
                                "evidence_links": [], "due_date": TODAY + timedelta(days=rng.randint(-120, 300)),
                                "last_update_at": now - timedelta(days=rng.randint(1, 90)),
                                "created_at": now - timedelta(days=400), "updated_at": now, "version": 4})
            c_programs += [{"commitment_id": k + 1, "program_id": p + 1} for p in {k % PROGRAMS, (k * 7) % PROGRAMS}]
            c_metrics.append({"commitment_id": k + 1, "metric_id": metric_ids["trust"]})
            for u, days in enumerate((300, 120, 40)):
                updates.append({"commitment_id": k + 1, "at": now - timedelta(days=days + k % 20),
                                "status": statuses[(k + u) % 4] if u < 2 else status, "changes": {}})
        ins(Commitment, commitments)
        ins(commitment_programs, c_programs)
        ins(commitment_metrics, c_metrics)
        ins(CommitmentUpdate, updates)
        assessments, scores = [], []
        for c in range(COMPONENTS):
            for fy in (2025, 2026, 2027):
                assessments.append({"id": len(assessments) + 1, "component_id": c + 1, "fiscal_year": fy,
                                    "scale_min": 1, "scale_max": 7, "created_at": now, "updated_at": now})
                scores += [{"assessment_id": len(assessments), "domain": d, "position": i, "score": rng.randint(2, 7)}
                           for i, d in enumerate(CAPACITY_DOMAINS)]
        ins(CapacityAssessment, assessments)
        ins(CapacityDomainScore, scores)
        import_rules(session, default_pack(), publish=True)
        session.commit()
        evaluate(session, today=TODAY)
        session.commit()
        db.engine.dispose()


def _observations(session, bulk_insert, metric_ids, periods, rng, now) -> None:
    """1,000,000 survey observations: 500 programs x 7 drivers x 40 quarters, 7 or 8 channel and
    touchpoint rows each; a program's level drifts over the quarters, a few stay below the minimum n."""
    from scorecard.models import Observation

    columns = ("metric_id", "agency_id", "component_id", "program_id", "subject_key", "period", "channel",
               "touchpoint", "value", "n", "count_1", "count_2", "count_3", "count_4", "count_5", "created_at",
               "updated_at")
    stamp = Observation.__table__.c.created_at.type._cached_bind_processor(session.connection().dialect)(now)
    shapes = {}

    def shape(mean: float, n: int) -> tuple:
        key = (round(mean, 1), n)
        if key not in shapes:
            weights = [max(0.02, 1.3 - abs(k - mean)) for k in range(1, 6)]
            counts = [int(n * w / sum(weights)) for w in weights]
            counts[min(4, max(0, round(mean) - 1))] += n - sum(counts)
            shapes[key] = (sum((k + 1) * c for k, c in enumerate(counts)) / n, n, *counts)
        return shapes[key]

    groups = PROGRAMS * len(DRIVERS) * len(periods)
    eights = OBSERVATIONS - groups * 7  # groups with an 8th row
    rows, g = [], 0
    per = PROGRAMS // COMPONENTS
    for p in range(PROGRAMS):
        small = p % 17 == 0
        level = rng.uniform(3.2, 4.6)
        for q, period in enumerate(periods):
            level = min(4.8, max(2.6, level + rng.uniform(-0.12, 0.12)))
            for d, code in enumerate(DRIVERS):
                for t in range(8 if g < eights else 7):
                    mean = min(4.9, max(1.5, level + (d - 3) * 0.05 + (t % 3 - 1) * 0.1))
                    values = (3.0, 1, 0, 0, 1, 0, 0) if small else shape(mean, 8 + (p + q + t) % 25)
                    rows.append((metric_ids[code], 1, p // per + 1, p + 1, f"program:{p + 1}", period,
                                 CHANNELS[t], f"survey {t % 3}", *values, stamp, stamp))
                g += 1
        if len(rows) > 100_000:
            bulk_insert(session, Observation.__table__, columns, rows, processed=("created_at", "updated_at"))
            rows = []
    bulk_insert(session, Observation.__table__, columns, rows, processed=("created_at", "updated_at"))


def _build_in_process(path: str, queue) -> None:
    build(Path(path))
    queue.put(True)


# ------------------------------------------------------------------------------------- baselines

_DRIVERS = "(SELECT id FROM metrics WHERE driver IS NOT NULL AND kind = 'likert')"
_POOLED = "SUM(o.n), SUM(o.count_1), SUM(o.count_2), SUM(o.count_3), SUM(o.count_4), SUM(o.count_5)"

# page -> (what the query computes, SQL with :named parameters). One statement each.
BASELINES = {
    "overview": ("every number of the overview in one statement: each program's pooled answer counts per driver "
                 "in the quarter and the one before, the targets, the status findings, the programs expected and "
                 "reported (A-11), commitments by status with overdue and stale counts, their status history, and "
                 "the leaders with a CX requirement proposed below 3", f"""
        WITH pooled AS (
            SELECT o.program_id AS a, o.metric_id AS b, o.period AS c, {_POOLED}
            FROM observations o JOIN programs p ON p.id = o.program_id
            WHERE o.period IN (:now, :prior) AND o.metric_id IN {_DRIVERS}
            GROUP BY o.program_id, o.metric_id, o.period),
        expected AS (SELECT DISTINCT program_id FROM observations WHERE period IN (:p1, :p2, :p3, :p4)
                     AND program_id IS NOT NULL),
        reported AS (SELECT DISTINCT program_id FROM observations WHERE period = :now AND program_id IS NOT NULL),
        year AS (SELECT MAX(fiscal_year) AS fy FROM performance_plans)
        SELECT 'pooled', * FROM pooled
        UNION ALL SELECT 'target', scope_type, scope_id, metric_id, target, green_at, amber_at, fiscal_year, NULL, NULL
            FROM targets WHERE fiscal_year = :fy
        UNION ALL SELECT 'status', subject_id, status, id, explanation, NULL, NULL, NULL, NULL, NULL
            FROM findings WHERE subject_type = 'program' AND outcome = 'status' AND period IN (:now, :prior)
        UNION ALL SELECT 'reporting', e.program_id, r.program_id IS NOT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
            FROM expected e LEFT JOIN reported r ON r.program_id = e.program_id
        UNION ALL SELECT 'commitments', status, COUNT(*), SUM(due_date < :today),
                         SUM(julianday(:today) - julianday(COALESCE(last_update_at, created_at)) >= 30),
                         NULL, NULL, NULL, NULL, NULL
            FROM commitments GROUP BY status
        UNION ALL SELECT 'history', commitment_id, status, MAX(at), NULL, NULL, NULL, NULL, NULL, NULL
            FROM commitment_updates WHERE at <= :today GROUP BY commitment_id, at <= :since
        UNION ALL SELECT 'leaders', pl.leader_id, MIN(f.rating), COUNT(*), NULL, NULL, NULL, NULL, NULL, NULL
            FROM performance_plans pl JOIN plan_elements e ON e.plan_id = pl.id
            JOIN plan_requirements r ON r.element_id = e.id
            JOIN findings f ON f.subject_type = 'requirement' AND f.subject_id = r.id AND f.outcome = 'rating'
            WHERE pl.fiscal_year = (SELECT fy FROM year) AND r.metric_id IS NOT NULL AND f.rating < 3
            GROUP BY pl.leader_id"""),
    "heatmap": ("programs x drivers in the quarter: pooled answer counts with program, component and the target "
                "that applies (program, else component, else agency)", f"""
        SELECT p.id, p.name, c.name, o.metric_id, {_POOLED},
               COALESCE(tp.target, tc.target, ta.target), COALESCE(tp.amber_at, tc.amber_at, ta.amber_at)
        FROM observations o JOIN programs p ON p.id = o.program_id JOIN components c ON c.id = p.component_id
        LEFT JOIN targets tp ON tp.scope_type = 'program' AND tp.scope_id = p.id AND tp.metric_id = o.metric_id
             AND tp.fiscal_year = :fy
        LEFT JOIN targets tc ON tc.scope_type = 'component' AND tc.scope_id = c.id AND tc.metric_id = o.metric_id
             AND tc.fiscal_year = :fy
        LEFT JOIN targets ta ON ta.scope_type = 'agency' AND ta.scope_id = c.agency_id AND ta.metric_id = o.metric_id
             AND ta.fiscal_year = :fy
        WHERE o.period = :now AND o.metric_id IN {_DRIVERS}
        GROUP BY p.id, o.metric_id ORDER BY c.name, p.name"""),
    "program": ("closest: one program's pooled answer counts per metric, quarter and channel over every quarter (its "
                "trend and breakdown); its findings and accountability chain are further small reads", f"""
        SELECT o.metric_id, o.period, o.channel, {_POOLED}, COUNT(*)
        FROM observations o WHERE o.program_id = :program GROUP BY o.metric_id, o.period, o.channel"""),
    "life_experiences": ("each life experience's programs' pooled answer counts per driver in the quarter", f"""
        SELECT le.life_experience_id, o.program_id, o.metric_id, {_POOLED}
        FROM program_life_experience le JOIN observations o ON o.program_id = le.program_id
        WHERE o.period = :now AND o.metric_id IN {_DRIVERS}
        GROUP BY le.life_experience_id, o.program_id, o.metric_id"""),
    "compliance": ("programs x the last 8 quarters: observations, answer counts, respondents and the first "
                   "import batch of each cell", """
        SELECT o.program_id, o.period, COUNT(*), SUM(o.count_1 IS NOT NULL), SUM(o.n), MIN(b.committed_at)
        FROM observations o LEFT JOIN import_batches b ON b.id = o.first_import_batch_id
        WHERE o.program_id IS NOT NULL AND o.period IN (SELECT DISTINCT period FROM observations
                                                        ORDER BY period DESC LIMIT 8)
        GROUP BY o.program_id, o.period"""),
    "functions": ("closest: each function's commitments by status with overdue and stale counts, and the rating "
                  "findings of the requirements that name a function (its own metrics have no rows here)", """
        SELECT 'commitments', function_id, status, COUNT(*), SUM(due_date < :today),
               SUM(julianday(:today) - julianday(COALESCE(last_update_at, created_at)) >= 30)
        FROM commitments GROUP BY function_id, status
        UNION ALL SELECT 'function metrics', function_id, metric_id, period, SUM(n), COUNT(*) FROM observations
        WHERE function_id IS NOT NULL GROUP BY function_id, metric_id, period
        UNION ALL SELECT 'leaders', l.function_id, l.id, MIN(f.rating), COUNT(*), NULL
        FROM leaders l JOIN performance_plans pl ON pl.leader_id = l.id JOIN plan_elements e ON e.plan_id = pl.id
        JOIN plan_requirements r ON r.element_id = e.id
        LEFT JOIN findings f ON f.subject_type = 'requirement' AND f.subject_id = r.id AND f.outcome = 'rating'
        WHERE l.function_id IS NOT NULL GROUP BY l.function_id, l.id"""),
    "leaders": ("every plan of the year with its elements, CX requirements and their rating findings, and the "
                "elements' decided ratings", """
        SELECT pl.id, l.name, l.component_id, l.function_id, e.id, e.weight, r.id, f.rating, f.id, er.confirmed_rating
        FROM performance_plans pl JOIN leaders l ON l.id = pl.leader_id JOIN plan_elements e ON e.plan_id = pl.id
        JOIN plan_requirements r ON r.element_id = e.id AND r.metric_id IS NOT NULL
        LEFT JOIN findings f ON f.subject_type = 'requirement' AND f.subject_id = r.id AND f.outcome = 'rating'
        LEFT JOIN element_ratings er ON er.element_id = e.id
        WHERE pl.fiscal_year = (SELECT MAX(fiscal_year) FROM performance_plans)"""),
    "capacity": ("each component's domain scores this year and the year before with its agency, the published "
                 "rules' evidence-score findings of this year's scores, and every action-plan commitment with its "
                 "function, status, due date and the components it reaches (its own and its programs')", """
        WITH assessed AS (SELECT * FROM capacity_assessments WHERE fiscal_year IN (:capacity_fy, :capacity_fy - 1))
        SELECT 'score', a.component_id, c.name, g.name, a.fiscal_year, a.status, a.scale_min, a.scale_max,
               s.id, s.domain, s.score
        FROM assessed a JOIN capacity_domain_scores s ON s.assessment_id = a.id
        JOIN components c ON c.id = a.component_id JOIN agencies g ON g.id = c.agency_id
        UNION ALL SELECT 'evidence', f.subject_id, f.score, f.period, f.explanation, f.id, NULL, NULL, NULL, NULL,
                         NULL
        FROM findings f JOIN rule_versions v ON v.id = f.rule_version_id
        WHERE f.subject_type = 'capacity_domain' AND f.outcome = 'score' AND v.status = 'published'
          AND f.subject_id IN (SELECT s.id FROM capacity_domain_scores s JOIN assessed a ON a.id = s.assessment_id
                               WHERE a.fiscal_year = :capacity_fy)
        UNION ALL SELECT 'action', m.id, m.title, fn.code, m.status, m.due_date, m.capacity_domain, m.leader_id,
                         m.component_id, p.component_id, NULL
        FROM commitments m JOIN functions fn ON fn.id = m.function_id
        LEFT JOIN commitment_programs cp ON cp.commitment_id = m.id LEFT JOIN programs p ON p.id = cp.program_id
        WHERE m.capacity_domain IS NOT NULL"""),
}
BASELINES["function"] = BASELINES["functions"]
DEFAULT_BASELINE = "heatmap"  # a page added later without a baseline of its own is measured against this


def _parameters(db_path: str) -> dict:
    from scorecard.periods import parse_period

    connection = sqlite3.connect(db_path)
    now = connection.execute("SELECT MAX(period) FROM observations WHERE program_id IS NOT NULL").fetchone()[0]
    program = connection.execute("SELECT MIN(id) FROM programs").fetchone()[0]
    capacity_fy = connection.execute("SELECT MAX(fiscal_year) FROM capacity_assessments").fetchone()[0]
    connection.close()
    period = parse_period(now)
    return {"now": now, "prior": str(period.prev()), **{f"p{k}": str(period.prev(k)) for k in range(1, 5)},
            "fy": period.fiscal_year, "today": TODAY.isoformat(),
            "since": datetime.combine(period.end, datetime.max.time()).isoformat(sep=" "),
            "program": program, "capacity_fy": capacity_fy}


class _Baseline:
    """One baseline statement on its own sqlite3 connection, timed a call at a time: the measuring loop
    runs it between the callback's calls, so that both see the machine as it is at that moment (on a
    shared machine its speed drifts by a third over minutes; timed in separate runs, the ratio took the
    drift in)."""

    def __init__(self, db_path: str, sql: str, parameters: dict):
        self.connection = sqlite3.connect(db_path)
        self.sql, self.used = sql, {k: v for k, v in parameters.items() if f":{k}" in sql}
        self.timings: list[float] = []
        self.time()  # the first warms SQLite's page cache, as the callbacks' first call does: not counted
        self.timings.clear()

    def time(self) -> None:
        started = time.perf_counter()
        self.rows = len(self.connection.execute(self.sql, self.used).fetchall())
        self.timings.append(time.perf_counter() - started)

    def close(self) -> None:
        self.connection.close()


# ------------------------------------------------------------------------------------- the callbacks

def _walk(node):
    """Every component of a layout (Dash components, lists, or their JSON)."""
    from dash.development.base_component import Component

    if isinstance(node, Component):
        yield node
        yield from _walk(getattr(node, "children", None))
    elif isinstance(node, (list, tuple)):
        for child in node:
            yield from _walk(child)


CHOOSER = ("", "first choice")  # the first option of a page's chooser (a dropdown without a value)


def _defaults(layout) -> dict:
    """{(component id, property): value} the layout starts with; a dropdown without a value takes
    its first option, a button one click."""
    found = {}
    for component in _walk(layout):
        cid = getattr(component, "id", None)
        if not isinstance(cid, str):
            continue
        for prop in component._prop_names:
            value = getattr(component, prop, None)
            if prop == "value" and value is None and getattr(component, "options", None):
                first = component.options[0]
                value = first.get("value") if isinstance(first, dict) else first
                found.setdefault(CHOOSER, value)
            if prop == "n_clicks":
                value = 1
            found[(cid, prop)] = value
    return found


def _page_layouts(app, user) -> dict:
    """{page module: {(id, prop): value}} from each registered page's layout as the user opens it."""
    import dash
    from flask_login import login_user

    layouts = {}
    for page in dash.page_registry.values():
        layout = page["layout"]
        with app.test_request_context(page["relative_path"]):
            login_user(user)
            tree = layout() if callable(layout) else layout
            values = _defaults(tree)
            url = getattr(sys.modules.get(page["module"]), "url", None)
            if callable(layout) and url is not None:
                # A page that needs a query (a program's id) starts from its chooser: open its first choice.
                query = {p.name: str(values.get((p.control, p.prop), values.get(CHOOSER))) for p in url.params
                         if values.get((p.control, p.prop), values.get(CHOOSER)) not in (None, p.omit)}
                values = _defaults(layout(**query))
        layouts[page["module"]] = values
    return layouts


def _callbacks(app, user) -> list[dict]:
    """Every server callback, with the page it belongs to (the page whose layout holds its first
    input) and the request body the browser would send with the layout's starting values."""
    import inspect

    from dashboards import dash_app

    layouts = _page_layouts(app, user)
    found = []
    for output, entry in dash_app.callback_map.items():
        if not callable(entry.get("callback")):
            continue  # runs in the browser
        inputs = entry["inputs"]
        if any(not isinstance(spec["id"], str) or spec["id"].startswith("{") for spec in inputs):
            found.append({"name": f"?.{output}", "skip": "pattern-matching ids"})
            continue
        first = (inputs[0]["id"], inputs[0]["property"])
        raw = inspect.unwrap(entry["callback"])
        module = raw.__module__ if raw.__module__ in layouts else next(
            (m for m, values in layouts.items() if first in values), None) or next(
            # a control a page's callback draws (a download panel in its body): the page its id names
            (m for m in layouts if first[0].split("-")[0] == m.rsplit(".", 1)[-1]), None)
        if module is None:
            if first[0] != "_pages_location":  # Dash's own page routing is timed with the page load
                found.append({"name": f"?.{raw.__name__}", "skip": f"no page's layout holds {first[0]}"})
            continue
        defaults = layouts[module]

        def sent(specs, values=defaults):
            # A button is pressed once; a panel whose table is drawn when opened is open (the table timed drawn).
            def value(spec):
                if spec["property"] == "open":
                    return True
                return values.get((spec["id"], spec["property"]), 1 if spec["property"] == "n_clicks" else None)
            return [{**spec, "value": value(spec)} for spec in specs]
        outputs = [dict(zip(("id", "property"), o.rsplit(".", 1))) for o in
                   (output[2:-2].split("...") if output.startswith("..") else [output])]
        body = {"output": output, "outputs": outputs if len(outputs) > 1 else outputs[0], "inputs": sent(inputs),
                "state": sent(entry.get("state", [])), "changedPropIds": [f"{first[0]}.{first[1]}"]}
        page = module.rsplit(".", 1)[-1]
        name = f"{page}.{raw.__name__}"
        if raw.__module__ == "dashboards.briefing.panel":
            found.append({"name": name, "skip": "starts a background job; the briefing is timed below"})
            continue
        found.append({"name": name, "page": page, "body": body})
    names = [c["name"] for c in found]
    for item in found:  # two callbacks of one name on a page (e.g. two download panels) get their output
        if names.count(item["name"]) > 1 and "body" in item:
            item["name"] += "[" + item["body"]["output"].strip(".").split(".")[0] + "]"
    return found


def _call(client, body: dict) -> int:
    """One callback, requested as the browser requests it: a POST to Dash's callback endpoint by a
    signed-in client (the server's checks and its answer cache included); its answer's size."""
    response = client.post("/dashboards/_dash-update-component", json=body)
    assert response.status_code in (200, 204), (body["output"], response.status_code,
                                                response.get_data(as_text=True)[:300])
    return len(response.data)


def _percentiles(timings: list[float]) -> tuple[float, float]:
    ordered = sorted(timings)
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
    return statistics.median(ordered), p95


def _page_load(app, user) -> list[tuple[str, float]]:
    """The overview's first load through a signed-in test client: the page, its layout and
    dependencies, the page routing callback, then the overview's callbacks that fire on load."""
    from dashboards import dash_app

    client = app.test_client(user=user)
    steps = []

    def timed(label, send):
        started = time.perf_counter()
        response = send()
        steps.append((label, time.perf_counter() - started))
        assert response.status_code == 200, (label, response.status_code, response.get_data(as_text=True)[:300])
        return response
    timed("GET /dashboards/", lambda: client.get("/dashboards/"))
    timed("GET /dashboards/_dash-layout", lambda: client.get("/dashboards/_dash-layout"))
    timed("GET /dashboards/_dash-dependencies", lambda: client.get("/dashboards/_dash-dependencies"))
    routing = next(o for o, e in dash_app.callback_map.items()
                   if callable(e.get("callback")) and any(i["id"] == "_pages_location" for i in e["inputs"]))
    entry = dash_app.callback_map[routing]
    values = {("_pages_location", "pathname"): "/dashboards/", ("_pages_location", "search"): ""}
    body = {"output": routing, "outputs": [dict(zip(("id", "property"), o.rsplit(".", 1)))
                                           for o in routing[2:-2].split("...")],
            "inputs": [{**s, "value": values.get((s["id"], s["property"]))} for s in entry["inputs"]],
            "state": [{**s, "value": values.get((s["id"], s["property"]))} for s in entry.get("state", [])],
            "changedPropIds": ["_pages_location.pathname"]}
    timed("POST page routing (the overview's layout)",
          lambda: client.post("/dashboards/_dash-update-component", json=body))
    for item in _callbacks(app, user):
        if item.get("page") == "overview" and not dash_app.callback_map[item["body"]["output"]].get(
                "prevent_initial_call"):
            timed(f"POST {item['name']}", lambda b=item["body"]: client.post("/dashboards/_dash-update-component",
                                                                             json=b))
    return steps


def _briefing_times(app, user) -> list[tuple[str, float, int]]:
    from dashboards.briefing import jobs
    from dashboards.cache import cache
    from dashboards.queries.common import Scope
    from scorecard.extensions import db

    out = []
    for fmt in ("pdf", "xlsx"):
        with app.app_context():
            cache.clear()
        request = jobs.Request(user.id, user.email, Scope.of(user), None, None, fmt, TODAY, "http://localhost/")
        with app.app_context():
            started = time.perf_counter()
            job_id, _ = jobs.start(app, request, wait=True)
            elapsed = time.perf_counter() - started
            state = jobs.state(app, db.session, job_id, user.id)
        assert state["status"] == "done", state
        out.append((fmt, elapsed, state["size"]))
    return out


def _measure(url: str, db_path: str, calls: int, only: str, folder: str, queue) -> None:
    try:
        queue.put(_measured(url, db_path, calls, only, folder))
    except BaseException as error:  # the parent waits on the queue: tell it, never leave it waiting
        import traceback
        queue.put({"error": "".join(traceback.format_exception(error))})
        raise


def _measured(url: str, db_path: str, calls: int, only: str, folder: str) -> dict:
    import gc

    from flask_login import FlaskLoginClient

    from dashboards import dash_app
    from dashboards.cache import cache
    from scorecard.extensions import db
    from scorecard.models import Role, User

    app = _app(url)
    app.config["UPLOAD_FOLDER"] = folder  # the briefings' files
    app.test_client_class = FlaskLoginClient
    with app.app_context():
        user = db.session.query(User).filter_by(email="bench.executive@bench.gov").one_or_none()
        if user is None:
            user = User(email="bench.executive@bench.gov", role=Role.executive)
            user.set_password("bench bench bench")
            db.session.add(user)
            db.session.commit()
        user_id = user.id
    out = {"load": [], "callbacks": [], "skipped": []}
    with app.app_context():
        user = db.session.get(User, user_id)
        db.session.expunge(user)
    parameters = _parameters(db_path)
    for _what, sql in BASELINES.values():  # a baseline that does not run fails now, not after minutes
        _Baseline(db_path, sql, parameters).close()
    out["load"] = _page_load(app, user)  # the very first requests: empty cache, nothing warmed
    client = app.test_client(user=user)
    for item in _callbacks(app, user):
        if "skip" in item:
            out["skipped"].append((item["name"], item["skip"]))
            continue
        if only and item["page"] != only:
            continue
        page = item["page"]
        key = page if page in BASELINES else DEFAULT_BASELINE
        what, sql = BASELINES[key]
        baseline = _Baseline(db_path, sql, parameters)
        gc.collect()
        cold, warm = [], []
        size = 0
        for _ in range(calls):  # each call followed by one of the baseline's (its p95 over both loops)
            with app.app_context():
                cache.clear()
            started = time.perf_counter()
            size = _call(client, item["body"])
            cold.append(time.perf_counter() - started)
            baseline.time()
        for _ in range(calls):
            started = time.perf_counter()
            _call(client, item["body"])
            warm.append(time.perf_counter() - started)
            baseline.time()
        baseline.close()
        out["callbacks"].append({"name": item["name"], "cold": _percentiles(cold), "warm": _percentiles(warm),
                                 "baseline": _percentiles(baseline.timings), "baseline_of": key,
                                 "baseline_rows": baseline.rows,
                                 "what": what, "own_baseline": page in BASELINES, "bytes": size,
                                 "prevent_initial_call": bool(dash_app.callback_map[item["body"]["output"]]
                                                              .get("prevent_initial_call"))})
    out["briefing"] = _briefing_times(app, user)
    out["rss"] = peak_mb()
    with app.app_context():
        db.engine.dispose()
    return out


# ------------------------------------------------------------------------------------- the report

def report(out: dict) -> bool:
    total = sum(seconds for _, seconds in out["load"])
    print("\nFirst full load of the overview (server time, signed in, empty cache):")
    for label, seconds in out["load"]:
        print(f"  {label:<58} {seconds * 1000:>8.0f} ms")
    print(f"  {'total':<58} {total * 1000:>8.0f} ms")
    print(f"\n{'callback':<44} {'cold p50':>9} {'cold p95':>9} {'warm p50':>9} {'warm p95':>9} "
          f"{'base p50':>9} {'base p95':>9}   (ms)")
    for c in out["callbacks"]:
        print(f"{c['name']:<44} " + " ".join(f"{v * 1000:>9.1f}" for v in (*c["cold"], *c["warm"], *c["baseline"])))
    print("\nBaselines (one SQL statement each, fetched through sqlite3):")
    for key in sorted({c["baseline_of"] for c in out["callbacks"]}):
        c = next(c for c in out["callbacks"] if c["baseline_of"] == key)
        print(f"  {key}: {c['what']} ({c['baseline_rows']:,} rows)")
    own = {c["name"].split(".")[0] for c in out["callbacks"] if not c["own_baseline"]}
    if own:
        print(f"  pages without a baseline of their own, measured against {DEFAULT_BASELINE}'s: "
              f"{', '.join(sorted(own))}")
    for name, why in out["skipped"]:
        print(f"  not timed: {name} ({why})")
    for fmt, seconds, size in out["briefing"]:
        print(f"\nBriefing ({fmt}, all agencies, empty cache): written in {seconds:.2f} s, {size / 1024:,.0f} KB")
    print(f"\nPeak RSS of the measuring process: {out['rss']:.0f} MB\n")
    ok = True
    for c in out["callbacks"]:
        for kind in ("cold", "warm"):
            ratio = c[kind][1] / c["baseline"][1]
            passed = ratio <= TARGETS[kind]
            ok &= passed
            print(f"ratio {kind} {c['name']} {ratio:.2f}" + ("" if passed else f"   FAIL (target {TARGETS[kind]})"))
    return ok


def _schema_matches(path: Path) -> bool:
    """Whether a kept database has the models' tables, columns and indexes: one built before a migration
    added a column (element_ratings.basis) failed the briefing minutes into a run, and one without a new
    index measures the old schema. Said when it is built again."""
    from scorecard import models  # noqa: F401 — the models' tables, on the metadata
    from scorecard.extensions import db

    tables = db.metadata.tables.values()
    wanted = {(table.name, column.name) for table in tables for column in table.columns} | {
        (table.name, f"index {index.name}") for table in tables for index in table.indexes}
    connection = sqlite3.connect(path)
    try:
        names = [name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        kept = {(table, row[1]) for table in names for row in connection.execute(f'PRAGMA table_info("{table}")')}
        kept |= {(table, f"index {name}") for table, name in connection.execute(
            "SELECT tbl_name, name FROM sqlite_master WHERE type = 'index'")}
    finally:
        connection.close()
    if wanted <= kept:
        return True
    print(f"The kept database lacks {len(wanted - kept)} of the models' columns and indexes "
          f"({', '.join(sorted(f'{t}.{c}' for t, c in wanted - kept)[:3])}): building it again.", flush=True)
    return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="Build the database in this folder and keep it (reused if there).")
    parser.add_argument("--calls", type=int, default=20, help="calls of each callback, cold and warm")
    parser.add_argument("--page", default="", help="measure this page's callbacks only")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="scorecard-dashboard-bench-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "dashboard-bench.db"
        if not (args.keep and path.exists() and _schema_matches(path)):
            path.unlink(missing_ok=True)
            print(f"Building {PROGRAMS} programs, {QUARTERS} quarters, {LEADERS:,} leaders, {OBSERVATIONS:,} "
                  "observations, the rules' findings ...", flush=True)
            started = time.perf_counter()
            run_in_process(_build_in_process, str(path))
            print(f"  built in {time.perf_counter() - started:.0f} s ({path.stat().st_size / 1e6:.0f} MB)", flush=True)
        print(f"Measuring every dashboard callback ({args.calls} calls cold, {args.calls} warm) ...", flush=True)
        out = run_in_process(_measure, f"sqlite:///{path}", str(path), args.calls, args.page,
                             str(folder / "briefings"))
    if "error" in out:
        sys.exit(f"The measuring process failed:\n{out['error']}")
    if args.json:
        args.json.write_text(json.dumps(out, indent=1, default=str))
    sys.exit(0 if report(out) else 1)


if __name__ == "__main__":
    main()
