"""The plan a sink makes against the database, shared by every sink."""
from dataclasses import dataclass, field

CARRIED_FROM = "carried_from"  # the key of a batch's preview holding its plan's `carried_from`


@dataclass(slots=True)
class Change:
    """A row the import would insert or update: file row, natural key, before and after."""

    row: int
    action: str  # insert | update
    key: tuple
    before: dict | None
    after: dict


@dataclass
class Plan:
    inserts: list = field(default_factory=list)
    updates: list = field(default_factory=list)
    unchanged: int = 0
    # The batches that stored the observations the file carried as they were (its unchanged rows):
    # kept on the batch, so that reverting one of them does not pull the rows from under this one.
    carried_from: set = field(default_factory=set)
    created: dict = field(default_factory=dict)   # organisation rows a performance.gov file adds
    # What the A-11 driver rule (scorecard.driver_rule) did to a survey's questions: swaps,
    # non-standard wordings, questions not pooled, slots reported without counts.
    driver_notes: list = field(default_factory=list)
    placements: list = field(default_factory=list)  # organisations kept where first published

    @property
    def counts(self) -> dict:
        return {"inserted": len(self.inserts), "updated": len(self.updates), "unchanged": self.unchanged}


@dataclass
class SinkError:
    row: int
    column: str | None
    value: object
    message: str
