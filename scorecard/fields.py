"""Form fields the forms share. `WholeNumberField` is WTForms' IntegerField that refuses a number
too large to be any count, version or rating here (WTForms' NumberRange reads the value as a float,
and a 400-digit number overflowed it into a 500); the message quotes the value, shortened."""
from wtforms import IntegerField

LARGEST = 2**31 - 1  # what an INTEGER column holds on PostgreSQL; every whole number a form takes is below it


class WholeNumberField(IntegerField):
    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and abs(self.data) > LARGEST:
            self.data = None
            given = valuelist[0].strip()
            shown = given if len(given) <= 20 else f"{given[:20]}..."
            raise ValueError(f"{shown!r} is not a number this field takes: it is larger than {LARGEST:,}")
