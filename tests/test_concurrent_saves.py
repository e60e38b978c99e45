"""Forms sent at the same moment to a real threaded server (a double click, two people on one page):
one save wins, the others are told, none is a 500 and none is lost unseen."""
import html
import json
import re
import sqlite3
import threading

import pytest

from tests.helpers import at_once
from tests.live_server import LiveServer


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = LiveServer(tmp_path_factory.mktemp("concurrent"))
    yield live
    live.stop()


def rule(key: str, title: str) -> str:
    return json.dumps({"key": key, "title": title, "applies_to": "program",
                       "when": {"fact": "metric_value", "metric": "trust", "op": "lt", "value": 3},
                       "then": {"flag": "low_trust"}, "explain": "{program} trust is {value}."})


def sent_at_once(server, url: str, forms: list[dict]) -> list[int]:
    """The status of each form POSTed to `url` together, in one thread each (redirects not followed)."""
    answers, lock, queue = [], threading.Lock(), list(forms)

    def send():
        with lock:
            form = queue.pop()
        status = server.http.post(server.url + url, data=form, allow_redirects=False, timeout=60).status_code
        with lock:
            answers.append(status)
    at_once(send, len(forms))
    return sorted(answers)


def test_a_new_rule_sent_four_times_at_once_is_made_once(server):
    """The key's check passed for each before any insert: the losers broke the unique key, a 500."""
    page = server.http.get(server.url + "/rules/new").text
    form = {"csrf_token": server.token(page), "definition": rule("twice-made", "Made once"), "save": "Save"}
    answers = sent_at_once(server, "/rules/new", [dict(form) for _ in range(4)])
    # the first saves it; one that finds it saved by then saves the same again ("unchanged"), or is told
    assert 302 in answers and set(answers) <= {302, 400, 409}, answers
    assert "Made once" in server.http.get(server.url + "/rules/twice-made/versions/1").text
    assert _count(server, "SELECT COUNT(*) FROM rule_versions v JOIN rules r ON r.id = v.rule_id "
                          "WHERE r.key = 'twice-made'") == 1
    assert server.answers()


def test_draft_saves_sent_at_once_from_one_opened_editor_keep_one_and_tell_the_rest(server):
    """Four saves from one editor (the same version opened): each passed the check that nobody had saved
    since, and the last one written won, the others lost without a word."""
    created = server.http.post(server.url + "/rules/new", data={
        "csrf_token": server.token(server.http.get(server.url + "/rules/new").text),
        "definition": rule("raced-draft", "Opened"), "save": "Save"}, allow_redirects=False)
    assert created.status_code == 302, created.text[:500]
    editor = server.http.get(server.url + "/rules/raced-draft/edit").text
    based_on = re.search(r'name="based_on"[^>]*value="([^"]*)"', editor).group(1)
    forms = [{"csrf_token": server.token(editor), "based_on": based_on, "save": "Save",
              "definition": rule("raced-draft", f"Edit {i}")} for i in range(4)]
    answers = sent_at_once(server, "/rules/raced-draft/edit", forms)
    assert answers == [302, 409, 409, 409], answers
    kept = re.findall(r"Edit \d", server.http.get(server.url + "/rules/raced-draft/versions/1").text)
    assert len(set(kept)) == 1, kept
    winner = next(form for form in forms if kept[0] in form["definition"])
    again = server.http.post(server.url + "/rules/raced-draft/edit", data=winner, allow_redirects=False)
    assert again.status_code == 302, "the saved form sent again (a double click, Back): saved already, not refused"
    assert "saved already, as sent" in server.http.get(server.url + again.headers["Location"]).text
    loser = next(form for form in forms if kept[0] not in form["definition"])
    refused = server.http.post(server.url + "/rules/raced-draft/edit", data=loser, allow_redirects=False)
    # every thread here is one analyst: the other save was theirs, from another window
    assert refused.status_code == 409 and "version 1 of 'raced-draft' was saved by you, in another tab or window, " \
        "after you opened the editor" in html.unescape(refused.text)
    assert server.answers()


