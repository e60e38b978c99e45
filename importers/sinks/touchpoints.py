"""The Touchpoints sink: tallies A-11 v2 responses row by row, then hands the aggregates to the
observation sink as ordinary observations of the program and period chosen at upload.

Observations written (channel "", touchpoint: the name given at upload, else TOUCHPOINT — two
forms of one program in one quarter are two touchpoints, each named at its upload):
- `trust`: the question_1 answer counts 1..5 and n. On a thumbs up / down form a thumbs down
  counts as 1 and a thumbs up as 5 (the way performance.gov maps yes / no surveys onto 1-5).
  The scale is the one chosen at upload (`trust_scale`), else read from the answers: 2-5 mean
  1-5, 0 / yes / no mean thumbs, and a file of nothing but 1s is read as thumbs up with a warning
  (`warnings`, shown in the preview and by the command line) that says so and how to choose.
- `a11v2_<polarity>_<aspect>`: the % of respondents offered the aspect who chose it, and n =
  the respondents offered it. An aspect no response was offered writes nothing.

A new export of the same form (program, quarter and touchpoint) replaces the touchpoint's set: a figure
stored for it that this export does not give (an aspect the earlier export offered, trust when nobody
answered question_1) is removed, and said in the preview; reverting the import puts it back.
"""
from typing import Optional

import sqlalchemy as sa

from importers.errors import ImportFileError
from importers.formats.observation_formats import TOUCHPOINT_MAX
from importers.formats.touchpoints_format import (
    FLAG_COLUMNS,
    THUMBS_DOWN,
    THUMBS_UP,
    TRUST_FIVE,
    TRUST_SCALES,
    TRUST_THUMBS,
)
from importers.resolve import Unknown
from importers.sinks.base import REPLACED, SinkError
from importers.sinks.observations import ObservationSink, ambiguous_quarter, touchpoint_key
from scorecard.a11 import V2_FROM, asked_in_v2, v2_metric_code
from scorecard.models import Observation, subject_key
from scorecard.periods import PeriodError, reported_period
from scorecard.text import UNKEPT_ON_ONE_LINE, counted, unkept_character, visible

TOUCHPOINT = "Touchpoints A-11 v2"
QUESTION_1_METRIC = "trust"
_LIKERT_ONLY = (2, 3, 4, 5)
_SHOWN = {THUMBS_UP: 1, THUMBS_DOWN: 0}
_SCALE_WORDS = {TRUST_THUMBS: "thumbs up / down (1 = up, 0 = down; counted as 5 / 1)",
                TRUST_FIVE: "answers from 1 to 5"}
_SCALE_ANSWER = {TRUST_THUMBS: "a thumbs up / down (1 or 0)", TRUST_FIVE: "an answer from 1 to 5"}


def _figures(codes: list[str]) -> str:
    """Metric codes in words: "trust; what went well: ease, efficiency; what could be improved: ease"."""
    parts = ["trust"] if QUESTION_1_METRIC in codes else []
    for polarity, went in (("positive", "what went well"), ("negative", "what could be improved")):
        aspects = [c.split("_", 2)[2] for c in codes if c.startswith(v2_metric_code(polarity, ""))]
        if aspects:
            parts.append(f"{went}: {', '.join(aspects)}")
    return "; ".join(parts)


