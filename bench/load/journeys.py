"""What one virtual user of `make load` does: a small company's working day.

A virtual user is a company: its admin registers it, invites three learners (each
registers with the invite), builds a course and assigns it. Then, until the run
ends, it picks a task by weight: a learner walks lessons to a certificate, searches,
reads notifications and the dashboard, uploads a file; the admin builds and assigns
another course, checks in while a learner listens on the WebSocket (the push is
timed as `WS checkin.created`), reads the team's progress, and now and then repeats
a registration with a taken email (a 409 asked for on purpose).

Every virtual user connects from its own loopback address, as real users come from
their own: the per-address limit of public endpoints counts each apart.
"""

from __future__ import annotations

import itertools
import json
import random
import time
import uuid

import gevent
import websocket
from locust import HttpUser, between, task
from locust.exception import StopUser
from requests.adapters import HTTPAdapter

PASSWORD = "Load-test-2026!"
WORDS = ["safety", "onboarding", "privacy", "finance", "leadership", "security",
         "quality", "customer", "writing", "sales", "wellbeing", "compliance"]
_addresses = itertools.count(2)


class _FromAddress(HTTPAdapter):
    def __init__(self, address: str):
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        return super().init_poolmanager(*args, **kwargs)


class Account:
    def __init__(self, body: dict, email: str):
        self.email = email
        self.user_id = body["user"]["id"]
        self.set_tokens(body)

    def set_tokens(self, body: dict) -> None:
        self.access = body["accessToken"]
        self.refresh = body["refreshToken"]
        self.at = time.time()

    def headers(self) -> dict:
        return {"authorization": f"Bearer {self.access}"}


