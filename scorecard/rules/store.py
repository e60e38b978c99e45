"""Rule storage: each rule is a key with numbered versions that go draft → published → retired.

A draft may be edited; a published (or retired) version never is — saving a changed
definition makes a new draft version, and publishing it retires the version it replaces.
Every save, publish and retire is validated and recorded in the audit log. These functions
change the session and leave the commit to the caller, so a batch of rules is one transaction.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Optional

import sqlalchemy as sa

from scorecard.json_bodies import REFUSALS, TOO_DEEP, DuplicateKey, broken_words, once_each, refusing_depth
from scorecard.models import AuditEvent, Rule, RuleStatus, RuleSubject, RuleVersion, User, utcnow
from scorecard.rules.schema import RuleError, validate_definition
from scorecard.rules.service import codes
from scorecard.writers import hold

PACK = "default_pack.json"
DRAFTS_HELD = "drafts"  # an export's {rule key: fingerprint} of the drafts it holds (`rules export --drafts`)


def digest(definition) -> str:
    """A short fingerprint of a rule definition as stored."""
    return hashlib.sha256(json.dumps(definition, sort_keys=True).encode()).hexdigest()[:32]


@dataclass
class Saved:
    key: str
    version: int
    status: str
    action: str  # created | new version | draft updated | unchanged | published


@dataclass
class RuleSummary:
    key: str
    title: str
    subject_type: RuleSubject
    published: Optional[int]
    draft: Optional[int]
    versions: int
    retired: Optional[int] = None  # the newest retired version, when none is published (the rule is off)


@sa.event.listens_for(RuleVersion, "before_update")
def _published_is_final(mapper, connection, target: RuleVersion) -> None:
    """A published or retired version's definition never changes (make a new version)."""
    state = sa.inspect(target)
    status = state.attrs.status.history
    was = (status.deleted or status.unchanged or [target.status])[0]
    if was in (RuleStatus.published, RuleStatus.retired) and state.attrs.definition.history.has_changes():
        raise RuleError([f"rule {target.rule.key!r} version {target.version} is {was.value} and cannot be "
                         "edited; save the change as a new draft version"])


def _versions(session, rule: Rule) -> list[RuleVersion]:
    return list(session.scalars(sa.select(RuleVersion).where(RuleVersion.rule_id == rule.id)
                                .order_by(RuleVersion.version)))


def _with_status(versions: list, status: RuleStatus) -> Optional[RuleVersion]:
    return next((v for v in reversed(versions) if v.status is status), None)


def _audit(session, action: str, version: RuleVersion, user_id, before=None, **after) -> None:
    session.add(AuditEvent(user_id=user_id, action=action, entity_type="rule_version", entity_id=version.id,
                           before=before, after={"key": version.rule.key, "version": version.version,
                                                 "status": version.status.value, **after}))


def validate(session, definition: Any) -> dict:
    """Validate against the registry and the metric and function codes in the database."""
    metric_codes, function_codes = codes(session)
    return validate_definition(definition, metric_codes=metric_codes, function_codes=function_codes)


class RuleExists(RuleError):
    """A new rule's key names a rule that exists (before, or made since the page checked it)."""

    def __init__(self, key: str):
        super().__init__([f"key: rule {key!r} exists already; edit it from its page, or give the new rule its own "
                          "key"])


def save(session, definition: dict, *, user_id: Optional[int] = None, publish: bool = False,
         validated: bool = False, new: bool = False) -> Saved:
    """Save a definition as the rule's draft (a new version unless a draft exists); with
    `publish`, publish it too. Saving what is already published changes nothing. `new`: the rule
    must not exist yet (RuleExists), as the New rule page means it."""
    if not validated:
        validate(session, definition)
    definition = json.loads(json.dumps(definition))  # a plain copy, as it will be stored
    key = definition["key"]
    rule = session.scalar(sa.select(Rule).where(Rule.key == key))
    if rule is not None and new:
        raise RuleExists(key)
    if rule is None:
        rule = Rule(key=key, title=definition["title"], subject_type=RuleSubject(definition["applies_to"]))
        session.add(rule)
        session.flush()
    elif rule.subject_type != definition["applies_to"]:
        raise RuleError([f"applies_to: rule {key!r} applies to {rule.subject_type}; a rule cannot change "
                         "what it applies to (give the new rule its own key)"])
    versions = _versions(session, rule)
    draft = _with_status(versions, RuleStatus.draft)
    published = _with_status(versions, RuleStatus.published)
    replaced = None  # a draft saved over: its definition, kept in the audit event (the version keeps only the new)
    if draft is not None:
        if draft.definition == definition:
            action = "unchanged"
        else:
            saver = session.get(User, draft.created_by_id) if draft.created_by_id else None
            replaced = {"definition": draft.definition, "saved_by": saver.email if saver else None}
            draft.definition, draft.created_by_id, action = definition, user_id, "draft updated"
        version = draft
    elif published is not None and published.definition == definition:
        return Saved(key, published.version, published.status.value, "unchanged")
    else:
        version = RuleVersion(rule=rule, version=(versions[-1].version + 1) if versions else 1,
                              status=RuleStatus.draft, definition=definition, created_by_id=user_id)
        session.add(version)
        action = "created" if not versions else "new version"
    session.flush()
    if action != "unchanged":
        _audit(session, "rule.save", version, user_id, before=replaced, definition=definition)
    if publish:
        publish_version(session, key, version=version.version, user_id=user_id)
        action = "published" if action == "unchanged" else f"{action}, published"
    return Saved(key, version.version, version.status.value, action)


