"""Form fields the forms share. `WholeNumberField` is WTForms' IntegerField that refuses a number
too large to be any count, version or rating here (WTForms' NumberRange reads the value as a float,
and a 400-digit number overflowed it into a 500); the message quotes the value, shortened. A value
typed that is no whole number gets that one message: the validators after it (a range) are not run
on the nothing it read, which added "Number must be between 1 and 5" to "Not a valid integer value";
an empty one still goes to them (Optional: no value; InputRequired: required)."""
from wtforms import IntegerField
from wtforms.validators import StopValidation

LARGEST = 2**31 - 1  # what an INTEGER column holds on PostgreSQL; every whole number a form takes is below it


class WholeNumberField(IntegerField):
    def process_formdata(self, valuelist):
        given = valuelist[0] if valuelist else None
        if isinstance(given, str) and not given.isascii():  # int() reads "٣" (Arabic-Indic) as 3: not typed here
            self.data = None
            shown = given.strip() if len(given.strip()) <= 20 else f"{given.strip()[:20]}..."
            raise ValueError(f"{shown!r} is not a number this field takes: write it with the digits 0-9")
        super().process_formdata(valuelist)
        if self.data is not None and abs(self.data) > LARGEST:
            self.data = None
            given = valuelist[0].strip()
            shown = given if len(given) <= 20 else f"{given[:20]}..."
            raise ValueError(f"{shown!r} is not a number this field takes: it is larger than {LARGEST:,}")

    def pre_validate(self, form):
        # A value typed that is no whole number this field takes is said once. An empty one is left to the
        # validators (Optional clears it, InputRequired says it is required), spaces alone too.
        if not self.process_errors:
            return
        if self.raw_data and str(self.raw_data[0]).strip():
            raise StopValidation()
        if self.flags.required:  # InputRequired takes spaces for a value: it is not one
            self.errors.clear()
            raise StopValidation(self.gettext("This field is required."))
