"""The filters several pages share, declared once: the quarter (default: the latest with A-11 survey
results), the agency, the component and the life experience; and `choice`, an id filter offering a
page's own list. Each offers what its dropdown lists; a value from the address that it does
not list (a quarter without data, an agency that is not there) reads as the default, so the dropdown
never shows blank while the page draws another view. `ComponentsOfTheAgency` keeps a page's component
filter to the agency chosen."""
from collections.abc import Callable

import dash
from dash import Input, Output, State

from dashboards import validation
from dashboards.cache import cached_answer
from dashboards.components import ALL, choices
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


def agency_components(agency_id) -> list[dict]:
    """Every component of the agency chosen (None: of every agency), for a ComponentsOfTheAgency."""
    return choices(common.components(db.session, agency_id), "All components")


class ComponentsOfTheAgency:
    """A page's component filter kept to its agency filter: the component dropdown offers the chosen agency's
    components (`options_for(agency id, or None for all)`, as dropdown options), a component chosen that the new agency
    does not have goes back to all, and an address naming a component of another agency reads as all (the
    UrlState's `reconcile`, which says so). Without it, a component of one agency and another agency chosen
    showed an empty page with both dropdowns filled and nothing said."""

    def __init__(self, prefix: str, options_for: Callable[[object], list[dict]]):
        self.prefix, self.options_for = prefix, options_for

    def options(self, agency) -> list[dict]:
        """The dropdown's options for the agency chosen, as the address gives it (ALL, or an id)."""
        return self.options_for(validation.id_or(ALL)(agency))

    def reconcile(self, values: dict) -> dict:
        """The address's filters with a component of another agency than the one chosen read as all."""
        return {**values, "component": _listed(values["component"], self.options(values["agency"]))}

    def register(self) -> None:
        """The callback that narrows the component dropdown as the agency changes."""
        options_for = self.options_for

        @dash.callback(Output(f"{self.prefix}-component", "options"), Output(f"{self.prefix}-component", "value"),
                       Input(f"{self.prefix}-agency", "value"), State(f"{self.prefix}-component", "value"),
                       prevent_initial_call=True)
        @validation.validated
        @cached_answer
        def component_choices(agency_id, component_id):
            """The agency's components; the component chosen stays if the agency has it, else all."""
            options = options_for(agency_id)
            kept = component_id in (None, ALL) or _listed(component_id, options) == component_id
            return options, dash.no_update if kept else ALL


def _listed(component, options: list[dict]):
    """The component chosen if the options hold it, else all components (one of another agency would leave the
    dropdown blank and the page empty)."""
    return component if str(component) in {o["value"] for o in options} else ALL
