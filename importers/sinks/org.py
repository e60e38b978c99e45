"""Sinks for the org structure (agencies, components, programs, life experiences), metric
definitions and leaders. Names are the natural keys; codes, when given, identify a row too."""
import re

import sqlalchemy as sa

from importers.resolve import Directory, Unknown, _key
from importers.sinks.lookups import Leaders
from importers.sinks.tracked import RowChange, TrackedSink
from scorecard.a11 import standard_metric_specs
from scorecard.models import Agency, Component, Leader, LifeExperience, Metric, Observation, Program, Target
from scorecard.text import counted

CODE_LIMITS = {"agency": 32, "component": 32, "program": 64}


def initials(name: str) -> str:
    """ "Benefits Administration" -> "BA"; a one-word name keeps its first letters."""
    words = re.findall(r"[A-Za-z0-9]+", name)
    text = "".join(w[0] for w in words) if len(words) > 1 else (words[0][:6] if words else "X")
    return text.upper()


class OrgSink(TrackedSink):
    """One row per component or program. Rows repeat their agency and component; every mention of
    one must agree with the first."""

    permission = "manage_users"  # DESIGN §6: users, roles and org structure are administrators' work
    refused = "only administrators may import the org structure"

    def finish(self) -> None:
        self.directory = Directory(self.session)
        self.codes = {kind: {_key(x.code) for x in items} for kind, items in (
            ("agency", self.directory.agencies), ("component", self.directory.components),
            ("program", self.directory.programs))}
        self.experiences = {_key(e.name): e for e in self.session.scalars(sa.select(LifeExperience))}
        self.seen: dict[tuple, tuple] = {}  # natural key -> (first row, values given, reference)
        self.new_programs: dict = {}
        for row, record in self.records:
            agency = self._agency(row, record)
            component = None if agency is None else self._component(row, record, agency)
            if component is not None and record.get("program") is not None:
                self._program(row, record, component)

    def _agency(self, row, record):
        d = self.directory
        name, code = record.get("agency"), record.get("agency_code")
        if name is None and code is None:
            pending = [ref for key, (_, _, ref) in self.seen.items() if key[0] == "agency"]
            if len(d.agencies) + len(pending) == 1:
                return d.agencies[0].id if d.agencies else pending[0]
            self.fail(row, "agency", None, "the agency is missing and there is not exactly one agency")
            return None
        given = {k: v for k, v in (("name", name), ("code", code)) if v is not None}
        key = ("agency", _key(name) if name else "code " + _key(code))
        if key in self.seen:
            return self._again(row, "agency", key, given, name or code)
        current = self._match(row, "agency", d.agencies, code, name, lambda a: True)
        if current is False:
            return None
        values = dict(given)
        if current is None:
            values.setdefault("name", code)
            values.setdefault("code", self._new_code("agency", initials(values["name"])))
        return self._put(row, Agency, "agency", key, current, values, values.get("name") or current.name)

    def _component(self, row, record, agency):
        name, code = record["component"], record.get("component_code")
        given = {"name": name}
        if code is not None:
            given["code"] = code
        if record.get("hisp") is not None:
            given["is_hisp"] = record["hisp"]
        key = ("component", _ref_key(agency), _key(name))
        if key in self.seen:
            return self._again(row, "component", key, given, name)
        current = self._match(row, "component", self.directory.components, code, name,
                              lambda c: isinstance(agency, int) and c.agency_id == agency)
        if current is False:
            return None
        values = {"agency_id": agency, **given}
        if current is None:
            prefix = self._code_of(agency, self.directory.agencies)
            values.setdefault("code", self._new_code("component", f"{prefix}-{initials(name)}".strip("-")))
            values.setdefault("is_hisp", False)
        return self._put(row, Component, "component", key, current, values, name)

    def _program(self, row, record, component):
        name, code = record["program"], record.get("program_code")
        key = ("program", _ref_key(component), _key(name))
        if key in self.seen:
            self.fail(row, "program", name, f"the same program as row {self.seen[key][0]}")
            return None
        current = self._match(row, "program", self.directory.programs, code, name,
                              lambda p: isinstance(component, int) and p.component_id == component)
        if current is False:
            return None
        values = {"component_id": component, "name": name}
        if code is not None:
            values["code"] = code
        # a blank cell keeps what the program has (an analyst's file of names alone unlinked every life
        # experience); "(none)" removes its life experiences
        if record.get("program_description") is not None:
            values["description"] = record["program_description"]
        if record.get("life_experiences") is not None:
            values["life_experience_ids"] = self._experiences(row, record["life_experiences"])
        if current is None and code is None:
            count = self.new_programs.setdefault(_ref_key(component), [0])
            count[0] += 1
            stored = sum(1 for p in self.directory.programs if p.component_id == component)
            prefix = self._code_of(component, self.directory.components)
            values["code"] = self._new_code("program", f"{prefix}-{stored + count[0]:02d}")
        return self._put(row, Program, "program", key, current, values, name)

    def _experiences(self, row, names) -> list:
        ids = []
        for name in names:
            found = self.experiences.get(_key(name))
            parts = [part.strip() for part in name.split(",")]
            if found is None and len(parts) > 1 and all(_key(part) in self.experiences for part in parts):
                self.fail(row, "life_experiences", name, f"names {len(parts)} life experiences separated by commas "
                          "(" + "; ".join(parts) + "); separate them with semicolons")
                continue
            if found is None:
                found, _ = self.tracker.put(row, LifeExperience, ("life experience", _key(name)), None, {"name": name},
                                            what="life experience", label=name)
                self.experiences[_key(name)] = found
            ids.append(found if isinstance(found, RowChange) else found.id)
        return ids

    def _match(self, row, kind, items, code, name, within):
        """The stored row a code or name names: None when new, False after recording a conflict."""
        by_code = next((x for x in items if code and _key(x.code) == _key(code)), None)
        by_name = next((x for x in items if name and within(x) and _key(x.name) == _key(name)), None)
        if by_code is not None and not within(by_code):
            self.fail(row, f"{kind}_code", code, f"{kind} code {code!r} already belongs to {by_code.name!r}, "
                      "elsewhere in the org structure")
            return False
        if by_code is not None and name and _key(by_code.name) != _key(name):
            self.fail(row, f"{kind}_code", code, f"{kind} code {code!r} belongs to {by_code.name!r}, not to "
                      f"{name!r} (an import does not rename)")
            return False
        if by_code is None and code and _key(code) in self.codes[kind] and (
                by_name is None or _key(by_name.code) != _key(code)):
            self.fail(row, f"{kind}_code", code, f"{kind} code {code!r} is already used by another {kind}")
            return False
        return by_code or by_name

    def _again(self, row, kind, key, given, label):
        """A later mention of an agency or component: it must agree with the first."""
        first_row, first_values, ref = self.seen[key]
        for field, value in given.items():
            if field in first_values and value != first_values[field]:
                column = {"code": f"{kind}_code", "is_hisp": "hisp", "name": kind}[field]
                self.fail(row, column, value, f"{kind} {label!r} has {column} {first_values[field]!r} on row "
                          f"{first_row}; every row must agree")
                return None
        return ref

    def _put(self, row, model, kind, key, current, values, label):
        written = values
        if current is not None and values.get("name") and values["name"].split() == current.name.split():
            # the same words with other spaces (a non-breaking one, two): the stored name stays; renamed, it
            # changed to a spelling the preview draws alike ("an import does not rename")
            written = {**values, "name": current.name}
        if "code" in values:
            self.codes[kind].add(_key(values["code"]))
        ref, _ = self.tracker.put(row, model, key, current, written, what=kind, label=label)
        self.seen[key] = (row, values, ref)  # later rows agree with the file's own spelling
        return ref

    def _new_code(self, kind: str, wanted: str) -> str:
        limit = CODE_LIMITS[kind]
        code, n = wanted[:limit], 2
        while _key(code) in self.codes[kind]:
            suffix = f"-{n}"
            code, n = wanted[:limit - len(suffix)] + suffix, n + 1
        self.codes[kind].add(_key(code))
        return code

    @staticmethod
    def _code_of(ref, items) -> str:
        if isinstance(ref, RowChange):
            return ref.after["code"]
        return next((item.code for item in items if item.id == ref), "")


