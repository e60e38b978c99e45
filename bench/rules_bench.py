"""Rules benchmark: the default rule pack over an agency of 500 programs, 2,000 leaders (6 plan
elements and 3 CX requirements each) and 1,000,000 observations, on a SQLite file.

In one run (a fresh process after the data is built) it times:
  (a) the baseline: the one plain SELECT of the observation columns the evaluation reads,
      fetched through the driver's cursor;
  (b) a full evaluation, persisting every finding and its inputs (empty findings table);
  (c) an incremental evaluation after importing one program's quarter (the re-evaluation
      the import hook runs, for the subjects the import touched).
It also shows a full re-evaluation with nothing changed. Targets: b <= 3 * a, c <= 0.5 s.

    .venv/bin/python bench/rules_bench.py [--keep DIR]
"""
import argparse
import csv
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from processes import run_in_process  # noqa: E402  (bench/ is on the path when run)

TODAY = date(2026, 8, 15)            # FY2026-Q4; the data ends with FY2026-Q3
PROGRAMS, COMPONENTS, LEADERS = 500, 50, 2000
QUARTERS = 12
OBSERVATIONS = 1_000_000
DRIVERS = ["satisfaction", "trust", "effectiveness", "ease", "efficiency", "transparency", "employee"]
CHANNELS = ["web", "phone", "in person", "email", "mobile"]
ELEMENTS = [("Leading Change", 10), ("Leading People", 10), ("Business Acumen", 10),
            ("Building Coalitions", 10), ("Results Driven", 40), ("Customer Experience", 20)]


def _app(url):
    from scorecard import create_app
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True})


