"""The filters several pages share, declared once: the quarter (default: the latest with A-11 survey
results) and the agency. Each offers what its dropdown lists; a value from the address that it does
not list (a quarter without data, an agency that is not there) reads as the default, so the dropdown
never shows blank while the page draws another view."""
from dashboards import validation
from dashboards.components import ALL
from dashboards.queries import common
from dashboards.urlstate import QueryParam
from scorecard.extensions import db


def latest_period():
    return common.chosen_period(db.session, None)


def periods() -> list[str]:
    return common.periods_with_data(db.session)


def agency_choices() -> list[str]:
    return [ALL] + [str(i) for i, _ in common.agencies(db.session)]


def period(control: str, name: str = "period") -> QueryParam:
    return QueryParam(name, control, validation.period, default=latest_period, offered=periods)


def agency(control: str) -> QueryParam:
    return QueryParam("agency", control, validation.id_or(ALL), default=ALL, omit=ALL, offered=agency_choices)
