"""`scorecard rules import|list|export|publish|retire|simulate`, `scorecard evaluate` and
`scorecard demo` on a real database and real files."""
import copy
import json
import re

import pytest
import sqlalchemy as sa

from scorecard.extensions import db
from scorecard.models import AuditEvent, Finding, Rule, RuleStatus, RuleVersion
from scorecard.rules.store import default_pack
from tests.conftest import DEMO_TODAY
from tests.test_rules_service import snapshot


def write(path, data):
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


def versions(app) -> list:
    with app.app_context():
        return [(k, v, s.value) for k, v, s in db.session.execute(
            sa.select(Rule.key, RuleVersion.version, RuleVersion.status).join(RuleVersion)
            .order_by(Rule.key, RuleVersion.version))]


def test_import_makes_drafts_then_publish(demo, runner, tmp_path):
    pack = write(tmp_path / "pack.json", {"rules": default_pack()})
    result = runner.invoke(args=["rules", "import", pack])
    assert result.exit_code == 0, result.output
    assert "program-trust-status: version 1 draft (created)" in result.output
    assert {s for _, _, s in versions(demo)} == {"draft"}
    listed = runner.invoke(args=["rules", "list"]).output
    assert "program-trust-status" in listed and "requirement" in listed
    assert runner.invoke(args=["evaluate"]).output.startswith("0 rules, 0 findings for 0 subjects: 0 were added")
    again = runner.invoke(args=["rules", "import", pack, "--publish"])
    assert again.exit_code == 0 and "version 1 published (published)" in again.output
    assert {s for _, _, s in versions(demo)} == {"published"}
    # Published, the rules judge the data at once, as `rules publish` has them do (the README's first steps
    # left a new agency with no finding until its next import).
    assert re.search(r"The findings were evaluated again: [1-9]\d* added", again.output), again.output
    with demo.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Finding)) > 0
    assert ": 0 would be added, 0 updated, 0 removed" in runner.invoke(args=["evaluate", "--dry-run"]).output
    unchanged = runner.invoke(args=["rules", "import", pack, "--publish"]).output
    assert unchanged.count("(unchanged)") == 8 and "evaluated again" not in unchanged
    assert {s for _, _, s in versions(demo)} == {"published"} and len(versions(demo)) == 8


def test_a_bad_file_is_refused_with_paths_and_saves_nothing(demo, runner, tmp_path):
    rules = copy.deepcopy(default_pack())
    rules[3]["when"]["all"][0]["op"] = "lte"
    rules[5]["then"]["rating"]["bands"][0][1] = 9
    result = runner.invoke(args=["rules", "import", write(tmp_path / "bad.json", rules)])
    assert result.exit_code == 1
    assert "rules[3].when.all[0].op: unknown op 'lte'" in result.output
    assert "rules[5].then.rating.bands[0][1]: a rating is a whole number 1-5" in result.output
    assert versions(demo) == []
    (tmp_path / "broken.json").write_text('{"rules": [', encoding="utf-8")
    broken = runner.invoke(args=["rules", "import", str(tmp_path / "broken.json")])
    assert broken.exit_code == 1 and "broken.json: not valid JSON at line 1, column 12" in broken.output


def test_a_rules_file_saved_by_windows_tools_is_read_or_refused_in_words(demo, runner, tmp_path):
    """A file with the byte-order mark Notepad writes was refused as "Unexpected UTF-8 BOM (decode using
    utf-8-sig)"; one saved as UTF-16 stopped the command with a UnicodeDecodeError traceback."""
    text = json.dumps({"rules": default_pack()})
    (tmp_path / "bom.json").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    read = runner.invoke(args=["rules", "import", str(tmp_path / "bom.json")])
    assert read.exit_code == 0 and "program-trust-status: version 1 draft (created)" in read.output, read.output
    (tmp_path / "wide.json").write_bytes(text.encode("utf-16"))
    for command in (["rules", "import"], ["rules", "simulate"]):
        refused = runner.invoke(args=[*command, str(tmp_path / "wide.json")])
        assert refused.exit_code == 1 and isinstance(refused.exception, SystemExit), refused.exception
        assert ("wide.json: not UTF-8 text: the byte 0xff at offset 0 is not UTF-8 (save the file as UTF-8)"
                in refused.output), refused.output
    (tmp_path / "bare.json").write_bytes(text.encode("utf-16-be"))  # no byte-order mark: a NUL beside each letter
    bare = runner.invoke(args=["rules", "import", str(tmp_path / "bare.json")])
    assert bare.exit_code == 1 and ("bare.json: not UTF-8 text: it holds NUL bytes, as a file saved as UTF-16 does "
                                    "(save the file as UTF-8)") in bare.output, bare.output
    assert len(versions(demo)) == 8, "the first file's drafts, nothing of the others"