class TouchpointsSink:
    table = ObservationSink.table
    replaces_touchpoint = True  # a new export replaces the touchpoint's figures for its quarter

    def __init__(self, session, options: Optional[dict] = None):
        options = options or {}
        self.inner = ObservationSink(session, options)
        self.program = self._program(options.get("program"))
        self.period = self._period(options.get("period"))
        self.touchpoint = self._touchpoint(options.get("touchpoint"))
        self.scale = self._scale(options.get("trust_scale"))
        self.warnings: list[str] = self._calendar_alike(options.get("period"))  # what was assumed, for the preview
        self.own_errors: list[SinkError] = []
        self.responses: dict[str, int] = {}  # response id -> the row it is on
        self.answers: dict = {}  # question_1 answer -> [responses, first row]
        self.flags = [[0, 0, None] for _ in FLAG_COLUMNS]  # chosen, offered, first row offered

    @property
    def errors(self) -> list[SinkError]:
        return self.own_errors + self.inner.errors

    # -- the choices made at upload -------------------------------------------------------------
    def _program(self, name):
        name = (name or "").strip()
        if not name:
            raise ImportFileError("a Touchpoints responses file needs the program its form belongs to")
        directory = self.inner.directory
        try:
            return directory.program(name)
        except Unknown as error:
            same = [p for p in directory.programs if p.name.casefold() == name.casefold()]
            if len(same) > 1:
                choices = ", ".join(f"{p.code} ({p.component.name})" for p in sorted(same, key=lambda p: p.code))
                raise ImportFileError(f"the program {name!r} chosen at upload names {len(same)} programs: "
                                      f"{choices}; choose one by its code") from error
            raise ImportFileError(f"{error} (the program chosen at upload)") from error

    @staticmethod
    def _scale(raw) -> Optional[str]:
        scale = (raw or "").strip().casefold() or None
        if scale is not None and scale not in TRUST_SCALES:
            raise ImportFileError(f"the trust scale {raw!r} chosen at upload is not one of {', '.join(TRUST_SCALES)} "
                                  "(thumbs up / down, or answers from 1 to 5)")
        return scale

    @staticmethod
    def _touchpoint(raw) -> str:
        """The touchpoint named at upload, as stored (spaces closed up, invisible characters dropped), or the
        default for none. One longer than the column holds, or holding a control character, is refused: cut or
        cleaned unseen, it became another touchpoint's name (the metrics layout refuses the same)."""
        if raw is not None and not isinstance(raw, str):
            raise ImportFileError(f"the touchpoint chosen at upload is {raw!r}, not a name")
        code = unkept_character(raw or "", UNKEPT_ON_ONE_LINE)
        if code:
            raise ImportFileError(f"the touchpoint chosen at upload holds the character {code}: give its name as "
                                  "one line of text")
        name = " ".join(visible(raw or "").split())
        if len(name) > TOUCHPOINT_MAX:
            raise ImportFileError(f"the touchpoint chosen at upload is {len(name):,} characters long; a touchpoint's "
                                  f"name has at most {TOUCHPOINT_MAX}")
        return name or TOUCHPOINT

    @staticmethod
    def _period(raw) -> str:
        """The quarter chosen at upload: one that has begun, of the v2 survey (a thumbs up read as a 5 in a v1
        quarter moved its 1-5 trust mean, and its aspects were stored where A-11 never asked them)."""
        try:
            period = reported_period(raw)
        except PeriodError as error:
            raise ImportFileError(f"the period {raw!r} chosen at upload cannot be given: {error}") from error
        if not asked_in_v2(period):
            raise ImportFileError(f"the period {raw!r} chosen at upload is {period}, before A-11's v2 survey began in "
                                  f"{V2_FROM}: a Touchpoints A-11 v2 export holds answers of {V2_FROM} or later. "
                                  "Choose the quarter its responses were collected in")
        return str(period)

    def _calendar_alike(self, raw) -> list[str]:
        """A quarter chosen without FY ("Q1 2027") is read as the fiscal quarter, as in a file (whose rows
        the observations sink notes so); a calendar quarter may have been meant, and a Touchpoints export is
        often dated by calendar quarter: said, since the upload replaces that quarter's figures."""
        read = ambiguous_quarter(raw)
        if read is None:
            return []
        return [f"The quarter chosen at upload, {raw.strip()!r}, is read as a fiscal quarter: {read}, "
                f"{read.start:%B %Y} to {read.end:%B %Y}. If calendar Q{read.quarter} {read.fiscal_year} was meant, "
                f"that is {read.next()}: cancel and upload again choosing it; if it is the fiscal quarter, nothing "
                "needs to change."]

    # -- rows -----------------------------------------------------------------------------------
    def add(self, row: int, record: dict) -> None:
        response = record["response"]
        if response is not None:
            first = self.responses.setdefault(response, row)
            if first != row:
                self.own_errors.append(SinkError(row, "external_id", response,
                                                 f"the same response id as row {first}"))
                return
        answer = record["question_1"]
        if answer is not None:
            tally = self.answers.get(answer)
            if tally is None:
                self.answers[answer] = [1, row]
            else:
                tally[0] += 1
        for tally, flag in zip(self.flags, record["flags"]):
            if flag is not None:
                tally[0] += flag
                tally[1] += 1
                if tally[2] is None:
                    tally[2] = row

    def finish(self) -> None:
        """Turn the tallies into observation records for the inner sink (before its errors are read)."""
        emitted = 0
        question_1 = self._question_1()
        if question_1 is not None:
            self.inner.add(*question_1)
            emitted += 1
        for column, (chosen, offered, first_row) in zip(FLAG_COLUMNS, self.flags):
            if not offered:
                continue
            polarity, _, aspect = column.partition("_")
            went = "went well" if polarity == "positive" else "could be improved"
            self.inner.add(first_row, self._record(
                v2_metric_code(polarity, aspect), value=100.0 * chosen / offered, n=offered,
                question=f"Touchpoints A-11 v2: what {went}: {aspect}"))
            emitted += 1
        if not emitted and not self.errors:
            self.own_errors.append(SinkError(None, None, None, "no response answers question_1 or is offered any "
                                             "aspect; there is nothing to import"))
        self.warnings += self.inner.small_samples()  # a form answered by fewer than the minimum sample

    def _question_1(self) -> Optional[tuple[int, dict]]:
        """(first row, trust record) from the question_1 tallies; None when nobody answered."""
        answers = self.answers
        if not answers:
            return None
        thumbs = [a for a in (THUMBS_UP, THUMBS_DOWN) if a in answers]
        likert = [a for a in _LIKERT_ONLY if a in answers]
        first_row = min(row for _, row in answers.values())
        if self.scale is not None:
            wrong = likert if self.scale == TRUST_THUMBS else thumbs
            for answer in sorted(wrong, key=lambda a: answers[a][1]):  # each named once, on its first row
                given, row = answers[answer]
                others = f" ({counted(given, 'response')} give it; this is the first)" if given > 1 else ""
                self.own_errors.append(SinkError(
                    row, "question_1", _SHOWN.get(answer, answer),
                    f"question_1 is {_SHOWN.get(answer, answer)}{others}, which is not {_SCALE_ANSWER[self.scale]}, "
                    "the scale chosen at upload"))
            if wrong:
                return None
            scale, why = self.scale, "the scale chosen at upload"
        elif thumbs and likert:
            t = min(thumbs, key=lambda a: answers[a][1])
            k = min(likert, key=lambda a: answers[a][1])
            # the row named is the first of the fewer answers (59 thumbs and one 3: the 3's row, not a valid 0's
            # that came later); as many of each, the later scale's first
            fewer_thumbs = sum(answers[a][0] for a in thumbs) < sum(answers[a][0] for a in likert)
            fewer_likert = sum(answers[a][0] for a in likert) < sum(answers[a][0] for a in thumbs)
            odd = t if fewer_thumbs else k if fewer_likert else (t if answers[t][1] > answers[k][1] else k)
            self.own_errors.append(SinkError(
                answers[odd][1], "question_1", _SHOWN.get(odd, odd),
                f"question_1 mixes thumbs up / down answers ({_SHOWN[t]} on row {answers[t][1]}) with answers "
                f"on the 1-5 scale ({k} on row {answers[k][1]}); one file holds the responses of one form"))
            return None
        elif likert:
            scale, why = TRUST_FIVE, "answers from 2 to 5 appear"
        elif thumbs:
            scale, why = TRUST_THUMBS, "a 0, yes or no appears among the answers"
        else:
            scale, why = TRUST_THUMBS, None
        if why:
            self.warnings.append(f"question_1 (trust) was read as {_SCALE_WORDS[scale]}: {why}.")
        else:  # nothing but 1s: both scales fit, and they disagree (5 against 1)
            self.warnings.append(
                "Assumed: every question_1 (trust) answer is 1, a thumbs up on the standard A-11 v2 form but the "
                f"lowest answer on a 1-5 form; it was read as {_SCALE_WORDS[scale]}. If the form asks for an "
                "answer from 1 to 5, upload the file again with the trust question scale set to 1 to 5 "
                "(--trust-scale five on the command line).")
        count = {a: tally[0] for a, tally in answers.items()}
        if scale == TRUST_FIVE:
            counts = tuple(count.get(k, 0) for k in range(1, 6))
            words = "answers from 1 to 5"
        else:
            up = count.get(THUMBS_UP, 0) + count.get(1, 0)
            counts = (count.get(THUMBS_DOWN, 0), 0, 0, 0, up)
            words = "thumbs up / down, counted as 5 / 1"
        return first_row, self._record(QUESTION_1_METRIC, counts=counts, n=sum(counts),
                                       question=f"Touchpoints A-11 v2 question 1, trust ({words})")

    def _record(self, metric: str, *, counts=None, value=None, n=None, question=None) -> dict:
        return {"agency": None, "component": None, "program": self.program.code, "function": None,
                "metric": metric, "driver": None, "period": self.period, "channel": "", "touchpoint": self.touchpoint,
                "value": value, "n": n, "counts": counts, "question_text": question, "notes": None}

    # -- plan and commit: the observation sink's ------------------------------------------------
    def plan(self):
        """The observation sink's plan, and the touchpoint's stored figures for the quarter that this export does
        not give removed: a new export of a form replaces the touchpoint's whole set, so an aspect the earlier
        export offered and this one did not is not left beside figures it no longer belongs with."""
        plan = self.inner.plan()
        codes = {QUESTION_1_METRIC, *(v2_metric_code(*column.split("_", 1)) for column in FLAG_COLUMNS)}
        metric_ids = [m.id for m in self.inner.directory.metrics if m.code in codes]
        spelt = touchpoint_key(self.touchpoint)
        o = Observation.__table__
        stored = self.inner.session.execute(sa.select(o).where(
            o.c.subject_key == subject_key(program_id=self.program.id), o.c.period == self.period,
            o.c.channel == "", o.c.metric_id.in_(metric_ids)).order_by(o.c.metric_id))
        kept = self.inner.rows
        plan.removals = [self.inner.removal(row) for row in stored if touchpoint_key(row.touchpoint) == spelt
                         and (row.metric_id, row.subject_key, row.period, row.channel, spelt) not in kept]
        if plan.removals:  # a second form uploaded without a name of its own would take the first one's place
            one = len(plan.removals) == 1
            code_of = {metric.id: metric.code for metric in self.inner.directory.metrics}
            self.inner.plan_warnings.append(
                f"This export replaces the figures stored for {self.program.name}'s touchpoint {self.touchpoint!r} "
                f"in {self.period}: {counted(len(plan.removals), 'figure')} it does not give "
                f"{'is' if one else 'are'} removed ({_figures([code_of[c.key[0]] for c in plan.removals])}). If the "
                "file is another form of the program, not a new export of the same one, do not confirm it: upload "
                "it again with a touchpoint name of its own.")
        return plan

    @property
    def plan_warnings(self) -> list[str]:
        """What the plan found against what is stored (the observation sink's, and the figures removed)."""
        return self.inner.plan_warnings

    def commit(self, plan, batch) -> None:
        """The observation sink's commit; the batch keeps the touchpoint it replaced (subject, quarter, touchpoint
        as told apart), which a revert of an earlier export's removals reads (importers.revert)."""
        self.inner.commit(plan, batch)
        place = [subject_key(program_id=self.program.id), self.period, touchpoint_key(self.touchpoint)]
        batch.preview = {**(batch.preview or {}), REPLACED: place}

    def describe(self, change) -> dict:
        return self.inner.describe(change)

    def touched(self) -> set:
        return self.inner.touched()
