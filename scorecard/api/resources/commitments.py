"""Commitments with their history, scoped per role as the web list is, and their update: the web
form's rules (scorecard.commitments.services), with the version as the ETag — a PATCH must send
it back in If-Match (428 without or empty, 400 when it is no list of entity tags, 412 when someone saved a
newer version; nothing changes; "*" overwrites whatever version is current, as HTTP has it)."""
import re

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Response, request
from flask_login import current_user

from scorecard.api import schemas as s
from scorecard.api.base import Blueprint, page
from scorecard.api.problems import PROBLEM_JSON, ApiProblem
from scorecard.api.schemas.common import component_with_code, function_with_code
from scorecard.commitments.attention import past_due_warning
from scorecard.commitments.services import (
    CLOSED,
    CommitmentError,
    EditConflict,
    dropped_beyond,
    dropped_beyond_words,
    last_saved_words,
    may_edit,
    may_see,
    update_commitment,
    visible_commitments,
    written_note,
)
from scorecard.extensions import db
from scorecard.models import Commitment, Program, User
from scorecard.people import person
from scorecard.text import shown

blp = Blueprint("api_commitments", __name__, description="C-suite commitments: status, reason, next step, evidence, "
                                                     "history.")
ETAG_HEADER = {"ETag": {"description": "The commitment's version; send it as If-Match to change it.",
                        "schema": {"type": "string"}}}
OPTIONS = (so.joinedload(Commitment.function), so.joinedload(Commitment.leader), so.selectinload(Commitment.programs),
           so.selectinload(Commitment.metrics), so.selectinload(Commitment.updates))


def etag(commitment: Commitment) -> str:
    return f'"{commitment.version}"'


def as_dict(commitment: Commitment, users: dict) -> dict:
    """The commitment as the API shows it, its history newest first."""
    c = commitment
    updates = sorted(c.updates, key=lambda u: (u.at, u.id), reverse=True)
    return {
        "id": c.id, "function": c.function, "leader": c.leader, "component_id": c.component_id,
        "capacity_domain": c.capacity_domain, "title": c.title, "description": c.description, "due_date": c.due_date,
        "status": c.status, "reason": c.reason, "next_step": c.next_step, "evidence_links": c.evidence_links or [],
        "program_ids": sorted(p.id for p in c.programs), "metric_ids": sorted(m.id for m in c.metrics),
        "last_update_at": c.last_update_at, "created_at": c.created_at, "updated_at": c.updated_at,
        "version": c.version,
        "history": [{"id": u.id, "at": u.at, "user_id": u.user_id, "by": person(users.get(u.user_id)),
                     "status": u.status, "reason": u.reason, "note": u.note, "changes": u.changes or {},
                     "import_batch_id": u.import_batch_id}
                    for u in updates],
    }


def _users(commitments) -> dict:
    ids = {u.user_id for c in commitments for u in c.updates if u.user_id}
    return {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(ids)))} if ids else {}


@blp.route("/commitments")
@blp.arguments(s.CommitmentArgs, location="query")
@blp.response(200, s.page_of(s.CommitmentSchema))
def commitments(args):
    """The commitments you may see (an officer their function's, a leader their own), by id."""
    query = visible_commitments(current_user).order_by(Commitment.id)
    if args.get("function"):  # a code no function has was refused (schemas.FunctionCode)
        query = query.where(Commitment.function_id == function_with_code(db.session, args["function"]).id)
    if args.get("component"):
        component = component_with_code(db.session, args["component"]).id
        query = query.where(sa.or_(Commitment.component_id == component,
                                   Commitment.programs.any(Program.component_id == component)))
    if args.get("status"):
        query = query.where(Commitment.status.in_(args["status"]))
    if args.get("domain"):
        query = query.where(Commitment.capacity_domain == args["domain"])
    if args.get("leader_id"):
        query = query.where(Commitment.leader_id == args["leader_id"])
    if args.get("updated_since"):
        query = query.where(Commitment.updated_at >= args["updated_since"])
    return page(db.session, query, args, options=OPTIONS, as_items=_as_items)


