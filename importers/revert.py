"""Revert a committed import batch: delete what it inserted, restore what it replaced, put back what it
removed.

Reverted by a person, the batch is checked as their upload would be: the permission its format
needs, their own batches only for officers and leaders, and the sink's row-level scope (an officer
reverts only their own function's commitments)."""
import enum
from datetime import date, datetime

import sqlalchemy as sa

from importers import access
from importers.errors import as_shown
from importers.formats.registry import FORMATS, SINKS
from importers.sinks.base import CARRIED_FROM, REPLACED
from importers.sinks.observations import touchpoint_key
from importers.sinks.tracked import LINKS, decode, link_ids, same, write_links
from scorecard import writers
from scorecard.capacity.services import REVERT_ACTION
from scorecard.clock import moment
from scorecard.commitments.services import STATUS_LABELS, last_saved_words
from scorecard.models import (
    Agency,
    AuditEvent,
    Base,
    BatchStatus,
    CapacityAssessment,
    CapacityDomainScore,
    Commitment,
    CommitmentStatus,
    CommitmentUpdate,
    Component,
    ImportBatch,
    ImportRowChange,
    Leader,
    LifeExperience,
    Metric,
    Observation,
    PerformancePlan,
    PlanElement,
    PlanRequirement,
    Program,
    Target,
    User,
    utcnow,
)
from scorecard.rules.tasks import NOT_QUEUED
from scorecard.rules.tasks import WORDS as EVALUATION_WORDS
from scorecard.signals import import_reverted
from scorecard.text import counted, cut, shown

# Tables whose rows carry the batch that last wrote them (import_batch_id).
STAMPED = {"observations": Observation}
# Every table an import writes; the others are checked through later batches' row changes.
TABLES = {**STAMPED, **{m.__tablename__: m for m in (
    Agency, Component, Program, LifeExperience, Metric, Leader, Commitment, CommitmentUpdate, PerformancePlan,
    PlanElement, PlanRequirement, CapacityAssessment, CapacityDomainScore, Target)}}
CHUNK = 5000
# Tables whose rows an import writes without counting them (the sinks' `counted=False`: a commitment's history
# row, the assessment that holds the domain scores a file gives): a revert undoes them uncounted too, so that its
# counts are the import's (one commitment's update reverted said "1 row removed, 1 restored" beside a batch that
# had inserted nothing; three domain scores of a new assessment, "4 rows").
UNCOUNTED = {CommitmentUpdate.__tablename__, CapacityAssessment.__tablename__}
# Tables whose rows a parent's version counts (an assessment's domain scores, saved with it on the web):
# undoing one moves the parent's version on, so an edit form opened on the parent before is refused as stale.
VERSIONED_BY = {"capacity_domain_scores": (CapacityDomainScore.assessment_id, CapacityAssessment)}


class RevertError(Exception):
    """The batch cannot be reverted (not committed, or later imports changed its rows)."""


