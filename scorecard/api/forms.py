"""The API tokens page's forms (CSRF-protected like every form)."""
from wtforms import HiddenField, SelectField, StringField, SubmitField
from wtforms.validators import Length, NumberRange, Optional, Regexp

from scorecard.api.tokens import MAX_EXPIRES_DAYS, NAME_MAX
from scorecard.fields import WholeNumberField
from scorecard.security import BaseForm


class NewTokenForm(BaseForm):
    name = StringField("Name (what the token is for)", validators=[Optional(), Length(max=NAME_MAX)])
    scope = SelectField("Scope", choices=[])
    expires_days = WholeNumberField("Expires after (days; leave empty for never)",
                                    validators=[Optional(), NumberRange(min=1, max=MAX_EXPIRES_DAYS)])
    # names this rendering of the form: sent again (a refresh of its answer, a double click), it makes no second
    # token (Back loads the page again, with a new form)
    form_id = HiddenField(validators=[Optional(), Regexp(r"^[A-Za-z0-9_-]{22}\Z", message="This form is not one this "
                                                         "page made: open the page again and create the token.")])
    submit = SubmitField("Create token")


class RevokeForm(BaseForm):
    submit = SubmitField("Revoke")
