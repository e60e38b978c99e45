"""Values the command line takes, checked as a command reads them: a day within the years the scorecard works
in, an id a table can hold. A value outside them is refused in one line naming the option (click's usage
error), not met later as a traceback (a --today of 2206, typed for 2026, failed deep in the periods' code)."""
import click

from scorecard.periods import PLANNED_YEARS, planned_year
from scorecard.routing import MAX_ID

YEARS = PLANNED_YEARS  # the years a --today or --fy may name


class Day(click.DateTime):
    """A day written YYYY-MM-DD within YEARS."""

    name = "day"

    def __init__(self):
        super().__init__(formats=["%Y-%m-%d"])

    def convert(self, value, param, ctx):
        day = super().convert(value, param, ctx)
        if not planned_year(day.year):
            self.fail(f"{value!r} is outside the years {YEARS[0]}-{YEARS[1]} the scorecard works in", param, ctx)
        return day


DAY = Day()
ID = click.IntRange(1, MAX_ID)  # an import batch's number (a larger one overflowed the database's integer)