def publish_version(session, key: str, *, version: Optional[int] = None, user_id: Optional[int] = None) -> RuleVersion:
    """Publish the rule's draft (or the numbered version, if it is a draft); the version
    published before is retired."""
    rule = session.scalar(sa.select(Rule).where(Rule.key == key))
    if rule is None:
        raise RuleError([f"key: there is no rule {key!r}"])
    # read under the rule's hold: two people publishing one draft at once publish it once (the second reads it
    # published and changes nothing), not once each, with a retire and a publish audited twice
    hold(session, Rule, rule.id)
    versions = _versions(session, rule)
    chosen = (_with_status(versions, RuleStatus.draft) if version is None
              else next((v for v in versions if v.version == version), None))
    if chosen is None:
        raise RuleError([f"rule {key!r} has no {'draft' if version is None else f'version {version}'} to publish"])
    if chosen.status is RuleStatus.published:
        return chosen
    if chosen.status is not RuleStatus.draft:
        raise RuleError([f"rule {key!r} version {chosen.version} is {chosen.status.value}; only a draft can be "
                         "published"])
    validate(session, chosen.definition)
    for other in versions:
        if other.status is RuleStatus.published:
            other.status = RuleStatus.retired
            _audit(session, "rule.retire", other, user_id, before={"status": "published"})
    chosen.status, chosen.published_at = RuleStatus.published, utcnow()
    rule.title = chosen.definition["title"]
    session.flush()
    _audit(session, "rule.publish", chosen, user_id, before={"status": "draft"})
    return chosen


class PublishedSince(RuleError):
    """Another version was published after the person retiring was asked about theirs: nothing retired."""

    def __init__(self, key: str, asked: int, published: int):
        super().__init__([f"Version {published} of rule {key} was published after you were asked about version "
                          f"{asked}: nothing was retired. Read version {published}, then retire it if you still "
                          "mean to."])
        self.published = published


def retire(session, key: str, *, user_id: Optional[int] = None, version: Optional[int] = None) -> RuleVersion:
    """Retire the published version (`version`, when given: the one the person was asked about, else
    PublishedSince): the rule stops being evaluated until a draft is published."""
    rule = session.scalar(sa.select(Rule).where(Rule.key == key))
    if rule is not None:
        # as publish_version: what is read is as it is now (a version published between the question and the
        # answer was retired unseen, leaving the rule with nothing published)
        hold(session, Rule, rule.id)
    published = _with_status(_versions(session, rule), RuleStatus.published) if rule else None
    if published is None:
        raise RuleError([f"rule {key!r} has no published version to retire"])
    if version is not None and published.version != version:
        raise PublishedSince(key, version, published.version)
    published.status = RuleStatus.retired
    session.flush()
    _audit(session, "rule.retire", published, user_id, before={"status": "published"})
    return published


def import_rules(session, definitions: list, *, publish: bool = False, user_id: Optional[int] = None,
                 drafts_held: Optional[dict] = None) -> list[Saved]:
    """Validate every definition first (nothing is saved if any is wrong), then save each. With `drafts_held`
    (a file's: {rule key: fingerprint of the draft it was exported with}), a draft the file would replace must be
    the one it holds: another, saved since or never exported, is someone's work, refused naming who saved it."""
    problems, seen = [], set()
    for i, definition in enumerate(definitions):
        try:
            validate(session, definition)
        except RuleError as error:
            problems += [f"rules[{i}].{p}" if not p.startswith("(") else f"rules[{i}] {p}" for p in error.problems]
            continue
        if definition["key"] in seen:
            problems.append(f"rules[{i}].key: {definition['key']!r} appears twice in the file")
        seen.add(definition["key"])
        if drafts_held is not None:
            problems += _draft_replaced(session, i, definition, drafts_held)
    if problems:
        raise RuleError(problems)
    return [save(session, d, user_id=user_id, publish=publish, validated=True) for d in definitions]


def _draft_replaced(session, index: int, definition: dict, drafts_held: dict) -> list[str]:
    """The refusal (none, or one) of saving `definition` over its rule's draft when the file does not hold that
    draft as it stands: saved on the web after the export (the import wrote over it, saying "draft updated"), or
    never exported."""
    rule = session.scalar(sa.select(Rule).where(Rule.key == definition["key"]))
    draft = _with_status(_versions(session, rule), RuleStatus.draft) if rule is not None else None
    if draft is None or draft.definition == json.loads(json.dumps(definition)):
        return []
    if drafts_held.get(definition["key"]) == digest(draft.definition):
        return []
    saver = session.get(User, draft.created_by_id) if draft.created_by_id else None
    when = draft.created_at.strftime("%Y-%m-%d %H:%M UTC") if draft.created_at else "an unknown time"
    return [f"rules[{index}] ({definition['key']}): its draft, version {draft.version}, saved by "
            f"{saver.email if saver else 'an import or the system'} (first saved {when}), is not the draft this file "
            "was exported with, and importing would replace it. Export the drafts again (scorecard rules export "
            "--drafts) and make the change there, or import with --replace-drafts to replace it"]