def test_evaluate_json_dry_run_and_one_rule(demo, runner, tmp_path):
    runner.invoke(args=["rules", "import", write(tmp_path / "pack.json", default_pack()), "--publish"])
    with demo.app_context():  # the import evaluated the rules: each run below starts from no finding
        db.session.execute(sa.delete(Finding))
        db.session.commit()
        before = snapshot()
    dry = runner.invoke(args=["evaluate", "--dry-run", "--json", "--today", DEMO_TODAY.isoformat()])
    assert dry.exit_code == 0, dry.output
    payload = json.loads(dry.output)
    assert payload["dry_run"] and payload["inserted"] == payload["findings"] > 0
    with demo.app_context():
        assert snapshot() == before
    one = json.loads(runner.invoke(args=["evaluate", "--rule", "program-trust-status", "--json"]).output)
    assert one["rules"] == ["program-trust-status"] and one["inserted"] == 35  # the programs with a trust target
    everything = runner.invoke(args=["evaluate", "--today", DEMO_TODAY.isoformat()])
    assert everything.exit_code == 0 and everything.output.splitlines()[0].endswith(" 0 removed, 35 unchanged.")
    assert "program-trust-status:" in everything.output and "requirement-rating-from-attainment:" in everything.output
    again = json.loads(runner.invoke(args=["evaluate", "--json", "--today", DEMO_TODAY.isoformat()]).output)
    assert again["unchanged"] == again["findings"] and again["inserted"] == again["updated"] == 0
    missing = runner.invoke(args=["evaluate", "--rule", "no-such-rule"])
    assert missing.exit_code == 1 and "there is no published rule 'no-such-rule'" in missing.output


def test_export_round_trips(demo, runner, tmp_path):
    runner.invoke(args=["rules", "import", write(tmp_path / "pack.json", default_pack()), "--publish"])
    out = tmp_path / "exported.json"
    assert runner.invoke(args=["rules", "export", "--out", str(out)]).exit_code == 0
    exported = json.loads(out.read_text(encoding="utf-8"))["rules"]
    assert sorted(exported, key=lambda r: r["key"]) == sorted(default_pack(), key=lambda r: r["key"])
    with demo.app_context():
        before = snapshot()
    result = runner.invoke(args=["rules", "import", str(out), "--publish"])
    assert result.output.count("(unchanged)") == 8
    with demo.app_context():
        assert snapshot() == before


def test_publish_retire_and_simulate(demo, runner, tmp_path):
    runner.invoke(args=["rules", "import", write(tmp_path / "pack.json", default_pack()), "--publish"])
    runner.invoke(args=["evaluate", "--today", DEMO_TODAY.isoformat()])
    stricter = copy.deepcopy(next(r for r in default_pack() if r["key"] == "requirement-rating-from-attainment"))
    stricter["then"]["rating"]["bands"] = [[1.1, 5], [1.05, 4], [1.0, 3], [0.95, 2]]
    path = write(tmp_path / "stricter.json", stricter)
    with demo.app_context():
        before = snapshot()
    simulated = runner.invoke(args=["rules", "simulate", path, "--today", DEMO_TODAY.isoformat()])
    assert simulated.exit_code == 0, simulated.output
    lines = simulated.output.splitlines()
    assert lines[0].startswith("requirement-rating-from-attainment (requirement), against published version 1: ")
    assert any(line.startswith("  requirement ") and "FY2027-Q1: rating 4 -> rating 3" in line for line in lines[1:])
    as_json = json.loads(runner.invoke(args=["rules", "simulate", path, "--json", "--today",
                                             DEMO_TODAY.isoformat()]).output)
    assert as_json[0]["changed"] == sum(line.startswith("  requirement ") for line in lines)
    assert as_json[0]["changes"][0]["leader"]
    # and what the requirements' new ratings do to their elements, as the web's simulation says it
    assert any(line.startswith("  so the proposed rating of ") and "would change" in line for line in lines)
    assert len(as_json[0]["elements"]) == sum(line.startswith("    ") and " plan, " in line for line in lines) > 0
    with demo.app_context():
        assert snapshot() == before
    assert runner.invoke(args=["rules", "import", path]).exit_code == 0
    assert ("requirement-rating-from-attainment", 2, "draft") in versions(demo)
    published = runner.invoke(args=["rules", "publish", "requirement-rating-from-attainment"])
    assert published.output.startswith("requirement-rating-from-attainment: version 2 published. The findings were "
                                        "evaluated again: "), published.output
    with demo.app_context():  # as the web's publish: no finding of the version retired is left standing
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Finding).join(RuleVersion).where(
            RuleVersion.status != RuleStatus.published)) == 0
    assert ("requirement-rating-from-attainment", 1, "retired") in versions(demo)
    retired = runner.invoke(args=["rules", "retire", "overdue-commitment"])
    assert retired.output.startswith("overdue-commitment: version 1 retired. The findings were evaluated again: ")
    assert re.search(r"\d+ removed", retired.output)
    twice = runner.invoke(args=["rules", "retire", "overdue-commitment"])
    assert twice.exit_code == 1 and "has no published version to retire" in twice.output
    with demo.app_context():
        keys = set(db.session.scalars(sa.select(Rule.key).join(RuleVersion).join(
            Finding, Finding.rule_version_id == RuleVersion.id).where(RuleVersion.status == RuleStatus.published)))
        stale = db.session.scalar(sa.select(sa.func.count()).select_from(Finding).join(RuleVersion).where(
            RuleVersion.status != RuleStatus.published))
    assert "overdue-commitment" not in keys and "requirement-rating-from-attainment" in keys and stale == 0


