"""The commitments' schemas: a commitment with its history, its filters, and the PATCH an officer sends."""
import re

import marshmallow as ma
from flask_login import current_user
from marshmallow import fields, validate

from scorecard.api.schemas.common import (
    ID,
    UPDATED_SINCE,
    ComponentCode,
    Filter,
    FunctionCode,
    Moment,
    PageArgs,
    Ref,
    Schema,
    Text,
    WholeNumber,
)
from scorecard.commitments.services import DUE_YEARS, LEADER_FIELDS, MAX_LINK_LENGTH, MAX_LINKS, MAX_TEXT_LENGTH
from scorecard.models import (
    CAPACITY_DOMAINS,
    CommitmentStatus,
    Role,
)


class HistorySchema(Schema):
    id = WholeNumber()
    at = fields.AwareDateTime()
    user_id = WholeNumber(allow_none=True)
    by = Text()
    status = fields.Enum(CommitmentStatus, by_value=True)
    reason = Text(allow_none=True)
    note = Text(allow_none=True)
    changes = fields.Dict(metadata={"description": "Each changed field: [before, after]."})
    import_batch_id = WholeNumber(allow_none=True, metadata={
        "description": "The import that wrote this update (null: the web or the API)."})


class LeaderRef(Schema):
    id = WholeNumber()
    name = Text()
    email = Text(allow_none=True)


class CommitmentSchema(Schema):
    id = WholeNumber()
    function = fields.Nested(Ref)
    leader = fields.Nested(LeaderRef, allow_none=True)
    component_id = WholeNumber(allow_none=True)
    capacity_domain = Text(allow_none=True)
    title = Text()
    description = Text(allow_none=True)
    due_date = fields.Date(allow_none=True)
    status = fields.Enum(CommitmentStatus, by_value=True)
    reason = Text(allow_none=True)
    next_step = Text(allow_none=True)
    evidence_links = fields.List(Text())
    program_ids = fields.List(WholeNumber())
    metric_ids = fields.List(WholeNumber())
    last_update_at = fields.AwareDateTime(allow_none=True)
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()
    version = WholeNumber(metadata={"description": "Also the ETag; send it back as If-Match to change it."})
    history = fields.List(fields.Nested(HistorySchema), metadata={"description": "Newest first."})


class CommitmentSavedSchema(CommitmentSchema):
    warnings = fields.List(Text(), metadata={"description": (
        "What the save may have got wrong though it was kept, in words: a due date set to a day already past "
        "(the commitment now reads overdue), or a complete or dropped commitment taken back up past its due "
        "date. Empty when there is nothing to say.")})


class CommitmentArgs(PageArgs):
    function = FunctionCode(validate=validate.Length(max=16), metadata={
        "description": "A function's code (any case; 422 when no function has it)."})
    component = ComponentCode(validate=validate.Length(max=32),
                              metadata={"description": "A component's code (any case; 422 when no component has "
                                                       "it): its commitments and its programs'."})
    status = fields.List(fields.Enum(CommitmentStatus, by_value=True), validate=validate.Length(
        max=len(CommitmentStatus),
        error="Given more than {max} times: there are {max} statuses; give each at most once."))
    domain = Filter(validate=validate.OneOf(CAPACITY_DOMAINS))
    leader_id = WholeNumber(**ID)
    updated_since = Moment(**UPDATED_SINCE)


class Day(fields.Date):
    """A date as the document states it, YYYY-MM-DD (RFC 3339's full-date) in the digits 0-9: marshmallow reads
    it with date.fromisoformat, which also took 20270331 and the week date 2027-W13-3."""

    default_error_messages = {"invalid": "{input!r} is not a date: write one that exists, as YYYY-MM-DD (2027-03-31)."}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
            raise self.make_error("invalid", input=value)
        return super()._deserialize(value, attr, data, **kwargs)