def build(path: Path) -> None:  # noqa: C901 — one straight block per table of the data set, read top to bottom
    """Create the schema and the agency with plain executemany inserts (fast, deterministic)."""
    import sqlalchemy as sa

    from scorecard.a11 import ensure_standard_metrics
    from scorecard.extensions import db
    from scorecard.models import (
        CAPACITY_DOMAINS,
        Agency,
        CapacityAssessment,
        CapacityDomainScore,
        Commitment,
        Component,
        Function,
        Leader,
        Observation,
        PerformancePlan,
        PlanElement,
        PlanRequirement,
        Program,
        Target,
    )
    from scorecard.models.commitments import commitment_metrics, commitment_programs
    from scorecard.models.plans import requirement_programs
    from scorecard.periods import Period
    from scorecard.rules.store import default_pack, import_rules

    rng = random.Random(4)
    app = _app(f"sqlite:///{path}")
    with app.app_context():
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
        functions = ["CFO", "CIO", "CHCO", "GC", "CDO", "CAO", "CXO", "PIO"]
        ins(Function, [{"id": i + 1, "code": code, "name": code} for i, code in enumerate(functions)])
        last = Period(2026, 3)
        periods = [str(last.prev(k)) for k in range(QUARTERS - 1, -1, -1)]
        fiscal_years = sorted({int(p[2:6]) for p in periods})
        targets = []
        for fy in fiscal_years:
            for code in DRIVERS:
                targets.append({"metric_id": metric_ids[code], "scope_type": "agency", "scope_id": 1, "fiscal_year": fy,
                                "target": 4.0, "green_at": 4.0, "amber_at": 3.7})
            for p in range(0, PROGRAMS, 10):
                targets.append({"metric_id": metric_ids["trust"], "scope_type": "program", "scope_id": p + 1,
                                "fiscal_year": fy, "target": 4.2, "green_at": 4.2, "amber_at": 3.9})
        ins(Target, targets)
        _observations(session, Observation, metric_ids, periods, rng, now)
        # Leaders: 40 per component, a plan each: 6 elements, 1 general requirement per element,
        # and 3 CX requirements (drivers in rotation) linked to 2 of the component's programs.
        ins(Leader, [{"id": i + 1, "name": f"Leader {i:04d}", "email": f"leader{i:04d}@bench.gov",
                      "component_id": i % COMPONENTS + 1} for i in range(LEADERS)])
        ins(PerformancePlan, [{"id": i + 1, "leader_id": i + 1, "fiscal_year": 2026, "rating_method": "opm_majority"}
                              for i in range(LEADERS)])
        elements, requirements, links = [], [], []
        element_id = requirement_id = 0
        for i in range(LEADERS):
            component = i % COMPONENTS
            for position, (name, weight) in enumerate(ELEMENTS):
                element_id += 1
                elements.append({"id": element_id, "plan_id": i + 1, "name": name, "position": position,
                                 "weight": weight, "is_results_driven": name == "Results Driven", "is_critical": True})
                requirement_id += 1
                requirements.append({"id": requirement_id, "element_id": element_id, "position": 0,
                                     "text": f"Demonstrates {name.lower()}.", "metric_id": None})
                if name == "Results Driven":
                    for k in range(3):
                        requirement_id += 1
                        code = DRIVERS[(i + k) % len(DRIVERS)]
                        requirements.append({"id": requirement_id, "element_id": element_id, "position": k + 1,
                                             "text": f"Raise {code} to target.", "metric_id": metric_ids[code]})
                        first = component * per + (i // COMPONENTS + k) % per
                        for program in {first, component * per + (first + 3) % per}:
                            links.append({"requirement_id": requirement_id, "program_id": program + 1})
        ins(PlanElement, elements)
        ins(PlanRequirement, requirements)
        ins(requirement_programs, links)
        commitments, c_programs, c_metrics = [], [], []
        for k in range(200):
            commitments.append({"id": k + 1, "function_id": k % len(functions) + 1, "title": f"Commitment {k:03d}",
                                "status": ["not_started", "on_track", "at_risk", "off_track", "complete"][k % 5],
                                "reason": "Vendor delays." if k % 5 in (2, 3) else None, "evidence_links": [],
                                "due_date": TODAY + timedelta(days=rng.randint(-90, 300)),
                                "last_update_at": now - timedelta(days=rng.randint(1, 90)),
                                "created_at": now, "updated_at": now, "version": 1})
            c_programs += [{"commitment_id": k + 1, "program_id": p + 1} for p in {k % PROGRAMS, (k * 7) % PROGRAMS}]
            c_metrics.append({"commitment_id": k + 1, "metric_id": metric_ids["trust"]})
        ins(Commitment, commitments)
        ins(commitment_programs, c_programs)
        ins(commitment_metrics, c_metrics)
        assessments, scores = [], []
        for c in range(COMPONENTS):
            for fy in (2025, 2026):
                assessments.append({"id": len(assessments) + 1, "component_id": c + 1, "fiscal_year": fy,
                                    "scale_min": 1, "scale_max": 7, "created_at": now, "updated_at": now})
                scores += [{"assessment_id": len(assessments), "domain": d, "position": i, "score": rng.randint(2, 7)}
                           for i, d in enumerate(CAPACITY_DOMAINS)]
        ins(CapacityAssessment, assessments)
        ins(CapacityDomainScore, scores)
        import_rules(session, default_pack(), publish=True)
        session.commit()
        db.engine.dispose()


def _observations(session, Observation, metric_ids, periods, rng, now) -> None:
    """1,000,000 survey observations: 500 programs x 7 drivers x 12 quarters, 23-24 touchpoints each."""
    table = Observation.__table__
    connection = session.connection()
    stamp = table.c.created_at.type._cached_bind_processor(connection.dialect)(now)
    columns = ("metric_id", "agency_id", "component_id", "program_id", "subject_key", "period", "channel",
               "touchpoint", "value", "n", "count_1", "count_2", "count_3", "count_4", "count_5", "created_at",
               "updated_at")
    sql = f"INSERT INTO observations ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    shapes = []
    for _ in range(997):
        mean = rng.uniform(2.8, 4.8)
        n = rng.randint(2, 40)
        weights = [max(0.02, 1.3 - abs(k - mean)) for k in range(1, 6)]
        counts = [int(n * w / sum(weights)) for w in weights]
        counts[round(mean) - 1] += n - sum(counts)
        shapes.append((sum((k + 1) * c for k, c in enumerate(counts)) / n, n, *counts))
    groups = PROGRAMS * len(DRIVERS) * len(periods)
    full = OBSERVATIONS - groups * 23  # groups with a 24th touchpoint
    rows, g, s = [], 0, 0
    per = PROGRAMS // COMPONENTS
    for p in range(PROGRAMS):
        small = p % 17 == 0  # a few programs struggle to reach the minimum sample
        for period in periods:
            for code in DRIVERS:
                for t in range(24 if g < full else 23):
                    shape = shapes[s % len(shapes)]
                    s += 1
                    if small:
                        shape = (3.0, 1, 0, 0, 1, 0, 0)
                    rows.append((metric_ids[code], 1, p // per + 1, p + 1, f"program:{p + 1}", period,
                                 CHANNELS[t % 5], f"survey {t // 5}", *shape, stamp, stamp))
                g += 1
        if len(rows) > 100_000:
            connection.exec_driver_sql(sql, rows)
            rows = []
    connection.exec_driver_sql(sql, rows)


def _one_program_file(folder: Path) -> Path:
    """A canonical metrics file: one program's latest quarter, every driver, new answer counts."""
    path = folder / "one-program.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["component", "program", "metric", "period", "channel", "touchpoint", "n",
                         "count_1", "count_2", "count_3", "count_4", "count_5"])
        for k, code in enumerate(DRIVERS):
            for t in range(24):
                counts = [1 + k, 2, 5 + t % 3, 20, 12 + t]
                writer.writerow(["Component 00", "Program 003", code, "FY2026-Q3", CHANNELS[t % 5], f"survey {t // 5}",
                                 sum(counts), *counts])
    return path