def test_demo_publishes_and_evaluates_the_default_pack(app, runner, cli_demo):
    line = next(line for line in cli_demo.splitlines() if line.startswith("Rules:"))
    assert line.startswith("Rules: default pack of 8 rules published (8 new or changed); ")
    with app.app_context():
        count = db.session.scalar(sa.select(sa.func.count()).select_from(Finding))
        kinds = set(db.session.scalars(sa.select(Finding.subject_type).distinct()))
    assert count > 0 and {k.value for k in kinds} >= {"program", "commitment", "capacity_domain"}
    again = runner.invoke(args=["demo"])
    assert "Rules: left as they are (the default pack is published when the demo is first loaded)." in again.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Finding)) == count


@pytest.mark.parametrize("args, said", [
    (["evaluate", "--dry-run", "--today", "2206-12-07"], "'2206-12-07' is outside the years 2000-2100"),
    (["rules", "simulate", "{rules}", "--today", "1899-01-01"], "'1899-01-01' is outside the years 2000-2100"),
    (["remind", "--dry-run", "--today", "9999-12-31"], "'9999-12-31' is outside the years 2000-2100"),
    (["revert", "99999999999999999999999"], "is not in the range 1<=x<=2147483647"),
    (["export", "ratings", "--out", "{tmp}/r.csv", "--fy", "99999999999999999999"], "is outside the fiscal years"),
    (["rules", "export", "--out", "{tmp}/no/such/folder/r.json"], "cannot write"),
    (["template", "metrics", "--out", "{tmp}/metrics.csv"], "a template is an Excel workbook; name it .xlsx"),
])
def test_a_value_out_of_range_is_refused_in_one_line_not_a_traceback(demo, runner, tmp_path, args, said):
    """A --today of 2206 (typed for 2026) failed deep in the periods' code, a batch number past the database's
    integer overflowed, a --fy of twenty digits too, and an export to a folder not there raised FileNotFoundError:
    each a traceback. Each is one line naming the option, with a non-zero exit, and nothing written."""
    rules = tmp_path / "rules.json"
    rules.write_text('{"rules": []}')
    result = runner.invoke(args=[a.format(tmp=tmp_path, rules=rules) for a in args])
    assert result.exit_code in (1, 2), result.output
    assert said in result.output and "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)


def test_a_rules_file_of_no_rules_says_so(demo, runner, tmp_path):
    """`rules import` of {"rules": []} exited 0 and printed nothing."""
    empty = tmp_path / "none.json"
    empty.write_text('{"rules": []}')
    result = runner.invoke(args=["rules", "import", str(empty)])
    assert result.exit_code == 0 and "holds no rules: nothing was imported" in result.output, result.output


