"""Load: the people who use CX Scorecard at once, against two app servers (`bench/load.py` starts them).

- executives open the dashboards and the pages they link to, and ask for what each page draws: its
  main callback (the overview's tiles, the heatmap, a program's charts and chain), as the browser
  posts it to Dash's callback endpoint (built from /dashboards/_dash-dependencies, so a change of
  a callback's inputs is followed);
- officers update commitments through the REST API, several on the same commitment at once: an
  update names the version it read (If-Match), so a colliding one answers 412 — an intended
  conflict, counted apart, never a lost update; they share one token, so past its rate limit
  (SCORECARD_API_RATE_LIMIT) the API answers 429 as it says it will, also counted apart;
- analysts upload a small file, follow its preview from the other server, and cancel it.

The hosts are SCORECARD_LOAD_HOSTS (comma-separated; each request goes to one of them at random),
else locust's --host.
At the end the file checks that every commitment's version moved by exactly the number of updates
that succeeded on it, and prints the count of conflicts.
"""
import os
import random
import re
import threading
import time
from collections import Counter

from locust import HttpUser, between, events, task

HOSTS = [h.rstrip("/") for h in os.environ.get("SCORECARD_LOAD_HOSTS", "").split(",") if h.strip()]
PASSWORD = os.environ.get("SCORECARD_LOAD_PASSWORD", "demo-password-2025")
TOKEN = os.environ.get("SCORECARD_LOAD_TOKEN", "")  # a write token of the CFO officer
CONTESTED = [int(c) for c in os.environ.get("SCORECARD_LOAD_COMMITMENTS", "").split(",") if c]
DASHBOARDS = ("/dashboards/", "/dashboards/heatmap", "/dashboards/functions", "/dashboards/leaders",
              "/dashboards/capacity", "/dashboards/compliance", "/dashboards/life-experiences")
PAGES = ("/", "/commitments/", "/capacity/", "/plans/", "/dashboards/_dash-layout", "/dashboards/_dash-dependencies")
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
# The callbacks a page's first view asks for, by an output they write, with the values its inputs start
# with (a quarter left out is the latest with data; a program is one of the demo's, chosen per request).
CALLBACKS = {
    "overview-body.children": {"overview-agency.value": "all"},
    "heatmap-graph.figure": {"heatmap-agency.value": "all", "heatmap-component.value": "all",
                             "heatmap-life-experience.value": "all", "heatmap-sort.value": "worst"},
    "program-trust-graph.figure": {},
    "program-accountability.children": {},
}
PROGRAMS = range(1, 31)  # the demo agency's own programs' ids

saved: Counter = Counter()  # commitment id -> updates that succeeded
conflicts: Counter = Counter()
sent: Counter = Counter()  # commitment id -> updates sent
unknown: Counter = Counter()  # updates whose outcome the answer does not tell (no answer, a 5xx)
answered: Counter = Counter()  # updates whose answer was read (the others were in flight as the run stopped)
rate_limited = 0  # API requests the token's limit answered with 429 (SCORECARD_API_RATE_LIMIT)
lock = threading.Lock()


def hosts(user) -> list[str]:
    """Where the user's requests go: SCORECARD_LOAD_HOSTS, else --host."""
    found = HOSTS or ([user.host.rstrip("/")] if user.host else [])
    if not found:
        raise SystemExit("name the servers: --host https://... or SCORECARD_LOAD_HOSTS")
    return found


def host(user) -> str:
    return random.choice(hosts(user))


def limited(answer) -> None:
    """The token's rate limit answered (429, as the API says it will: every officer here shares one
    token, and a token's requests are counted together): counted apart, not a failure of the server."""
    global rate_limited
    with lock:
        rate_limited += 1
    answer.success()


def csrf(html: str) -> str:
    found = CSRF.search(html)
    return found.group(1) if found else ""


