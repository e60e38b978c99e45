"""The demo agency's story as data: its functions, components and programs, each program's trust story
(TRUST), the v2 survey's rates, targets, life experiences, plan elements and the demo sign-ins; and the
random streams and quarters every part draws from."""
import random
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Optional

from scorecard.a11 import DRIVER_STATEMENTS, V2_ASPECTS, v2_metric_code
from scorecard.models import (
    Direction,
    MetricKind,
)
from scorecard.models.org import STANDARD_FUNCTIONS
from scorecard.periods import Period, latest_complete_period, period_range

DEMO_AGENCY_CODE = "DPS"
DEMO_PASSWORD = "demo-password-2025"
SEED = 280  # OMB Circular A-11 Section 280

FIRST_PERIOD = Period(2023, 1)
THUMBS, FIVE = "thumbs", "five"  # the scale of a Touchpoints form's trust question (the import's trust_scale)
TOUCHPOINTS_FORMAT = "touchpoints-a11-v2"
TOUCHPOINTS_HEADER = (["external_id", "question_1"] + [f"positive_{a}" for a in V2_ASPECTS]
                      + [f"negative_{a}" for a in V2_ASPECTS] + ["question_4"])


@dataclass(frozen=True)
class DemoResponses:
    """One Touchpoints export the demo wrote: a program's responses in one quarter."""

    path: Path
    program: str      # the program's code, chosen at upload
    period: str       # the quarter, chosen at upload
    trust_scale: str  # THUMBS or FIVE, chosen at upload
    responses: int
    uploaded_at: datetime  # when the analyst uploaded it: after the quarter closed, usually within 30 days

    @property
    def options(self) -> dict:
        return {"program": self.program, "period": self.period, "trust_scale": self.trust_scale}


FUNCTIONS = STANDARD_FUNCTIONS  # the demo's C-suite: every standard function

DRIVER_METRICS = [(code, name, statement) for code, (name, statement) in DRIVER_STATEMENTS.items()]
# How each v1 driver sat against the program's trust score.
DRIVER_OFFSETS = {"satisfaction": 0.08, "trust": 0.0, "effectiveness": 0.02, "ease": -0.05, "efficiency": -0.15,
                  "transparency": 0.05, "employee": 0.2}

OPERATIONAL_METRICS = [
    # code, name, kind, unit, direction, target, green, amber, base, spread
    ("wait_time", "Average wait time", MetricKind.duration, "minutes", Direction.lower, 10, 10, 15, 12, 6),
    ("backlog", "Claims backlog", MetricKind.count, "claims", Direction.lower, 5000, 5000, 8000, 6000, 3000),
    ("digital_adoption", "Digital adoption", MetricKind.percent, "%", Direction.higher, 60, 60, 45, 55, 15),
]

FUNCTION_METRICS = [
    # code, name, function, kind, unit, direction, target, green, amber, first value, value in the latest quarter
    ("cfo_cx_budget_aligned", "% of CX budget aligned to HISP priorities", "CFO", MetricKind.percent, "%",
     Direction.higher, 80, 80, 60, 62, 84),
    ("cio_services_fully_digital", "% of services fully digital", "CIO", MetricKind.percent, "%",
     Direction.higher, 50, 50, 35, 31, 46),
    ("chco_days_to_hire_cx", "Days to hire CX staff", "CHCO", MetricKind.duration, "days",
     Direction.lower, 80, 80, 100, 96, 112),
    ("gc_pra_clearance_days", "Days to clear PRA review of a CX survey", "GC", MetricKind.duration, "days",
     Direction.lower, 30, 30, 45, 58, 27),
]

COMPONENTS = [
    ("BA", "Benefits Administration", True, [
        "Disability Compensation Claims", "Pension Applications", "Survivor Benefits", "Education Benefits",
        "Benefits Call Center", "Online Benefits Portal", "Appeals Processing"]),
    ("PTS", "Passport & Travel Services", True, [
        "Passport Renewal Online", "Passport Acceptance Facilities", "Travel Advisories",
        "Passport Information Center", "Expedited Passport Agencies", "Trusted Traveler Enrollment"]),
    ("DAA", "Disaster Assistance Agency", True, [
        "Individual Disaster Assistance", "Disaster Recovery Centers", "Flood Insurance Claims",
        "Disaster Helpline", "Housing Inspections", "Small Community Grants", "Hazard Mitigation Grants"]),
    ("SBO", "Small Business Office", False, [
        "Business Loan Applications", "Contracting Assistance", "Entrepreneurial Training",
        "Export Assistance", "Business Help Desk", "Disaster Loans"]),
    ("RS", "Retirement Services", True, [
        "Retirement Applications", "Survivor Annuities", "Retirement Information Line",
        "Online Annuitant Services", "Health Benefits Enrollment", "Life Insurance Claims", "Tax Form Requests"]),
    ("HCO", "Health Coverage Office", True, [
        "Marketplace Enrollment", "Coverage Help Line", "Eligibility Appeals",
        "Provider Enrollment", "Prescription Assistance", "Navigator Grants", "Member Portal"]),
]

