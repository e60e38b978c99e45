"""The API tokens page's forms (CSRF-protected like every form)."""
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import Length, NumberRange, Optional

from scorecard.api.tokens import MAX_EXPIRES_DAYS, NAME_MAX
from scorecard.fields import WholeNumberField
from scorecard.security import BaseForm


class NewTokenForm(BaseForm):
    name = StringField("Name (what the token is for)", validators=[Optional(), Length(max=NAME_MAX)])
    scope = SelectField("Scope", choices=[])
    expires_days = WholeNumberField("Expires after (days; leave empty for never)",
                                    validators=[Optional(), NumberRange(min=1, max=MAX_EXPIRES_DAYS)])
    submit = SubmitField("Create token")


class RevokeForm(BaseForm):
    submit = SubmitField("Revoke")