def read_rules_file(path) -> list[dict]:
    """The rules in a JSON file (`read_rules_export`)."""
    return read_rules_export(path)[0]


def read_rules_export(path) -> tuple[list[dict], dict]:
    """The rules in a JSON file (UTF-8, with or without the byte-order mark Windows editors write): a list of
    rules, {"rules": [...]}, or one rule object. A file in another encoding is refused naming its first byte
    that is not UTF-8 (it stopped the command with a traceback); one that cannot be read, saying why."""
    try:
        text = Path(path).read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise RuleError([f"{Path(path).name}: not UTF-8 text: {broken_words(error)} (save the file as UTF-8)"]) \
            from None
    except OSError as error:
        raise RuleError([f"{Path(path).name}: cannot be read: {error.strerror or error}"]) from None
    if "\x00" in text:  # UTF-16 without its byte-order mark reads as UTF-8 with a NUL beside every letter
        raise RuleError([f"{Path(path).name}: not UTF-8 text: it holds NUL bytes, as a file saved as UTF-16 does "
                         "(save the file as UTF-8)"])
    try:
        # too deep, a number of thousands of digits, or a key given twice in one object: refused
        data = refusing_depth(lambda: json.loads(text, object_pairs_hook=once_each))
    except json.JSONDecodeError as error:
        if error.doc in REFUSALS:  # refusing_depth's own: no line to point at
            said = "the JSON is nested too deeply to read" if error.doc == TOO_DEEP else error.msg
            raise RuleError([f"{Path(path).name}: {said}"]) from None
        raise RuleError([f"{Path(path).name}: not valid JSON at line {error.lineno}, column {error.colno}: "
                         f"{error.msg}"]) from None
    except DuplicateKey as error:
        raise RuleError([f"{Path(path).name}: {error}"]) from None
    held = {}
    if isinstance(data, dict) and "rules" in data and "key" not in data:
        held = data.get(DRAFTS_HELD) if isinstance(data.get(DRAFTS_HELD), dict) else {}
        data = data["rules"]
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise RuleError([f"{Path(path).name}: expected a rule, a list of rules or {{\"rules\": [...]}}"])
    return data, held


def default_pack() -> list[dict]:
    """The rules an agency can start with (shipped inside the package)."""
    return json.loads(resources.files("scorecard.rules").joinpath(PACK).read_text(encoding="utf-8"))["rules"]


def export_file(session, *, drafts: bool = False) -> dict:
    """What `rules export` writes: {"rules": [...]} (`export_rules`) and the fingerprints of the drafts it holds
    (DRAFTS_HELD), which `rules import` checks: a draft saved since is not replaced unawares."""
    chosen = _exported(session, drafts)
    held = {key: digest(definition) for key, (status, definition) in chosen.items() if status is RuleStatus.draft}
    return {"rules": [definition for _status, definition in chosen.values()], **({DRAFTS_HELD: held} if held else {})}


def export_rules(session, *, drafts: bool = False) -> list[dict]:
    """The published definitions (with `drafts`, each rule's latest draft where it has one)."""
    return [definition for _status, definition in _exported(session, drafts).values()]


def _exported(session, drafts: bool) -> dict[str, tuple[RuleStatus, dict]]:
    """{rule key: (status, definition)} of what an export holds, by key: each rule's published version, or with
    `drafts` its latest draft where it has one."""
    wanted = [RuleStatus.published] + ([RuleStatus.draft] if drafts else [])
    query = (sa.select(Rule.key, RuleVersion.status, RuleVersion.version, RuleVersion.definition)
             .join(RuleVersion, RuleVersion.rule_id == Rule.id).where(RuleVersion.status.in_(wanted))
             .order_by(Rule.key, RuleVersion.version))
    chosen = {}
    for key, status, _version, definition in session.execute(query):
        if key not in chosen or status is RuleStatus.draft:
            chosen[key] = (status, definition)
    return {key: chosen[key] for key in sorted(chosen)}


def list_rules(session) -> list[RuleSummary]:
    summaries = []
    for rule in session.scalars(sa.select(Rule).order_by(Rule.key)):
        versions = _versions(session, rule)
        published = _with_status(versions, RuleStatus.published)
        draft = _with_status(versions, RuleStatus.draft)
        retired = None if published else _with_status(versions, RuleStatus.retired)
        summaries.append(RuleSummary(rule.key, rule.title, rule.subject_type,
                                     published.version if published else None, draft.version if draft else None,
                                     len(versions), retired.version if retired else None))
    return summaries