def test_new_rules_of_one_key_sent_at_once_with_different_contents_make_one_and_refuse_the_rest(server):
    """Each passed the check that the key was free; one made the rule, and another, finding it made by
    then, saved its own content over it as a draft update and was told "created": the first was lost."""
    for trial in range(3):
        page = server.http.get(server.url + "/rules/new").text
        forms = [{"csrf_token": server.token(page), "definition": rule(f"raced-new-{trial}", f"Title {i}"),
                  "save": "Save"} for i in range(4)]
        answers = sent_at_once(server, "/rules/new", forms)
        assert answers.count(302) == 1 and set(answers) <= {302, 400, 409}, answers


def test_a_new_token_form_sent_four_times_at_once_makes_one_token(server):
    """A double click on Create token: one answer shows the secret, the others say which token the form
    made; no second token, no 500."""
    before = _count(server, "SELECT COUNT(*) FROM api_tokens")
    page = server.http.get(server.url + "/api-tokens/").text
    form_id = re.search(r'name="form_id" type="hidden" value="([^"]+)"', page).group(1)
    form = {"csrf_token": server.token(page), "form_id": form_id, "scope": "read", "name": "clicked twice"}
    answers = sent_at_once(server, "/api-tokens/", [dict(form) for _ in range(4)])
    assert answers.count(200) == 1 and answers.count(303) == 3, answers
    assert _count(server, "SELECT COUNT(*) FROM api_tokens") == before + 1


def _count(server, sql: str) -> int:
    """A count read straight from the server's SQLite database."""
    database = sqlite3.connect(re.sub(r"^sqlite:///", "", server.process.args[3]))
    try:
        return database.execute(sql).fetchone()[0]
    finally:
        database.close()


def test_a_draft_published_four_times_at_once_is_published_once(server):
    """Two admins publishing one draft together: each read it as a draft, retired the version published before
    and published it, all answered "published", and the append-only audit log said so four times over."""
    _execute(server, "UPDATE users SET role = 'admin' WHERE email = 'analyst@live.gov'")  # who may publish
    try:
        created = server.http.post(server.url + "/rules/new", data={
            "csrf_token": server.token(server.http.get(server.url + "/rules/new").text),
            "definition": rule("raced-publish", "First"), "save": "Save"}, allow_redirects=False)
        assert created.status_code == 302, created.text[:500]
        for number, title in ((1, None), (2, "Second")):
            if title:
                editor = server.http.get(server.url + "/rules/raced-publish/edit").text
                based_on = re.search(r'name="based_on"[^>]*value="([^"]*)"', editor).group(1)
                saved = server.http.post(server.url + "/rules/raced-publish/edit", data={
                    "csrf_token": server.token(editor), "based_on": based_on, "save": "Save",
                    "definition": rule("raced-publish", title)}, allow_redirects=False)
                assert saved.status_code == 302, saved.text[:500]
            page = server.http.get(f"{server.url}/rules/raced-publish/versions/{number}").text
            shown = re.search(r'name="shown" value="([^"]+)"', page).group(1)
            form = {"csrf_token": server.token(page), "shown": shown}
            answers = sent_at_once(server, f"/rules/raced-publish/versions/{number}/publish",
                                   [dict(form) for _ in range(4 if number == 2 else 1)])
            assert set(answers) == {302}, answers
        events = dict(_rows(server, "SELECT e.action || ' v' || v.version, COUNT(*) FROM audit_events e "
                                    "JOIN rule_versions v ON v.id = e.entity_id JOIN rules r ON r.id = v.rule_id "
                                    "WHERE e.entity_type = 'rule_version' AND r.key = 'raced-publish' "
                                    "AND e.action IN ('rule.publish', 'rule.retire') GROUP BY 1"))
        assert events == {"rule.publish v1": 1, "rule.retire v1": 1, "rule.publish v2": 1}, events
        assert _count(server, "SELECT COUNT(*) FROM rule_versions v JOIN rules r ON r.id = v.rule_id "
                              "WHERE r.key = 'raced-publish' AND v.status = 'published'") == 1
    finally:
        _execute(server, "UPDATE users SET role = 'analyst' WHERE email = 'analyst@live.gov'")
    assert server.answers()


