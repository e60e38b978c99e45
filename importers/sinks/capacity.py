"""The capacity-assessment sink: one assessment per component and fiscal year, one score per domain.

A submitted assessment is locked: every row for its component and year is refused, naming the
row, the component, the year and when it was submitted; an admin must reopen it first.

Each assessment a batch starts or changes gets an audit event naming the person who imports and
the import batch, as the commitments sink writes one per commitment: the assessment's history
(scorecard.capacity.view.history) lists it beside the changes made on the web. The assessment's
version moves on with its domain scores, as a save on the web moves it, so an edit form opened
before the import is refused as stale instead of writing its old values over the imported ones."""
from collections import defaultdict
from dataclasses import replace
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.orm.exc import StaleDataError

from importers.errors import ImportFileError
from importers.resolve import Directory, Unknown, _key
from importers.sinks.tracked import RowChange, TrackedSink, encode
from scorecard.capacity.services import ENTITY, IMPORT_ACTION, IMPORT_REVERTED_ACTION, score_text
from scorecard.models import CAPACITY_DOMAINS, AuditEvent, CapacityAssessment, CapacityDomainScore, utcnow
from scorecard.models.capacity import DEFAULT_SCALE, CapacityStatus, on_scale, scale_of
from scorecard.naming import Namesakes, component_parts, in_words

AUDITED = ("score", "narrative", "evidence")  # a domain score's fields its assessment's history names
SAVED_MEANWHILE = ("a capacity assessment in the file was saved on the web while it was being imported, so nothing "
                   "was imported; upload the file again to see its changes against what is saved now")