def revert_batch(session, batch_id: int, *, user_id=None, progress=None,  # noqa: C901 (one pass over a row's or file's steps, kept together so the order of checks reads top to bottom)
                 dry_run: bool = False) -> dict:
    """Undo a batch in one transaction, as the user `user_id` (None: the command line, trusted).
    Refuses when a later batch has changed the same rows: revert that one first, so nothing a later
    import wrote is silently lost. `progress(stage, rows)` hears how far it got (a background revert's
    page shows it). `dry_run`: every check, and the counts it would delete and restore, then rolled back:
    nothing is changed (a revert cannot itself be undone)."""
    progress = progress or (lambda stage, rows: None)
    progress("checking", 0)
    writers.one_at_a_time(session, writers.IMPORT)  # no confirm or other revert between the checks and the writes
    batch = session.get(ImportBatch, batch_id)
    if batch is None:
        raise RevertError(f"there is no import batch {batch_id}")
    user = session.get(User, user_id) if user_id is not None else None
    if user is not None:
        reason = access.refusal(user, batch)
        if reason:
            raise RevertError(reason)
    if batch.status is not BatchStatus.committed:
        raise RevertError(f"batch {batch_id} is {batch.status.value}; only a committed batch can be reverted")
    # As plain rows (table_name, row_id, action, before, after), not objects: a large batch's hundreds of
    # thousands of changes are only read
    changes = list(session.execute(sa.select(ImportRowChange.table_name, ImportRowChange.row_id, ImportRowChange.action,
                                             ImportRowChange.before, ImportRowChange.after)
                                   .where(ImportRowChange.batch_id == batch_id)))
    strange = sorted({c.table_name for c in changes} - set(TABLES))
    if strange:
        raise RevertError(f"batch {batch_id} changed {'the table' if len(strange) == 1 else 'the tables'} "
                          f"{', '.join(strange)}, which revert does not know")
    tracked = [c for c in changes if c.table_name not in STAMPED]
    if user is not None:
        _check_scope(session, batch, user, changes)
    _check_locks(session, batch, changes)
    _check_tracked(session, batch, tracked)
    _check_dependents(session, batch, tracked)
    deleted = restored = 0
    touched = set()
    for table_name, model in STAMPED.items():
        mine = [c for c in changes if c.table_name == table_name]
        if not mine:
            continue
        ids = [c.row_id for c in mine if c.action != "remove"]  # a removed row's id may be another row's now
        # rows of this batch that a batch confirmed after it removed: that batch is named (a SQLite database made
        # before migration 0025 may have given such a row's id to another row since, of a batch that has nothing to
        # do with this one)
        later = _logged_later(session, batch, table_name, ids, "remove")
        if later:
            raise RevertError(f"{_later_batches(later)} removed rows of batch {batch_id}; "
                              f"{_revert_first(later, batch_id)}")
        current = {}
        for chunk in range(0, len(ids), 5000):
            query = sa.select(model.id, model.import_batch_id, model.subject_key, model.period).where(
                model.id.in_(ids[chunk:chunk + 5000]))
            current.update({r.id: r for r in session.execute(query)})
        later = sorted({r.import_batch_id for r in current.values() if r.import_batch_id != batch_id} - {None})
        if later:
            raise RevertError(f"{_later_batches(later)} changed rows of batch {batch_id}; "
                              f"{_revert_first(later, batch_id)}")
        _check_carried(session, batch_id)
        removed = [c for c in mine if c.action == "remove"]
        _check_put_back(session, batch, model, removed)  # before anything is written: a refusal writes nothing
        touched |= {(r.subject_key, r.period) for r in current.values()}
        inserted = [c.row_id for c in mine if c.action == "insert" and c.row_id in current]
        for chunk in range(0, len(inserted), 5000):
            session.execute(sa.delete(model).where(model.id.in_(inserted[chunk:chunk + 5000])))
            progress("removing", deleted + min(chunk + 5000, len(inserted)))
        deleted += len(inserted)
        updates = [{"id": c.row_id, **c.before} for c in mine if c.action == "update" and c.row_id in current]
        if updates:
            session.execute(sa.update(model), updates)
        restored += len(updates)
        touched |= {(c.before["subject_key"], c.before["period"]) for c in removed}
        for change in removed:  # as they were, their ids too (`_check_put_back`)
            session.execute(sa.insert(model).values(id=change.row_id, **_decoded(model, change.before)))
        restored += len(removed)
    undone = _undo_tracked(session, batch, tracked)
    deleted, restored = deleted + undone["deleted"], restored + undone["restored"]
    if dry_run:
        kept = dict((batch.preview or {}).get("created") or {})
        session.rollback()
        return {"deleted": deleted, "restored": restored, "kept": kept, "evaluation": None, "dry_run": True}
    # Claimed in one conditional UPDATE: of two reverts posted at once only one goes through.
    claimed = session.execute(
        sa.update(ImportBatch).where(ImportBatch.id == batch_id, ImportBatch.status == BatchStatus.committed)
        .values(status=BatchStatus.reverted, reverted_at=utcnow()).execution_options(synchronize_session=False))
    if not claimed.rowcount:
        session.rollback()
        raise RevertError(f"batch {batch_id} was reverted (or changed) by someone else meanwhile; nothing was changed")
    session.refresh(batch)
    said = _sink_hook(batch, "reverted")  # what the records themselves keep of it (a commitment's history)
    if said:
        said(session, batch, tracked, user_id)
    # The organisations the batch created stay: targets, plans and other batches may name them now.
    summary = {"deleted": deleted, "restored": restored, "kept": dict((batch.preview or {}).get("created") or {})}
    session.add(AuditEvent(user_id=user_id, action=REVERT_ACTION, entity_type="import_batch",
                           entity_id=batch_id, after={**summary, "format": batch.format,
                                                      "uploaded_by": batch.user_id}))
    session.commit()
    answers = import_reverted.send(batch, touched=touched, reference=bool(tracked))
    # what became of the findings' evaluation (the rules' receiver says: queued, not_queued, done)
    summary["evaluation"] = next((answer for _, answer in answers if isinstance(answer, str)), None)
    return {**summary, "dry_run": False}


