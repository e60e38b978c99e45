"""The pieces every part of the API is built from: flask-smorest's Api and Blueprint, adapted so
errors are problem details, bodies may be multipart forms, and lists are pages."""
import flask_smorest
import marshmallow as ma
import sqlalchemy as sa
from apispec import BasePlugin
from flask import current_app, request
from marshmallow import missing
from webargs.flaskparser import FlaskParser, is_json_request
from webargs.multidictproxy import MultiDictProxy
from werkzeug.datastructures import CombinedMultiDict, MultiDict
from werkzeug.exceptions import HTTPException, default_exceptions

from scorecard import json_bodies
from scorecard.api.problems import (
    PROBLEM_JSON,
    ApiProblem,
    handle_http_exception,
    handle_problem,
    handle_unexpected,
)
from scorecard.api.schemas import ROWS_MAX, ProblemSchema
from scorecard.api.schemas.common import metric_with_code, no_metric_words
from scorecard.models import Metric
from scorecard.text import UNKEPT, unkept_field, words

# The longest JSON body of one object (PATCH a commitment): its three texts of 10,000 characters and 20 links of
# 2,000, every character escaped as a surrogate pair (12 bytes), come to 840,000 bytes at most.
ONE_OBJECT_MAX_BYTES = 1024 * 1024


class Parser(FlaskParser):
    """webargs' Flask parser plus a `multipart` location: a form's fields and files together, so one
    schema describes (and validates) an upload with its options. A query or form parameter the
    operation does not know, or one given twice that takes one value, is refused (422) rather than
    silently ignored or cut to its first value."""

    __location_map__ = {**FlaskParser.__location_map__, "multipart": "load_multipart"}
    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION, "query": ma.RAISE,
                                   "multipart": ma.RAISE}

    def load_json(self, req, schema):
        """The body as JSON (`_raw_load_json`); one of a single object (a commitment's change) longer than
        ONE_OBJECT_MAX_BYTES is refused (413) before it is read: every field it may hold, each escaped, fits
        well within, where reading 21 MB of empty objects sent as one field's value took a worker 15 s."""
        if not schema.many:
            size = req.content_length if req.content_length is not None else len(req.get_data(cache=True))
            if size > ONE_OBJECT_MAX_BYTES:
                _drain(req)
                raise ApiProblem(413, f"The body is {size:,} bytes; a change to one object is at most "
                                      f"{ONE_OBJECT_MAX_BYTES:,} bytes (1 MB). Nothing was changed.")
        return super().load_json(req, schema)

    def handle_error(self, error, req, schema, *, error_status_code, error_headers):
        """A refusal (422) as webargs answers it, the document refused let go of first: marshmallow's error holds
        it (`data`) and its traceback the frame that raised it, which holds the error, a cycle only the
        garbage collector frees, and it seldom looks (a body of empty objects makes nothing it counts). Kept,
        each refused body of a quarter of a megabyte grew a worker by megabytes, for good. The problem quotes
        the values refused from the body as sent (problems.sent_value), not from here."""
        error.data = error.valid_data = None
        error.__traceback__ = None
        super().handle_error(error, req, schema, error_status_code=error_status_code, error_headers=error_headers)

    def _raw_load_json(self, req):
        """The body as JSON; nesting too deep for the parser is invalid JSON (400), as in Flask, and a
        text holding a character no column keeps, or a key given twice in one object, is refused (422)
        naming where it is. A body of another kind (a form) is refused (415) rather than read as no body:
        the change it meant would not happen."""
        if not req.is_json and (req.content_length or req.form or req.get_data(cache=True)):
            raise ApiProblem(415, f"The body is {req.mimetype or 'of no declared type'}; this operation reads JSON. "
                                  "Send it with 'Content-Type: application/json'; nothing was changed.")
        if not is_json_request(req):
            return missing  # as webargs' own reader: no JSON body
        document = json_bodies.refusing_depth(lambda: json_bodies.loads_once_each(req.get_data(cache=True)))
        return json_bodies.refusing_unkept(document)

    def _handle_invalid_json_error(self, error, req, *args, **kwargs):
        """A body that is no JSON (400), saying where it breaks: webargs' own "Invalid JSON body." left a
        client to search a body of thousands of rows for it."""
        message = f"Invalid JSON body: {json_bodies.broken_words(error)}."
        raise ApiProblem(400, f"{message} Nothing was changed.",
                         errors=[{"row": None, "column": None, "value": None, "message": message}])

    def load_querystring(self, req, schema):
        return _single_values(MultiDictProxy(_matching_nothing(req.args), schema), schema)

    def load_multipart(self, req, schema):
        """A form's fields and files; a body of another kind (a CSV sent as the raw body) is refused (415),
        saying how to send the file, rather than read as a form without its file."""
        if req.mimetype not in ("multipart/form-data", "application/x-www-form-urlencoded") and (
                req.content_length or req.get_data(cache=True)):
            raise ApiProblem(415, f"The body is {req.mimetype or 'of no declared type'}; this operation reads a "
                                  "form (multipart/form-data) with the file in its 'file' field, e.g. "
                                  "curl -F file=@results.csv; nothing was changed.")
        return _single_values(MultiDictProxy(CombinedMultiDict([_kept(req.form), req.files]), schema), schema)