class CapacitySink(TrackedSink):
    permission = "import_data"
    refused = "only administrators and analysts may import capacity assessments"

    def finish(self) -> None:
        directory = Directory(self.session)
        stored = {(a.component_id, a.fiscal_year): a for a in self.session.scalars(
            sa.select(CapacityAssessment).options(so.selectinload(CapacityAssessment.domain_scores),
                                                  so.joinedload(CapacityAssessment.submitted_by),
                                                  so.joinedload(CapacityAssessment.component)))}
        first_row: dict[tuple, int] = {}
        planned = []
        for row, record in self.records:
            try:
                component = directory.component(record["component"])
            except Unknown as error:
                self.fail(row, "component", record["component"], str(error))
                continue
            fy, domain = record["fiscal_year"], record["domain"]
            assessment = stored.get((component.id, fy))
            if assessment is not None and assessment.status is CapacityStatus.submitted:
                self.fail(row, "fiscal_year", fy, f"row {row}: {assessment.locked_message()}")
                continue
            key = (component.id, fy, domain)
            if key in first_row:
                self.fail(row, "domain", domain, f"the same component, fiscal year and domain as row {first_row[key]}")
                continue
            first_row[key] = row
            low, high = scale_of(assessment)
            score = record.get("score")
            if score is not None and not on_scale(assessment, score):
                self.fail(row, "score", _as_typed(score),
                          f"the score {score_text(score)} is outside the assessment's scale ({low}-{high})")
                continue
            planned.append((row, record, component, assessment))
        if self.errors:
            return
        self._planned_assessments = {a.id: component.name for _r, _rec, component, a in planned if a is not None}
        refs, namesakes = {}, Namesakes(self.session)  # two agencies' Retirement Services told apart
        for row, record, component, assessment in planned:
            fy, domain = record["fiscal_year"], record["domain"]
            label = in_words(namesakes.parts(component_parts, component))
            if (component.id, fy) not in refs:  # written and reverted, not counted: the counts are the rows'
                refs[(component.id, fy)], _ = self.tracker.put(
                    row, CapacityAssessment, (component.id, fy), assessment,
                    {"component_id": component.id, "fiscal_year": fy},
                    what="capacity assessment", label=label, year=f"FY{fy}", counted=False)
            scores = assessment.domain_scores if assessment else []
            current = next((s for s in scores if _key(s.domain) == _key(domain)), None)
            values = {"assessment_id": refs[(component.id, fy)], "domain": domain,
                      "position": CAPACITY_DOMAINS.index(domain)}
            values.update({f: record[f] for f in ("score", "narrative", "evidence") if f in record})
            self.tracker.put(row, CapacityDomainScore, (component.id, fy, domain), current, values,
                             what="capacity domain score", label=f"{label}: {domain}", year=f"FY{fy}")

    def describe(self, change) -> dict:
        """A domain score's change for the preview, its score as typed ("4", not "4.0") and without its
        place in the list; one that starts an assessment says so (the assessment itself is not a row of
        the file, nor counted as one)."""
        if change.model is not CapacityDomainScore:
            return super().describe(change)
        typed = {f: _as_typed(v) if f == "score" else v for f, v in change.after.items() if f != "position"}
        was = None if change.before is None else {
            f: _as_typed(v) if f == "score" else v for f, v in change.before.items()}
        words = super().describe(replace(change, before=was, after=typed))
        if isinstance(change.after.get("assessment_id"), RowChange):
            low, high = DEFAULT_SCALE
            words["record"] = f"capacity domain score (starts the {change.year} assessment, scale {low}-{high})"
        return words

    @staticmethod
    def revert_lock(session, changes) -> Optional[str]:
        """Why the rows a capacity batch changed cannot be reverted now, or None: an assessment they
        belong to has been submitted since, or a score it would put back lies outside the scale the
        assessment was given since (a 7 restored on a scale changed to 1-5 read "7 of 5", and submitted)."""
        assessments = {c.row_id for c in changes if c.table_name == CapacityAssessment.__tablename__}
        scores = [c.row_id for c in changes if c.table_name == CapacityDomainScore.__tablename__]
        owner = {i: (assessment_id, domain) for i, assessment_id, domain in session.execute(
            sa.select(CapacityDomainScore.id, CapacityDomainScore.assessment_id, CapacityDomainScore.domain)
            .where(CapacityDomainScore.id.in_(scores)))} if scores else {}
        assessments |= {assessment_id for assessment_id, _ in owner.values()}
        found = {a.id: a for a in session.scalars(sa.select(CapacityAssessment).where(
            CapacityAssessment.id.in_(assessments)).order_by(CapacityAssessment.fiscal_year))} if assessments else {}
        locked = next((a for a in found.values() if a.status == CapacityStatus.submitted), None)
        if locked is not None:
            return locked.locked_message()
        for change in changes:
            score = (change.before or {}).get("score") if change.action == "update" else None
            assessment_id, domain = owner.get(change.row_id, (None, None))
            assessment = found.get(assessment_id) if change.table_name == CapacityDomainScore.__tablename__ else None
            if score is not None and assessment is not None and not on_scale(assessment, float(score)):
                return (f"reverting would put back {domain}'s score of {score_text(float(score))} in the "
                        f"FY{assessment.fiscal_year} capacity assessment of {assessment.component.name}, outside its "
                        f"scale of {assessment.scale_min}-{assessment.scale_max} (changed since); set the scale back "
                        "first")
        return None

    def commit(self, plan, batch) -> None:
        """Write the plan unless an assessment it changes was submitted after it was planned (the
        rows are locked until the transaction ends, so a submit cannot slip in between)."""
        planned = getattr(self, "_planned_assessments", {})
        if planned:
            query = (sa.select(CapacityAssessment.fiscal_year, CapacityAssessment.id)
                     .where(CapacityAssessment.id.in_(list(planned)),
                            CapacityAssessment.status == CapacityStatus.submitted)
                     .with_for_update())
            now_locked = self.session.execute(query).all()
            if now_locked:
                names = "; ".join(f"{planned[i]} FY{fy}" for fy, i in sorted(now_locked))
                one = len(now_locked) == 1
                raise ImportFileError(f"the capacity {'assessment' if one else 'assessments'} {names} "
                                      f"{'was' if one else 'were'} submitted while this file was being planned, so "
                                      f"nothing was imported; an admin must reopen {'it' if one else 'them'} before "
                                      f"{'it' if one else 'they'} can change")
        super().commit(plan, batch)
        self._audit(batch)

    def _audit(self, batch) -> None:
        """One audit event per assessment the batch started or changed: the domains' fields before and
        after (as a save on the web keeps them), the file and the import batch. Never reverted. An
        assessment the batch changed moves on to its next version, as a save on the web does; one saved on
        the web since it was planned refuses the whole file."""
        started, before, after = set(), defaultdict(dict), defaultdict(dict)
        for change in self.tracker.order:
            if change.model is CapacityAssessment:
                if change.action == "insert":
                    started.add(change.obj.id)
                continue
            assessment_id, domain = change.obj.assessment_id, change.obj.domain
            for field, value in change.after.items():
                if field in AUDITED:
                    was = (change.before or {}).get(field)
                    before[assessment_id][f"{domain}: {field}"] = encode(was)
                    after[assessment_id][f"{domain}: {field}"] = encode(value)
        user_id = self.user.id if self.user else batch.user_id
        at = utcnow()
        for assessment_id in sorted(started | set(after)):
            assessment = self.session.get(CapacityAssessment, assessment_id)
            if assessment_id not in started:
                assessment.updated_at = at  # the assessment row changes too, so its version moves on
            self.session.add(AuditEvent(
                user_id=user_id, at=at, action=IMPORT_ACTION, entity_type=ENTITY, entity_id=assessment_id,
                before=None if assessment_id in started else before[assessment_id] or None,
                after={**after[assessment_id], "component": assessment.component.name,
                       "fiscal_year": assessment.fiscal_year, "started": assessment_id in started,
                       "import_batch": batch.id, "file": batch.filename}))
        try:
            self.session.flush()
        except StaleDataError:
            raise ImportFileError(SAVED_MEANWHILE) from None


    @staticmethod
    def reverted(session, batch, changes, user_id: Optional[int]) -> None:
        """After the revert has undone the batch: each assessment it changed says so in its history (an audit
        event on the assessment, as the import's own), by whom (`user_id`; None: the command line), each domain's
        field from what the batch wrote back to what it was; one the batch started, that it went with it. Its
        history read "score 5 -> 2 (reverted since)" with the score back at 5, and nothing said who put it back."""
        started = {c.row_id for c in changes if c.table_name == CapacityAssessment.__tablename__
                   and c.action == "insert"}
        updated = [c for c in changes if c.table_name == CapacityDomainScore.__tablename__ and c.action == "update"]
        where = {row.id: (row.assessment_id, row.domain) for row in session.execute(
            sa.select(CapacityDomainScore.id, CapacityDomainScore.assessment_id, CapacityDomainScore.domain)
            .where(CapacityDomainScore.id.in_([c.row_id for c in updated])))} if updated else {}
        # (assessment id, domain, what the batch wrote, what it was)
        undone = [(*where[c.row_id], c.after or {}, c.before or {}) for c in updated if c.row_id in where]
        for change in changes:  # a domain the batch scored first, in an assessment it did not start: none again
            after = change.after or {}
            if change.table_name == CapacityDomainScore.__tablename__ and change.action == "insert" \
                    and isinstance(after.get("assessment_id"), int) and after["assessment_id"] not in started:
                undone.append((after["assessment_id"], after.get("domain"),
                               {f: v for f, v in after.items() if v not in (None, "")}, {}))
        wrote, back = defaultdict(dict), defaultdict(dict)
        for assessment_id, domain, written, was in undone:
            for field in AUDITED:
                if field in written:
                    wrote[assessment_id][f"{domain}: {field}"] = written[field]
                    back[assessment_id][f"{domain}: {field}"] = was.get(field)
        at = utcnow()
        for assessment_id in sorted(started | set(back)):
            session.add(AuditEvent(
                user_id=user_id, at=at, action=IMPORT_REVERTED_ACTION, entity_type=ENTITY, entity_id=assessment_id,
                before=wrote[assessment_id] or None,
                after={**back[assessment_id], "import_batch": batch.id, "file": batch.filename,
                       "removed": assessment_id in started}))


def _as_typed(score):
    """A score as the file most likely typed it: a whole number without ".0" (9, not 9.0)."""
    return int(score) if isinstance(score, float) and score.is_integer() and abs(score) < 1e15 else score
