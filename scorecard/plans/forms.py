"""The rating decision form."""
from wtforms import HiddenField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange

from scorecard.fields import WholeNumberField
from scorecard.security import BaseForm
from scorecard.text import as_the_box_counted

JUSTIFICATION_LABEL = "Justification (required unless you confirm the rules' proposal)"


class DecisionForm(BaseForm):
    rating = WholeNumberField("Rating (1-5)", validators=[InputRequired(), NumberRange(min=1, max=5)])
    justification = TextAreaField(JUSTIFICATION_LABEL, validators=[Length(max=4000)], filters=[as_the_box_counted])
    replaces = HiddenField()  # the decision the page showed when opened ("": none): plans.services.decide
    proposal = HiddenField()  # the rules' proposal the page showed ("": none), to say if it changed since
    submit = SubmitField("Record decision")