def _as_items(found: list[Commitment]) -> list[dict]:
    users = _users(found)
    return [as_dict(c, users) for c in found]


def _visible(commitment_id: int) -> Commitment:
    found = db.session.scalar(sa.select(Commitment).where(Commitment.id == commitment_id).options(*OPTIONS))
    if found is None or not may_see(current_user, found):
        raise ApiProblem(404, f"There is no commitment {commitment_id} you may see.")
    return found


@blp.route("/commitments/<int(max=2147483647):commitment_id>")
@blp.response(200, s.CommitmentSchema, headers=ETAG_HEADER)
@blp.alt_response(304, description="Unchanged: If-None-Match held its ETag (no body).", headers=ETAG_HEADER)
def commitment(commitment_id):
    """One commitment with its history; its ETag is its version (If-None-Match with it: 304)."""
    found = _visible(commitment_id)
    if request.if_none_match.contains_weak(str(found.version)):  # RFC 9110 13.1.2: a weak comparison
        return Response(status=304, headers={"ETag": etag(found)})
    return as_dict(found, _users([found])), 200, {"ETag": etag(found)}


@blp.route("/commitments/<int(max=2147483647):commitment_id>", methods=["PATCH"])
@blp.arguments(s.IfMatchHeader, location="headers")
@blp.arguments(s.CommitmentPatchSchema)
@blp.response(200, s.CommitmentSavedSchema, headers=ETAG_HEADER)
@blp.alt_response(412, schema=s.ProblemSchema, content_type=PROBLEM_JSON,
                  description="Someone saved a newer version; nothing changed. Read it again and retry.")
@blp.alt_response(428, schema=s.ProblemSchema, content_type=PROBLEM_JSON, description="If-Match is missing or empty.")
@blp.alt_response(413, schema=s.ProblemSchema, content_type=PROBLEM_JSON,
                  description="The body is longer than a change to one commitment can be (1 MB); nothing changed.")
@blp.alt_response(400, schema=s.ProblemSchema, content_type=PROBLEM_JSON,
                  description="If-Match is not a list of entity tags, or no body was sent; nothing changed.")
@blp.alt_response(422, schema=s.ProblemSchema, content_type=PROBLEM_JSON,
                  description="A rule of the domain refused a field (each in `errors`), or the body sent no field "
                              "and no note; nothing changed.")
def update(_headers, values, commitment_id):
    """Change the status, reason, next step, due date or evidence links, or add a note — the web form's
    rules (a leader: status and reason only).

    A note alone confirms the commitment is current. Fields sent with the values stored, and no note,
    record nothing (the same version and ETag, no history entry), as the web form saves nothing then; a
    body with no field and no note is refused (422). The answer's `warnings` say what the save kept that may be a
    slip, in the web form's words (a due date set to a day already past)."""
    found = _visible(commitment_id)
    if not may_edit(current_user, found):
        raise ApiProblem(403, "You may read this commitment but not change it.")
    if dropped_beyond(current_user, found):  # before its version: a retry with the current one is refused too
        raise ApiProblem(403, f"{dropped_beyond_words(found)}. Nothing was changed.")
    if not request.get_data(cache=True).strip():  # webargs reads no body as {}: a change sent without one
        raise ApiProblem(400, 'Send the fields to change as a JSON object, such as {"status": "on_track"} '
                              '({"note": "..."} alone confirms the commitment is current). Nothing was changed.')
    note = values.pop("note", None)
    if not values and written_note(note) is None:  # {} or a blank note: as little as no body, said so
        raise ApiProblem(422, 'Nothing to change was sent: send the fields to change, such as {"status": '
                              '"on_track"}, or a note, which confirms the commitment is current (a note of spaces '
                              'or invisible characters alone is none). Nothing was changed.',
                         errors=[] if note is None else [{"row": None, "column": "note", "value": shown(note),
                                                          "message": "a note of spaces or invisible characters "
                                                                     "alone says nothing"}])
    version = _if_match(found)
    due_before, was_closed = found.due_date, found.status in CLOSED
    try:
        update_commitment(db.session, found, values, user=current_user, version=version, note=note)
    except EditConflict:
        db.session.rollback()
        current = db.session.get(Commitment, commitment_id)
        saved = last_saved_words(db.session, current)
        raise ApiProblem(412, f"The commitment is at version {current.version}, not {version}: someone saved it "
                              f"after you read it.{' ' + saved if saved else ''} Read it again and retry. Nothing "
                              "was changed.", headers={"ETag": etag(current)}) from None
    except CommitmentError as error:
        db.session.rollback()
        raise ApiProblem(422, str(error), errors=[
            {"row": None, "column": name, "value": _sent(values, name), "message": message}
            for name, message in error.problems.items()]) from None
    except PermissionError as error:
        db.session.rollback()
        raise ApiProblem(403, str(error)) from None
    db.session.expire_all()
    found = _visible(commitment_id)
    warning = past_due_warning(found, current_user, due_before, was_closed=was_closed)
    return {**as_dict(found, _users([found])), "warnings": [warning] if warning else []}, 200, {"ETag": etag(found)}


