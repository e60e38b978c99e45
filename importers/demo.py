"""The real performance.gov A-11 files `scorecard demo` loads beside the synthetic demo agency:
the package's own copy (importers/data/performance_gov, with its README as provenance), imported
through the normal pipeline. A file already imported has the same checksum, so a second demo run
changes nothing."""
from pathlib import Path

from importers.pipeline import run_import
from scorecard.signals import demo_seeded

DATA_DIR = Path(__file__).resolve().parent / "data" / "performance_gov"
DEMO_FILES = ("hisp-trust-fy2021q1-fy2023q1.csv", "omb-cx-reporting-collections-fy2021.csv")


def load_performance_gov(session) -> list[str]:
    """Import each file (one batch each); a line per file saying what happened."""
    lines = []
    for name in DEMO_FILES:
        result = run_import(session, DATA_DIR / name)
        if not result.ok:
            raise RuntimeError(f"the packaged performance.gov file {name} did not import: {result.message}")
        lines.append(f"performance.gov {name}: {result.message}")
    return lines


def _on_demo_seeded(sender, *, session, **extra) -> list[str]:
    return load_performance_gov(session)


def init_app(app) -> None:
    """Load the real files whenever the demo is seeded (connecting twice is harmless)."""
    demo_seeded.connect(_on_demo_seeded)
