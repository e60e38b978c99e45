"""Long lists a page at a time: which rows a page shows, the page asked for kept within the list (a page past
the last shows the last). One rule for the Flask lists (plans, commitments, users) and the dashboards' tables."""
from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    """Which rows of a long table one page shows: rows[start:end] of `total`, page `number` of
    `pages` (a table without rows has one, empty, page)."""

    number: int
    pages: int
    start: int
    end: int
    total: int

    @property
    def first(self) -> int:
        """The number of the page's first row in the whole list (from 1)."""
        return self.start + 1

    def words(self, noun: str) -> str:
        """"Leaders 101 to 200 of 2,000 (page 2 of 20)", or "No leaders"."""
        if not self.total:
            return f"No {noun}."
        return (f"{noun.capitalize()} {self.start + 1:,} to {self.end:,} of {self.total:,} "
                f"(page {self.number:,} of {self.pages:,}).")


def page_of(total: int, wanted: int, size: int) -> Page:
    """The page `wanted` (from 1; a page past the last shows the last) of `total` rows, `size` a page."""
    pages = max(1, -(-total // size))
    number = min(max(1, wanted), pages)
    start = (number - 1) * size
    return Page(number, pages, start, min(start + size, total), total)