def _confirmed_after(batch):
    """The batches confirmed after `batch` (and still committed), as a subquery of ids: whatever their ids,
    which are given at upload (a file previewed first and confirmed last is the later one)."""
    return sa.select(ImportBatch.id).where(ImportBatch.status == BatchStatus.committed,
                                           ImportBatch.committed_at > batch.committed_at, ImportBatch.id != batch.id)


def _logged_later(session, batch, table_name: str, ids: list[int], action: str | None = None) -> list[int]:
    """The batches confirmed after `batch` whose change log names rows of `table_name` under `ids` (only
    their `action` ones, when given), by id."""
    found = set()
    for start in range(0, len(ids), CHUNK):
        query = sa.select(ImportRowChange.batch_id).where(
            ImportRowChange.table_name == table_name, ImportRowChange.row_id.in_(ids[start:start + CHUNK]),
            ImportRowChange.batch_id.in_(_confirmed_after(batch)))
        found.update(session.scalars(query if action is None else query.where(ImportRowChange.action == action)))
    return sorted(found)


def _decoded(model, before: dict) -> dict:
    return {f: decode(model, f, v) for f, v in before.items()}


def _check_put_back(session, batch, model, removed: list) -> None:
    """Whether the observations the batch removed (a touchpoint's figures its new export no longer gave) can be
    inserted again as they were, their ids too. Refused, naming what to revert first, when since then:
    - a later import (or an edit) stored the same figure (metric, subject, quarter, channel and touchpoint);
    - an import confirmed later wrote, carried or replaced figures of the same touchpoint: put back beside
      them, the removed figures would mix two exports;
    - another row took a removed row's id, or an import confirmed later logged rows under it (a SQLite database
      made before migration 0025 may give an id freed before it again): under another id, the change log of the
      imports that wrote it would no longer find it; under this one, a later import's log would name it for a
      row of its own."""
    if not removed:
        return
    rows = [_decoded(model, change.before) for change in removed]
    later = set(session.scalars(_confirmed_after(batch)))
    replaced = _touchpoints_replaced_after(session, batch)
    for before in rows:
        place = session.execute(sa.select(model.metric_id, model.import_batch_id, model.touchpoint).where(
            model.subject_key == before["subject_key"], model.period == before["period"],
            model.channel == before["channel"]))
        spelt = touchpoint_key(before["touchpoint"])
        place = [r for r in place if touchpoint_key(r.touchpoint) == spelt]
        where = f"({before['period']}, touchpoint {before['touchpoint']!r})"
        taken = [r.import_batch_id for r in place if r.metric_id == before["metric_id"]]
        if taken:
            by = taken[0]
            raise RevertError(
                f"batch {batch.id} removed a figure {where} and " + (f"batch {by}" if by else "an edit")
                + " has stored that figure again since; reverting cannot put it back, so nothing was reverted"
                + (f": revert batch {by} first" if by else ""))
        since = sorted(({r.import_batch_id for r in place} & later)
                       | {b for b, at in replaced if at == (before["subject_key"], before["period"], spelt)})
        if since:
            raise RevertError(
                f"{_later_batches(since)} wrote figures of the touchpoint {where} after batch {batch.id} removed some "
                f"of them; put back beside {'its' if len(since) == 1 else 'their'} figures they would mix two "
                f"exports, so nothing was reverted: {_revert_first(since, batch.id)}")
    reused = _logged_later(session, batch, model.__tablename__, [change.row_id for change in removed])
    if reused:  # their change log names the numbers for rows of their own, even once those are gone again
        raise RevertError(
            f"{_later_batches(reused)} stored rows under the row numbers of figures batch {batch.id} removed (the "
            "database, made before migration 0025, gave a freed number again); putting them back would confuse the "
            f"two, so nothing was reverted: {_revert_first(reused, batch.id)}")
    for change, before in zip(removed, rows):
        where = f"({before['period']}, touchpoint {before['touchpoint']!r})"
        holder = session.execute(sa.select(model.import_batch_id).where(model.id == change.row_id)).first()
        if holder is not None:
            by = holder.import_batch_id
            raise RevertError(
                f"batch {batch.id} removed a figure {where} whose row number ({change.row_id}) "
                + (f"batch {by}" if by else "an edit") + " has given to another row since (the database gives "
                "the highest number again once its row is gone); nothing was reverted"
                + (f": revert batch {by} first" if by else ""))


