"""The commitments sink: create or update C-suite commitments — by id when a row has one (a
download of commitments does), else by (function, title) — each change with a CommitmentUpdate
history row and an audit event naming the person who imports (who confirms, on the web).

Every row is held to the domain's rules for commitments, the web form's own
(scorecard.commitments.services.check): a reason when at risk or off track and a new one for
moving a due date, evidence links on the web, one title per function. Officers import only their
own function's commitments; leaders only the status and reason of commitments that name them.
The same scope holds when a batch is reverted (`revert_refusal`).

A row that names the version it was downloaded at, of a commitment saved since (its stored
version is newer) and whose values differ from the stored ones, is a **conflict**: it is not
written, and a warning names the row and each differing field with the file's value and the
current one. The other rows import as usual. A row that names its commitment by id must give its version
(an empty version cell is refused): without it a save made since would be overwritten unseen."""
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from importers.errors import ImportFileError
from importers.formats.reference_formats import CommitmentRow
from importers.resolve import Directory, Unknown
from importers.sinks.base import CONFLICT
from importers.sinks.lookups import Leaders
from importers.sinks.tracked import TrackedSink, encode, same
from scorecard.clock import agency_today, moment
from scorecard.commitments.services import (
    CLOSED,
    EDITABLE,
    FIELD_LABELS,
    LEADER_FIELDS,
    REVERTED,
    Names,
    check,
    dropped_beyond,
    reason_left_behind,
    stored_title,
    title_key,
)
from scorecard.models import AuditEvent, Commitment, CommitmentStatus, CommitmentUpdate, Role, User, utcnow
from scorecard.people import person
from scorecard.text import counted

UNLOGGED = {"last_update_at", "function_id"}  # not news in a commitment's history (nor a new one's title)
COLUMNS = {"leader_id": "leader", "component_id": "component", "program_ids": "programs", "metric_ids": "metrics"}
NAMED_FIELDS = {column: field for field, column in COLUMNS.items()}  # a named column -> the field it sets
WORDS_SHOWN = 300  # characters of one value in a preview or a conflict
WRITTEN = {"title", "reason", "next_step", "description"}  # what people wrote: quoted where a sentence names it


