"""Signal receivers: after an import or a revert, re-evaluate the subjects it touched (a revert asked
in a request, in the background), and after a commitment saved on a page, those that read it; after
`scorecard demo` seeds its agency, load and publish the default pack and evaluate it."""
import logging
from typing import Optional

import sqlalchemy as sa

from scorecard.signals import commitment_changed, demo_seeded, import_committed, import_reverted
from scorecard.text import counted

log = logging.getLogger(__name__)


def _session_of(sender):
    session = sa.orm.object_session(sender) if sender is not None else None
    if session is None:
        from scorecard.extensions import db
        session = db.session
    return session


def on_import(sender, *, touched=None, reference=False, **extra) -> None:
    """Re-evaluate after an import: only the subjects its observations touched, or everything when
    it changed reference rows (targets, plans, commitments, assessments). It runs here, in the
    import's job (or the API request that imported inline), so the findings are current when the
    import is reported done. The import is already committed, so a failure here is logged, not
    raised: the next `scorecard evaluate` catches up."""
    if not touched and not reference:
        return
    from scorecard.rules.service import evaluate

    session = _session_of(sender)
    try:
        evaluate(session, touched=None if reference else touched)
    except Exception:  # noqa: BLE001 — the import must not fail after its commit
        session.rollback()
        log.exception("re-evaluating rules after import batch %s failed", getattr(sender, "id", None))


def on_revert(sender, *, touched=None, reference=False, **extra) -> Optional[str]:
    """Re-evaluate after a revert, as after an import. A revert asked from a page or the API queues
    the evaluation as background work (the answer does not wait for it); from a command it runs
    here. Returns what became of it (rules.tasks: queued, not_queued, done), for the answer to say."""
    if not touched and not reference:
        return None
    from flask import current_app, has_request_context

    from scorecard.rules import tasks

    if has_request_context():
        became = tasks.reevaluate(current_app._get_current_object(),
                                  reason=f"the revert of import batch {getattr(sender, 'id', '?')}",
                                  touched=None if reference else touched)
        if became == tasks.NOT_QUEUED:
            log.warning("the evaluation after reverting batch %s could not be queued", getattr(sender, "id", None))
        return became
    on_import(sender, touched=touched, reference=reference)
    return tasks.DONE


def on_demo_seeded(sender, *, session, created: bool = True, **extra) -> list[str]:
    """When the demo was just loaded (`created`), or no rule is there yet (a first load cut short), publish the
    default pack (unchanged rules stay as they are) and evaluate it. Run again (`make run` runs it at every
    start) it leaves the rules there as they are: it published the pack over an administrator's newer
    versions, and brought retired rules back; it evaluates them if nothing has been (cut short after the
    pack was published)."""
    from scorecard.models import Finding, Rule
    from scorecard.rules.service import evaluate
    from scorecard.rules.store import default_pack, import_rules

    if not created and session.scalar(sa.select(Rule.id).limit(1)) is not None:
        if session.scalar(sa.select(Finding.id).limit(1)) is not None:
            return ["Rules: left as they are (the default pack is published when the demo is first loaded)."]
        result = evaluate(session)  # a first load cut short during its evaluation: the rules there, evaluated
        return [f"Rules: left as they are, and evaluated (none had been): {counted(len(result.findings), 'finding')}."]

    saved = import_rules(session, default_pack(), publish=True)
    session.commit()
    result = evaluate(session)
    changed = sum(1 for s in saved if s.action != "unchanged")
    return [f"Rules: default pack of {counted(len(saved), 'rule')} published ({changed} new or changed); "
            f"{counted(len(result.findings), 'finding')}, {result.inserted} added, {result.updated} updated, "
            f"{result.deleted} removed."]


def on_commitment_changed(sender, **extra) -> None:
    """A commitment saved on a page or through the API: the findings that read it (its own overdue and
    stale flags, the ratings of the requirements measured by it or its function's commitments) are
    evaluated again in the background, as after an import of commitments. Outside a request (the
    command line, an import's own commit) nothing is queued: the import re-evaluates itself."""
    from flask import current_app, g, has_request_context

    from scorecard.rules import tasks
    from scorecard.rules.service import COMMITMENT_KEY

    if not has_request_context() or sender is None:
        return
    became = tasks.reevaluate(current_app._get_current_object(), reason=f"a change to commitment {sender.id}",
                              touched=[(f"{COMMITMENT_KEY}{sender.id}", None)])
    g.commitment_evaluation = became  # the page that saved says so when it could not be queued
    if became == tasks.NOT_QUEUED:
        log.warning("the evaluation after a change to commitment %s could not be queued", sender.id)


def connect() -> None:
    """Connect the receivers (blinker keeps one connection per receiver, so twice is harmless)."""
    commitment_changed.connect(on_commitment_changed)
    import_committed.connect(on_import)
    import_reverted.connect(on_revert)
    demo_seeded.connect(on_demo_seeded)