def _touchpoints_replaced_after(session, batch) -> list[tuple[int, tuple]]:
    """(batch id, (subject, quarter, touchpoint)) of the Touchpoints exports confirmed after `batch`: each
    replaced its touchpoint's figures, those it carried unchanged too (which keep an earlier batch's stamp)."""
    names = [name for name, layout in FORMATS.items() if getattr(SINKS[layout.sink], "replaces_touchpoint", False)]
    query = sa.select(ImportBatch.id, ImportBatch.preview).where(ImportBatch.id.in_(_confirmed_after(batch)),
                                                                 ImportBatch.format.in_(names))
    return [(i, tuple(preview[REPLACED])) for i, preview in session.execute(query) if (preview or {}).get(REPLACED)]


def carried_by(session, batch_id: int) -> list[int]:
    """The other committed batches that carried rows this batch stored, as they were (their files held
    them unchanged, so they wrote nothing for them), whichever was confirmed first, whatever their ids:
    they are reverted before this one (`_check_carried`)."""
    others = session.execute(sa.select(ImportBatch.id, ImportBatch.preview).where(
        ImportBatch.id != batch_id, ImportBatch.status == BatchStatus.committed, ImportBatch.unchanged > 0))
    return sorted(other for other, preview in others if batch_id in (preview or {}).get(CARRIED_FROM, ()))


def carried_from(batch) -> list[int]:
    """The batches whose stored rows this batch carried unchanged (see `carried_by`)."""
    return list((batch.preview or {}).get(CARRIED_FROM) or ())


def offered(batch) -> bool:
    """Whether the batch's pages offer to revert it: a committed batch that wrote rows, or that wrote
    none but carried another batch's rows unchanged. That batch is reverted only after this one, so
    without the offer it could not be reverted from the pages at all."""
    return batch.status is BatchStatus.committed and bool(batch.rows_written or carried_from(batch))


def _check_carried(session, batch_id: int) -> None:
    """Refuse when another committed batch carried rows this batch stored, as they were: reverting
    this batch would pull them from under that one, which would still say it imported them."""
    carried = carried_by(session, batch_id)
    if carried:
        one = len(carried) == 1
        later = f"{'batch' if one else 'batches'} {', '.join(map(str, carried))}"
        # each batch named where a pronoun stood ("reverting it … revert it first" meant two batches)
        raise RevertError(f"import {later} carried rows of batch {batch_id} unchanged (the same rows, as batch "
                          f"{batch_id} stored them), and reverting batch {batch_id} would remove them from under "
                          f"{later}. {_revert_first(carried, batch_id).capitalize()}; nothing was reverted")


def _sink_hook(batch, hook: str):
    """The sink of the batch's format's `hook` (`revert_refusal`, `reverted`), or None."""
    name = access.batch_format(batch)
    return getattr(SINKS[FORMATS[name].sink], hook, None) if name else None


def _check_scope(session, batch, user, changes) -> None:
    """Refuse when a row the batch changed is outside what `user` may change (the sink of the batch's
    format says: `revert_refusal`), e.g. an officer whose function is no longer the rows'."""
    check = _sink_hook(batch, "revert_refusal")
    reason = check(session, user, changes) if check else None
    if reason:
        raise RevertError(f"{reason}; nothing was reverted")


def _check_locks(session, batch, changes) -> None:
    """Refuse, whoever asks (the command line too), when the batch's rows are locked now — a
    submitted capacity assessment (the sink of the batch's format says: `revert_lock`)."""
    name = access.batch_format(batch)
    check = getattr(SINKS[FORMATS[name].sink], "revert_lock", None) if name else None
    reason = check(session, changes) if check else None
    if reason:
        raise RevertError(f"{reason}; nothing was reverted")


