"""marshmallow glue for the reference layouts: one row of raw cells in, typed values out — or every
bad cell as (column, value, message). A column the file lacks stays out of the result, so a sink
can leave that field as stored."""
from marshmallow import EXCLUDE, Schema, ValidationError, fields

from importers.formats.base import RowProblems


class Cell(fields.Field):
    """A spreadsheet cell read by a normaliser from importers.normalize (or one built on them):
    blank and N/A cells are None; a bad value fails with the normaliser's own message."""

    def __init__(self, convert, **kwargs):
        super().__init__(allow_none=True, **kwargs)
        self.convert = convert

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return self.convert(value)
        except ValueError as error:
            raise ValidationError(str(error)) from error


class RowSchema(Schema):
    """Base of the row schemas: columns outside the schema are ignored (the pipeline lists them)."""

    class Meta:
        unknown = EXCLUDE


def load_row(schema: Schema, row: dict, required=()) -> dict:
    """The typed values of a row; raises RowProblems naming each bad or missing cell. A `required`
    column that the file has but that is blank in this row is a problem."""
    try:
        data = schema.load(row)
        problems = []
    except ValidationError as error:
        data = error.valid_data or {}
        problems = [(None if column == "_schema" else column, row.get(column), _text(messages))
                    for column, messages in error.messages.items()]
    failed = {p[0] for p in problems}
    for column in required:
        if column in row and data.get(column) is None and column not in failed:
            problems.append((column, row.get(column), f"the {column.replace('_', ' ')} is missing"))
    if problems:
        raise RowProblems(problems)
    return data


def _text(messages) -> str:
    if isinstance(messages, dict):
        return "; ".join(_text(m) for m in messages.values())
    if isinstance(messages, (list, tuple)):
        return "; ".join(_text(m) for m in messages)
    return str(messages)