# RFC 9110, 8.8.3: an entity tag is quoted, weak ones marked W/, and may hold a comma ("a,b"): a list of them
# is read whole, not split at its commas. A list may hold empty elements ('"13",', '"x", ,"13"'), which a
# recipient accepts (5.6.1.2).
_TAG = r'(W/)?"([\x21\x23-\x7e\x80-\xff]*)"'
ENTITY_TAG = re.compile(_TAG)
_COMMAS = r"(?:[ \t]*,)"
ENTITY_TAGS = re.compile(rf"{_COMMAS}*[ \t]*{_TAG}(?:{_COMMAS}+[ \t]*{_TAG})*{_COMMAS}*")


def _if_match(commitment: Commitment) -> int:
    """The version the client read, from If-Match: 428 without one (or an empty one, which names nothing
    either), 400 when it is not a list of entity tags (such as an unquoted 5: a request HTTP cannot read,
    not a version changed since), 412 when it names no current version (another version, or a weak tag,
    which never matches for a change). "*" matches the current version, as HTTP has it (RFC 9110,
    13.1.1): a client that sends it chooses to overwrite."""
    current = etag(commitment)
    sent = request.headers.get("If-Match", "").strip()
    if not sent:
        given = "If-Match is empty" if "If-Match" in request.headers else "If-Match is missing"
        raise ApiProblem(428, f"{given}: send the ETag you read as If-Match (now {current}), so a change made since "
                              "cannot be overwritten. Nothing was changed.", headers={"ETag": current})
    if sent == "*":
        return commitment.version
    if not ENTITY_TAGS.fullmatch(sent):
        message = f"not a list of entity tags such as {current} (a tag is quoted)"
        raise ApiProblem(400, f"The If-Match header is {message}: {sent[:80]!r} was sent. Nothing was "
                              "changed.", headers={"ETag": current},
                         errors=[{"row": None, "column": "If-Match", "value": shown(sent), "message": message}])
    tags = ENTITY_TAG.findall(sent)  # (weak, opaque) of each
    if any(not weak and opaque == str(commitment.version) for weak, opaque in tags):
        return commitment.version
    if any(opaque == str(commitment.version) for _, opaque in tags):
        why = (f"If-Match names version {commitment.version} as a weak tag, which never matches for a change: "
               f"send {current}")
    else:
        saved = last_saved_words(db.session, commitment)
        why = (f"The commitment is at version {commitment.version}; If-Match names another"
               f"{'. ' + saved[:-1] if saved else ''}")
    raise ApiProblem(412, f"{why}. Nothing was changed.", headers={"ETag": current})


def _sent(values: dict, name: str):
    value = values.get(name)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if hasattr(value, "value"):
        return value.value
    return list(value) if isinstance(value, (list, tuple)) else str(value)