def _drain(req) -> None:
    """Read the rest of a refused body (at most the request's limit), kept nowhere: a connection whose body was
    left unread is closed by the server after its answer, which said keep-alive, and a client's next request on
    it failed unsent."""
    while req.stream.read(64 * 1024):
        pass


def _matching_nothing(values):
    """A query string's values, a text holding a character no text column keeps (scorecard.text)
    read with U+FFFD in its place: a filter no stored text can match, which matches nothing (it
    would fail in PostgreSQL's driver as it is)."""
    if unkept_field(values) is None:
        return values
    return MultiDict([(UNKEPT.sub("\ufffd", name), UNKEPT.sub("\ufffd", text))
                      for name, given in values.lists() for text in given])


def _kept(values):
    """A query string's or form's values, or a ValidationError (422) naming the parameter that holds
    a character no text column keeps (scorecard.text)."""
    found = unkept_field(values)
    if found:
        name, code = found
        raise ma.ValidationError({name: [f"The text holds {words(code)}, which cannot be kept."]})
    return values


def _single_values(values: MultiDictProxy, schema: ma.Schema) -> MultiDictProxy:
    repeated = {name: ["Given more than once; this parameter takes one value."]
                for name, field in schema.fields.items()
                if not isinstance(field, ma.fields.List) and len(values.data.getlist(field.data_key or name)) > 1}
    if repeated:
        raise ma.ValidationError(repeated)
    return values