class Company(HttpUser):
    # A person's pause between two actions, in seconds (load.py sets it from --think).
    wait_time = between(2, 6)

    def on_start(self) -> None:
        n = next(_addresses)
        self.address = f"127.0.{n // 250}.{n % 250 + 2}"
        adapter = _FromAddress(self.address)
        self.client.mount("http://", adapter)
        self.tag = uuid.uuid4().hex[:10]
        self.admin = self.register(f"admin-{self.tag}@load.example", "Load Admin", company=f"Load {self.tag}")
        if self.admin is None:
            raise StopUser()  # its failure is counted; no company, no journey
        self.learners = []
        for i in range(3):
            invite = self.call("POST", "/api/company/invites", self.admin, 201,
                               {"email": f"learner{i}-{self.tag}@load.example", "role": "participant"})
            if invite is None:
                continue
            learner = self.register(invite["email"], f"Learner {i}", token=invite["token"])
            if learner:
                self.learners.append(learner)
        self.courses: list[tuple[str, list[str], str]] = []
        self.done: set[tuple[str, str]] = set()
        self.socket = None
        self.build_course()
        # Check-in id -> when it was posted, or when its push arrived (whichever
        # comes first: the push can beat the POST's own answer).
        self.posted: dict[str, float] = {}
        self.arrived: dict[str, float] = {}
        if self.learners:
            self.listener = gevent.spawn(self.listen, self.learners[0])

    def on_stop(self) -> None:
        if self.socket is not None:
            try:
                self.socket.close()
            except Exception:
                pass

    # --- plumbing -----------------------------------------------------------------

    def register(self, email: str, name: str, company: str | None = None, token: str | None = None):
        body = {"email": email, "password": PASSWORD, "name": name}
        if company:
            body["companyName"] = company
        if token:
            body["inviteToken"] = token
        got = self.call("POST", "/api/auth/register", None, 201, body)
        return Account(got, email) if got else None

    def fresh(self, who: Account) -> Account:
        # Access tokens last 15 minutes; a client refreshes before then.
        if time.time() - who.at > 600:
            got = self.call("POST", "/api/auth/refresh", None, 200, {"refreshToken": who.refresh})
            if got:
                who.set_tokens(got)
        return who

    def call(self, method: str, path: str, who: Account | None, expect, body=None,
             name: str | None = None, on_purpose=()):
        """One request; a status in `expect` (or `on_purpose`) is a success, any other
        is reported as a failure. The JSON answer on success, else None."""
        expect = (expect,) if isinstance(expect, int) else tuple(expect)
        headers = self.fresh(who).headers() if who else {}
        with self.client.request(method, path, json=body, headers=headers, name=name or path,
                                 catch_response=True) as r:
            if r.status_code in expect or r.status_code in on_purpose:
                r.success()
                try:
                    return r.json() if r.content else {}
                except ValueError:
                    return {}
            r.failure(f"{r.status_code}: {r.text[:200]}")
            return None

    # --- the WebSocket listener -----------------------------------------------------

    def listen(self, who: Account) -> None:
        url = self.host.replace("http://", "ws://") + f"/ws?token={self.fresh(who).access}"
        try:
            self.socket = websocket.create_connection(url, timeout=30)
        except Exception as e:
            self.environment.events.request.fire(
                request_type="WS", name="connect", response_time=0, response_length=0,
                exception=e, context={})
            return
        while True:
            try:
                raw = self.socket.recv()
            except websocket.WebSocketTimeoutException:
                continue
            except Exception:
                return
            try:
                msg = json.loads(raw)
            except ValueError:
                continue
            if msg.get("type") != "checkin.created":
                continue
            cid = (msg.get("data") or {}).get("id", "")
            if cid in self.posted:
                self.pushed(self.posted.pop(cid), time.time())
            else:
                self.arrived[cid] = time.time()

    def pushed(self, posted: float, arrived: float) -> None:
        self.environment.events.request.fire(
            request_type="WS", name="checkin.created (POST to push)",
            response_time=max(0.0, arrived - posted) * 1000, response_length=0,
            exception=None, context={})

    # --- the tasks ----------------------------------------------------------------

    def build_course(self) -> None:
        word = random.choice(WORDS)
        course = self.call("POST", "/api/courses", self.admin, 201, {
            "title": f"{word.title()} essentials {self.tag}", "description": f"All about {word}.",
            "difficulty": "beginner", "durationWeeks": 1, "tags": [word], "status": "published"})
        if not course:
            return
        cid = course["id"]
        module = self.call("POST", f"/api/courses/{cid}/modules", self.admin, 201,
                           {"title": "Basics", "order": 1}, name="/api/courses/{id}/modules")
        if not module:
            return
        lessons = []
        for i in range(3):
            lesson = self.call(
                "POST", f"/api/courses/{cid}/modules/{module['id']}/lessons", self.admin, 201,
                {"title": f"{word.title()} part {i + 1}", "type": "text",
                 "content": f"Read about {word}, part {i + 1}. " * 20, "durationMinutes": 5, "order": i},
                name="/api/courses/{id}/modules/{id}/lessons")
            if lesson:
                lessons.append(lesson["id"])
        self.call("POST", "/api/team/assign-course", self.admin, (200, 201),
                  {"courseId": cid, "userIds": [l.user_id for l in self.learners]})
        self.courses.append((cid, lessons, word))

    @task(6)
    def walk_lessons(self) -> None:
        if not self.learners or not self.courses:
            return
        who = random.choice(self.learners)
        self.call("GET", "/api/courses?scope=assigned", who, 200, name="/api/courses?scope=assigned")
        open_ = [c for c in self.courses if (who.user_id, c[0]) not in self.done]
        if not open_:
            self.build_course()
            return
        cid, lessons, _ = open_[0]
        self.call("GET", f"/api/courses/{cid}", who, 200, name="/api/courses/{id}")
        for lesson in lessons:
            self.call("POST", "/api/progress/event", who, 200,
                      {"courseId": cid, "lessonId": lesson, "type": "lesson_completed"})
        self.done.add((who.user_id, cid))
        self.call("GET", "/api/certificates", who, 200)
        self.call("GET", "/api/progress/me", who, 200)

    @task(3)
    def search(self) -> None:
        who = random.choice(self.learners or [self.admin])
        word = random.choice([c[2] for c in self.courses] or WORDS)
        self.call("GET", f"/api/search?q={word[:random.randint(3, len(word))]}", who, 200,
                  name="/api/search?q=")

    @task(4)
    def read(self) -> None:
        who = random.choice(self.learners or [self.admin])
        self.call("GET", "/api/notifications", who, 200)
        self.call("GET", "/api/notifications/stats", who, 200)
        self.call("GET", "/api/dashboard", who, 200)
        self.call("GET", "/api/calendar/upcoming", who, 200)

    @task(2)
    def check_in(self) -> None:
        posted = time.time()
        got = self.call("POST", "/api/checkins", self.admin, 201,
                        {"location": random.choice(["Library", "Lab", "Cafe"]), "message": "Study group?"})
        if got and got.get("id"):
            arrived = self.arrived.pop(got["id"], None)
            if arrived is not None:
                self.pushed(posted, arrived)
            elif self.socket is not None:
                self.posted[got["id"]] = posted
        self.call("GET", "/api/checkins", self.admin, 200)

    @task(1)
    def upload(self) -> None:
        who = random.choice(self.learners or [self.admin])
        data = f"notes {uuid.uuid4().hex}\n".encode()
        ticket = self.call("POST", "/api/upload", who, 201, {
            "filename": "notes.txt", "contentType": "text/plain", "size": len(data),
            "purpose": "attachment"})
        if not ticket:
            return
        up = ticket["upload"]
        with self.client.post(up["url"], data=up["fields"], files={"file": ("notes.txt", data)},
                              name="S3 POST (presigned)", catch_response=True) as r:
            if r.status_code >= 300:
                r.failure(f"{r.status_code}: {r.text[:200]}")
                return
        fid = ticket["fileId"]
        self.call("POST", f"/api/files/{fid}/complete", who, 200, {}, name="/api/files/{id}/complete")
        self.call("GET", f"/api/files/{fid}", who, 200, name="/api/files/{id}")

    @task(2)
    def manage(self) -> None:
        self.call("GET", "/api/team/progress", self.admin, 200)
        self.call("GET", "/api/users", self.admin, 200)
        if random.random() < 0.2:
            self.build_course()

    @task(1)
    def taken_email(self) -> None:
        self.call("POST", "/api/auth/register", None, (), {
            "email": self.admin.email, "password": PASSWORD, "name": "Again", "companyName": "Again"},
            name="/api/auth/register (taken email)", on_purpose=(409,))