# Each HISP component's trust target (green at, amber at); the Small Business Office, not a HISP, sets
# none. Call centres and help lines are held to a stricter program target.
TRUST_TARGETS = {"BA": (4.0, 3.7), "PTS": (4.1, 3.8), "DAA": (3.9, 3.6), "RS": (4.0, 3.7), "HCO": (3.9, 3.6)}
HELP_LINE_TARGET = (4.2, 3.9)
# The v2 measures leaders' plans name, agency-wide: (target = green at, amber at).
V2_TARGETS = {v2_metric_code("positive", "ease"): (30.0, 26.0), v2_metric_code("negative", "efficiency"): (12.0, 15.0)}


@dataclass(frozen=True)
class TrustStory:
    """A program's trust (mean on the 1-5 scale; a thumbs form's mean is 1 + 4 x share of thumbs up).

    `before` is its trust in the quarter before the latest, reached by `trend` a quarter; `latest`
    its trust in the latest quarter (None: a small move of its own). `n` is its respondents a quarter
    on the v2 survey (the v1 survey, fielded on more channels, reached about half as many again)."""

    before: float
    n: int
    latest: Optional[float] = None
    latest_n: Optional[int] = None
    scale: str = THUMBS
    trend: float = 0.0
    reported_latest: bool = True
    digital: bool = False  # a web form: no employee to name, so "employee" is not offered


TRUST = {
    # Benefits Administration: a chronic red, a call centre whose new phone system fails this quarter.
    "Disability Compensation Claims": TrustStory(3.55, 180),
    "Pension Applications": TrustStory(4.15, 90, scale=FIVE),
    "Survivor Benefits": TrustStory(3.98, 48, latest=3.74, latest_n=41),  # a fall too small a sample can tell
    "Education Benefits": TrustStory(4.22, 120, trend=0.01),
    "Benefits Call Center": TrustStory(4.28, 260, latest=3.62, latest_n=250),  # significant fall: turns red
    "Online Benefits Portal": TrustStory(4.1, 220, digital=True),
    "Appeals Processing": TrustStory(3.78, 70, scale=FIVE),
    # Passport & Travel Services: the online renewal redesign lands; Trusted Traveler's backlog shows.
    "Passport Renewal Online": TrustStory(3.86, 420, latest=4.22, latest_n=460, trend=-0.01, digital=True),
    "Passport Acceptance Facilities": TrustStory(4.3, 100, scale=FIVE),
    "Travel Advisories": TrustStory(4.02, 60, digital=True),
    "Passport Information Center": TrustStory(3.95, 130, scale=FIVE),
    "Expedited Passport Agencies": TrustStory(4.35, 50, scale=FIVE),
    "Trusted Traveler Enrollment": TrustStory(4.27, 360, latest=3.93, latest_n=380),  # significant fall
    # Disaster Assistance Agency: hurricane season.
    "Individual Disaster Assistance": TrustStory(3.82, 200),
    "Disaster Recovery Centers": TrustStory(4.05, 80, scale=FIVE),
    "Flood Insurance Claims": TrustStory(4.05, 330, latest=3.7, latest_n=340),  # significant fall: green to amber
    "Disaster Helpline": TrustStory(4.0, 110),
    "Housing Inspections": TrustStory(3.96, 58, latest=3.8, latest_n=54),  # not significant
    "Small Community Grants": TrustStory(4.1, 19),  # never enough respondents
    "Hazard Mitigation Grants": TrustStory(3.72, 44),
    # Small Business Office: surveys on its own account, without trust targets.
    "Business Loan Applications": TrustStory(3.92, 80),
    "Contracting Assistance": TrustStory(4.0, 45),
    "Entrepreneurial Training": TrustStory(4.4, 60, digital=True),
    "Export Assistance": TrustStory(3.85, 42, latest=4.06, latest_n=38),  # a rise too small a sample can tell
    "Business Help Desk": TrustStory(4.25, 55),
    "Disaster Loans": TrustStory(3.75, 95),
    # Retirement Services keeps the 1-5 trust question.
    "Retirement Applications": TrustStory(3.82, 280, latest=4.08, latest_n=300, scale=FIVE, trend=0.01),
    "Survivor Annuities": TrustStory(4.05, 16, scale=FIVE),  # never enough respondents
    "Retirement Information Line": TrustStory(4.12, 160, scale=FIVE),
    "Online Annuitant Services": TrustStory(4.2, 210, scale=FIVE, digital=True),
    "Health Benefits Enrollment": TrustStory(3.9, 120, scale=FIVE),
    "Life Insurance Claims": TrustStory(4.0, 46, latest_n=21, scale=FIVE),  # this quarter, too few
    "Tax Form Requests": TrustStory(4.4, 250, scale=FIVE, digital=True),
    # Health Coverage Office: enrollment climbs out of the red.
    "Marketplace Enrollment": TrustStory(3.52, 450, latest=3.82, latest_n=520, trend=0.02),  # significant rise
    "Coverage Help Line": TrustStory(4.12, 150),
    "Eligibility Appeals": TrustStory(3.45, 60),
    "Provider Enrollment": TrustStory(4.0, 85),
    "Prescription Assistance": TrustStory(4.15, 90),
    "Navigator Grants": TrustStory(4.0, 40, reported_latest=False),  # did not report this quarter
    "Member Portal": TrustStory(4.2, 290, digital=True),
}

