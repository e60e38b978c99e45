"""Who may act on an import batch (DESIGN §6).

Acting on a batch — viewing its preview or rejected rows, confirming, cancelling, reverting — needs
the same permission as uploading its format: the action its sink names (`permission`; observation
layouts need `import_data`). Officers and leaders act only on batches they uploaded themselves, and
the row-level scope (an officer's own function, a leader's own commitments) is checked again by the
sink with the person who acts: on confirm when the rows are written, on revert before they are undone.
"""
from typing import Optional

from importers.formats.registry import FORMATS, SINKS
from scorecard.models import BatchStatus, Role, User
from scorecard.permissions import can, scoped

DEFAULT_PERMISSION = "import_data"
BATCH_ACTIONS = ("view", "confirm", "cancel", "revert")


class BatchRefused(Exception):
    """The user may not act on this batch (its format, or someone else's batch)."""


def format_permission(format_name: str) -> str:
    """The permission (scorecard.permissions action) uploading `format_name` needs."""
    return getattr(SINKS[FORMATS[format_name].sink], "permission", DEFAULT_PERMISSION)


def may_upload(user, format_name: str) -> bool:
    """Whether `user` may upload (and so act on batches of) the layout `format_name`."""
    return format_name in FORMATS and can(user, format_permission(format_name))


def uploadable(user) -> list[str]:
    """The names of the formats `user` may upload, in the registry's order."""
    return [name for name in FORMATS if may_upload(user, name)]


# The commitments layout as the scoped roles may use it: its title promises more than they may do.
_SCOPED_TITLES = {("commitments", Role.officer): "Commitments (your function's: create and update in bulk)",
                  ("commitments", Role.leader): "Commitments (the status and reason of those that name you)"}


def format_title(user, format_name: str) -> str:
    """The layout's title as `user` may use it (a leader may change only the status and reason of the
    commitments that name them, not create any)."""
    return _SCOPED_TITLES.get((format_name, user.role), FORMATS[format_name].title)


def may_use_imports(user) -> bool:
    """Whether `user` may upload anything at all (and so reach the import pages)."""
    return bool(uploadable(user))


def batch_format(batch) -> Optional[str]:
    """The layout of a batch: the one recognised, else the one chosen at upload, else None (the file
    failed before its layout was known)."""
    name = batch.format or (batch.options or {}).get("format")
    return name if name in FORMATS else None


def refusal(user, batch) -> Optional[str]:
    """Why `user` may not act on `batch`, or None when they may."""
    if not may_use_imports(user):
        return f"your role ({user.role.value}) may not import data"
    if scoped(user) and batch.user_id != user.id:
        return f"import batch {batch.id} was uploaded by someone else; you may act only on your own"
    name = batch_format(batch)
    if name is None:  # never recognised: nothing was or can be written
        if batch.user_id != user.id and user.role is not Role.admin and _scoped_uploader(batch):
            # an officer's or a leader's file (their function's rows, say) stays theirs and the admins'
            return f"import batch {batch.id} was uploaded by someone else; you may act only on your own"
        return None
    if not may_upload(user, name):
        if batch.user_id == user.id and batch.status in (BatchStatus.rejected, BatchStatus.failed):
            return None  # their own file, refused for its layout: they read why on its page (nothing was written)
        return (f"import batch {batch.id} is a {FORMATS[name].title} file, which your role "
                f"({user.role.value}) may not import, so you may not view, confirm, cancel or revert it")
    return None


def _scoped_uploader(batch) -> bool:
    """Whether the batch's uploader acts only within a scope of their own (an officer, a leader)."""
    from sqlalchemy.orm import object_session

    session = object_session(batch)
    uploader = session.get(User, batch.user_id) if session is not None and batch.user_id is not None else None
    return uploader is not None and scoped(uploader)


def check(user, batch) -> None:
    """Raise BatchRefused unless `user` may act on `batch`."""
    reason = refusal(user, batch)
    if reason:
        raise BatchRefused(reason)