def _check_tracked(session, batch, changes) -> None:
    """Refuse before writing anything when a later committed batch changed the same rows, or when a
    row no longer holds what this batch wrote (someone edited it since): reverting would lose that."""
    by_table: dict[str, list] = {}
    for change in changes:
        by_table.setdefault(change.table_name, []).append(change)
    later = set()
    for table_name, items in by_table.items():
        later.update(_logged_later(session, batch, table_name, [c.row_id for c in items]))
    if later:
        raise RevertError(f"{_later_batches(sorted(later))} changed rows of batch {batch.id}; "
                          f"{_revert_first(sorted(later), batch.id)}")
    for table_name, items in by_table.items():
        model = TABLES[table_name]
        ids = [c.row_id for c in items]
        rows = {}
        for start in range(0, len(ids), CHUNK):
            query = sa.select(model).where(model.id.in_(ids[start:start + CHUNK]))
            rows.update({r.id: r for r in session.scalars(query)})
        links = {f: link_ids(session, table_name, f, list(rows)) for f in LINKS.get(table_name, {})
                 if any(f in (c.after or {}) for c in items)}
        for change in items:
            row = rows.get(change.row_id)
            if row is None:
                continue
            differ = []
            for field, written in (change.after or {}).items():
                now = links[field][row.id] if field in links else getattr(row, field)
                wrote = decode(model, field, written)
                if not same(now, wrote):
                    differ.append((field, now, wrote))
            if differ:
                raise RevertError(_changed_since(session, batch, table_name, row, differ))


# Fields a save stamps whatever it changes: named only when nothing else differs (a note added since).
STAMPS = ("last_update_at", "updated_at")


def _changed_since(session, batch, table_name: str, row, differ: list[tuple]) -> str:
    """Why the revert is refused: the record, a field that differs from what the batch wrote (one a person
    changed before the stamp every save moves; "last update is now 09:01:50, the import wrote 09:01:50" named
    nothing), and for a commitment who saved it since, when and what that save changed."""
    field, now, wrote = next((d for d in differ if d[0] not in STAMPS), differ[0])
    said = (f"{_label(row, table_name)} was changed after batch {batch.id} imported it (its "
            f"{FIELD_WORDS.get(field, field.replace('_', ' '))} is now {_quoted(now)}; the import wrote "
            f"{_quoted(wrote)})")
    if field in STAMPS:
        said = f"{_label(row, table_name)} was updated after batch {batch.id} imported it"
    if isinstance(row, Commitment):
        saved = last_saved_words(session, row, besides_batch=batch.id)
        said += f". {saved[:-1]}" if saved else ""
    return f"{said}; reverting would lose that change, so nothing was reverted"


# What rows under a row an import inserted are, in words: one and many (a link table's, the links' table);
# a table not named reads as its name.
DEPENDENT_WORDS = {"element_ratings": ("rating decision", "rating decisions"),
                   "capacity_domain_scores": ("domain score", "domain scores"),
                   "commitment_updates": ("update in its history", "updates in its history"),
                   "plan_elements": ("element", "elements"), "plan_requirements": ("requirement", "requirements"),
                   "performance_plans": ("performance plan", "performance plans"),
                   "observations": ("observation", "observations"), "targets": ("target", "targets"),
                   "commitments": ("commitment", "commitments"), "programs": ("program", "programs"),
                   "components": ("component", "components"), "leaders": ("leader", "leaders"),
                   "capacity_assessments": ("capacity assessment", "capacity assessments"),
                   "users": ("user account", "user accounts"),
                   "commitment_programs": "commitments' programs", "commitment_metrics": "commitments' metrics",
                   "requirement_programs": "requirements' programs",
                   "program_life_experience": "programs' life experiences"}
NOT_RECORDS = {"reminders"}  # the outbox's note that a commitment was reminded of goes with the commitment


# Rows that name a row by a type and an id, without a foreign key: a target's scope.
SCOPED = {"targets": ("scope_type", "scope_id", {"agency": "agencies", "component": "components",
                                                 "program": "programs", "function": "functions"})}


