"""The administration pages' forms: CSRF-protected, and their text fields refuse bidirectional
control characters (BaseForm)."""
import json

from wtforms import EmailField, HiddenField, PasswordField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, Optional, ValidationError

from scorecard import json_bodies
from scorecard.auth.services import is_ip_address
from scorecard.models import Role
from scorecard.security import BaseForm

ROLE_WORDS = {
    Role.admin: "Administrator: users, roles, org structure, everything",
    Role.executive: "Executive: every dashboard and plan, rates plans, reads the audit log",
    Role.officer: "Officer: their C-suite function's commitments (needs a function)",
    Role.analyst: "Analyst: imports data, drafts rules, enters capacity assessments",
    Role.leader: "Leader: their own plan and commitments (needs a leader record)",
    Role.viewer: "Viewer: the agency dashboards",
}
ROLE_CHOICES = [SelectChoice(role.value, words) for role, words in ROLE_WORDS.items()]
PASSWORD_HINT = ("At least 12 characters; not a commonly used password, nor the e-mail address. "
                 "A few unrelated words make a good one.")


class _AccountFields(BaseForm):
    """A user's name, role, function and leader link."""

    name = StringField("Name", validators=[Optional(), Length(max=200)])
    role = SelectField("Role", choices=ROLE_CHOICES, validators=[DataRequired()])
    function = SelectField("C-suite function (officers need one)", choices=[])
    leader = EmailField("Leader record, by its e-mail (leaders need one)", validators=[Optional(), Length(max=254)])
    submit = SubmitField("Save changes")


class AccountForm(_AccountFields):
    """An account's fields, with what the form was opened on (admin.services.account_fields, as JSON), so a
    save over someone's change since is refused instead of writing over it unseen."""

    opened = HiddenField(validators=[InputRequired("the form lost what it was opened on; open the page again")])

    def show(self, fields: dict) -> None:
        """Stand for the account as `fields` (account_fields) has it: shown, and opened on."""
        for name in ("name", "role", "function", "leader"):
            self[name].data, self[name].raw_data = fields[name], None
        self.opened.data, self.opened.raw_data = json.dumps(fields), None

    def opened_on(self) -> dict:
        """The fields the form was opened on ({} when unreadable: an altered form, which then stands for
        nothing known, so any account differs from it)."""
        try:
            opened = json_bodies.refusing_depth(lambda: json.loads(self.opened.data or "{}"))
        except ValueError:
            return {}
        return {k: v for k, v in opened.items() if isinstance(v, str)} if isinstance(opened, dict) else {}


class NewUserForm(_AccountFields):
    # No role chosen for the administrator: the first, Administrator, was what a form sent untouched made.
    role = SelectField("Role", choices=[SelectChoice("", "Choose a role"), *ROLE_CHOICES],
                       validators=[DataRequired("Choose the new user's role.")])
    email = EmailField("Email address", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)], description=PASSWORD_HINT)
    confirm = PasswordField("Password again",
                            validators=[DataRequired(), EqualTo("password", "The two passwords differ.")])
    submit = SubmitField("Create user")


class PasswordForm(BaseForm):
    password = PasswordField("New password", validators=[DataRequired(), Length(max=200)], description=PASSWORD_HINT)
    confirm = PasswordField("New password again", validators=[DataRequired(),
                                                              EqualTo("password", "The two passwords differ.")])
    submit = SubmitField("Set the new password")


class ActionForm(BaseForm):
    """A button that posts (deactivate, reactivate, unlock)."""

    submit = SubmitField("Go")


def _address(form, field):
    if not is_ip_address(field.data):
        raise ValidationError(f"{field.label.text}: {field.data.strip()[:60]!r} is not an IPv4 or IPv6 address")


class AddressUnlockForm(BaseForm):
    address = StringField("Client address (IPv4 or IPv6)",
                          validators=[DataRequired("Enter the client address to unlock, such as 192.0.2.7."),
                                      Length(max=64), _address])
    submit = SubmitField("Unlock this address")
