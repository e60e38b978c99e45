"""Who did something, in words: the person behind a history row, an audit event, a decision or a
rule's publication, as a page shows them ("you" to themselves). One place, so the commitment
pages, the plans, the rules and the API name people alike."""
from typing import Optional

from scorecard.models import User


def person(user: Optional[User]) -> str:
    """"Name (e-mail)", the e-mail alone, or the system's words when no person did it (an import)."""
    if user is None:
        return "an import or the system (no person)"
    return f"{user.name} ({user.email})" if user.name else user.email


def is_viewer(user_id: Optional[int], viewer) -> bool:
    """Whether the person who did something (`user_id`; None: an import or the system) is `viewer`."""
    return user_id is not None and viewer is not None and user_id == getattr(viewer, "id", None)


def person_seen_by(session, user_id: Optional[int], viewer) -> str:
    """Who did something, as `viewer` reads it: "you", or the person (`person`)."""
    if is_viewer(user_id, viewer):
        return "you"
    return person(session.get(User, user_id) if user_id else None)
