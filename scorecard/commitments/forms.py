"""Commitment forms: an owner's full update (and a new commitment), a leader's status update,
dropping. Each update form carries the version it was opened at and the fields as they were,
so a save over someone else's newer version is caught and shown, never applied."""
import calendar
import re
from datetime import date

from wtforms import DateField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.utils import unset_value
from wtforms.validators import InputRequired, Length, NumberRange, ValidationError
from wtforms.validators import Optional as Blank
from wtforms.widgets import HiddenInput

from scorecard.commitments.services import MAX_TEXT_LENGTH, STATUS_LABELS, parse_links
from scorecard.fields import DIGITS, WholeNumberField, other_script_digit, script_of
from scorecard.models import CAPACITY_DOMAINS, CommitmentStatus
from scorecard.naming import in_words, told_apart
from scorecard.security import BaseForm, sent_at_all
from scorecard.text import as_the_box_counted


class TextBox(TextAreaField):
    """A text box whose line breaks count one character each, as its maxlength counted them in the browser
    (which sends each as "\r\n"): 10,000 characters the box took were refused as 10,010."""

    def __init__(self, *args, filters=(), **kwargs):
        super().__init__(*args, filters=(as_the_box_counted, *filters), **kwargs)


def choice_id(value) -> int:
    """A chosen id written with the digits 0-9 (int() reads "٥" and "４" as 5 and 4: a made request chose
    programs by digits no page writes); anything else is no choice."""
    if isinstance(value, int):
        return value
    if not DIGITS.fullmatch(str(value)):
        raise ValueError(f"{value!r} is not an id")
    return int(value)


def optional_id(value):
    """A select's value as an id (written as `choice_id` reads one), or None for the blank choice."""
    if value in (None, "", "None"):
        return None
    return choice_id(value)


# The field a page's script (static/forms.js) adds, naming each date box left half typed (11/25/yyyy): the browser
# sends such a box as blank, and a due date half edited was saved as no due date.
INCOMPLETE_DATES = "incomplete_date"


class DayField(DateField):
    """A date (YYYY-MM-DD, as a date input sends it); a bad value is named in the message, and a box the page
    says was left half typed (INCOMPLETE_DATES) is refused, not read as blank."""

    INCOMPLETE = ("the date is not complete: enter its month, day and year, or clear all three to leave it without a "
                  "date")

    def process(self, formdata, data=unset_value, extra_filters=None):
        super().process(formdata, data=data, extra_filters=extra_filters)
        self.incomplete = formdata is not None and self.name in formdata.getlist(INCOMPLETE_DATES) and not any(
            (value or "").strip() for value in self.raw_data or [])  # sent blank, as the browser sends such a box

    def post_validate(self, form, validation_stopped):
        if getattr(self, "incomplete", False):  # after the Optional validator, which clears a blank box's errors
            self.data = None
            raise ValidationError(self.INCOMPLETE)

    def process_formdata(self, valuelist):
        valuelist = [value.strip() if isinstance(value, str) else value for value in valuelist]
        if valuelist and isinstance(valuelist[0], str) and other_script_digit(valuelist[0]):
            raise ValueError(day_problem(valuelist[0]))  # Python's date parsing reads fullwidth digits as 0-9
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(day_problem(valuelist[0])) from None


def day_problem(text: str) -> str:
    """Why `text` is not a date: the year, month or day that does not exist (2026-11-31), else the form
    to write it in."""
    other = other_script_digit(text)
    if other:  # as an import and the API refuse them
        return (f"{text!r} is written with digits of another script ({script_of(other)}): write it as YYYY-MM-DD "
                "with 0-9")
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):  # as DayField reads it: spaces around taken off
        year, month, day = (int(part) for part in text.split("-"))
        if year < 1:
            return f"{text!r} is not a date: the years start at 0001"
        if not 1 <= month <= 12:
            return f"{text!r} is not a date: the month is 01 to 12"
        last = calendar.monthrange(year, month)[1]
        if day < 1:
            return f"{text!r} is not a date: the day is 01 to {last:02d}"
        if day > last:
            return f"{text!r} is not a date: {calendar.month_name[month]} {year:04d} has {last} days"
    if re.fullmatch(r"[0-9]{5,}-[0-9]{2}-[0-9]{2}", text):  # a date box takes a year of five digits and more
        return f"{text!r} is not a date: the year {text.rsplit('-', 2)[0]} has more than four digits"
    return f"{text!r} is not a date: write it as YYYY-MM-DD"