def test_a_retire_sent_as_a_draft_is_published_never_retires_the_version_just_published(server):
    """Admin A confirms retiring version 1 while admin B publishes version 2: A's retire, checked before it took
    the rule's hold, retired version 2, leaving the rule with nothing published and both told they succeeded."""
    _execute(server, "UPDATE users SET role = 'admin' WHERE email = 'analyst@live.gov'")
    try:
        for trial in range(4):
            answers, published = _retire_while_publishing(server, f"raced-retire-{trial}")
            # either order: version 1 retired then 2 published, or 2 published (retiring 1) and the retire refused
            assert answers["publish"] == 302 and answers["retire"] in (302, 303), answers
            assert published == [(2,)], (trial, published, answers)
    finally:
        _execute(server, "UPDATE users SET role = 'analyst' WHERE email = 'analyst@live.gov'")
    assert server.answers()


def _retire_while_publishing(server, key: str) -> tuple[dict, list]:
    """A rule with version 1 published and 2 a draft; the retire of version 1 (as asked) and the publish of 2
    sent together: their answers, and the versions published after."""
    def page_of(path):
        return server.http.get(server.url + path).text

    def shown(page):
        return re.search(r'name="shown" value="([^"]+)"', page).group(1)

    assert server.http.post(server.url + "/rules/new", data={"csrf_token": server.token(page_of("/rules/new")),
                            "definition": rule(key, "First"), "save": "Save"}, allow_redirects=False).status_code == 302
    first = page_of(f"/rules/{key}/versions/1")
    assert sent_at_once(server, f"/rules/{key}/versions/1/publish",
                        [{"csrf_token": server.token(first), "shown": shown(first)}]) == [302]
    editor = page_of(f"/rules/{key}/edit")
    based_on = re.search(r'name="based_on"[^>]*value="([^"]*)"', editor).group(1)
    assert server.http.post(f"{server.url}/rules/{key}/edit", data={
        "csrf_token": server.token(editor), "based_on": based_on, "save": "Save",
        "definition": rule(key, "Second")}, allow_redirects=False).status_code == 302
    asked, draft = page_of(f"/rules/{key}/retire"), page_of(f"/rules/{key}/versions/2")  # "retire version 1?"
    sent = [("retire", f"/rules/{key}/retire", {"csrf_token": server.token(asked), "version": "1"}),
            ("publish", f"/rules/{key}/versions/2/publish", {"csrf_token": server.token(draft), "shown": shown(draft)})]
    answers, lock = {}, threading.Lock()

    def send():
        with lock:
            name, url, form = sent.pop()
        answers[name] = server.http.post(server.url + url, data=form, allow_redirects=False, timeout=60).status_code
    at_once(send, 2)
    return answers, _rows(server, "SELECT v.version FROM rule_versions v JOIN rules r ON r.id = v.rule_id "
                                  f"WHERE r.key = '{key}' AND v.status = 'published'")


def _rows(server, sql: str) -> list:
    database = sqlite3.connect(re.sub(r"^sqlite:///", "", server.process.args[3]))
    try:
        return database.execute(sql).fetchall()
    finally:
        database.close()


def _execute(server, sql: str) -> None:
    database = sqlite3.connect(re.sub(r"^sqlite:///", "", server.process.args[3]), timeout=30)
    try:
        database.execute(sql)
        database.commit()
    finally:
        database.close()