class CommitmentSink(TrackedSink):
    permission = "edit_commitment"
    # A confirm commits whatever the rows now plan: a row saved on the web since the preview is left
    # out as a named conflict (its version says so), so the plan need not be shown again.
    reconciles_edits = True
    refused = ("only administrators, officers (their own function's) and leaders (the status of their own) may "
               "import commitments")

    def __init__(self, session, options: Optional[dict] = None):
        super().__init__(session, options)
        self.warnings: list[str] = []  # one per conflict row, for the preview and the command line
        self.conflict_rows: set[int] = set()
        self.plan_warnings: list[str] = []  # what the rows will read as (a due date already past)

    def _lookups(self) -> None:
        if not hasattr(self, "_directory"):
            self._directory, self._leaders = Directory(self.session), Leaders(self.session)

    def other_problems(self, values: dict) -> list[tuple]:
        """(column, value, message) for what a row refused for some of its cells (a date that is none)
        holds besides: a function that is unknown or not the officer's own, and a component, leader,
        program or metric that matches nothing; so every problem of the row is named at once, not one
        upload after another."""
        self._lookups()
        cells, record, found = CommitmentRow().fields, {}, []
        for name in ("function", "component", "leader", "programs", "metrics"):
            if name in values:
                try:
                    record[name] = cells[name].convert(values[name])
                except ValueError:  # the row's own problems name it
                    continue
        if record.get("function"):
            try:
                function = self._directory.function(record["function"])
            except Unknown as error:
                found.append(("function", record["function"], str(error)))
            else:
                found.extend(self._out_of_scope(record, function))
        named = []
        self._named({k: v for k, v in record.items() if k != "function"}, named)
        found.extend(self._as_said(named))
        try:  # a row by its id without its version: refused in the same upload (a bad cell names itself)
            commitment_id, version = (cells[name].convert(values[name]) if name in values else None
                                      for name in ("id", "version"))
        except ValueError:
            return found
        if commitment_id is not None and version is None:
            found.append(("version", None, _version_missing(commitment_id, "version" in values)))
        return found

    def _as_said(self, problems: list[tuple]) -> list[tuple]:
        """A row's unknown names (`_named`'s problems) as the row's errors: for a leader, a change they may not
        make whatever it names, said once for its column."""
        said, refused = [], set()
        for column, value, message in problems:
            if self._is_leader and NAMED_FIELDS.get(column, column) not in LEADER_FIELDS:
                if column not in refused:
                    refused.add(column)
                    said.append((column, value, _leader_may_not_words(column)))
            else:
                said.append((column, value, message))
        return said

    def finish(self) -> None:
        session = self.session
        self._lookups()
        stored = list(session.scalars(sa.select(Commitment)))
        self._by_id = {c.id: c for c in stored}
        self._by_key = {(c.function_id, title_key(c.title)): c for c in stored}
        self._row_of_key: dict[tuple, int] = {}
        self._row_of_id: dict[int, int] = {}
        self._notes: dict[int, str] = {}  # row -> its note, for the preview
        planned = [p for row, record in self.records if (p := self._planned(row, record)) is not None]
        if self.errors:
            return
        now = utcnow()
        for row, record, function, current, values in planned:
            self._put(row, record, function, current, values, now)
        self.plan_warnings = _past_due(planned, agency_today())

    def _planned(self, row, record):
        """(row, record, function, stored commitment or None, values) for a row to write; None for a
        row refused (its errors recorded), a conflict (its warning recorded). Its title is read as the web
        stores one (stored_title): a zero-width space kept from a file made the next save on the web change
        the title between two that read alike."""
        if isinstance(record.get("title"), str):
            record = {**record, "title": stored_title(record["title"])}
        try:
            function = self._directory.function(record["function"])
        except Unknown as error:
            self.fail(row, "function", record["function"], str(error))
            return None
        if not self._in_scope(row, record, function):
            return None
        current = self._current(row, record, function)
        if current is False or not self._first(row, record, function, current):
            return None
        if self._is_leader and not self._leader_owns(row, record, current):
            return None
        values, resolved = self._values(row, record, current)
        if not self._leader_may_touch(row, record, current, values):
            return None
        values.setdefault("function_id", function.id)
        if current is None:
            values.setdefault("title", record["title"])
            values.setdefault("status", CommitmentStatus.not_started)
        if current is not None and self._conflict(row, record, function, current, values):
            return None  # its version's refusal is named whatever else the row holds
        refused = self._leader_refused(row, record, current, values) if self._is_leader else set()
        if resolved and not refused and current is not None and self._saved_by_another(row, record, function,
                                                                                      current, values):
            return None  # before the form's rules: what the row would undo is no change the sender asked for
        # Every problem of the row in one upload: a name that matches nothing, a field a leader may not change,
        # and the form's rules for the rest (an unknown leader hid the at-risk row's missing reason).
        if not self._domain_allows(row, record, function, current,
                                   {f: v for f, v in values.items() if f not in refused}) or refused or not resolved:
            return None
        return row, record, function, current, values

    def _put(self, row, record, function, current, values, now) -> None:
        """Plan one commitment's insert or update and, when it changes, its history row. A note on a
        row that changes nothing else is an update too, as on the web (an owner saying the commitment
        is current): its history row holds the note, and the commitment's last update moves. The same
        note as the commitment's latest history row is not news: re-importing a file changes nothing."""
        title = values.get("title") or record["title"]
        label = f"{function.code}: {title}"
        if current is not None and record.get("note") and record["note"] != _latest_note(current):
            values = {**values, "last_update_at": now}
        ref, change = self.tracker.put(row, Commitment, (function.code, title), current, values,
                                       what="commitment", label=label)
        if change is None:
            return
        if record.get("note"):
            self._notes[row] = record["note"]
        self.tracker.extend(change, {"last_update_at": now})
        after = change.after
        if change.action == "update":
            history = {f: [encode(change.before[f]), encode(v)] for f, v in after.items() if f not in UNLOGGED}
        else:
            history = {f: [None, encode(v)] for f, v in after.items()
                       if f not in UNLOGGED | {"title"} and v not in (None, [])}
        # A new commitment has no stored status or reason: the file's, else the defaults.
        self.tracker.put(row, CommitmentUpdate, (function.code, title, "history"), None, {
            "commitment_id": ref, "user_id": self.user.id if self.user else None, "at": now,
            "status": after.get("status") or (current.status if current else CommitmentStatus.not_started),
            "reason": after.get("reason", current.reason if current else None),
            "note": record.get("note"), "changes": history,
        }, what="commitment update", label=label, counted=False)

    def commit(self, plan, batch) -> None:
        """Write the plan; then one audit event per commitment created or changed, naming the person
        who imports (the history rows name them too). Audit events are never reverted."""
        note = f"Imported from {batch.filename} (import batch {batch.id}"
        if batch.user_id is not None and batch.user_id != (self.user.id if self.user else None):
            uploader = self.session.get(User, batch.user_id)
            note += f", uploaded by {uploader.email if uploader else f'user {batch.user_id}'}"
        for change in self.tracker.order:
            if change.model is CommitmentUpdate:
                change.after["import_batch_id"] = batch.id  # the history says where it came from
                if not change.after["note"]:
                    change.after["note"] = note + ")"
        try:
            order = self.tracker.commit(batch)
        except StaleDataError:
            raise ImportFileError("a commitment in this file was saved by someone else while the import was being "
                                  "written; nothing was imported. Upload the file again to see what changed.") from None
        self._record_conflicts(batch)
        user_id = self.user.id if self.user else None
        notes = {c.after["commitment_id"]: c.after["note"] for c in order if c.model is CommitmentUpdate}
        for change in order:
            if change.model is not Commitment:
                continue
            after = {f: encode(v) for f, v in change.after.items() if f != "last_update_at"}
            before = None
            if change.action == "update":
                before = {f: encode(v) for f, v in change.before.items() if f not in ("id", "last_update_at")}
            self.session.add(AuditEvent(
                user_id=user_id, at=change.after.get("last_update_at") or utcnow(),
                action="commitment.create" if change.action == "insert" else "commitment.update",
                entity_type="commitment", entity_id=change.obj.id, before=before,
                after={**after, "note": notes.get(change.obj.id), "import_batch": batch.id}))

    def _record_conflicts(self, batch) -> None:
        """The batch keeps the conflicts as they were when it was written: a commitment saved on the
        web between the preview and the confirm is a conflict too, and its row was left out, so the
        preview's changes it keeps as written leave that row's out."""
        preview = dict(batch.preview or {})
        earlier = preview.get("warnings") or []
        kept = [w for w in earlier if not (isinstance(w, str) and w.startswith(CONFLICT))]
        if self.warnings or len(kept) != len(earlier):
            batch.preview = {**preview, "warnings": kept + self.warnings}
        if self.conflict_rows and preview.get("changes"):
            batch.preview = {**batch.preview, "changes": [c for c in preview["changes"]
                                                          if c.get("row") not in self.conflict_rows]}

    def describe(self, change) -> dict:
        """A change in words, and field by field (label, before, after) for the preview."""
        words = super().describe(change)
        if change.model is not Commitment:
            return words
        update = change.action == "update"
        before = {f: encode(v) for f, v in (change.before or {}).items()}
        after = {f: encode(v) for f, v in change.after.items()}
        shown = [f for f in _ordered(after) if update or (f != "title" and after[f] not in (None, []))]
        names = Names(self.session, [before, after])
        words["fields"] = [{"field": _label(f), "before": _shown(names.words(f, before.get(f))) if update else None,
                            "after": _shown(names.words(f, after[f]))} for f in shown]
        if change.row in getattr(self, "_notes", {}):  # added to the history, replacing nothing
            words["fields"].append({"field": "Note", "before": None, "after": _shown(self._notes[change.row])})
        return words

    @staticmethod
    def revert_refusal(session, user, changes) -> Optional[str]:
        """Why `user` may not revert these row changes of a commitments batch, or None: an officer
        only their own function's commitments, a leader only the status and reason of their own."""
        if user.role not in (Role.officer, Role.leader):
            return None
        ids = {c.row_id for c in changes if c.table_name == Commitment.__tablename__}
        ids |= {c.after["commitment_id"] for c in changes
                if c.table_name == CommitmentUpdate.__tablename__ and (c.after or {}).get("commitment_id")}
        for commitment in session.scalars(sa.select(Commitment).where(Commitment.id.in_(ids))):
            label = f"commitment {commitment.title!r} ({commitment.function.code})"
            if user.role is Role.officer and commitment.function_id != user.function_id:
                own = user.function.code if user.function else "none"
                return f"officers may revert only their own function's ({own}) commitments, and {label} is not"
            if user.role is Role.leader and commitment.leader_id != user.leader_id:
                return f"leaders may revert only commitments that name them, and {label} names someone else"
        if user.role is Role.leader:
            fields = {f for c in changes if c.table_name == Commitment.__tablename__
                      for f in {**(c.before or {}), **(c.after or {})}}
            beyond = sorted(fields - LEADER_FIELDS - {"last_update_at"})
            if beyond:
                return f"leaders may revert only the status and reason of their commitments, not {', '.join(beyond)}"
        return None

    @staticmethod
    def reverted(session, batch, changes, user_id: Optional[int]) -> None:
        """After the revert has undone the batch (its history rows deleted with it): each commitment it changed
        says so in its history, by whom (`user_id`; None: the command line), each field from what the batch
        wrote back to what it was, in words. In words only (`changes` empty): the history reads as if the batch
        had never been, and a field in `changes` would read as moved again (a due date put back as a slip, a
        date before the revert as the file's). The row names the batch: a trace of it, no one's work on the
        commitment, which a later revert does not count (importers.revert)."""
        undone = {c.row_id: c for c in changes if c.table_name == Commitment.__tablename__ and c.action == "update"}
        _audit_reverted(session, batch, changes, user_id)
        if not undone:
            return
        names = Names(session, [v for c in undone.values() for v in (c.before or {}, c.after or {})])

        def said(field: str, value) -> str:
            words = _shown(names.words(field, value))
            return f"“{words}”" if field in WRITTEN and value else words
        now = utcnow()
        rows = []
        for commitment_id, status, reason in session.execute(
                sa.select(Commitment.id, Commitment.status, Commitment.reason).where(Commitment.id.in_(list(undone)))):
            change = undone[commitment_id]
            fields = [f for f in _ordered(change.before or {}) if f not in UNLOGGED]
            what = "; ".join(f"{_label(f).lower()} back from {said(f, change.after.get(f))} to "
                             f"{said(f, change.before[f])}" for f in fields) or "the note it added removed"
            rows.append({"commitment_id": commitment_id, "user_id": user_id, "at": now, "status": status,
                         "reason": reason, "import_batch_id": batch.id, "changes": {},
                         "note": f"{REVERTED}{batch.id} ({batch.filename}): {what}."})
        # as rows, as the revert writes: the session may still hold the history rows it deleted, whose ids a
        # SQLite database made before migration 0025 may give again
        session.execute(sa.insert(CommitmentUpdate), rows)

    # -- one row ----------------------------------------------------------------------------
    @property
    def _is_leader(self) -> bool:
        return self.user is not None and self.user.role is Role.leader

    def _in_scope(self, row, record, function) -> bool:
        for column, value, message in self._out_of_scope(record, function):
            self.fail(row, column, value, message)
            return False
        return True

    def _out_of_scope(self, record, function) -> list[tuple]:
        user = self.user
        if user is not None and user.role is Role.officer and function.id != user.function_id:
            own = user.function.code if user.function else "none"
            return [("function", record["function"], f"officers may import commitments only for their own "
                                                      f"function ({own}); this row is for {function.code}")]
        return []

    def _current(self, row, record, function):
        """The stored commitment the row updates (by its id, else by function and title), None for a
        new one, False after recording why the row names none it may update."""
        ident = record.get("id")
        if ident is None:
            return self._by_key.get((function.id, title_key(record["title"])))
        current = self._by_id.get(ident)
        user = self.user
        if self._is_leader and (current is None or current.leader_id != user.leader_id):
            # the same words for someone else's and for none: the web answers "not found" for both
            self.fail(row, "id", ident, f"no commitment of yours has id {ident}: leaders update only commitments "
                      "that name them as the leader (a download of your commitments gives their ids)")
            return False
        if current is None or (user is not None and user.role is Role.officer
                               and current.function_id != user.function_id):
            among = f" among {function.code}'s commitments" if user is not None and user.role is Role.officer else ""
            self.fail(row, "id", ident, f"there is no commitment #{ident}{among}; leave the id blank to create a "
                      "new commitment")
            return False
        if current.function_id != function.id:
            self.fail(row, "function", record["function"], f"commitment #{ident} belongs to "
                      f"{current.function.code}; a row cannot move it to {function.code}")
            return False
        return current

    def _first(self, row, record, function, current) -> bool:
        """False (recorded) when an earlier row of the file names the same commitment."""
        key = (function.id, title_key(record["title"]))  # as the web compares titles (NFKC: "Ⅱ" is "II")
        by_id = self._row_of_id.get(current.id) if current is not None else None
        if by_id is not None:  # the id is what repeats: the row may have reworded the title
            self.fail(row, "id", record["id"], f"the same commitment (#{current.id}, {function.code}: "
                      f"{current.title!r}) as row {by_id}: give each commitment one row")
            return False
        twin = self._row_of_key.get(key)
        if twin is not None:
            self.fail(row, "title", record["title"], f"the same commitment ({function.code}: "
                      f"{record['title']!r}) as row {twin}")
            return False
        self._row_of_key[key] = row
        if current is not None:
            self._row_of_id[current.id] = row
        return True

    def _leader_owns(self, row, record, current) -> bool:
        """A row without an id names its commitment by title: one of the leader's own, else it is refused
        with the same words whether the title is someone else's or nobody's (leaders create none)."""
        if current is None or current.leader_id != self.user.leader_id:
            self.fail(row, "title", record.get("title"), f"no commitment of yours is titled {record.get('title')!r}: "
                      "leaders cannot create commitments, only update the status and reason of their own (give its "
                      "id, as a download of your commitments does)")
            return False
        return True

    def _stored(self, current, field: str):
        """A field's value as stored (a list of ids for programs and metrics)."""
        if field.endswith("_ids"):
            return self.tracker.current_links(Commitment, field, current.id)
        return getattr(current, field)

    def _leader_may_touch(self, row, record, current, values) -> bool:
        """A dropped commitment is its officers' and administrators' alone: a leader it names changes nothing on it,
        not even a note (as on the web and through the API); the field the row changes is named."""
        if self.user is None or current is None or not dropped_beyond(self.user, current):
            return True
        changed = [f for f in values if f in FIELD_LABELS and not same(self._stored(current, f), values[f])]
        if not changed and not (record.get("note") and record["note"] != _latest_note(current)):
            return True  # the row as downloaded: nothing to change, nothing refused
        column = COLUMNS.get(changed[0], changed[0]) if changed else "note"
        self.fail(row, column, record.get(column), "the commitment is dropped: only the function's officers and "
                  "administrators change it")
        return False

    def _leader_refused(self, row, record, current, values) -> set:
        """The fields a leader's row may not change (none: it may go on): a leader updates only the status and
        reason of a commitment that names them, and each other field the row changes is named (not only the
        first: the next upload named the second)."""
        refused = set()
        for field, value in values.items():
            if field in LEADER_FIELDS:
                continue
            if not same(self._stored(current, field), value):
                column = COLUMNS.get(field, field)
                self._leader_may_not(row, column, record.get(column))
                refused.add(field)
        return refused

    def _leader_may_not(self, row, column: str, value) -> None:
        self.fail(row, column, value, _leader_may_not_words(column))

    def _conflict(self, row, record, function, current, values) -> bool:
        """True (the row is left out) when the row was downloaded at an older version of the commitment
        and would overwrite what was saved since: a warning names each field with both values. A row that
        names its commitment by id (a download's row) and gives no version is refused (recorded; its other
        problems are still looked for): without the version nothing tells whether someone saved it since."""
        version = record.get("version")
        if version is None and record.get("id") is not None:
            self.fail(row, "version", None, _version_missing(current.id, "version" in record))
            return False  # refused (the whole file is), and the row's other problems are named too
        if version is None or version == current.version:
            return False
        if version > current.version:
            self.fail(row, "version", version, f"commitment #{current.id} is at version {current.version}; "
                      f"version {version} was never stored, so this row was not downloaded from it")
            return True
        differ = self.tracker.differences(Commitment, current, dict(values))
        if not differ:
            return False  # the file asks for what is stored now: nothing to write, nothing to lose
        latest = _latest_update(current)
        by = "" if latest is None else f", last by {self._who(latest)} at {moment(latest.at)}"
        return self._left_out(row, f"{CONFLICT} {row}: commitment #{current.id} ({function.code}: {current.title}) "
                              f"was saved after this file was downloaded (the file has version {version}; it is now "
                              f"at version {current.version}{by}), so this row is not imported. Download the "
                              "commitments again, or make the change on the commitment's page.", differ, values)

    def _who(self, update: CommitmentUpdate) -> str:
        """Who saved `update`, in the history's words (the command line when no one signed in)."""
        return person(self.session.get(User, update.user_id) if update.user_id else None)

    def _left_out(self, row, lead: str, differ: dict, values) -> bool:
        """Leave the row out as a conflict: a warning of `lead` and each field that differs, with both values."""
        file_values = {f: encode(values[f]) for f in differ}
        now = {f: encode(v) for f, v in differ.items()}
        names = Names(self.session, [file_values, now])
        lines = [lead]
        for field in _ordered(differ):
            lines.append(f"{_label(field)}: the file has {_shown(names.words(field, file_values[field]))!r}; "
                         f"now {_shown(names.words(field, now[field]))!r}")
        self.warnings.append("\n".join(lines))
        self.conflict_rows.add(row)
        return True

    def _saved_by_another(self, row, record, function, current, values) -> bool:
        """True (the row is left out) when a row naming its commitment by title alone (no id, no version: a
        sheet someone typed, or one sent again that made the commitment), sent by someone signed in, would
        change a commitment someone else saved last: nothing tells whether the file was made before that save
        (a sheet sent again turned a colleague's "off track" back to "on track"). A warning names each field
        with both values. The person's own last save is theirs to change; the command line is trusted."""
        if self.user is None or record.get("id") is not None or record.get("version") is not None:
            return False
        latest = _latest_update(current)
        if latest is None or latest.user_id == self.user.id:
            return False
        differ = self.tracker.differences(Commitment, current, dict(values))
        if not differ:
            return False
        return self._left_out(row, f"{CONFLICT} {row}: commitment #{current.id} ({function.code}: {current.title}) "
                              f"was last saved by {self._who(latest)} at {moment(latest.at)}, and this row names it "
                              "by its title alone, without the id and version a download of the commitments gives: "
                              "nothing tells whether this file was made before that save, so the row is not imported. "
                              "Download the commitments and make the change in its row, or on the commitment's page.",
                              differ, values)

    def _domain_allows(self, row, record, function, current, values) -> bool:
        """The web form's rules for the commitment as the row leaves it; each refused field is named
        in the row's column."""
        proposed = {f: v for f, v in values.items() if f in FIELD_LABELS}
        problems = check(self.session, current, proposed, user=self.user, function_id=function.id)
        if self.user is None and proposed.get("status") is CommitmentStatus.dropped:
            problems.pop("status", None)  # the command line is trusted to drop, as an administrator is
        for field, message in problems.items():  # in the web form's words ("at risk"), from the same rules
            column = COLUMNS.get(field, field)
            self.fail(row, column, record.get(column), message)
        return not problems

    def _values(self, row, record, current) -> tuple[dict, bool]:
        """(The fields a row sets (only the columns the file has), whether every name in it was found): a name
        that matches nothing is recorded as the row's error and its field left out, so that the row's other
        problems are named too."""
        values = {f: record[f] for f in ("description", "status", "reason", "next_step", "due_date",
                                         "capacity_domain") if f in record}
        if current is not None and record.get("id") is not None:
            values["title"] = record["title"]  # matched by id: the title may change
        if values.get("status", True) is None:
            if current is None:
                values["status"] = CommitmentStatus.not_started
            else:
                del values["status"]  # a blank status leaves it as it is
        if "evidence_links" in record:
            values["evidence_links"] = record["evidence_links"] or []
        problems = []
        values.update(self._named(record, problems))
        for column, value, message in self._as_said(problems):
            self.fail(row, column, value, message)
        for column, _value, _message in problems:
            values.pop(NAMED_FIELDS.get(column, column), None)
        if current is not None:  # blank in the file and empty as stored (None or []): not a change
            for field in [f for f, v in values.items() if v in (None, "", []) and not f.endswith("_ids")]:
                if getattr(current, field) in (None, "", []):
                    del values[field]
        return reason_left_behind(current, values), not problems

    def _named(self, record, problems) -> dict:
        """The component, leader, programs and metrics a row names, as ids (only the columns the file
        has); each unknown name is added to `problems`."""
        directory, values, component = self._directory, {}, None
        if "component" in record:
            component = _found(directory.component, record["component"], "component", problems)
            values["component_id"] = component.id if component else None
        if "leader" in record:
            leader = _found(self._leaders.find, record["leader"], "leader", problems)
            values["leader_id"] = leader.id if leader else None
        if "programs" in record:
            programs = [_found(lambda n: _program(directory, n, component), name, "programs", problems)
                        for name in record["programs"] or ()]
            values["program_ids"] = sorted({p.id for p in programs if p})
        if "metrics" in record:
            metrics = [_found(directory.metric, code, "metrics", problems) for code in record["metrics"] or ()]
            values["metric_ids"] = sorted({m.id for m in metrics if m})
        return values