def _ref_key(ref):
    """A stored row's id, or a pending insert's identity, as part of a child's natural key."""
    return ref if isinstance(ref, int) else id(ref)


class MetricDefinitionSink(TrackedSink):
    """One row per metric, by code. A metric with observations keeps its kind; one with targets keeps its
    direction (their green and amber thresholds are ordered for it); an A-11 standard metric has A-11's driver."""

    permission = "manage_metrics"
    refused = "only administrators and analysts may import metric definitions"

    def finish(self) -> None:
        existing = {_key(m.code): m for m in self.session.scalars(sa.select(Metric))}
        self._used = set(self.session.scalars(sa.select(Observation.metric_id).distinct()))
        # targets whose thresholds read one way only (all three equal reads the same either way)
        self._ordered = dict(self.session.execute(
            sa.select(Target.metric_id, sa.func.count()).where(
                sa.or_(Target.green_at != Target.amber_at, Target.target != Target.green_at))
            .group_by(Target.metric_id)).all())
        # an A-11 standard metric's driver is A-11's, whatever is stored (a database whose first file of metric
        # definitions gave trust another driver, before any survey result made the standard metrics)
        self._standard = {_key(spec["code"]): spec.get("driver") for spec in standard_metric_specs()}
        first_row: dict[str, int] = {}
        for row, record in self.records:
            code = record["code"]
            key = _key(code)
            if key in first_row:
                self.fail(row, "code", code, f"the same metric code as row {first_row[key]}")
                continue
            first_row[key] = row
            current = existing.get(key)
            values = {f: record[f] for f in ("name", "kind", "unit", "direction", "driver", "description")
                      if f in record}
            if current is None:
                values["code"] = code
                for field in ("name", "kind"):
                    if values.get(field) is None:
                        self.fail(row, field, record.get(field), f"a new metric needs a {field}")
                if values.get("direction") is None:
                    values.pop("direction", None)
                if key in self._standard:
                    self._standard_driver(row, code, values)
            else:
                values = {f: v for f, v in values.items() if v is not None}  # a blank cell keeps what is stored
                self._guard(row, current, values)
            if row in self._bad_rows:
                continue
            self.tracker.put(row, Metric, (code,), current, values, what="metric", label=code)

    def _guard(self, row: int, current: Metric, values: dict) -> None:
        """Refuse the changes to a defined metric that would turn over what is stored under it: its kind
        while it has observations, its direction while it has targets, a standard metric's driver."""
        if "kind" in values and values["kind"] is not current.kind and current.id in self._used:
            self.fail(row, "kind", values["kind"].value, f"metric {current.code!r} already has observations "
                      f"as a {current.kind.value} metric; its kind cannot become {values['kind'].value}")
        if _key(current.code) in self._standard and "driver" in values:
            self._standard_driver(row, current.code, values)
        if "direction" in values and values["direction"] is not current.direction and self._ordered.get(current.id):
            was, now = current.direction.value, values["direction"].value
            targets = self._ordered[current.id]
            self.fail(row, "direction", now,
                      f"metric {current.code!r} has {counted(targets, 'target')} whose green and amber thresholds "
                      f"are set for {was} is better; its direction cannot become {now} "
                      f"under {'it' if targets == 1 else 'them'} (every status would turn over): import the metric "
                      "under a new code instead")

    def _standard_driver(self, row: int, code: str, values: dict) -> None:
        """A standard metric's driver is the one A-11 gives it: another is refused; a new one's blank is A-11's."""
        driver = self._standard[_key(code)]
        if values.get("driver") is None:  # only a new metric's: a defined one's blank keeps what it has
            values["driver"] = driver
        elif values["driver"] is not driver:
            self.fail(row, "driver", values["driver"].value, f"{code!r} is an A-11 standard metric: its driver is "
                      f"{driver.value if driver else 'none'}, as A-11 defines it")


