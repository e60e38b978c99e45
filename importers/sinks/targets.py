"""The target sink: one target per metric, scope and fiscal year, with direction-aware thresholds."""
import sqlalchemy as sa

from importers.resolve import Directory, Unknown
from importers.sinks.lookups import find_scope, scope_words
from importers.sinks.observations import RANGES, range_words
from importers.sinks.tracked import TrackedSink
from scorecard.models import Direction, MetricKind, Target
from scorecard.naming import Namesakes


class TargetSink(TrackedSink):
    permission = "manage_metrics"
    refused = "only administrators and analysts may import targets"

    def finish(self) -> None:
        directory = Directory(self.session)
        namesakes = Namesakes(self.session)  # the scopes told from namesakes (scope_words)
        years = {r["fiscal_year"] for _, r in self.records}
        stored = {(t.metric_id, t.scope_type, t.scope_id, t.fiscal_year): t for t in self.session.scalars(
            sa.select(Target).where(Target.fiscal_year.in_(years)))}
        first_row: dict[tuple, int] = {}
        planned = []
        for row, record in self.records:
            try:
                metric = directory.metric(record["metric"])
            except Unknown as error:
                self.fail(row, "metric", record["metric"], str(error))
                metric = None
            try:
                scope_type, scope = find_scope(directory, record["scope"], record.get("scope_type"))
            except Unknown as error:
                self.fail(row, "scope", record["scope"], str(error))
                continue
            if metric is None:
                continue
            values = {"metric_id": metric.id, "scope_type": scope_type, "scope_id": scope.id,
                      "fiscal_year": record["fiscal_year"], "target": record["target"],
                      "green_at": record["target"] if record.get("green_at") is None else record["green_at"],
                      "amber_at": record["amber_at"]}
            if not self._consistent(row, record, metric, values):
                continue
            key = (metric.id, scope_type, scope.id, record["fiscal_year"])
            if key in first_row:
                self.fail(row, "metric", record["metric"], f"the same metric, scope and fiscal year as row "
                          f"{first_row[key]}")
                continue
            first_row[key] = row
            label = f"{scope_type.value} {scope_words(namesakes, scope_type, scope)}"
            planned.append((row, key, metric, values, label))
        marked = {row for row, record in self.records if record.get("written_as_percent")}  # "1%": a percent
        self.warnings = _shares([p for p in planned if p[0] not in marked])
        if self.errors:
            return
        for row, key, metric, values, label in planned:
            self.tracker.put(row, Target, key, stored.get(key), values, what=f"target {metric.code}", label=label,
                             year=f"FY{values['fiscal_year']}")

    def _consistent(self, row, record, metric, values) -> bool:
        """Values in the metric's range; thresholds ordered for its direction; the target itself green."""
        low, high = RANGES[metric.kind]
        bad = False
        for column in ("target", "green_at", "amber_at"):
            value = values[column]
            if not low <= value <= high:
                self.fail(row, column, value, f"{value:g} is outside the range of a {metric.kind.value} metric "
                          f"({range_words(metric.kind)})")
                bad = True
        if bad:
            return False
        green, amber, target = values["green_at"], values["amber_at"], values["target"]
        higher = metric.direction is not Direction.lower
        better = "higher" if higher else "lower"
        if (amber > green) if higher else (amber < green):
            self.fail(row, "amber_at", amber, f"the thresholds are inconsistent: {metric.code!r} is better "
                      f"{better}, so amber_at ({amber:g}) must not be {'above' if higher else 'below'} green_at "
                      f"({green:g})")
            return False
        if (target < green) if higher else (target > green):
            self.fail(row, "target", target, f"the thresholds are inconsistent: reaching the target {target:g} "
                      f"would not be green, since green starts at {green:g} ({metric.code!r} is better {better})")
            return False
        return True


def _shares(planned) -> list[str]:
    """A percent metric's targets whose target and thresholds all lie between 0 and 1 (0.85 is kept as
    0.85%, and every value above it is green): most likely shares where percents were meant, said before
    the confirm as the metrics layout says it of values (importers.sinks.observations)."""
    found: dict[str, list] = {}
    for row, _key, metric, values, label in planned:
        numbers = [values[c] for c in ("target", "green_at", "amber_at")]
        if metric.kind is MetricKind.percent and 0 < values["target"] <= 1 and all(0 <= v <= 1 for v in numbers):
            found.setdefault(metric.code, []).append((row, values["target"], label))
    out = []
    for code, rows in sorted(found.items()):
        row, target, label = min(rows)
        out.append(f"{code} is a percent (0 to 100), and {len(rows):,} of its targets in this file have the target "
                   f"and thresholds between 0 and 1 (the first on row {row}, for {label}: {target:g}, stored as "
                   f"{target:g}%). If they are shares, give them as percents ({target * 100:g}, or {target * 100:g}%) "
                   "and upload the file again; if they are percents of 1 or less, nothing needs to change.")
    return out

