"""The organisation's schemas: agencies, components, life experiences, programs, functions, metrics."""

from marshmallow import fields, validate

from scorecard.api.schemas.common import ID, Filter, PageArgs, Ref, Schema, Text, WholeNumber
from scorecard.models import (
    Direction,
    Driver,
    MetricKind,
)


class AgencySchema(Ref):
    external_id = Text(allow_none=True)


class ComponentSchema(Ref):
    agency = fields.Nested(Ref)
    is_hisp = fields.Boolean()
    external_id = Text(allow_none=True)


class LifeExperienceSchema(Schema):
    id = WholeNumber()
    name = Text()


class ProgramSchema(Ref):
    description = Text(allow_none=True)
    external_id = Text(allow_none=True)
    component = fields.Nested(Ref)
    agency = fields.Nested(Ref, attribute="component.agency")
    life_experiences = fields.List(fields.Nested(LifeExperienceSchema))


class FunctionSchema(Ref):
    pass


class MetricSchema(Ref):
    kind = fields.Enum(MetricKind, by_value=True)
    unit = Text(allow_none=True)
    direction = fields.Enum(Direction, by_value=True)
    driver = fields.Enum(Driver, by_value=True, allow_none=True)
    description = Text(allow_none=True)


class AgencyArgs(PageArgs):
    code = Filter(validate=validate.Length(max=64), metadata={"description": "The agency's code (any case)."})


class ComponentArgs(PageArgs):
    agency_id = WholeNumber(**ID)
    is_hisp = fields.Boolean()


class ProgramArgs(PageArgs):
    agency_id = WholeNumber(**ID)
    component_id = WholeNumber(**ID)
    life_experience = Filter(validate=validate.Length(max=200), metadata={
        "description": "Programs tagged with this life experience (its name, in any case)."})


class MetricArgs(PageArgs):
    driver = fields.Enum(Driver, by_value=True)
    kind = fields.Enum(MetricKind, by_value=True)
