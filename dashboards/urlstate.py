"""A page's filters in the URL's query string: read on load, written back when they change, so a
copied link reproduces the view and the browser's back button returns to the previous one.

A page declares its filters once:

    url = UrlState("/heatmap", [
        QueryParam("period", "heatmap-period", validation.period, default=latest_period),
        QueryParam("agency", "heatmap-agency", validation.id_or(ALL), default=ALL, omit=ALL),
    ])
    url.register()                      # at import: the converters and the sync callback

    def layout(**query):                # Dash Pages passes the query string as keyword arguments
        values = url.read(query)        # {"period": "FY2026-Q4", "agency": "all"}, refused values → default
        return html.Div([url.location(), ... dcc.Dropdown(id="heatmap-period", value=values["period"]) ...])

`register` adds one callback: when a control changes it writes the query string (pushing a
history entry without reloading), and when the location changes under it (back, forward) it sets
the controls from the query string. Other callbacks just take the controls as inputs. Each
control's value is checked by the same converter the validation registry uses for it; a value
equal to the parameter's `omit` (the "all" choice) is left out of the query string. A parameter
marked `first_on_change` (a long table's page) goes back to its default when another one changes:
a new filter shows its first page.
"""
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Optional
from urllib.parse import parse_qs, urlencode

import dash
from dash import Input, Output, State, dcc, html

from dashboards import URL_BASE, validation
from dashboards.cache import cached_answer

NAMED: dict[str, Callable] = {}  # a control's {value: name} (QueryParam.names), by the control's id


@dataclass(frozen=True)
class QueryParam:
    """One filter: its name in the query string, the control showing it, the converter that
    checks it, its default (a value, or a callable computing it per request) and the value that
    is left out of the query string."""

    name: str
    control: str
    convert: Callable
    default: Any = None
    omit: Any = None
    prop: str = "value"
    first_on_change: bool = False  # a page number: back to its default when another parameter changes
    offered: Optional[Callable] = None  # the values the control lists (per request); another reads as the default
    names: Optional[Callable] = None  # {value: its name} (per request), to name a value in words
    # The default worked out from the other values read, when the address gives none (a program's own
    # latest quarter from its id); None (or its None) keeps `default`.
    default_from: Optional[Callable[[dict], Any]] = None
    # What the notice says of a well-formed value the control does not list ("has no survey results" for a
    # quarter): a quarter not in yet is no nonsense value.
    unlisted: str = "is not one it offers"

    def __post_init__(self):
        if self.names is not None:
            NAMED[self.control] = self.names  # a download's file name names what was chosen (components)

    def default_value(self):
        return self.default() if callable(self.default) else self.default

    def as_control(self, converted) -> Any:
        """A converted value as the control holds it (ids as text, None as the "all" choice)."""
        if converted is None:
            return self.omit if self.omit is not None else self.default_value()
        return converted if isinstance(converted, str) else str(converted)

    def read(self, raw) -> tuple[Any, Optional[str]]:
        """(the control's value for a query-string value, why a value given was not used, in words, or None):
        the default when absent, refused or not one the control lists."""
        raw = given(raw)
        if raw is None or raw == "":
            return self.default_value(), None
        try:
            value = self.as_control(self.convert(raw))
        except (ValueError, TypeError):
            return self.default_value(), "is not one it offers"
        if self.offered is not None and value not in {str(v) for v in self.offered()}:
            return self.default_value(), self.unlisted
        return value, None


def given(raw):
    """A query-string value as the page reads it: the last of a key given several times (Dash Pages
    passes those as a list); None when absent."""
    if isinstance(raw, list):
        return raw[-1] if raw else None
    return raw


def _quoted(text: str) -> str:
    """A value as the notice quotes it: 'as written', or escaped where it holds a character one cannot
    see ('\\u200bFY2026-Q4')."""
    return f"'{text}'" if text.isprintable() else ascii(text)


