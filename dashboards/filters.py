"""The filters several pages share, declared once: the quarter (default: the latest with A-11 survey
results), the agency, the component and the life experience; and `choice`, an id filter offering a
page's own list. Each offers what its dropdown lists; a value from the address that it does
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


def period(control: str, name: str = "period") -> QueryParam:
    return QueryParam(name, control, validation.period, default=latest_period, offered=periods,
                      unlisted="has no survey results")


def agency(control: str) -> QueryParam:
    return choice("agency", control, lambda: common.agencies(db.session))


def component(control: str) -> QueryParam:
    return choice("component", control, lambda: common.components(db.session, None))


def life_experience(control: str) -> QueryParam:
    return choice("life_experience", control, lambda: common.life_experiences(db.session))


def choice(name: str, control: str, pairs) -> QueryParam:
    """An id filter ("all" by default) offering the ids of `pairs()`, [(id, name)]."""
    return QueryParam(name, control, validation.id_or(ALL), default=ALL, omit=ALL,
                      offered=lambda: [ALL] + [str(i) for i, _ in pairs()],
                      names=lambda: {str(i): label for i, label in pairs()})
