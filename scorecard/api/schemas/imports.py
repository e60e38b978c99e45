"""The imports' schemas: an import batch with its progress, an upload and a revert."""

import marshmallow as ma
from flask_smorest.fields import Upload
from marshmallow import fields, validate
from werkzeug.datastructures import FileStorage

from scorecard.api.schemas.common import Filter, PageArgs, ProblemItemSchema, Schema, Text, WholeNumber
from scorecard.models.imports import BatchStatus
from scorecard.periods import PeriodError, parse_period


class ProgressSchema(Schema):
    stage = Text()
    rows = WholeNumber()


PLANNED = ("Rows the import wrote when `status` is committed or reverted; otherwise the rows its preview planned, "
           "none of them written.")


class ImportBatchSchema(Schema):
    id = WholeNumber()
    filename = Text()
    format = Text(allow_none=True)
    sheet = Text(allow_none=True)
    status = fields.Enum(BatchStatus, by_value=True)
    user_id = WholeNumber(allow_none=True)
    created_at = fields.AwareDateTime()
    committed_at = fields.AwareDateTime(allow_none=True)
    reverted_at = fields.AwareDateTime(allow_none=True)
    confirmed_by = WholeNumber(allow_none=True, metadata={
        "description": "The user who confirmed the import (from the audit log); null when it is not committed, or "
                       "was confirmed from the command line (`committed_at` then set)."})
    reverted_by = WholeNumber(allow_none=True, metadata={
        "description": "The user who reverted the import; null when it is not reverted, or was reverted from the "
                       "command line (`reverted_at` then set)."})
    inserted = WholeNumber(metadata={"description": PLANNED})
    updated = WholeNumber(metadata={"description": PLANNED})
    unchanged = WholeNumber(metadata={"description": PLANNED})
    removed = WholeNumber(metadata={"description": "Stored rows the import took away: the figures of a touchpoint "
                                                   "that its new Touchpoints export no longer gives. " + PLANNED})
    rejected = WholeNumber()
    total_rows = WholeNumber()
    message = Text(allow_none=True)
    options = fields.Dict()
    errors = fields.List(fields.Nested(ProblemItemSchema))
    preview = fields.Dict(metadata={"description": "The plan: sample changes in words, driver-rule notes, what "
                                                   "would be created, unknown columns, warnings."})
    progress = fields.Nested(ProgressSchema)


# The import layouts' names: the importers' registry, handed in by the app factory (scorecard.api.init_app)
# before the operations are documented; the domain does not import `importers`.
LAYOUTS: list[str] = []


class Layout(validate.Validator):
    """One of LAYOUTS. Its `choices` are read when the document is written (an enum, so a client knows
    the values) and at each request."""

    @property
    def choices(self) -> list[str]:
        return LAYOUTS

    def __call__(self, value):
        if value not in LAYOUTS:
            raise ma.ValidationError(f"{value!r} is not a layout; choose one of {', '.join(LAYOUTS)}.")
        return value


class ImportArgs(PageArgs):
    status = fields.Enum(BatchStatus, by_value=True)
    format = Filter(validate=Layout())


class UploadForm(Schema):
    format = Text(validate=Layout(), metadata={"description": "The layout; recognised from the header when left "
                                                              "out."})
    sheet = Text(validate=validate.Length(max=200))
    program = Text(validate=validate.Length(max=300),
                            metadata={"description": "Touchpoints responses: the program."})
    period = Text(validate=[validate.Length(max=64), lambda text: _a_quarter(text)],
                  metadata={"description": "Touchpoints responses: the quarter, in any spelling the import files "
                                           "take (FY2025-Q1, FY25 Q1, 2025Q1, a date in it); 422 for a text that "
                                           "names no fiscal quarter."})
    touchpoint = Text(validate=validate.Length(max=800))
    trust_scale = Text(validate=validate.OneOf(["thumbs", "five"]))


def _a_quarter(text: str) -> None:
    """A quarter in any spelling parse_period reads (an upload's option, as the import page takes it)."""
    if text.strip():
        try:
            parse_period(text)
        except PeriodError:
            raise ma.ValidationError(f"{text[:64]!r} is not a fiscal quarter: write it as FY2025-Q1 (or FY25 Q1, "
                                     "2025Q1, or a date in the quarter).") from None


class FilePart(Upload):
    """A file part of a multipart body (with its filename): a text part of the same name is refused."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, FileStorage) or not value.filename:
            raise ma.ValidationError("Send the spreadsheet as a file part with its filename (curl -F file=@name.xlsx), "
                                     "not as text.")
        return value


class UploadSchema(UploadForm):
    """An upload: the file and the options the import page offers (multipart/form-data)."""

    file = FilePart(required=True, metadata={"description": "The spreadsheet: xlsx, xlsm, xls, ods, csv or tsv, "
                                                           "told by its content whatever its name ends with."})


class RevertArgs(Schema):
    dry_run = fields.Boolean(load_default=False, metadata={
        "description": "Check the revert and count what it would delete and restore; change nothing."})


class RevertSchema(Schema):
    batch = fields.Nested(ImportBatchSchema)
    dry_run = fields.Boolean(metadata={"description": "true when nothing was changed (`?dry_run=true`): the "
                                                      "counts are what the revert would do."})
    deleted = WholeNumber()
    restored = WholeNumber()
    kept = fields.Dict(keys=fields.String(), values=WholeNumber(), metadata={
        "description": "The organisations the batch created (agencies, components, programs), which a revert "
                       "keeps: other data may name them now."})
    evaluation = Text(allow_none=True, metadata={
        "description": "What became of the findings' evaluation: `queued` (in the background), `not_queued` (neither "
                       "the job service nor this server could take it: `scorecard evaluate` catches up), `done`, or "
                       "null when the revert changed nothing the rules read."})