def _leader_may_not_words(column: str) -> str:
    return f"leaders may change only the status and reason of their commitments, not the {column.replace('_', ' ')}"


def _version_missing(commitment_id: int, column_given: bool) -> str:
    """Why a row naming its commitment by id without the version it was downloaded at is refused."""
    return (f"the version {'is empty' if column_given else 'is not in the file'}: a row that updates commitment "
            f"#{commitment_id} by its id must carry the version from the downloaded file, which guards against "
            "overwriting someone else's save; download the commitments again and make the change there")


def _ordered(fields) -> list[str]:
    """Fields in the order the commitment's pages show them; bookkeeping left out."""
    order = {f: i for i, f in enumerate(EDITABLE)}
    return sorted((f for f in fields if f in order), key=order.get)


def _label(field: str) -> str:
    return FIELD_LABELS.get(field, field.replace("_", " ").capitalize())


def _shown(text: str) -> str:
    return text if len(text) <= WORDS_SHOWN else text[:WORDS_SHOWN - 1] + "…"


def _program(directory, name, component):
    if component is not None:
        try:
            return directory.program(name, component)
        except Unknown:
            pass
    return directory.program(name)


def _found(find, value, column, problems):
    if value is None:
        return None
    try:
        return find(value)
    except Unknown as error:
        problems.append((column, value, str(error)))
        return None


