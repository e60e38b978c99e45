"""The upload form."""
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from importers.formats.registry import FORMATS
from importers.formats.touchpoints_format import TRUST_FIVE, TRUST_THUMBS
from scorecard.security import BaseForm


class UploadForm(BaseForm):
    file = FileField("Spreadsheet (xlsx, xlsm, xls, ods, csv, tsv)",
                     validators=[FileRequired("Choose a spreadsheet to upload.")])
    format = SelectField("Format", choices=[SelectChoice("", "Detect from the header")]
                         + [SelectChoice(n, f.title) for n, f in FORMATS.items()],
                         validators=[Optional()])
    sheet = StringField("Worksheet (optional; hidden sheets only when named)", validators=[Optional(), Length(max=200)])
    program = StringField("Program (Touchpoints responses only)", validators=[Optional(), Length(max=300)])
    period = StringField("Period (Touchpoints responses only, e.g. FY2025-Q1)", validators=[Optional(), Length(max=40)])
    touchpoint = StringField("Touchpoint (Touchpoints responses only; name the form when a program has several)",
                             validators=[Optional(), Length(max=200)])
    trust_scale = SelectField(
        "Trust question scale (Touchpoints responses only)",
        choices=[SelectChoice("", "Read it from the answers (a file of only 1s is read as thumbs up)"),
                 SelectChoice(TRUST_THUMBS, "Thumbs up / down (1 = up, 0 = down)"),
                 SelectChoice(TRUST_FIVE, "Answers from 1 to 5")],
        validators=[Optional()])
    submit = SubmitField("Upload and preview")


class ConfirmForm(BaseForm):
    submit = SubmitField("Confirm")
