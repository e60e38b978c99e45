"""Capacity-assessment forms: the assessment (scale and every domain at once), submitting it,
an admin's reopening. Values arrive as text and are checked by the services, whose messages name
the field and the value; the forms carry the CSRF token, the version the page was opened at and
(the assessment) its fields as opened, so a save that meets someone else's keeps both people's
changes (`merged`)."""
import json
import math
from dataclasses import dataclass

from wtforms import HiddenField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, NumberRange
from wtforms.widgets import HiddenInput

from scorecard import json_bodies
from scorecard.capacity.services import SCALE_LIMITS, scale_words, score_field, score_text
from scorecard.fields import WholeNumberField
from scorecard.merging import three_way
from scorecard.models.capacity import scale_of
from scorecard.security import BaseForm
from scorecard.text import as_the_box_counted, unkept_in

DOMAIN_FIELDS = ("score", "narrative", "evidence")


class _Versioned(BaseForm):
    version = WholeNumberField(widget=HiddenInput(), validators=[
        InputRequired(message="the form lost its version; open the page again"), NumberRange(min=0)])


class AssessmentForm(_Versioned):
    """The scale, then score, narrative and evidence links for each domain (fields score_0,
    narrative_0, evidence_0 ... in the order of `domains`; see `assessment_form`)."""

    scale_min = StringField("Lowest score")
    scale_max = StringField("Highest score")
    # Shown when a changed scale was refused over scores kept as they were: ticked, the scores are the new
    # scale's (a 1 of 7 that is a 1 of 10 too). Its value is the scale it vouches for ("1-10").
    scores_on_scale = StringField("Scores on the new scale")
    opened = HiddenField()  # the fields as the page was opened (JSON of `values`)
    submit = SubmitField("Save draft")

    domains: tuple[str, ...] = ()

    def values(self) -> dict[str, str]:
        """{field name: its text} of the scale and every domain's fields, line breaks and the ends' spaces
        as a comparison ignores them (a browser sends a text area's lines as CRLF)."""
        names = ["scale_min", "scale_max", *(f"{n}_{i}" for i in range(len(self.domains)) for n in DOMAIN_FIELDS)]
        return {name: str(self[name].data or "").replace("\r\n", "\n").strip() for name in names}

    def mark_opened(self) -> None:
        """The form now stands for what it shows: its fields as opened."""
        self.opened.data, self.opened.raw_data = json.dumps(self.values()), None

    def _opened(self) -> dict[str, str]:
        """The fields as the page was opened ({} when the form carries none, or nothing readable: a page
        opened before the form carried them, or one altered); only texts a column could hold."""
        try:
            opened = json_bodies.refusing_depth(lambda: json.loads(self.opened.data or "{}"))
        except ValueError:  # malformed, or nested too deeply
            return {}
        if not isinstance(opened, dict):
            return {}
        return {k: v for k, v in opened.items() if isinstance(v, str) and unkept_in(v) is None}

    def label_of(self, name: str) -> str:
        field, _, index = name.rpartition("_")
        if field in DOMAIN_FIELDS and index.isdigit():
            return f"{self.domains[int(index)]}: {self[name].label.text.lower()}"
        return self[name].label.text

    def merged(self, current: "AssessmentForm") -> list["ChangedField"]:
        """After someone else saved: the form merged three ways (scorecard.merging) with `current`, the
        form filled from the assessment as saved now, and then standing for that version. The fields
        either of them changed, to show side by side."""
        yours, saved = self.values(), current.values()
        rows = []
        # a domain the assessment saved now no longer holds is left out: the person's text stays
        for m in three_way([name for name in yours if name in saved], self._opened(), saved, yours):
            if m.known and not m.yours_changed:
                self[m.field].data = current[m.field].data
            if m.shown:
                rows.append(ChangedField(self.label_of(m.field), m.opened if m.known else "(not known)",
                                         saved[m.field], yours[m.field], m.theirs_changed, m.yours_changed))
        self.opened.data, self.opened.raw_data = json.dumps(saved), None
        return rows

    def entries(self):
        """(domain, its fields) for each domain, in order."""
        return [(domain, {name: self[f"{name}_{i}"] for name in DOMAIN_FIELDS} | {"domain": self[f"domain_{i}"]})
                for i, domain in enumerate(self.domains)]

    def posted(self) -> dict:
        """What was typed, as text, the way services.save takes it. A domain some of whose fields were
        not sent at all (not even empty) is left out, so the save refuses it as missing: a field
        not sent would otherwise read as its default and erase what is stored."""
        return {"scale_min": self.scale_min.data, "scale_max": self.scale_max.data,
                "scores_on_scale": self.scores_on_scale.data or "",
                "domains": [{"domain": fields["domain"].data, **{n: fields[n].data for n in DOMAIN_FIELDS}}
                            for _domain, fields in self.entries()
                            if all(field.raw_data for field in fields.values())]}

    def fill(self, assessment) -> None:
        """Show the stored assessment (or the default scale for one not started)."""
        low, high = scale_of(assessment)
        self.scale_min.data, self.scale_max.data = str(low), str(high)
        stored = {d.domain: d for d in (assessment.domain_scores if assessment else [])}
        for domain, fields in self.entries():
            row = stored.get(domain)
            fields["score"].data = score_field(row.score) if row and row.score is not None else ""
            fields["narrative"].data = (row.narrative or "") if row else ""
            fields["evidence"].data = (row.evidence or "") if row else ""

    def field_problems(self) -> dict:
        """The fields' own refusals (a hidden text-direction character, a version lost) as the services
        name theirs: {(domain or None, field): message}, the message naming the domain and the field
        ("Governance & Strategy narrative: ..."), so the page shows each beside its field."""
        found = {}
        for name, errors in self.errors.items():
            if name == "csrf_token":
                continue
            field, _, index = name.rpartition("_")
            if field in DOMAIN_FIELDS and index.isdigit() and int(index) < len(self.domains):
                domain = self.domains[int(index)]
                found[(domain, field)] = f"{domain} {self[name].label.text.lower()}: {' '.join(errors)}"
            else:
                found[(None, name)] = f"{self[name].label.text}: {' '.join(errors)}"
        return found

    def rescaled(self, assessment) -> str | None:
        """The scale typed ("1-10") when it is one a scale may be (whole numbers within SCALE_LIMITS, the
        lowest below the highest) other than the stored assessment's: the page then offers to say the scores
        shown are on it (services._check_rescaled). A scale refused itself (5-3) is never offered."""
        low, high = (str(self.scale_min.data or "").strip(), str(self.scale_max.data or "").strip())
        whole = [len(x) <= 9 and x.isascii() and x.isdigit() for x in (low, high)]  # int() of 5,000 digits raises
        if assessment is None or not all(whole):
            return None
        floor, ceiling = SCALE_LIMITS
        if not floor <= int(low) < int(high) <= ceiling:
            return None
        typed = scale_words(int(low), int(high))
        return None if typed == scale_words(assessment.scale_min, assessment.scale_max) else typed

    def shown_scale(self, assessment) -> tuple[str, str]:
        """The scale the page's instructions name: as typed when it is one (two whole numbers within
        SCALE_LIMITS, the lowest below the highest), else the stored one (1 to 7 before any is)."""
        try:
            low, high = float(self.scale_min.data), float(self.scale_max.data)
        except (TypeError, ValueError, OverflowError):
            low = high = math.nan
        floor, ceiling = SCALE_LIMITS
        if floor <= low < high <= ceiling and low.is_integer() and high.is_integer():
            return score_text(low), score_text(high)
        low, high = scale_of(assessment)
        return score_text(low), score_text(high)

    def field_for(self, key) -> str:
        """The id of the field a service problem (domain or None, field) is about."""
        domain, name = key
        if domain is None:
            return name if name in ("scale_min", "scale_max") else ""
        return f"{name}_{self.domains.index(domain)}" if domain in self.domains else ""


@dataclass
class ChangedField:
    """A field as it was opened, as saved now by someone else, and as the person typed it."""

    label: str
    opened: str
    saved: str
    yours: str
    theirs_changed: bool
    yours_changed: bool


def assessment_form(domains: list[str], **kwargs) -> AssessmentForm:
    """An AssessmentForm with a score, narrative and evidence field for each of `domains`."""
    fields = {"domains": tuple(domains)}
    for i, domain in enumerate(domains):
        fields[f"domain_{i}"] = HiddenField(default=domain)
        fields[f"score_{i}"] = StringField("Score")
        fields[f"narrative_{i}"] = TextAreaField("Narrative")
        fields[f"evidence_{i}"] = TextAreaField("Evidence links")
    return type("AssessmentEntryForm", (AssessmentForm,), fields)(**kwargs)


class SubmitForm(_Versioned):
    submit = SubmitField("Submit and lock")


class ReopenForm(_Versioned):
    reason = TextAreaField("Why reopen it? (required)", filters=[as_the_box_counted])
    submit = SubmitField("Reopen the assessment")
