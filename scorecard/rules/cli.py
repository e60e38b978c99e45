"""`scorecard evaluate` and `scorecard rules ...`: evaluate, import, list, export, publish,
retire and simulate rules from the command line (safe to run from cron: one transaction,
no prompts, exit status 1 on failure).

`rules import FILE.json` saves each rule as a draft version (a rule already published with
the same definition is left alone); `--publish` publishes them in the same transaction, and a rule
published by it, or by `rules publish` or `rules retire`, has the findings evaluated again at once.
"""
import json
from datetime import date

import click
from flask.cli import AppGroup, with_appcontext

from scorecard.cli_values import DAY
from scorecard.models import RuleSubject
from scorecard.rules.schema import RuleError
from scorecard.text import counted


def _session():
    from scorecard.extensions import db
    return db.session


def _fail(error: RuleError):
    raise click.ClickException("the rules were not saved:\n  " + "\n  ".join(error.problems))


@click.command("evaluate")
@click.option("--rule", "rule_key", help="Evaluate only this rule (its published version).")
@click.option("--dry-run", is_flag=True, help="Work out what would change; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option("--today", type=DAY, help="Evaluate as of this date (default today).")
@with_appcontext
def evaluate_command(rule_key, dry_run, as_json, today):
    """Evaluate the published rules and store their findings."""
    from scorecard.rules.service import evaluate, published_rules

    session = _session()
    if rule_key and not published_rules(session, rule_key):
        raise click.ClickException(f"there is no published rule {rule_key!r} (see `scorecard rules list`)")
    result = evaluate(session, rule_key=rule_key, dry_run=dry_run, today=today.date() if today else None)
    payload = result.as_json()
    if as_json:
        click.echo(json.dumps(payload, indent=2))
        return
    click.echo(f"{counted(len(payload['rules']), 'rule')}, {counted(payload['findings'], 'finding')} for "
               f"{counted(payload['subjects'], 'subject')}: {_changed(payload, 'would be' if dry_run else 'were')}.")
    for key, outcomes in payload["outcomes"].items():
        click.echo(f"  {key}: " + ", ".join(f"{n} {text}" for text, n in sorted(outcomes.items())))


rules_group = AppGroup("rules", help="Import, list, export, publish and simulate rules.")


@rules_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--publish", is_flag=True, help="Publish the rules too (otherwise they are drafts).")
@click.option("--replace-drafts", is_flag=True,
              help="Save over a rule's draft the file was not exported with (saved since, on the web or by another "
                   "import); without it such a draft is not replaced and nothing is imported.")
def import_command(path, publish, replace_drafts):
    """Validate FILE.json (a rule, a list of rules, or {"rules": [...]}) and save it."""
    from scorecard.rules.store import import_rules, read_rules_export

    session = _session()
    try:
        rules, held = read_rules_export(path)
        saved = import_rules(session, rules, publish=publish, drafts_held=None if replace_drafts else held)
    except RuleError as error:
        session.rollback()
        _fail(error)
    session.commit()
    if not saved:  # a file of no rules ({"rules": []}): said, not a silence read as success
        click.echo(f"{path} holds no rules: nothing was imported.")
    for item in saved:
        click.echo(f"{item.key}: version {item.version} {item.status} ({item.action})")
    if any(item.status == "published" and item.action != "unchanged" for item in saved):
        click.echo(_evaluated_again(session))  # as `rules publish` does: a rule published judges the data now


@rules_group.command("list")
def list_command():
    """Every rule with its published and draft versions."""
    from scorecard.rules.store import list_rules

    rows = list_rules(_session())
    if not rows:
        click.echo("No rules yet. Import some: scorecard rules import FILE.json (or run scorecard demo).")
        return
    click.echo(f"{'key':<40} {'applies to':<16} {'published':>9} {'draft':>5}  title")
    for r in rows:
        published = r.published or ('retired' if r.retired else '-')
        click.echo(f"{r.key:<40} {r.subject_type:<16} {published:>9} {r.draft or '-':>5}  {r.title}")


@rules_group.command("export")
@click.option("--out", type=click.Path(dir_okay=False), help="Write to this file (default: standard output).")
@click.option("--drafts", is_flag=True, help="Export each rule's draft where it has one.")
def export_command(out, drafts):
    """The published rules as JSON that `rules import` reads back."""
    from scorecard.rules.store import export_file

    text = json.dumps(export_file(_session(), drafts=drafts), indent=2, ensure_ascii=False) + "\n"
    if out:
        try:
            with open(out, "w", encoding="utf-8") as handle:
                handle.write(text)
        except OSError as error:  # a folder that is not there, one not writable: one line, as the other exports
            raise click.ClickException(f"cannot write {out}: {error.strerror or error}") from error
        click.echo(f"Wrote {out}.")
    else:
        click.echo(text, nl=False)


@rules_group.command("publish")
@click.argument("key")
@click.option("--version", type=int, help="The draft version to publish (default: the latest draft).")
def publish_command(key, version):
    """Publish a rule's draft; the version it replaces is retired."""
    from scorecard.rules.store import publish_version

    session = _session()
    try:
        chosen = publish_version(session, key, version=version)
    except RuleError as error:
        session.rollback()
        _fail(error)
    session.commit()
    click.echo(f"{key}: version {chosen.version} published. {_evaluated_again(session)}")


@rules_group.command("retire")
@click.argument("key")
def retire_command(key):
    """Retire a rule's published version (it is no longer evaluated)."""
    from scorecard.rules.store import retire

    session = _session()
    try:
        retired = retire(session, key)
    except RuleError as error:
        session.rollback()
        _fail(error)
    session.commit()
    click.echo(f"{key}: version {retired.version} retired. {_evaluated_again(session)}")


def _evaluated_again(session) -> str:
    """Evaluate the published rules again, as the web's publish and retire do (the findings of a rule
    published or retired were left as they stood until someone ran `scorecard evaluate`); what changed."""
    from scorecard.rules.service import evaluate

    return f"The findings were evaluated again: {_changed(evaluate(session).as_json())}."


def _changed(payload: dict, verb: str = "") -> str:
    """What an evaluation changed, in words: "3 added, 1 updated, 0 removed, 40 unchanged" (with `verb`,
    "3 were added, ...", "1 was added, ...")."""
    if verb == "were" and payload["inserted"] == 1:
        verb = "was"
    added = f"{verb} added" if verb else "added"
    return (f"{payload['inserted']} {added}, {payload['updated']} updated, {payload['deleted']} removed, "
            f"{payload['unchanged']} unchanged")


@rules_group.command("simulate")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the differences as JSON.")
@click.option("--today", type=DAY, help="Evaluate as of this date (default today).")
def simulate_command(path, as_json, today):
    """Show how the rules in FILE.json would change findings against the published versions;
    nothing is saved."""
    from scorecard.rules.service import simulate
    from scorecard.rules.store import read_rules_file

    session = _session()
    results = []
    try:
        for definition in read_rules_file(path):
            results.append(simulate(session, definition, today=today.date() if today else None))
    except RuleError as error:
        raise click.ClickException("cannot simulate:\n  " + "\n  ".join(error.problems)) from None
    finally:
        session.rollback()
    if as_json:
        click.echo(json.dumps([r.as_json() for r in results], indent=2, default=_default))
        return
    for r in results:
        against = f"published version {r.published_version}" if r.published_version else "nothing published yet"
        click.echo(f"{r.key} ({r.subject_type}), against {against}: {counted(len(r.changes), 'change')}, "
                   f"{r.unchanged} unchanged.")
        for c in r.changes:
            who = f" [{c.leader}]" if c.leader and c.subject_type is RuleSubject.requirement else ""
            click.echo(f"  {c.subject_type} {c.subject}{who} {c.period}: {c.before or 'nothing'} -> "
                       f"{c.after or 'nothing'}")
        if r.reworded:
            first = f"; the first {len(r.reworded_shown)}" if r.reworded > len(r.reworded_shown) else ""
            click.echo(f"  {counted(r.reworded, 'finding')} of the unchanged would be explained in other words{first}:")
            for c in r.reworded_shown:
                click.echo(f"    {c.subject_type} {c.subject} {c.period}: {c.before!r} -> {c.after!r}")
        if r.stale:
            click.echo(f"  (the data changed since the rules were last evaluated: {counted(r.stale, 'finding')} of the "
                       "published version change at the next evaluation whatever this version says)")
        if r.elements:
            decided = sum(1 for e in r.elements if e.decided is not None)
            every = "all " if decided == len(r.elements) > 1 else ""
            said = (f" ({every}{decided} decided: a decision stands until the rating official decides again)"
                    if decided else "")
            click.echo(f"  so the proposed rating of {counted(len(r.elements), 'element')} would change{said}:")
            for e in r.elements:
                click.echo(f"    {e.leader}, FY{e.fiscal_year} plan, {e.element}: {e.proposed or 'none'} -> "
                           f"{e.would_be or 'none'}" + (f" (decided {e.decided})" if e.decided is not None else ""))


def _default(value):
    return value.isoformat() if isinstance(value, date) else str(value)


def register(app) -> None:
    app.cli.add_command(evaluate_command)
    app.cli.add_command(rules_group)
