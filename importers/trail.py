"""Who did what to an import batch, for its page: who uploaded it, who confirmed it and who reverted it, each
with when, read from the batch and the audit log (the batch keeps who uploaded it; the audit log who confirmed
and who reverted). A step taken from the command line, where no person signs in, says so."""
from dataclasses import dataclass
from datetime import datetime
from typing import Optional

import sqlalchemy as sa

from scorecard.capacity.services import REVERT_ACTION
from scorecard.models import AuditEvent, ImportBatch, User
from scorecard.people import person

COMMIT_ACTION = "import.commit"  # the AuditEvent.action (on the import batch) of a batch confirmed (pipeline)
STEPS = {COMMIT_ACTION: "Confirmed", REVERT_ACTION: "Reverted"}
COMMAND_LINE = "the command line (no person signs in there)"


@dataclass
class Step:
    words: str   # "Uploaded", "Confirmed", "Reverted"
    by: str      # "Name (e-mail)", or the command line
    at: Optional[datetime]


def trail(session, batch: ImportBatch) -> list[Step]:
    """The batch's steps in the order taken: uploaded, then confirmed and reverted where it was."""
    uploader = session.get(User, batch.user_id) if batch.user_id is not None else None
    steps = [Step("Uploaded", person(uploader) if uploader else COMMAND_LINE, batch.created_at)]
    for action, at, user in session.execute(
            sa.select(AuditEvent.action, AuditEvent.at, User).outerjoin(User, User.id == AuditEvent.user_id)
            .where(AuditEvent.entity_type == "import_batch", AuditEvent.entity_id == batch.id,
                   AuditEvent.action.in_(list(STEPS))).order_by(AuditEvent.at, AuditEvent.id)):
        steps.append(Step(STEPS[action], person(user) if user else COMMAND_LINE, at))
    return steps


STEP_FIELDS = {COMMIT_ACTION: "confirmed_by", REVERT_ACTION: "reverted_by"}


def step_people(session, batch_ids: list[int]) -> dict[int, dict[str, Optional[int]]]:
    """{batch id: {"confirmed_by": user id, "reverted_by": user id}} of the batches confirmed or reverted (the
    API's batches), from the audit log; None where the step was taken from the command line, or not taken."""
    found = {batch_id: dict.fromkeys(STEP_FIELDS.values()) for batch_id in batch_ids}
    for batch_id, action, user_id in session.execute(
            sa.select(AuditEvent.entity_id, AuditEvent.action, AuditEvent.user_id)
            .where(AuditEvent.entity_type == "import_batch", AuditEvent.entity_id.in_(batch_ids or [-1]),
                   AuditEvent.action.in_(list(STEP_FIELDS))).order_by(AuditEvent.at, AuditEvent.id)):
        found[batch_id][STEP_FIELDS[action]] = user_id  # the latest of each (a batch is confirmed once)
    return found

