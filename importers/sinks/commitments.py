"""The commitments sink: create or update C-suite commitments by (function, title), each change
with a CommitmentUpdate history row naming the person who imports (who confirms, on the web).
Officers import only their own function's commitments; leaders only the status (and reason) of
commitments that name them. The same scope holds when a batch is reverted (`revert_refusal`)."""
from typing import Optional

import sqlalchemy as sa

from importers.resolve import Directory, Unknown, _key
from importers.sinks.lookups import Leaders
from importers.sinks.tracked import TrackedSink, encode, same
from scorecard.models import Commitment, CommitmentStatus, CommitmentUpdate, Role, User, utcnow

LEADER_FIELDS = {"status", "reason"}
UNLOGGED = {"last_update_at", "function_id", "title"}  # not news in a commitment's history


class CommitmentSink(TrackedSink):
    permission = "edit_commitment"
    refused = ("only administrators, officers (their own function's) and leaders (the status of their own) may "
               "import commitments")

    def finish(self) -> None:
        session = self.session
        directory = Directory(session)
        leaders = Leaders(session)
        existing = {(c.function_id, _key(c.title)): c for c in session.scalars(sa.select(Commitment))}
        first_row: dict[tuple, int] = {}
        planned = []
        for row, record in self.records:
            try:
                function = directory.function(record["function"])
            except Unknown as error:
                self.fail(row, "function", record["function"], str(error))
                continue
            if not self._in_scope(row, record, function):
                continue
            key = (function.id, _key(record["title"]))
            if key in first_row:
                self.fail(row, "title", record["title"], f"the same commitment ({function.code}: "
                          f"{record['title']!r}) as row {first_row[key]}")
                continue
            first_row[key] = row
            current = existing.get(key)
            values = self._values(row, record, directory, leaders, current)
            if values is None:
                continue
            values.setdefault("function_id", function.id)
            if current is None:
                values.setdefault("title", record["title"])
                values.setdefault("status", CommitmentStatus.not_started)
            status = values.get("status") or current.status
            reason = values["reason"] if "reason" in values else (current.reason if current else None)
            if status.needs_reason and not reason:
                self.fail(row, "reason", record.get("reason"),
                          f"a commitment that is {status.value} needs a reason (why it is {status.value})")
                continue
            if self.user is not None and self.user.role is Role.leader and not self._leader_may(
                    row, record, current, values):
                continue
            planned.append((row, record, function, current, values))
        if self.errors:
            return
        now = utcnow()
        for row, record, function, current, values in planned:
            label = f"{function.code}: {record['title']}"
            ref, change = self.tracker.put(row, Commitment, (function.code, record["title"]), current, values,
                                           what="commitment", label=label)
            if change is None:
                continue
            self.tracker.extend(change, {"last_update_at": now})
            after = change.after
            if change.action == "update":
                history = {f: [encode(change.before[f]), encode(v)] for f, v in after.items() if f not in UNLOGGED}
            else:
                history = {f: [None, encode(v)] for f, v in after.items() if f not in UNLOGGED and v not in (None, [])}
            # A new commitment has no stored status or reason: the file's, else the defaults.
            self.tracker.put(row, CommitmentUpdate, (function.code, record["title"], "history"), None, {
                "commitment_id": ref, "user_id": self.user.id if self.user else None, "at": now,
                "status": after.get("status") or (current.status if current else CommitmentStatus.not_started),
                "reason": after["reason"] if "reason" in after else (current.reason if current else None),
                "note": record.get("note"), "changes": history,
            }, what="commitment update", label=label, counted=False)

    def commit(self, plan, batch) -> None:
        note = f"Imported from {batch.filename} (import batch {batch.id}"
        if batch.user_id is not None and batch.user_id != (self.user.id if self.user else None):
            uploader = self.session.get(User, batch.user_id)
            note += f", uploaded by {uploader.email if uploader else f'user {batch.user_id}'}"
        for change in self.tracker.order:
            if change.model is CommitmentUpdate and not change.after["note"]:
                change.after["note"] = note + ")"
        self.tracker.commit(batch)

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

    # -- one row ----------------------------------------------------------------------------
    def _in_scope(self, row, record, function) -> bool:
        user = self.user
        if user is not None and user.role is Role.officer and function.id != user.function_id:
            own = user.function.code if user.function else "none"
            self.fail(row, "function", record["function"], f"officers may import commitments only for their own "
                      f"function ({own}); this row is for {function.code}")
            return False
        return True

    def _leader_may(self, row, record, current, values) -> bool:
        """A leader updates only the status and reason of an existing commitment that names them."""
        if current is None or current.leader_id != self.user.leader_id:
            self.fail(row, "title", record["title"], "leaders may update only commitments that name them as the "
                      "leader; this one " + ("does not exist" if current is None else "names someone else"))
            return False
        for field, value in values.items():
            if field in LEADER_FIELDS:
                continue
            old = (self.tracker.current_links(Commitment, field, current.id) if field.endswith("_ids")
                   else getattr(current, field))
            if not same(old, value):
                column = {"leader_id": "leader", "component_id": "component", "program_ids": "programs",
                          "metric_ids": "metrics"}.get(field, field)
                self.fail(row, column, record.get(column), f"leaders may change only the status and reason of "
                          f"their commitments, not the {column.replace('_', ' ')}")
                return False
        return True

    def _values(self, row, record, directory, leaders, current):
        """The fields a row sets (only the columns the file has), or None after recording errors."""
        values, problems = {}, []
        for field in ("title", "description", "status", "reason", "due_date", "capacity_domain"):
            if field in record and field != "title":
                values[field] = record[field]
        if values.get("status", True) is None:
            if current is None:
                values["status"] = CommitmentStatus.not_started
            else:
                del values["status"]  # a blank status leaves it as it is
        if "evidence_links" in record:
            values["evidence_links"] = record["evidence_links"] or []
        component = None
        if "component" in record:
            component = _found(directory.component, record["component"], "component", problems)
            values["component_id"] = component.id if component else None
        if "leader" in record:
            leader = _found(leaders.find, record["leader"], "leader", problems)
            values["leader_id"] = leader.id if leader else None
        if "programs" in record:
            programs = [_found(lambda n: _program(directory, n, component), name, "programs", problems)
                        for name in record["programs"] or ()]
            values["program_ids"] = sorted({p.id for p in programs if p})
        if "metrics" in record:
            metrics = [_found(directory.metric, code, "metrics", problems) for code in record["metrics"] or ()]
            values["metric_ids"] = sorted({m.id for m in metrics if m})
        for column, value, message in problems:
            self.fail(row, column, value, message)
        return None if problems else values


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
