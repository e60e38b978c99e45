"""The rating decision form."""
from flask_wtf import FlaskForm
from wtforms import SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange

from scorecard.fields import WholeNumberField


class DecisionForm(FlaskForm):
    rating = WholeNumberField("Rating (1-5)", validators=[InputRequired(), NumberRange(min=1, max=5)])
    justification = TextAreaField("Justification (required to override the proposal)",
                                  validators=[Length(max=4000)])
    submit = SubmitField("Record decision")