def _measure(url: str, csv_path: str, queue) -> None:
    import gc

    from importers.pipeline import run_import
    from scorecard.extensions import db
    from scorecard.rules import hooks
    from scorecard.rules.context import fetch_rows, load_context, observation_select
    from scorecard.rules.service import evaluate, metrics_read, published_rules
    from scorecard.signals import import_committed

    app = _app(url)
    out = {}
    with app.app_context():
        session = db.session
        rules = [r for _, r in published_rules(session)]
        ctx = load_context(session, today=TODAY, observations=False)
        query = observation_select(metrics_read(ctx, rules))
        session.rollback()
        fetch_rows(session, query)  # warm the page cache once, as for the runs below
        session.rollback()
        gc.collect()
        gc.disable()  # as the evaluation does: the fastest plain read is the baseline
        started = time.perf_counter()
        rows = fetch_rows(session, query)
        out["a"] = time.perf_counter() - started
        gc.enable()
        out["rows"] = len(rows)
        del rows
        session.rollback()
        gc.collect()
        started = time.perf_counter()
        first = evaluate(session, today=TODAY)
        out["b"] = time.perf_counter() - started
        out["b_counts"] = first.as_json()
        gc.collect()
        started = time.perf_counter()
        again = evaluate(session, today=TODAY)
        out["again"] = time.perf_counter() - started
        out["again_counts"] = again.as_json()
        # The import hook's own work, timed alone: capture what the import touched, then
        # re-evaluate exactly that (the hook is disconnected meanwhile so it runs once).
        captured = {}
        import_committed.disconnect(hooks.on_import)

        def record(sender, touched=None, **extra):
            captured["touched"] = touched
        import_committed.connect(record)
        started = time.perf_counter()
        result = run_import(session, csv_path)
        out["import"] = time.perf_counter() - started
        assert result.status == "imported", (result.status, result.errors[:3], result.message)
        gc.collect()
        started = time.perf_counter()
        incremental = evaluate(session, touched=captured["touched"], today=TODAY)
        out["c"] = time.perf_counter() - started
        out["c_counts"] = incremental.as_json()
        out["touched"] = len(captured["touched"])
        db.engine.dispose()
    queue.put(out)


def _build_in_process(path: str, queue) -> None:
    build(Path(path))
    queue.put(True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="Build the database in this folder and keep it.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="scorecard-rules-bench-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "rules-bench.db"
        if path.exists():
            path.unlink()
        print(f"Building {PROGRAMS} programs, {LEADERS:,} leaders, {OBSERVATIONS:,} observations ...", flush=True)
        started = time.perf_counter()
        run_in_process(_build_in_process, str(path))
        print(f"  built in {time.perf_counter() - started:.0f} s ({path.stat().st_size / 1e6:.0f} MB)")
        out = run_in_process(_measure, f"sqlite:///{path}", str(_one_program_file(folder)))

    b, c = out["b_counts"], out["c_counts"]
    again = out["again_counts"]
    rerun_changed = again["inserted"] + again["updated"] + again["deleted"]
    lines = [(f"(a) baseline: one plain SELECT of {out['rows']:,} observation rows", out["a"]),
             (f"(b) full evaluation, persisting {b['findings']:,} findings", out["b"]),
             ("    full re-evaluation, nothing changed", out["again"]),
             (f"    one-program import ({out['touched']} subject-quarters touched)", out["import"]),
             ("(c) incremental evaluation after that import", out["c"])]
    print(f"\n{'step':<62} {'seconds':>8}")
    for label, seconds in lines:
        print(f"{label:<62} {seconds:>8.2f}")
    print(f"\n(b): {b['inserted']} findings added; re-run: {again['unchanged']} unchanged, {rerun_changed} changed")
    print(f"(c): {c['subjects']} subjects, {c['findings']} findings: {c['inserted']} added, {c['updated']} updated, "
          f"{c['deleted']} removed, {c['unchanged']} unchanged")
    ratio = out["b"] / out["a"]
    checks = [(f"ratio b/a {ratio:.2f} <= 3.0", ratio <= 3.0),
              (f"incremental {out['c']:.2f} s <= 0.5 s", out["c"] <= 0.5),
              ("re-run changed nothing", again["unchanged"] == b["findings"] and rerun_changed == 0)]
    for text, ok in checks:
        print(("PASS " if ok else "FAIL ") + text)
    sys.exit(0 if all(ok for _, ok in checks) else 1)


if __name__ == "__main__":
    main()
