"""The draft editor form: a rule's JSON, saved as a draft or simulated without saving."""
import json

from wtforms import HiddenField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Regexp

from scorecard import json_bodies
from scorecard.security import BaseForm
from scorecard.text import UNKEPT_OR_BREAKS, unkept_in, words


class RuleForm(BaseForm):
    definition = TextAreaField("Rule (JSON)", validators=[
        DataRequired(message="Enter the rule: its JSON, as a rule's page downloads it"), Length(max=100_000)])
    based_on = HiddenField()  # the fingerprint of the version the editor opened with
    save = SubmitField("Save draft")
    simulate = SubmitField("Simulate without saving")

    def parsed(self):
        """The JSON, or raise ValueError saying where it is broken (or which text holds a character no
        column keeps: scorecard.text)."""
        try:
            document = json_bodies.refusing_depth(
                lambda: json.loads(self.definition.data, object_pairs_hook=json_bodies.once_each))
        except json.JSONDecodeError as error:
            if error.doc in json_bodies.REFUSALS:  # no line and column to point at
                raise ValueError(f"not valid JSON: {error.msg}") from None
            raise ValueError(f"not valid JSON at line {error.lineno}, column {error.colno}: {error.msg}") from None
        found = unkept_in(document, UNKEPT_OR_BREAKS)  # read before anything looks the rule up by its key
        if found is not None:
            path, code = found
            raise ValueError(f"{'.'.join(map(str, path)) or 'the rule'}: the text holds {words(code)}, which cannot "
                             "be kept")
        return document


class ActionForm(BaseForm):
    submit = SubmitField("Go")


class PublishForm(ActionForm):
    """Publishing names the definition the admin saw, so a draft edited since is not published unseen."""
    shown = HiddenField(validators=[InputRequired()])


class RetireForm(ActionForm):
    """Retiring names the published version the admin was asked about, so one published since is not retired
    unseen (a confirmation left open while a colleague published a new draft retired that draft)."""
    version = HiddenField(validators=[InputRequired(), Regexp(r"^[1-9][0-9]{0,8}$")])