def _written_links(changes) -> dict[str, set]:
    """{association table: the links (frozensets of (column, id)) this batch wrote}."""
    written: dict[str, set] = {}
    for change in changes:
        for field, (association, own, other) in LINKS.get(change.table_name, {}).items():
            for linked in (change.after or {}).get(field) or ():
                written.setdefault(association.name, set()).add(
                    frozenset({(own, change.row_id), (other, linked)}))
    return written


def _revert_first(ids, batch_id: int) -> str:
    """What to do first, each batch named ("revert it first" read as the batch asked about): "revert batch 9
    first, then batch 7"."""
    return f"revert {'batch' if len(ids) == 1 else 'batches'} {', '.join(map(str, ids))} first, then batch {batch_id}"


def _later_batches(ids) -> str:
    """"later import batch 7", "later import batches 7, 9"."""
    return f"later import {'batch' if len(ids) == 1 else 'batches'} {', '.join(map(str, ids))}"


def _dependents(child_name: str, count: int, rows: bool = True) -> str:
    """`count` rows of the table `child_name` in words ("1 rating decision", "2 rating decisions"), or links of an
    association table (`rows` false: "1 link in commitments' programs")."""
    words = DEPENDENT_WORDS.get(child_name, child_name.replace("_", " "))
    if not rows:
        return f"{counted(count, 'link')} in {words if isinstance(words, str) else words[1]}"
    if isinstance(words, tuple):
        return counted(count, *words)
    return f"{count:,} {words}"  # a table not named: its name, as it is


def _refused_for(batch, table_name: str, row, count: int, parents: int, what: str, *, cascade: bool) -> RevertError:
    """The refusal, naming the row and what depends on it (`what`: counted, "2 rating decisions"): deleted
    with it (a cascading key), or left naming a row no longer there (a key that does not cascade, a target's
    scope)."""
    which = (f"{_label(row, table_name)}, which batch {batch.id} created, now has" if parents <= 1 else
             f"{_label(row, table_name)} and {counted(parents - 1, 'other row')} batch {batch.id} created now have")
    if count == 1:
        then = "delete it as well" if cascade else "leave it naming a row that is no longer there"
    else:
        then = "delete them with it" if cascade else "leave them naming a row that is no longer there"
    return RevertError(f"{which} {what} that the import did not write; reverting would {then}, so nothing "
                       "was reverted")


def _check_dependents(session, batch, changes) -> None:
    """Refuse before writing anything when a row the batch inserted now has rows under it that the
    batch did not write: a rating decision on an element of an imported plan, a domain score entered
    on the web for an imported assessment, an update of an imported commitment. Deleting the row
    would delete them with it (their foreign keys cascade) or fail half-way. Links (an association
    table's pairs: a commitment tied since to an imported program) count unless the batch wrote them,
    and so do rows naming one by type and id (a target's scope); lineage that is set to none on a
    delete (a finding's inputs) is evaluated again after the revert."""
    inserted: dict[str, set[int]] = {}
    for change in changes:
        if change.action == "insert":
            inserted.setdefault(change.table_name, set()).add(change.row_id)
    written = _written_links(changes)
    for table_name, ids in inserted.items():
        ordered = sorted(ids)
        _check_keyed(session, batch, table_name, ordered, inserted, written)
        _check_scoped(session, batch, table_name, ordered, inserted)


def _check_keyed(session, batch, table_name: str, ordered: list[int], inserted: dict, written: dict) -> None:
    """Rows or links (an association table's pair of ids) whose foreign key names the inserted rows."""
    parent = Base.metadata.tables[table_name]
    for child in Base.metadata.sorted_tables:
        if child.name in NOT_RECORDS:
            continue
        own, links = inserted.get(child.name, set()), written.get(child.name, set())
        rows = "id" in child.c
        columns = [child.c.id] if rows else [c for c in child.c if c.foreign_keys]
        # a row a revert wrote as the trace of an import it undid (a commitment's history saying so) is no one's work
        traces = (child.c.import_batch_id.is_(None) | child.c.import_batch_id.not_in(
            sa.select(ImportBatch.id).where(ImportBatch.status == BatchStatus.reverted))
            if "import_batch_id" in child.c else sa.true())
        for key in child.foreign_keys:
            if key.column.table is not parent or key.ondelete == "SET NULL":
                continue
            others = [found[0] for start in range(0, len(ordered), CHUNK)
                      for found in session.execute(sa.select(key.parent, *columns)
                                                   .where(key.parent.in_(ordered[start:start + CHUNK]), traces))
                      if (found[1] not in own if rows else
                          frozenset(zip((c.name for c in columns), found[1:])) not in links)]
            if others:
                raise _refused_for(batch, table_name, session.get(TABLES[table_name], others[0]), len(others),
                                   len(set(others)), _dependents(child.name, len(others), rows),
                                   cascade=key.ondelete == "CASCADE")