def _same(value):
    return value


def status_choices(current: CommitmentStatus | None = None, *, with_dropped: bool = False) -> list[SelectChoice]:
    """Every status but dropped (dropping is its own step, with a reason) unless it is the
    current one."""
    return [SelectChoice(s.value, STATUS_LABELS[s]) for s in CommitmentStatus
            if s is not CommitmentStatus.dropped or with_dropped or s is current]


class _Opened(BaseForm):
    """What an update form was opened at: the version, and the fields as they were (JSON)."""

    version = WholeNumberField(widget=HiddenInput(), validators=[InputRequired(), NumberRange(min=1)])
    opened = StringField(widget=HiddenInput(), validators=[Length(max=200_000)])
    note = TextBox("Note for the history (optional)", validators=[Length(max=MAX_TEXT_LENGTH)])


class StatusForm(_Opened):
    """A leader's update of a commitment that names them: status, reason, note."""

    status = SelectField("Status", validators=[sent_at_all, InputRequired()])
    reason = TextBox("Reason (required when at risk or off track)", validators=[Length(max=MAX_TEXT_LENGTH)])
    submit = SubmitField("Save update")

    FIELDS = ("status", "reason")
    READ = {"status": CommitmentStatus, "evidence_links": parse_links, "capacity_domain": lambda v: v or None,
            "program_ids": lambda v: v or [], "metric_ids": lambda v: v or []}  # as the domain takes them

    def values(self, names=None) -> dict:
        """The fields' values as the domain takes them: of every field, or of `names`."""
        return {name: self.READ.get(name, _same)(self[name].data) for name in (self.FIELDS if names is None else names)}

    def passed_values(self) -> dict:
        """The values of the fields that passed their own checks: the domain's rules can be asked
        about them too, so one submit reports every problem (not an empty title first, then the
        missing reason)."""
        return self.values([name for name in self.FIELDS if not self[name].errors])

    def fill(self, encoded: dict) -> None:
        """Show stored (encoded) values in the form, replacing what was posted."""
        for name, value in encoded.items():
            if name not in self.FIELDS:
                continue
            field = self[name]
            field.raw_data = None
            if name == "due_date":
                field.data = date.fromisoformat(value) if value else None
            elif name == "evidence_links":
                field.data = "\n".join(value or [])
            else:
                field.data = value


