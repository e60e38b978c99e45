"""Who may do what (DESIGN §6): one table, checked on the server for every route."""
from functools import wraps

from flask import abort
from flask_login import current_user

from scorecard.models import Role

A, E, O, AN, L, V = Role.admin, Role.executive, Role.officer, Role.analyst, Role.leader, Role.viewer  # noqa: E741 (the roles' initials, as in DESIGN §6)

# action -> roles allowed. Scoped rules (an officer's own function, a leader's own plan)
# are refined per object by the services that own those objects.
PERMISSIONS: dict[str, frozenset[Role]] = {
    "view_dashboards": frozenset({A, E, O, AN, L, V}),
    "import_data": frozenset({A, AN}),
    "manage_metrics": frozenset({A, AN}),
    "edit_commitment": frozenset({A, O, L}),
    "upload_commitments": frozenset({A, O, L}),  # the commitments layout only; rows scoped per user
    "view_rules": frozenset({A, E, O, AN, L}),
    "draft_rules": frozenset({A, AN}),
    "publish_rules": frozenset({A}),
    "rate_plans": frozenset({A, E}),
    "view_plans": frozenset({A, E, O, AN, L}),
    "manage_users": frozenset({A}),
    "view_audit": frozenset({A, E}),
    # Capacity assessments are agency-wide data shown beside the dashboards, so every role reads
    # them; analysts and admins enter and submit them; only an admin reopens a submitted year.
    "view_capacity": frozenset({A, E, O, AN, L, V}),
    "edit_capacity": frozenset({A, AN}),
    "reopen_capacity": frozenset({A}),
    # Commitments on the web: everyone but viewers (agency dashboards only) reads them, each
    # role its own scope (an officer their function's, a leader their own); officers create and
    # drop their function's, admins any.
    "view_commitments": frozenset({A, E, O, AN, L}),
    "create_commitment": frozenset({A, O}),
    "drop_commitment": frozenset({A, O}),
    "send_reminders": frozenset({A}),  # the outbox's "send the reminders owed today now"
    "read_outbox": frozenset({A}),  # the mail the app sent or holds when no SMTP server is set
}

# Roles whose permissions reach only their own records: an officer their function's, a leader their
# own. What such a user brought in (an import batch) only they act on; admins and analysts see all.
SCOPED_ROLES = frozenset({O, L})


def can(user, action: str) -> bool:
    """True when a signed-in, active user's role allows `action`; unknown actions are denied."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return user.role in PERMISSIONS.get(action, frozenset())


def scoped(user) -> bool:
    """True when the user's role is limited to their own records (see SCOPED_ROLES)."""
    return getattr(user, "role", None) in SCOPED_ROLES


def requires(*actions: str):
    """Route decorator: 403 unless the current user may perform one of `actions`."""
    for action in actions:
        if action not in PERMISSIONS:
            raise KeyError(f"unknown action {action!r}")

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not any(can(current_user, action) for action in actions):
                abort(403)
            return view(*args, **kwargs)
        wrapped.required_action = actions[0] if len(actions) == 1 else actions
        return wrapped
    return decorator