class LeaderSink(TrackedSink):
    """One row per leader, by e-mail address, or by name when the row has none."""

    permission = "manage_users"
    refused = "only administrators may import leaders"

    def finish(self) -> None:  # noqa: C901 (one pass over a row's or file's steps, kept together so the order of checks reads top to bottom)
        directory = Directory(self.session)
        leaders = Leaders(self.session)
        first_row: dict = {}
        for row, record in self.records:
            name, email = record["leader"], record.get("email")
            key = email or ("name", _key(name))
            if key in first_row:
                self.fail(row, "email" if email else "leader", email or name,
                          f"the same leader as row {first_row[key]}")
                continue
            first_row[key] = row
            current = leaders.by_email.get(email) if email else None
            if current is None:
                named = leaders.by_name.get(_key(name), [])
                if email:
                    named = [n for n in named if not n.email]  # adopt a leader first entered without e-mail
                if len(named) > 1:
                    self.fail(row, "leader", name, f"{len(named)} leaders are named {name!r}; add their e-mail "
                              "addresses to tell them apart")
                    continue
                current = named[0] if named else None
            values = {"name": name}
            for field in ("email", "title"):
                if field in record:
                    values[field] = record[field]
            if current is not None and values.get("email", True) is None:
                del values["email"]  # a blank address keeps the stored one
            for column, find in (("component", directory.component), ("function", directory.function)):
                if column in record:
                    try:
                        values[f"{column}_id"] = find(record[column]).id if record[column] else None
                    except Unknown as error:
                        self.fail(row, column, record[column], str(error))
            if row in self._bad_rows:
                continue
            # named with the e-mail that keys it: two Pat Smiths' rows read alike in the preview
            self.tracker.put(row, Leader, (email or name,), current, values, what="leader",
                             label=f"{name} ({email})" if email else name)