class Blueprint(flask_smorest.Blueprint):
    """A part of the API: every HTTP error inside it answers as a problem."""

    ARGUMENTS_PARSER = Parser()
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {**flask_smorest.Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
                                             "multipart": "multipart/form-data"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # By code, so the app's own handlers for those codes (HTML pages) never answer the API.
        for code in default_exceptions:
            self.register_error_handler(code, handle_http_exception)
        self.register_error_handler(HTTPException, handle_http_exception)
        self.register_error_handler(ApiProblem, handle_problem)
        self.register_error_handler(Exception, handle_unexpected)
        self.before_request(_no_query_unread)


def _no_query_unread() -> None:
    """An operation that reads no query parameter refuses any sent (422, naming each), as one that reads some
    refuses those it does not know: ignored, `PATCH /commitments/1?dry_run=true` changed the commitment."""
    if not request.args or request.method == "OPTIONS":
        return
    view = current_app.view_functions.get(request.endpoint)
    read = ((getattr(view, "_apidoc", None) or {}).get("arguments") or {}).get("parameters", ())
    if not any(parameter.get("in") == "query" for parameter in read):
        flask_smorest.abort(422, messages={"query": {
            name: ["Unknown parameter: this operation takes none in the query."] for name in request.args}})


class RowsBodies(BasePlugin):
    """Documents a JSON array body (rows to import) as the API reads it: one row at least (an empty array
    is refused, 422) and at most ROWS_MAX (413), so that a client, and Schemathesis, knows either is no
    valid body."""

    def operation_helper(self, path=None, operations=None, **kwargs):
        for operation in (operations or {}).values():
            content = ((operation.get("requestBody") or {}).get("content") or {}).get("application/json") or {}
            schema = content.get("schema")
            if isinstance(schema, dict) and schema.get("type") == "array":
                schema.update(minItems=1, maxItems=ROWS_MAX)


class BodyMediaType(BasePlugin):
    """Documents the 415 an operation with a body answers when the body is of another media type than it
    reads (Parser): a client, and Schemathesis, finds it among the operation's answers."""

    def operation_helper(self, path=None, operations=None, **kwargs):
        for operation in (operations or {}).values():
            if "requestBody" in operation:
                operation.setdefault("responses", {}).setdefault("415", {
                    "description": "The body is of another media type than the operation reads; nothing was changed.",
                    "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}})


class AtLeastOneField(BasePlugin):
    """Documents a body that must hold one field at least (its schema's `Meta.min_properties`) as minProperties:
    the operation refuses an empty object (422), so a client, and Schemathesis, knows `{}` is no valid body."""

    def schema_helper(self, name, definition, **kwargs):
        least = getattr(getattr(kwargs.get("schema"), "Meta", None), "min_properties", None)
        return {"minProperties": least} if least else None


class RowRules(BasePlugin):
    """Documents what a schema asks of a whole object beyond its fields (its `Meta.json_schema`: oneOf, anyOf ...),
    where the operation refuses an object without it (422): a row of observations names a program or a
    function, and gives a value or answer counts."""

    def schema_helper(self, name, definition, **kwargs):
        return getattr(getattr(kwargs.get("schema"), "Meta", None), "json_schema", None)


class PreconditionRequired(BasePlugin):
    """Documents If-Match as required where an operation asks for it (428 without it). The operation
    reads it itself, after saying whether the object is there (404) and the caller's to change (403),
    so its schema cannot require it."""

    def operation_helper(self, path=None, operations=None, **kwargs):
        for operation in (operations or {}).values():
            for parameter in operation.get("parameters", ()):
                if isinstance(parameter, dict) and parameter.get("in") == "header" \
                        and parameter.get("name") == "If-Match":
                    parameter["required"] = True


class Api(flask_smorest.Api):
    """flask-smorest's Api with errors documented as RFC 9457 problem details. Its error handlers
    are the API blueprints' own (scorecard.api.init_app): flask-smorest would otherwise answer every
    HTTP error of the whole app, web pages included, in its own JSON."""

    ERROR_SCHEMA = ProblemSchema
    DEFAULT_RESPONSE_CONTENT_TYPE = "application/json"

    def __init__(self, app=None, *, spec_kwargs=None, **kwargs):
        spec_kwargs = {**(spec_kwargs or {})}
        spec_kwargs["extra_plugins"] = [*spec_kwargs.get("extra_plugins", ()), PreconditionRequired(), RowsBodies(),
                                      BodyMediaType(), AtLeastOneField(), RowRules()]
        super().__init__(app, spec_kwargs=spec_kwargs, **kwargs)

    def _register_error_handlers(self):
        pass

    def _register_responses(self):
        original, self.DEFAULT_RESPONSE_CONTENT_TYPE = self.DEFAULT_RESPONSE_CONTENT_TYPE, PROBLEM_JSON
        try:
            super()._register_responses()
        finally:
            self.DEFAULT_RESPONSE_CONTENT_TYPE = original


def page(session, query: sa.Select, args: dict, *, options=(), as_items=list) -> dict:
    """One page of a query of one model ordered by id: {items, page, page_size, total}, after
    `after_id` when given (PageArgs); `as_items` makes the page's rows the reply's items."""
    if args.get("after_id") is not None:
        query = query.where(query.column_descriptions[0]["entity"].id > args["after_id"])
    total = session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
    number, size = args["page"], args["page_size"]
    items = list(session.scalars(query.options(*options).limit(size).offset((number - 1) * size)).unique())
    return {"items": as_items(items), "page": number, "page_size": size, "total": total}


def page_of_list(items: list, args: dict, *, key=lambda item: item.id) -> dict:
    """One page of a list in the order of `key` (an item's id), after `after_id` when given (PageArgs)."""
    if args.get("after_id") is not None:
        items = [item for item in items if key(item) > args["after_id"]]
    number, size = args["page"], args["page_size"]
    return {"items": items[(number - 1) * size:number * size], "page": number, "page_size": size, "total": len(items)}


def get_or_404(session, model, ident: int, what: str):
    found = session.get(model, ident)
    if found is None:
        raise ApiProblem(404, f"There is no {what} {ident}.")
    return found


def metric_named(session, code: str) -> Metric:
    """The metric a query parameter names by its code (schemas.MetricCode has refused a code no metric
    has, beside the other parameters' errors); else 422 naming the value (the collection is there: a
    404 would read as "no such operation")."""
    found = metric_with_code(session, code)
    if found is None:
        flask_smorest.abort(422, messages={"query": {"metric": [no_metric_words(code)]}})
    return found