def test_an_import_does_not_replace_a_draft_saved_since_its_export(demo, runner, tmp_path):
    """An author exported the drafts, edited the file; meanwhile an analyst saved the draft on the web: `rules
    import` wrote over the analyst's work, saying "draft updated". A draft the file was not exported with is
    refused, named with who saved it, and nothing is imported; --replace-drafts replaces it, said."""
    from scorecard.models import User
    from scorecard.rules.store import save

    runner.invoke(args=["rules", "import", write(tmp_path / "pack.json", default_pack()), "--publish"])
    stale = copy.deepcopy(next(r for r in default_pack() if r["key"] == "stale-commitment"))
    stale["explain"] += " (draft)"
    assert runner.invoke(args=["rules", "import", write(tmp_path / "draft.json", stale)]).exit_code == 0
    out = tmp_path / "drafts.json"
    assert runner.invoke(args=["rules", "export", "--drafts", "--out", str(out)]).exit_code == 0
    exported = json.loads(out.read_text(encoding="utf-8"))
    mine = next(r for r in exported["rules"] if r["key"] == "stale-commitment")
    mine["explain"] += " Edited offline."
    out.write_text(json.dumps(exported), encoding="utf-8")
    with demo.app_context():  # the analyst saves the draft on the web meanwhile
        analyst = db.session.scalar(sa.select(User).where(User.email == "analyst@demo.cx.gov"))
        theirs = copy.deepcopy(stale)
        theirs["explain"] += " The analyst's."
        save(db.session, theirs, user_id=analyst.id)
        db.session.commit()
    refused = runner.invoke(args=["rules", "import", str(out)])
    assert refused.exit_code != 0, refused.output
    assert ("(stale-commitment): its draft, version 2, saved by analyst@demo.cx.gov" in refused.output
            and "--replace-drafts" in refused.output), refused.output
    with demo.app_context():
        draft = db.session.scalar(sa.select(RuleVersion).join(Rule).where(
            Rule.key == "stale-commitment", RuleVersion.status == "draft"))
        assert draft.definition["explain"].endswith("The analyst's."), "kept"
    # the file exported after the analyst's save goes in; so does this one, when told to replace
    replaced = runner.invoke(args=["rules", "import", str(out), "--replace-drafts"])
    assert replaced.exit_code == 0 and "stale-commitment: version 2 draft (draft updated)" in replaced.output
    assert runner.invoke(args=["rules", "export", "--drafts", "--out", str(out)]).exit_code == 0
    again = json.loads(out.read_text(encoding="utf-8"))
    next(r for r in again["rules"] if r["key"] == "stale-commitment")["explain"] += " Once more."
    out.write_text(json.dumps(again), encoding="utf-8")
    assert runner.invoke(args=["rules", "import", str(out)]).exit_code == 0, "its own draft: replaced as before"


def test_simulating_an_explanation_alone_lists_the_findings_explained_in_other_words(demo, runner, tmp_path):
    runner.invoke(args=["rules", "import", write(tmp_path / "pack.json", default_pack()), "--publish"])
    runner.invoke(args=["evaluate", "--today", DEMO_TODAY.isoformat()])
    reworded = copy.deepcopy(next(r for r in default_pack() if r["key"] == "program-trust-status"))
    reworded["explain"] = "{program}: a target of {target} against trust of {value} (n={n}) in {period}."
    path = write(tmp_path / "reworded.json", reworded)
    simulated = runner.invoke(args=["rules", "simulate", path, "--today", DEMO_TODAY.isoformat()])
    assert simulated.exit_code == 0, simulated.output
    lines = simulated.output.splitlines()
    assert lines[0].startswith("program-trust-status (program), against published version 1: 0 changes, ")
    said = re.fullmatch(r"  (\d+) findings of the unchanged would be explained in other words; the first 10:", lines[1])
    assert said and int(said.group(1)) > 10, lines[:3]
    assert all(line.startswith("    program ") and " trust was " in line and ": a target of " in line
               for line in lines[2:12]), lines[2:12]
    as_json = json.loads(runner.invoke(args=["rules", "simulate", path, "--json", "--today",
                                             DEMO_TODAY.isoformat()]).output)
    assert as_json[0]["reworded"] == int(said.group(1)) and len(as_json[0]["reworded_shown"]) == 10


def test_a_rule_published_from_the_command_line_is_audited_with_the_command_and_who_ran_it(demo, runner, tmp_path,
                                                                                           monkeypatch):
    """The command line names no person: its events said nothing of where they came from. The account is the
    process's own, not what $USER says (anyone may set it)."""
    import os
    import pwd
    import socket

    changed = copy.deepcopy(next(r for r in default_pack() if r["key"] == "stale-commitment"))
    changed["title"] = "Commitment not updated for a month"
    monkeypatch.setenv("USER", "someone-else")
    monkeypatch.setenv("LOGNAME", "someone-else")
    assert runner.invoke(args=["rules", "import", write(tmp_path / "one.json", changed), "--publish"]).exit_code == 0
    with demo.app_context():
        events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action.in_(["rule.save", "rule.publish"]))
                                    .order_by(AuditEvent.id.desc()).limit(2)).all()
    assert {e.action for e in events} == {"rule.save", "rule.publish"}
    account = pwd.getpwuid(os.geteuid()).pw_name
    for event in events:
        assert event.user_id is None and event.client_address is None
        assert event.user_agent == (f"command line: {runner.app.cli.name} rules import, by {account} on "
                                    f"{socket.gethostname()}"), event.user_agent
