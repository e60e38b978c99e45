"""The rating decision form."""
from wtforms import HiddenField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange

from scorecard.fields import WholeNumberField
from scorecard.security import BaseForm

JUSTIFICATION_LABEL = "Justification (required unless you confirm the rules' proposal)"


class DecisionForm(BaseForm):
    rating = WholeNumberField("Rating (1-5)", validators=[InputRequired(), NumberRange(min=1, max=5)])
    # A browser counts a line break as one character against the box's maxlength and sends it as two
    # ("\r\n"): read as one, a justification the box took is not refused as too long.
    justification = TextAreaField(JUSTIFICATION_LABEL, validators=[Length(max=4000)],
                                  filters=[lambda text: text.replace("\r\n", "\n") if isinstance(text, str) else text])
    replaces = HiddenField()  # the decision the page showed when opened ("": none): plans.services.decide
    submit = SubmitField("Record decision")