# Share of respondents who name each aspect as what went well (a positive answer) or what could be
# improved (a negative one); a middle answer on a 1-5 form names either at half the rate.
WENT_WELL = {"effectiveness": 0.45, "ease": 0.4, "efficiency": 0.3, "transparency": 0.25, "humanity": 0.22,
             "employee": 0.4, "other": 0.05}
COULD_IMPROVE = {"effectiveness": 0.3, "ease": 0.35, "efficiency": 0.5, "transparency": 0.2, "humanity": 0.15,
                 "employee": 0.2, "other": 0.1}
# The call centre's bad quarter: the complaints are about time, and about the people on the phone.
CUT_OVER = {**COULD_IMPROVE, "efficiency": 0.78, "employee": 0.38}
COMMENTS = ("Quick and easy.", "The agent was patient with me.", "Took too long on hold.",
            "Could not find the form I needed.", "Clear instructions, thank you.", "I had to call three times.")

LIFE_EXPERIENCES = {
    "Approaching retirement": ("RS",),
    "Recovering from a disaster": ("DAA",),
    "Transitioning from military to civilian life": ("BA",),
    "Navigating the transition to Medicare": ("HCO", "RS"),
    "Launching a small business": ("SBO",),
}

CHANNELS = ["web", "phone", "in person", "email", "mobile"]

ELEMENTS = [("Leading Change", 15), ("Leading People", 15), ("Business Acumen", 15),
            ("Building Coalitions", 15), ("Results Driven", 40)]
# A component leader's CX requirements on the v2 survey: (metric code, requirement text).
CX_REQUIREMENTS = [
    ("trust", "Raise trust / confidence to target in the leader's programs."),
    (v2_metric_code("positive", "ease"),
     "Raise the share of customers naming ease as what went well to target in the leader's programs."),
    (v2_metric_code("negative", "efficiency"),
     "Lower the share of customers naming the time it took as what could be improved to target."),
]

DEMO_USERS = [
    # email, role, function code, leader e-mail
    ("admin@demo.cx.gov", "admin", None, None),
    ("executive@demo.cx.gov", "executive", None, None),
    ("cfo.officer@demo.cx.gov", "officer", "CFO", None),
    ("analyst@demo.cx.gov", "analyst", None, None),
    ("leader@demo.cx.gov", "leader", None, "leader.ba@demo.cx.gov"),
    ("viewer@demo.cx.gov", "viewer", None, None),
]

FIRST = ["Avery", "Jordan", "Morgan", "Taylor", "Casey", "Riley", "Quinn", "Harper", "Rowan", "Emerson",
         "Parker", "Reese", "Sawyer", "Blake", "Cameron", "Drew", "Elliot", "Finley", "Hayden", "Kendall"]
LAST = ["Alvarez", "Brooks", "Chen", "Diaz", "Edwards", "Fischer", "Garcia", "Hughes", "Iverson", "Jackson",
        "Kim", "Lopez", "Martin", "Nguyen", "Okafor", "Patel", "Robinson", "Silva", "Thompson", "Williams"]


def random_stream(part: str) -> random.Random:
    """The random stream of one part of the demo (a change to one part leaves the others as they were)."""
    return random.Random(f"{SEED}:{part}")


def demo_periods(today: date) -> list[Period]:
    """The quarters with survey data: FY2023-Q1 to the latest complete one (at least eight quarters)."""
    last = latest_complete_period(today)
    return period_range(min(FIRST_PERIOD, last.prev(7)), last)
