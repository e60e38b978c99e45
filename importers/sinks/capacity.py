"""The capacity-assessment sink: one assessment per component and fiscal year, one score per domain."""
import sqlalchemy as sa
import sqlalchemy.orm as so

from importers.resolve import Directory, Unknown, _key
from importers.sinks.tracked import TrackedSink
from scorecard.models import CAPACITY_DOMAINS, CapacityAssessment, CapacityDomainScore

DEFAULT_SCALE = (1, 7)


class CapacitySink(TrackedSink):
    permission = "import_data"
    refused = "only administrators and analysts may import capacity assessments"

    def finish(self) -> None:
        directory = Directory(self.session)
        stored = {(a.component_id, a.fiscal_year): a for a in self.session.scalars(
            sa.select(CapacityAssessment).options(so.selectinload(CapacityAssessment.domain_scores)))}
        first_row: dict[tuple, int] = {}
        planned = []
        for row, record in self.records:
            try:
                component = directory.component(record["component"])
            except Unknown as error:
                self.fail(row, "component", record["component"],
                          str(error).replace("add the component column", "use the component's code"))
                continue
            fy, domain = record["fiscal_year"], record["domain"]
            key = (component.id, fy, domain)
            if key in first_row:
                self.fail(row, "domain", domain, f"the same component, fiscal year and domain as row {first_row[key]}")
                continue
            first_row[key] = row
            assessment = stored.get((component.id, fy))
            low, high = (assessment.scale_min, assessment.scale_max) if assessment else DEFAULT_SCALE
            score = record.get("score")
            if score is not None and not low <= score <= high:
                self.fail(row, "score", score, f"the score {score:g} is outside the assessment's scale ({low}-{high})")
                continue
            planned.append((row, record, component, assessment))
        if self.errors:
            return
        refs = {}
        for row, record, component, assessment in planned:
            fy, domain = record["fiscal_year"], record["domain"]
            label = component.name
            if (component.id, fy) not in refs:
                refs[(component.id, fy)], _ = self.tracker.put(
                    row, CapacityAssessment, (component.id, fy), assessment,
                    {"component_id": component.id, "fiscal_year": fy},
                    what="capacity assessment", label=label, year=f"FY{fy}")
            scores = assessment.domain_scores if assessment else []
            current = next((s for s in scores if _key(s.domain) == _key(domain)), None)
            values = {"assessment_id": refs[(component.id, fy)], "domain": domain,
                      "position": CAPACITY_DOMAINS.index(domain)}
            values.update({f: record[f] for f in ("score", "narrative", "evidence") if f in record})
            self.tracker.put(row, CapacityDomainScore, (component.id, fy, domain), current, values,
                             what="capacity domain score", label=f"{label}: {domain}", year=f"FY{fy}")