class SignedIn(HttpUser):
    abstract = True
    email = ""

    def on_start(self):
        base = host(self)
        token = csrf(self.client.get(f"{base}/auth/login", name="sign-in page").text)
        # Over HTTPS the CSRF check wants the page the form came from, as a browser sends it.
        with self.client.post(f"{base}/auth/login", data={"csrf_token": token, "email": self.email,
                                                          "password": PASSWORD},
                              headers={"Referer": f"{base}/auth/login"}, name="sign in", allow_redirects=False,
                              catch_response=True) as answer:
            if answer.status_code != 302:
                answer.failure(f"not signed in: {answer.status_code}")

    def get(self, path: str, name: str):
        """A signed-in page: one that sent the user to sign in failed, though it answered 200."""
        with self.client.get(f"{host(self)}{path}", name=name, catch_response=True) as answer:
            if answer.status_code == 200 and "/auth/login" in answer.url:
                answer.failure("signed out: sent to the sign-in page")


def callback_bodies(dependencies: list) -> dict:
    """{name: the body the browser posts for that callback of CALLBACKS, its inputs and states without
    values (each request fills them)}, from Dash's list of the app's callbacks."""
    found = {}
    for dependency in dependencies:
        writes = dependency["output"].strip(".").split("...")
        name = next((n for n in CALLBACKS if n in writes), None)
        if name is None:
            continue
        outputs = [dict(zip(("id", "property"), o.rsplit(".", 1))) for o in writes]
        body = {"output": dependency["output"], "outputs": outputs[0] if len(outputs) == 1 else outputs,
                "inputs": [{"id": i["id"], "property": i["property"]} for i in dependency["inputs"]],
                "changedPropIds": [f"{dependency['inputs'][0]['id']}.{dependency['inputs'][0]['property']}"]}
        if dependency.get("state"):
            body["state"] = [{"id": i["id"], "property": i["property"]} for i in dependency["state"]]
        found[name] = body
    return found


class Executive(SignedIn):
    weight = 5
    wait_time = between(1, 3)
    email = "executive@demo.cx.gov"
    bodies: dict = {}

    def on_start(self):
        super().on_start()
        answer = self.client.get(f"{host(self)}/dashboards/_dash-dependencies", name="/dashboards/_dash-dependencies")
        self.bodies = callback_bodies(answer.json()) if answer.status_code == 200 else {}

    @task(3)
    def callback(self):
        if not self.bodies:
            return
        name = random.choice(list(self.bodies))
        values = {**CALLBACKS[name], "program-id.value": random.choice(PROGRAMS)}
        body = dict(self.bodies[name])
        for part in ("inputs", "state"):
            if part in body:
                body[part] = [{**i, "value": values.get(f"{i['id']}.{i['property']}")} for i in body[part]]
        with self.client.post(f"{host(self)}/dashboards/_dash-update-component", json=body, name=f"callback {name}",
                              catch_response=True) as answer:
            if answer.status_code != 200 or "response" not in answer.text[:40]:
                answer.failure(f"{answer.status_code}: {answer.text[:200]}")

    @task(4)
    def dashboard(self):
        path = random.choice(DASHBOARDS)
        self.get(path, name=path)

    @task(2)
    def page(self):
        path = random.choice(PAGES)
        self.get(path, name=path)


class Officer(HttpUser):
    weight = 3
    wait_time = between(0.5, 2)

    @task
    def update_commitment(self):
        if not CONTESTED:
            return
        commitment = random.choice(CONTESTED)
        headers = {"Authorization": f"Bearer {TOKEN}"}
        with self.client.get(f"{host(self)}/api/v1/commitments/{commitment}", headers=headers,
                             name="/api/v1/commitments/[id]", catch_response=True) as read:
            if read.status_code == 429:
                limited(read)
                return
            if read.status_code != 200:
                read.failure(f"{read.status_code}: {read.text[:200]}")
                return
        etag = read.headers.get("ETag", "")
        note = f"load {time.time():.6f}"
        with lock:
            sent[commitment] += 1
        with self.client.patch(f"{host(self)}/api/v1/commitments/{commitment}", headers={**headers, "If-Match": etag},
                               json={"note": note, "next_step": note}, name="PATCH /api/v1/commitments/[id]",
                               catch_response=True) as answer:
            if answer.status_code == 200:
                with lock:
                    saved[commitment] += 1
                answer.success()
            elif answer.status_code == 412:  # someone saved first: the intended conflict
                with lock:
                    conflicts[commitment] += 1
                answer.success()
            elif answer.status_code == 429:
                limited(answer)
            else:
                if answer.status_code == 0 or answer.status_code >= 500:  # saved or not: the answer cannot say
                    with lock:
                        unknown[commitment] += 1
                answer.failure(f"{answer.status_code}: {answer.text[:200]}")
            with lock:
                answered[commitment] += 1