class CommitmentPatchSchema(Schema):
    """The fields an update may change, as an officer keeps them current on the web (status, reason, next
    step, due date, evidence; a leader: status and reason), and a note."""

    class Meta:
        ordered = True
        unknown = ma.RAISE
        min_properties = 1  # {} changes nothing: refused (api.resources.commitments.update), documented so

    # For a body that is JSON but no object ([], null, "on_track"): marshmallow says "Invalid input type."
    error_messages = {"type": 'The body is a JSON object of the fields to change, such as {"status": "on_track"}.'}

    status = fields.Enum(CommitmentStatus, by_value=True)
    reason = Text(allow_none=True, validate=validate.Length(max=MAX_TEXT_LENGTH))
    next_step = Text(allow_none=True, validate=validate.Length(max=MAX_TEXT_LENGTH))
    due_date = Day(allow_none=True, metadata={
        "description": f"YYYY-MM-DD, from {DUE_YEARS[0]}-01-01 to {DUE_YEARS[1]}-12-31 (another is refused, 422); "
                       "moving (or removing) a due date needs a reason in the same change."})
    # marshmallow's "Longer than maximum length 20." said neither that it counted links nor which link was long
    evidence_links = fields.List(Text(validate=validate.Length(max=MAX_LINK_LENGTH, error=(
                                     "'{input:.60}'... is longer than {max:,} characters: a link is at most "
                                     "{max:,}."))),
                                 validate=validate.Length(max=MAX_LINKS, error=(
                                     "More than {max} links were sent: a commitment keeps at most {max} evidence "
                                     "links.")), metadata={
        "description": "Each link one web address starting with http:// or https:// and naming a site, with no "
                       "space, control or invisible character in it (write a space as %20)."})
    note = Text(allow_none=True, validate=validate.Length(max=MAX_TEXT_LENGTH), metadata={
        "description": "Kept in the history; a note alone confirms the commitment is current."})

    def handle_error(self, error: ma.ValidationError, data, *, many: bool, **kwargs) -> None:
        """A field of a commitment this operation does not change (its title, programs...) is said to be one,
        not "Unknown field.", which read as if commitments had no title."""
        if isinstance(error.messages, dict) and isinstance(data, dict):
            # what this person may change with it: a leader, the status and reason (and a note) alone
            leader = getattr(current_user, "role", None) is Role.leader
            names = [f for f in self.fields if not leader or f in LEADER_FIELDS or f == "note"]
            changed = f"This operation changes {', '.join(names)}{' for a leader' if leader else ''}."
            for name in [n for n in error.messages if n in _NOT_PATCHED or n in _AS_THE_FORM_NAMES]:
                field = _AS_THE_FORM_NAMES.get(name, name)
                if field == "version":
                    said = "version is the app's: send the version read as the If-Match header (its ETag)."
                elif field in _KEPT_BY_THE_APP:
                    said = f"{field} is the app's record of the commitment: no request sets it. {changed}"
                elif field == "function":  # nowhere: the web and an import keep it too
                    said = ("function is the commitment's owner, set when it was made, and it does not change: a "
                            "commitment made under the wrong function is dropped and made again under the right "
                            f"one. {changed}")
                else:
                    said = (f"{field} is not changed through the API: it is changed on the commitment's page, by its "
                            f"function's officers and administrators. {changed}")
                if field != name:
                    said = f"{name} is the web form's name of the commitment's {field}: {said}"
                error.messages[name] = [said]


# A commitment's fields (CommitmentSchema) that PATCH leaves alone; of them, those the app alone writes.
_NOT_PATCHED = frozenset(set(CommitmentSchema().fields) - set(CommitmentPatchSchema().fields))
_KEPT_BY_THE_APP = frozenset({"id", "created_at", "updated_at", "last_update_at", "history"})
# The web form's names (scorecard.commitments.forms) of fields the API shows under others.
_AS_THE_FORM_NAMES = {"leader_id": "leader", "function_id": "function"}


# "*", or a list of entity tags (RFC 9110, 8.8.3), as the document states them: quoted, printable ASCII, weak
# ones marked W/. The operation reads the header itself (commitments._if_match), so it is not checked here:
# a schema's 422 would come before the operation's 404 and 403.
IF_MATCH_PATTERN = (r'^[ \t]*(\*|(W/)?"[\x21\x23-\x7e]*"([ \t]*,[ \t]*(W/)?"[\x21\x23-\x7e]*")*)[ \t]*$')


class IfMatchHeader(Schema):
    # webargs reads headers case-insensitively; the key is how the header is spelled.
    # Documented as required (base.PreconditionRequired): the operation answers 428 without it.
    if_match = fields.String(data_key="If-Match", metadata={
        "minLength": 1, "pattern": IF_MATCH_PATTERN,
        "description": "The ETag of the commitment as read (428 without it or empty; 400 when it is not a list of "
                       "entity tags; 412 when it names no current version; * overwrites whatever is current)."})
