"""The plan a sink makes against the database, shared by every sink."""
import hashlib
from dataclasses import dataclass, field

CARRIED_FROM = "carried_from"  # the key of a batch's preview holding its plan's `carried_from`
REPLACED = "replaced"  # the key of a Touchpoints batch's preview holding the touchpoint it replaced
CONFLICT = "Conflict on row"  # how each conflict's warning begins (a preview lists them apart; a commit counts them)


@dataclass(slots=True)
class Change:
    """A row the import would insert, update or remove: file row, natural key, before and after."""

    row: int | None  # None: a row removed, which no row of the file holds
    action: str  # insert | update | remove
    key: tuple
    before: dict | None
    after: dict


@dataclass
class Plan:
    inserts: list = field(default_factory=list)
    updates: list = field(default_factory=list)
    unchanged: int = 0
    # Stored rows the file replaces without holding them (a touchpoint's aspects its new export did not
    # offer): `before` is the whole row, as the change log keeps it for a revert to put back.
    removals: list = field(default_factory=list)
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
        return {"inserted": len(self.inserts), "updated": len(self.updates), "unchanged": self.unchanged,
                "removed": len(self.removals)}

    def fingerprint(self) -> str:
        """A digest of what the plan would write over: its counts and each update's stored row as it
        is now. Another import confirmed meanwhile changes it (a row it inserted turns an insert into an
        update; a row it updated changes an update's before-values), so a confirm can tell that the
        plan it would carry out is not the one previewed."""
        digest = hashlib.sha256(repr(sorted(self.counts.items())).encode())
        for change in sorted(self.updates, key=lambda c: repr(c.key)):
            digest.update(repr((change.key, sorted((change.before or {}).items()))).encode())
        for change in sorted(self.removals, key=lambda c: repr(c.key)):
            digest.update(repr(("remove", change.key, sorted((change.before or {}).items()))).encode())
        return digest.hexdigest()


@dataclass
class SinkError:
    row: int
    column: str | None
    value: object
    message: str
    twice_as: int | None = None  # a row whose key another row gave first (that row): the layout's key is at fault