class _Fields(BaseForm):
    """The fields an owner (the function's officer, an admin) sets: every one not required says "(optional)" (a
    form marking some left the others to read as required)."""

    title = StringField("Title", validators=[InputRequired(message="a commitment needs a title"), Length(max=300)])
    description = TextBox("Description (optional)", validators=[Length(max=MAX_TEXT_LENGTH)])
    status = SelectField("Status", validators=[sent_at_all, InputRequired()])
    reason = TextBox("Reason (required when at risk, off track or dropped, and for moving the due date)",
                           validators=[Length(max=MAX_TEXT_LENGTH)])
    next_step = TextBox("Next step (optional)", validators=[Length(max=MAX_TEXT_LENGTH)])
    due_date = DayField("Due date (optional)", validators=[Blank()])
    evidence_links = TextBox("Evidence links (optional; web addresses starting with https:// or http://, one per line)",
                                   validators=[Length(max=50_000)])
    # a choice left out of a request is refused, not read as its blank (sent_at_all)
    leader_id = SelectField("Leader (optional)", coerce=optional_id, validators=[sent_at_all])
    component_id = SelectField("Component (optional)", coerce=optional_id, validators=[sent_at_all])
    capacity_domain = SelectField("Capacity-assessment domain (optional)", validators=[sent_at_all],
                                  choices=[SelectChoice("", "None")] + [SelectChoice(d) for d in CAPACITY_DOMAINS])
    program_ids = SelectMultipleField("Programs it serves (optional)", coerce=choice_id)
    metric_ids = SelectMultipleField("Metrics it moves (optional)", coerce=choice_id)

    FIELDS = ("title", "description", "status", "reason", "next_step", "due_date", "evidence_links", "leader_id",
              "component_id", "capacity_domain", "program_ids", "metric_ids")
    READ = StatusForm.READ
    values, passed_values = StatusForm.values, StatusForm.passed_values

    def set_choices(self, *, leaders, components, programs, metrics, function=None) -> None:
        """Options from the database: the owning function's leaders first."""
        own = [lead for lead in leaders if function is not None and lead.function_id == function.id]
        others = [lead for lead in leaders if lead not in own]
        groups = [(own, f"{function.code} leaders" if own else None), (others, "Other leaders" if own else None)]
        labels = _leader_labels(leaders)
        self.leader_id.choices = [SelectChoice("", "None")] + [
            SelectChoice(str(lead.id), labels[lead.id], optgroup=group) for people, group in groups for lead in people]
        self.component_id.choices = [SelectChoice("", "None")] + [SelectChoice(str(c.id), c.label) for c in components]
        self.program_ids.choices = [SelectChoice(str(p.id), p.name, optgroup=p.component.label) for p in programs]
        metric_names = told_apart({m.id: (m.name, m.code) for m in metrics})  # two "Average wait time": codes said
        self.metric_ids.choices = [SelectChoice(str(m.id), in_words(metric_names[m.id])) for m in metrics]


def _leader(lead) -> str:
    return f"{lead.name}, {lead.title}" if lead.title else lead.name


def _leader_labels(leaders) -> dict[int, str]:
    """Each leader's option: name and title, and for two that read alike (two Pat Smiths, managers both, whom the
    plans import tells apart by e-mail) where each sits (its agency too, if need be) or their e-mail
    (`naming.told_apart`)."""
    told = told_apart({lead.id: (_leader(lead), lead.unit, lead.component.agency.name if lead.component else None,
                                 lead.email) for lead in leaders})
    return {key: in_words(parts) for key, parts in told.items()}


class CommitmentForm(_Fields, StatusForm):
    """An owner's update of a commitment."""

    FIELDS = _Fields.FIELDS


class NewCommitmentForm(_Fields):
    """A new commitment; an admin chooses the function, an officer's is their own."""

    function_id = SelectField("Function", coerce=optional_id,
                              validators=[InputRequired(message="choose the function that owns the commitment")])
    note = TextBox("Note for the history (optional)", validators=[Length(max=MAX_TEXT_LENGTH)])
    submit = SubmitField("Create commitment")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._fields.move_to_end("function_id", last=False)  # first, as on the page: its problems listed first


class DropForm(BaseForm):
    """Dropping keeps the commitment and its history; it needs a reason."""

    version = WholeNumberField(widget=HiddenInput(), validators=[InputRequired(), NumberRange(min=1)])
    # the fields as the page was opened: a save meanwhile is shown field by field, as the update form shows it
    opened = StringField(widget=HiddenInput(), validators=[Length(max=200_000)])
    reason = TextBox("Why is it dropped? (required)",
                           validators=[InputRequired(message="say why the commitment is dropped"),
                                       Length(max=MAX_TEXT_LENGTH)])
    note = TextBox("Note for the history (optional)", validators=[Length(max=MAX_TEXT_LENGTH)])
    submit = SubmitField("Drop commitment")
