"""The observation sink: resolve names, check values against their metric, plan
insert/update/unchanged by natural key, and commit with the values replaced."""
import math
from typing import Optional

import sqlalchemy as sa

from importers.formats.observation_formats import KEEP
from importers.resolve import Directory, Unknown
from importers.sinks.base import Change, Plan, SinkError
from scorecard.a11 import ensure_standard_metrics
from scorecard.models import ImportRowChange, MetricKind, Observation, subject_key
from scorecard.periods import PeriodError, parse_period

COMPARED = ("value", "n", "count_1", "count_2", "count_3", "count_4", "count_5", "question_text", "notes")
RANGES = {
    MetricKind.likert: (1.0, 5.0),
    MetricKind.percent: (0.0, 100.0),
    MetricKind.count: (0.0, math.inf),
    MetricKind.duration: (0.0, math.inf),
    MetricKind.currency: (-math.inf, math.inf),
    MetricKind.index: (-math.inf, math.inf),
}


def _same(a, b) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            return a is b
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return a == b


class ObservationSink:
    table = "observations"

    def __init__(self, session, options: Optional[dict] = None):
        self.session = session
        self.options = options or {}
        self.errors: list[SinkError] = []
        self.rows: dict[tuple, dict] = {}
        self.first_row: dict[tuple, int] = {}
        self.unplaced: list[dict] = []
        self._periods: dict = {}
        ensure_standard_metrics(session)
        session.flush()
        self.directory = Directory(session)
        self._subjects: dict = {}

    # -- resolve ------------------------------------------------------------------------------
    def _period(self, raw) -> str:
        try:
            return self._periods[raw]
        except KeyError:
            try:
                value = str(parse_period(raw))
            except PeriodError as error:
                value = error
            self._periods[raw] = value
            return value

    def _subject(self, record: dict):
        """(agency, component, program, function) for a record, cached per distinct name set."""
        names = (record["agency"] if not isinstance(record["agency"], dict) else None,
                 record["component"] if not isinstance(record["component"], dict) else None,
                 record["program"] if not isinstance(record["program"], dict) else None,
                 record["function"])
        if isinstance(record["program"], dict):  # performance.gov ids
            names = ("pg", record["agency"]["external_id"], record["component"]["external_id"],
                     record["program"]["external_id"])
        if names in self._subjects:
            return self._subjects[names]
        d = self.directory
        try:
            if isinstance(record["program"], dict):
                agency = d.external("agency", record["agency"])
                component = d.external("component", record["component"], agency)
                program = d.external("program", record["program"], component)
                # A service is filed under the provider it was first seen with; the subject follows it.
                subject = (program.component.agency, program.component, program, None)
            else:
                agency_name, component_name, program_name, function_name = names
                agency = d.agency(agency_name) if agency_name else None
                component = d.component(component_name, agency) if component_name else None
                if program_name:
                    program = d.program(program_name, component)
                    subject = (program.component.agency, program.component, program, None)
                else:
                    function = d.function(function_name)
                    agency = agency or (component.agency if component else d.agency(None))
                    subject = (agency, component, None, function)
        except Unknown as error:
            subject = error
        self._subjects[names] = subject
        return subject

    def add(self, row: int, record: dict) -> None:
        """Resolve one record and keep it under its natural key (or record why not)."""
        if record.get("unplaced"):
            self.unplaced.append({"row": row, "question": record["question_text"] or "(no question text)"})
            return
        problems = []
        period = self._period(record["period"])
        if isinstance(period, PeriodError):
            problems.append(("period", record["period"], str(period)))
        subject = self._subject(record)
        if isinstance(subject, Unknown):
            column = "program" if record.get("program") else "function"
            problems.append((column, _name(record.get(column)), str(subject)))
        metric = None
        try:
            metric = self.directory.metric(record["metric"]) if record["metric"] else None
            if metric is None:
                problems.append(("metric", None, "the metric is missing"))
        except Unknown as error:
            problems.append(("metric", record["metric"], str(error)))
        if metric is not None:
            driver = record.get("driver")
            if driver and (metric.driver is None or metric.driver.value != driver.strip().lower()):
                problems.append(("driver", driver, f"metric {metric.code!r} has driver "
                                 f"{metric.driver.value if metric.driver else 'none'}, not {driver!r}"))
            value = record["value"]
            low, high = RANGES[metric.kind]
            if value is not None and not (low <= value <= high):
                problems.append(("value", value, f"{value} is outside the range of a {metric.kind.value} metric "
                                 f"({low:g} to {high:g})"))
            if record["counts"] is not None and metric.kind is not MetricKind.likert:
                problems.append(("count_1", record["counts"][0],
                                 f"answer counts only belong to survey (likert) metrics, not {metric.code!r}"))
        if problems:
            self.errors.extend(SinkError(row, c, v, m) for c, v, m in problems)
            return
        agency, component, program, function = subject
        skey = subject_key(program.id if program else None, function.id if function else None,
                           component.id if component else None, agency.id)
        key = (metric.id, skey, period, record["channel"], record["touchpoint"])
        if key in self.rows:
            self.errors.append(SinkError(row, "metric", record["metric"],
                                         f"the same metric, subject, period, channel and touchpoint as row "
                                         f"{self.first_row[key]}"))
            return
        counts = record["counts"] or (None,) * 5
        self.first_row[key] = row
        self.rows[key] = {
            "metric_id": metric.id, "agency_id": agency.id, "component_id": component.id if component else None,
            "program_id": program.id if program else None, "function_id": function.id if function else None,
            "subject_key": skey, "period": period, "channel": record["channel"], "touchpoint": record["touchpoint"],
            "value": record["value"] if record["counts"] is None else _mean(counts), "n": record["n"],
            "count_1": counts[0], "count_2": counts[1], "count_3": counts[2], "count_4": counts[3],
            "count_5": counts[4], "question_text": record["question_text"], "notes": record["notes"],
        }

    # -- plan ---------------------------------------------------------------------------------
    def plan(self) -> Plan:
        plan = Plan(created={k: v for k, v in self.directory.created.items() if v}, unplaced=self.unplaced)
        existing = self._existing()
        for key, after in self.rows.items():
            row = self.first_row[key]
            current = existing.get(key)
            if current is None:
                plan.inserts.append(Change(row, "insert", key, None,
                                           {k: (None if v is KEEP else v) for k, v in after.items()}))
                continue
            fields = [f for f in COMPARED if after[f] is not KEEP]
            if all(_same(current[f], after[f]) for f in fields):
                plan.unchanged += 1
            else:
                before = {f: current[f] for f in fields}
                before["import_batch_id"] = current["import_batch_id"]
                plan.updates.append(Change(row, "update", key, {"id": current["id"], **before},
                                           {f: after[f] for f in fields}))
        return plan

    def _existing(self) -> dict:
        if not self.rows:
            return {}
        metric_ids = {k[0] for k in self.rows}
        periods = {k[2] for k in self.rows}
        o = Observation
        query = sa.select(o.id, o.metric_id, o.subject_key, o.period, o.channel, o.touchpoint, o.import_batch_id,
                          *[getattr(o, f) for f in COMPARED]).where(o.metric_id.in_(metric_ids),
                                                                     o.period.in_(periods))
        found = {}
        for r in self.session.execute(query).mappings():
            key = (r["metric_id"], r["subject_key"], r["period"], r["channel"], r["touchpoint"])
            if key in self.rows:
                found[key] = r
        return found

    # -- commit -------------------------------------------------------------------------------
    def commit(self, plan: Plan, batch) -> None:
        """Write the plan inside the caller's transaction, recording what each row replaced."""
        from scorecard.models import utcnow

        now = utcnow()
        session = self.session
        changes = []
        if plan.inserts:
            rows = [{**c.after, "import_batch_id": batch.id, "created_at": now, "updated_at": now}
                    for c in plan.inserts]
            ids = session.scalars(sa.insert(Observation).returning(Observation.id, sort_by_parameter_order=True),
                                  rows).all()
            changes += [{"batch_id": batch.id, "table_name": self.table, "row_id": i, "action": "insert",
                         "before": None, "after": None}
                        for i in ids]
        if plan.updates:
            groups: dict = {}
            for c in plan.updates:  # one executemany per set of fields written
                groups.setdefault(tuple(c.after), []).append(
                    {"id": c.before["id"], **c.after, "import_batch_id": batch.id, "updated_at": now})
            for params in groups.values():
                session.execute(sa.update(Observation), params)
            changes += [{"batch_id": batch.id, "table_name": self.table, "row_id": c.before["id"],
                         "action": "update", "before": {k: v for k, v in c.before.items() if k != "id"},
                         "after": c.after} for c in plan.updates]
        if changes:
            session.execute(sa.insert(ImportRowChange), changes)

    def describe(self, change) -> dict:
        """A change in words, for the preview table."""
        metric_id, skey, period, channel, touchpoint = change.key
        d = self.directory
        metric = next((m.code for m in d.metrics if m.id == metric_id), str(metric_id))
        kind, _, rest = skey.partition(":")
        subject_id = int(rest.split("@")[0])
        if kind == "program":
            subject = next((p.name for p in d.programs if p.id == subject_id), skey)
        else:
            subject = next((f.code for f in d.functions if f.id == subject_id), skey)
        before = change.before or {}
        return {"row": change.row, "action": change.action, "metric": metric, "subject": subject, "period": period,
                "channel": channel, "touchpoint": touchpoint,
                "before": None if not before else _fmt(before.get("value"), before.get("n")),
                "after": _fmt(change.after.get("value", before.get("value")), change.after.get("n", before.get("n")))}



    def touched(self) -> set:
        """Subjects and periods this import wrote, for re-evaluating only what changed."""
        return {(k[1], k[2]) for k in self.rows}


def _mean(counts) -> Optional[float]:
    total = sum(counts)
    if not total:
        return None
    return sum((k + 1) * c for k, c in enumerate(counts)) / total


def _name(ref):
    return ref.get("name") if isinstance(ref, dict) else ref


def _fmt(value, n) -> str:
    text = "no data" if value is None else f"{value:.4g}"
    return text if n is None else f"{text} (n={n})"