class UrlState:
    """The filters of the page at `path` (below /dashboards/), kept in its query string."""

    def __init__(self, path: str, params: list[QueryParam], reconcile: Optional[Callable[[dict], dict]] = None):
        """`reconcile`: the page's rule between its filters, applied to every reading of the address
        ({name: control value} in and out: a component must be of the agency chosen)."""
        self.reconcile = reconcile
        self.path = URL_BASE.rstrip("/") + "/" + path.strip("/")
        if path.strip("/") == "":
            self.path = URL_BASE
        self.params = params
        self.location_id = f"{self.path.strip('/').replace('/', '-')}-url"

    def location(self, query: Optional[dict] = None) -> html.Div:
        """The component that writes the query string, and a line saying which values of the address
        the page could not use and what it shows instead (a year with no data, a component of
        another agency), rather than change the view without a word; put it in the page's layout,
        given the layout's query-string keyword arguments. The line goes once a filter is changed."""
        return html.Div([dcc.Location(id=self.location_id, refresh=False),
                         html.P(self.notice(query or {}), id=self.notice_id, className="dash-lede", role="status")])

    @property
    def notice_id(self) -> str:
        return f"{self.location_id}-unused"

    def notice(self, query: dict) -> Optional[str]:
        return self._sentence(self.unused(query))

    @staticmethod
    def _sentence(unused: list[str]) -> Optional[str]:
        return "This address asks for what the page cannot show: " + "; ".join(unused) + "." if unused else None

    def read(self, query: dict) -> dict:
        """{name: control value} from the layout's query-string keyword arguments."""
        return self._read(query)[0]

    def unused(self, query: dict) -> list[str]:
        """What of `query` the page does not use, in words ("period 'FY2031-Q1' is not offered here, so
        it shows the default"): values refused, or changed to fit the others (`reconcile`)."""
        if not any(given(query.get(p.name)) not in (None, "") for p in self.params) and not self._unknown(query):
            return []  # nothing asked for (the usual address): nothing refused, and no default worked out
        return self._read(query)[1]

    def _unknown(self, query: dict) -> list[str]:
        """The keys of `query` that name no setting of the page ("quarter" for "period"), in words."""
        names = [p.name for p in self.params]
        unknown = [str(key) for key in query if key not in names]
        if not unknown:
            return []
        settings = f"its settings are {', '.join(names)}" if names else "it has no settings"
        return [f"{', '.join(_quoted(k[:40]) for k in unknown[:5])}{', ...' if len(unknown) > 5 else ''} "
                f"{'is not a setting' if len(unknown) == 1 else 'are not settings'} of this page ({settings}), so "
                f"{'it is' if len(unknown) == 1 else 'they are'} left out"]

    def _read(self, query: dict) -> tuple[dict, list[str]]:
        """({name: control value}, what of `query` was not used, in words): one reading of the address."""
        values, unused, defaulted = {}, self._unknown(query), set()
        for p in self.params:
            raw = query.get(p.name)
            if isinstance(raw, list) and len(set(raw)) > 1:
                unused.append(f"{p.name} is given {len(raw)} times ("
                              + ", ".join(_quoted(str(v)[:40]) for v in raw[:5]) + (", ..." if len(raw) > 5 else "")
                              + "), so it reads the last")
            values[p.name], refused = p.read(raw)
            if refused:
                unused.append(f"{p.name} {_quoted(str(given(query.get(p.name)))[:40])} {refused}, "
                              "so it shows the default")
            if refused or given(raw) in (None, ""):
                defaulted.add(p.name)
        for p in self.params:  # a default worked out from the others: for a value absent or refused alike
            if p.default_from is not None and p.name in defaulted:
                values[p.name] = p.default_from(values) or values[p.name]
        if not self.reconcile:
            return values, unused
        fitted = self.reconcile(dict(values))
        unused += [f"{p.name} {self._named(p, values[p.name])} does not go with the other choices, so it shows all"
                   for p in self.params if fitted.get(p.name) != values[p.name]
                   and given(query.get(p.name)) not in (None, "")]
        return fitted, unused

    @staticmethod
    def _named(param: QueryParam, value) -> str:
        """A value as the notice names it: its name where the control has one ("Benefits Office"), else as sent."""
        name = param.names().get(str(value)) if param.names else None
        return _quoted(name) if name else _quoted(str(value)[:40])

    @staticmethod
    def _parsed(search: Optional[str]) -> dict:
        return parse_qs((search or "").lstrip("?"), keep_blank_values=True)

    def read_search(self, search: Optional[str]) -> dict:
        return self.read(self._parsed(search))

    def search(self, values: dict) -> str:
        """The query string ("?a=1&b=2", or "") for control values {name: value}."""
        pairs = [(p.name, values.get(p.name)) for p in self.params if values.get(p.name) not in (None, "", p.omit)]
        return f"?{urlencode(pairs)}" if pairs else ""

    def register(self) -> None:
        """Register the converters of the location and the controls, and the sync callback."""
        validation.register(self.location_id, "search", validation.text)
        validation.register(self.location_id, "pathname", validation.text)
        for p in self.params:
            validation.register(p.control, p.prop, p.convert)

        outputs = [Output(self.location_id, "search"), Output(self.notice_id, "children")] + [
            Output(p.control, p.prop) for p in self.params]
        inputs = [Input(self.location_id, "search")] + [Input(p.control, p.prop) for p in self.params]

        @dash.callback(*outputs, *inputs, State(self.location_id, "pathname"), prevent_initial_call=True)
        @validation.validated
        @cached_answer
        def sync(search, *rest):
            *converted, pathname = rest
            unchanged = [dash.no_update] * len(self.params)
            if pathname is not None and pathname.rstrip("/") != self.path.rstrip("/"):
                return [dash.no_update, dash.no_update, *unchanged]  # leaving the page: another page's query string
            current = [p.as_control(v) for p, v in zip(self.params, converted)]
            if dash.ctx.triggered_id == self.location_id:  # back, forward or a link: follow the URL
                wanted, unused = self._read(self._parsed(search))
                return [dash.no_update, self._sentence(unused)] + [
                    wanted[p.name] if wanted[p.name] != now else dash.no_update for p, now in zip(self.params, current)]
            # Another filter changed: a page number goes back to the first page, in the URL and its control.
            reset = [p.first_on_change and dash.ctx.triggered_id != p.control and now != p.default_value()
                     for p, now in zip(self.params, current)]
            current = [p.default_value() if back else now for p, now, back in zip(self.params, current, reset)]
            # Written as the page's rule will leave them (an agency chosen under a component of another agency:
            # all components), so one change is one history entry, and back never lands on a view no one chose.
            shown = {p.name: v for p, v in zip(self.params, current)}
            written = self.search(self.reconcile(dict(shown)) if self.reconcile else shown)
            return [written if written != (search or "") else dash.no_update, None,  # the address now says the view
                    *[now if back else dash.no_update for now, back in zip(current, reset)]]