def _latest_update(commitment: Commitment) -> Optional[CommitmentUpdate]:
    """A commitment's latest history row, its last save (None: never saved since it was made without one)."""
    return max(commitment.updates, key=lambda u: (u.at, u.id), default=None)


def _latest_note(commitment: Commitment):
    """The note of a commitment's latest history row (updates are ordered by time)."""
    return commitment.updates[-1].note if commitment.updates else None


def _past_due(planned, today) -> list[str]:
    """A warning for the rows that set an open commitment's due date (or take a closed one back up) to a day
    already past, as the web form says after such a save: kept, but the commitment reads overdue."""
    late = []
    for row, _record, _function, current, values in planned:
        due = values.get("due_date", current.due_date if current is not None else None)
        status = values.get("status") or (current.status if current is not None else CommitmentStatus.not_started)
        if due is None or due >= today or status in CLOSED:
            continue
        if current is None or values.get("due_date", current.due_date) != current.due_date or current.status in CLOSED:
            late.append((row, due))
    if not late:
        return []
    row, due = late[0]
    one = len(late) == 1
    return [f"{counted(len(late), 'row')} {'sets' if one else 'set'} an open commitment's due date to a day already "
            f"past ({'on' if one else 'the first on'} row {row}: {due.isoformat()}, overdue by "
            f"{counted((today - due).days, 'day')}): {'it reads' if one else 'they read'} overdue once imported. If a "
            "date is a slip, correct it and upload the file again; if not, nothing needs to change."]


def _audit_reverted(session, batch, changes, user_id: Optional[int]) -> None:
    """The audit log's record of a revert, commitment by commitment, as the import wrote one for each: the fields
    from what the batch wrote (before) back to what they were (after), and a commitment the batch made removed
    with it. The log's last word on a commitment was the file's ("off track") after the revert had put it back,
    and one the revert removed had a create and no end."""
    at = utcnow()
    for change in changes:
        if change.table_name != Commitment.__tablename__:
            continue
        if change.action == "insert":
            before = {f: v for f, v in (change.after or {}).items() if f not in ("id", "last_update_at")}
            after = {"removed": True}
        else:
            fields = [f for f in (change.before or {}) if f not in ("id", "last_update_at")]
            before = {f: (change.after or {}).get(f) for f in fields}
            after = {f: change.before[f] for f in fields}
        session.add(AuditEvent(user_id=user_id, at=at, action="commitment.import_reverted", entity_type="commitment",
                               entity_id=change.row_id, before=before,
                               after={**after, "import_batch": batch.id, "file": batch.filename}))