def _check_scoped(session, batch, table_name: str, ordered: list[int], inserted: dict) -> None:
    """Rows that name the inserted rows by a type and an id (a target's scope)."""
    for child_name, (type_column, id_column, kinds) in SCOPED.items():
        kind = next((k for k, name in kinds.items() if name == table_name), None)
        if kind is None:
            continue
        child, own = Base.metadata.tables[child_name], inserted.get(child_name, set())
        others = [parent_id for start in range(0, len(ordered), CHUNK)
                  for parent_id, row_id in session.execute(
                      sa.select(child.c[id_column], child.c.id).where(
                          child.c[type_column] == kind, child.c[id_column].in_(ordered[start:start + CHUNK])))
                  if row_id not in own]
        if others:
            raise _refused_for(batch, table_name, session.get(TABLES[table_name], others[0]), len(others),
                               len(set(others)), _dependents(child_name, len(others)), cascade=False)


def _undo_tracked(session, batch, changes) -> dict:
    """Restore what the batch updated, then delete what it inserted, children's tables before parents'."""
    deleted = restored = 0
    parents = _versioned_parents(session, changes)
    inserted: dict[str, list[int]] = {}
    for change in changes:
        if change.action == "insert":
            inserted.setdefault(change.table_name, []).append(change.row_id)
            continue
        model = TABLES[change.table_name]
        table = model.__table__
        links = LINKS.get(change.table_name, {})
        values = {f: decode(model, f, v) for f, v in change.before.items() if f not in links}
        version = sa.inspect(model).version_id_col
        if values and version is not None:
            values[version.name] = table.c[version.name] + 1  # open edit forms see the row changed
        statement = sa.update(table).where(table.c.id == change.row_id).values(**values)
        if values and not session.execute(statement).rowcount:
            continue  # deleted since: nothing to restore
        for field in links:
            if field in change.before:
                write_links(session, change.table_name, field, change.row_id, change.before[field] or [])
        restored += change.table_name not in UNCOUNTED
    for table in reversed(Base.metadata.sorted_tables):
        ids = inserted.get(table.name, [])
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start:start + CHUNK]
            for association, own, _ in LINKS.get(table.name, {}).values():
                session.execute(sa.delete(association).where(association.c[own].in_(chunk)))
            try:
                gone = session.execute(sa.delete(table).where(table.c.id.in_(chunk))).rowcount
                deleted += gone if table.name not in UNCOUNTED else 0
            except sa.exc.IntegrityError:
                raise RevertError(f"{table.name} rows that batch {batch.id} created are now used by other records; "
                                  "remove or revert those first. Nothing was reverted.") from None
    _move_versions_on(session, parents)
    return {"deleted": deleted, "restored": restored}


def _versioned_parents(session, changes) -> dict:
    """{parent model: its ids} of the rows `changes` name whose parent's version counts them (VERSIONED_BY),
    read before the revert deletes any."""
    found: dict = {}
    for table_name, (key, parent) in VERSIONED_BY.items():
        ids = [c.row_id for c in changes if c.table_name == table_name]
        for start in range(0, len(ids), CHUNK):
            found.setdefault(parent, set()).update(session.scalars(
                sa.select(key).where(key.class_.id.in_(ids[start:start + CHUNK]))))
    return {model: sorted(ids) for model, ids in found.items() if ids}


def _move_versions_on(session, parents: dict) -> None:
    """The next version of each of `parents` ({model: ids}); a parent the revert deleted matches nothing."""
    for model, ids in parents.items():
        table, version = model.__table__, sa.inspect(model).version_id_col
        for start in range(0, len(ids), CHUNK):
            session.execute(sa.update(table).where(table.c.id.in_(ids[start:start + CHUNK]))
                            .values({version.name: table.c[version.name] + 1, "updated_at": utcnow()}))


