"""The upload form."""
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from importers.formats.registry import FORMATS


class UploadForm(FlaskForm):
    file = FileField("Spreadsheet (xlsx, xlsm, xls, ods, csv, tsv)", validators=[FileRequired()])
    format = SelectField("Format", choices=[SelectChoice("", "Detect from the header")]
                         + [SelectChoice(n, f.title) for n, f in FORMATS.items()],
                         validators=[Optional()])
    sheet = StringField("Worksheet (optional; hidden sheets only when named)", validators=[Optional(), Length(max=200)])
    program = StringField("Program (Touchpoints responses only)", validators=[Optional(), Length(max=300)])
    period = StringField("Period (Touchpoints responses only, e.g. FY2025-Q1)", validators=[Optional(), Length(max=40)])
    touchpoint = StringField("Touchpoint (Touchpoints responses only; name the form when a program has several)",
                             validators=[Optional(), Length(max=200)])
    submit = SubmitField("Upload and preview")


class ConfirmForm(FlaskForm):
    submit = SubmitField("Confirm")
