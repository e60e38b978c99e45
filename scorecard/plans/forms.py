"""The rating decision form."""
from wtforms import SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange

from scorecard.fields import WholeNumberField
from scorecard.security import BaseForm

JUSTIFICATION_LABEL = "Justification (required unless you confirm the rules' proposal)"


class DecisionForm(BaseForm):
    rating = WholeNumberField("Rating (1-5)", validators=[InputRequired(), NumberRange(min=1, max=5)])
    justification = TextAreaField(JUSTIFICATION_LABEL,
                                  validators=[Length(max=4000)])
    submit = SubmitField("Record decision")