# A record of each table an import writes, in words (the revert's messages name records, not tables).
RECORD_WORDS = {"agencies": "agency", "components": "component", "programs": "program",
                "life_experiences": "life experience", "metrics": "metric", "leaders": "leader",
                "commitments": "commitment", "commitment_updates": "commitment update",
                "performance_plans": "performance plan", "plan_elements": "plan element",
                "plan_requirements": "plan requirement", "capacity_assessments": "capacity assessment",
                "capacity_domain_scores": "capacity domain score", "targets": "target"}


def _label(row, table_name: str) -> str:
    """The record as a person knows it: "the Measurement domain of Small Business Office's FY2027 capacity
    assessment" (its score, narrative and evidence: "the ... score" was said of a narrative changed),
    "target #12 (FY2027, trust)", "commitment #5 ('Publish the API catalogue')"."""
    if isinstance(row, CapacityDomainScore) and row.assessment is not None:
        assessment = row.assessment
        return (f"the {row.domain} domain of {assessment.component.name}'s FY{assessment.fiscal_year} "
                "capacity assessment")
    if isinstance(row, CapacityAssessment):
        return f"{row.component.name}'s FY{row.fiscal_year} capacity assessment"
    words = f"{RECORD_WORDS.get(table_name, table_name)} #{row.id}"
    if isinstance(row, Target):
        return f"{words} (FY{row.fiscal_year}, {row.metric.code})"
    name = next((getattr(row, a) for a in ("title", "name", "code", "domain") if getattr(row, a, None)), None)
    return words + (f" ({name!r})" if name else "")


# A field of a record, in words where its name is not (a field not named reads with spaces for underscores).
FIELD_WORDS = {"green_at": "green threshold", "amber_at": "amber threshold", "is_hisp": "HISP designation",
               "fiscal_year": "fiscal year", "due_date": "due date", "evidence_links": "evidence links",
               "confirmed_rating": "decided rating", "last_update_at": "last update", "next_step": "next step"}


def _plain(value):
    """A value as a page shows it: a commitment's status in the pages' words ("At risk", not at_risk), another
    enum's value, a whole number without its fraction (4, not 4.0)."""
    if isinstance(value, CommitmentStatus):
        return STATUS_LABELS[value]
    return as_shown(value.value if isinstance(value, enum.Enum) else value)


def _quoted(value) -> str:
    """A value as a message quotes it: a time in the agency's zone to the second (it printed as
    "datetime.datetime(2026, 12, 6, 19, 22, 58, 185369, tzinfo=...)"), a day as 2026-12-06, a text in quotes
    as written (a long one cut, a control character as its escape), nothing as "empty", a list item by item; else
    as a page shows it (`_plain`)."""
    value = _plain(value)
    if value is None:
        return "empty"
    if isinstance(value, datetime):
        return moment(value, seconds=True)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):  # as written, in quotes (repr put a backslash before an apostrophe, wrote \n)
        return f"“{cut(shown(value), 200)}”"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_quoted(item) for item in value) + "]"
    return str(value)


_ONE = {"agencies": "agency", "components": "component", "programs": "program"}


def outcome_words(batch_id: int, summary: dict) -> tuple[str, str]:
    """What a revert did, as its page says it, and how it reads: "success", or "warning" when the
    findings could not be queued for evaluation."""
    kept = kept_words(summary)
    words = (f"Batch {batch_id} reverted: {counted(summary['deleted'], 'row')} removed, {summary['restored']:,} "
             "restored. "
             f"{kept + ' ' if kept else ''}{EVALUATION_WORDS.get(summary.get('evaluation'), '')}").strip()
    return words, "success" if summary.get("evaluation") != NOT_QUEUED else "warning"


def kept_words(summary: dict) -> str:
    """What a revert kept (a dry run: would keep), in a sentence ('' when nothing): the organisations the
    batch created."""
    kept = [f"{count} {kind if count != 1 else _ONE.get(kind, kind)}"
            for kind, count in (summary.get("kept") or {}).items() if count]
    verb = "would be kept" if summary.get("dry_run") else "is kept"
    return f"What it created {verb}, as other data may name it now: {', '.join(kept)}." if kept else ""