class Analyst(SignedIn):
    weight = 2
    wait_time = between(2, 5)
    email = "analyst@demo.cx.gov"

    @task
    def upload_follow_cancel(self):
        servers = hosts(self)
        first, other = random.sample(servers, 2) if len(servers) > 1 else (servers[0], servers[0])
        token = csrf(self.client.get(f"{first}/imports/upload", name="/imports/upload").text)
        counts = [random.randint(1, 800) for _ in range(5)]  # n is their sum, as the importer checks
        body = ("component,program,metric,period,channel,n,count_1,count_2,count_3,count_4,count_5\n"
                f"Benefits Administration,Benefits Call Center,trust,FY2027-Q1,phone,{sum(counts)},"
                + ",".join(map(str, counts)) + "\n")
        answer = self.client.post(f"{first}/imports/upload", data={"csrf_token": token},
                                  files={"file": (f"load-{time.time_ns()}.csv", body.encode(), "text/csv")},
                                  headers={"Referer": f"{first}/imports/upload"},
                                  name="POST /imports/upload", allow_redirects=False)
        if answer.status_code != 302:
            return
        batch = answer.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
        status = {}
        for _ in range(100):  # followed on the other server
            polled = self.client.get(f"{other}/imports/{batch}/status", name="/imports/[id]/status")
            if polled.status_code != 200:  # counted as failed by Locust (a 503 page is no status to read)
                return
            status = polled.json()
            if status["status"] != "pending":
                break
            time.sleep(0.2)
        if status.get("status") != "previewed":
            events.request.fire(request_type="CHECK", name="upload previewed", response_time=0, response_length=0,
                                exception=AssertionError(f"batch {batch} is {status.get('status')}"))
        token = csrf(self.client.get(f"{other}/imports/{batch}", name="/imports/[id]").text)
        self.client.post(f"{other}/imports/{batch}/cancel", data={"csrf_token": token},
                         headers={"Referer": f"{other}/imports/{batch}"}, name="POST /imports/[id]/cancel")


def _read_after_run(requests, url: str, headers: dict):
    """The commitment as it is after the run: a read over the token's rate limit waits as the 429 says."""
    for _ in range(5):
        answer = requests.get(url, headers=headers, timeout=30)
        if answer.status_code != 429:
            answer.raise_for_status()
            return answer
        time.sleep(min(max(int(answer.headers.get("Retry-After") or 5), 1), 60))  # "0": the window's last fraction
    answer.raise_for_status()
    return answer


@events.test_stop.add_listener
def check_updates(environment, **_kwargs):
    """Every successful update moved the version by one; none was lost."""
    import requests

    headers = {"Authorization": f"Bearer {TOKEN}"}
    start = {int(k): int(v) for k, v in (p.split(":") for p in os.environ.get("SCORECARD_LOAD_VERSIONS", "").split(",")
                                         if p)}
    lost = 0
    for commitment in CONTESTED:
        answer = _read_after_run(requests, f"{(HOSTS or [environment.host])[0]}/api/v1/commitments/{commitment}",
                                 headers)
        version = answer.json()["version"]
        moved = version - start.get(commitment, version)
        # Every 200 moved the version by one, and nothing else did but updates whose outcome is not known (no
        # answer, a 5xx, or still in flight as the run stopped: bench/load.py waits for those). A 200 that moved
        # nothing is a lost update; a version moved further than those allow was moved by an answer that said
        # it was not (a 412 or a 4xx that saved): both fail the run.
        open_ = unknown[commitment] + sent[commitment] - answered[commitment]
        lost += max(0, saved[commitment] - moved) + max(0, moved - saved[commitment] - open_)
        print(f"commitment {commitment}: {saved[commitment]} updates saved, {conflicts[commitment]} conflicts "
              f"(412), {open_} of unknown outcome, version moved by {moved}")
    print(f"conflicting updates detected: {sum(conflicts.values())}; lost or misreported updates: {lost}; "
          f"API requests over the token's rate limit (429): {rate_limited}")
    if lost:
        environment.process_exit_code = 1
