"""Simulated recruiters for bench/web_load.py (a locustfile; run by it, not on its own).

Each user logs in through django-allauth (CSRF and all), then works like a recruiter with 1–3 s
between clicks. Out of ~100 clicks: 12 dashboards, 6 job lists (half filtered), 3 job pages,
14 boards of the 2,000-application pipeline and 5 board filter changes (htmx), 10 list views with a
filter, a sort and a page (half via htmx), 4 boards of smaller jobs, 16 candidate profiles (mostly a
card they just saw), 7 candidate searches, and 15 actions posted from a profile the way htmx posts
them (the form's CSRF token and form token, HX-Request): 6 tags, 5 notes, 4 stage moves (to the
stage the form suggests), plus 1 CSV export of the whole pipeline.

As in the browser, the page a user is on keeps polling in the background: a pipeline board or list
asks "anything changed?" every 10 s (and fetches its results again when the answer is yes), a
profile asks for its timeline every 10 s, and a queued write-back's status chip asks every second
until it is done. Users keep their last board or profile open, as recruiters keep a pipeline tab.

Every request is written to $WEB_LOAD_SAMPLES (one JSON line: start time, name, ms, ok, status,
error); bench/web_load.py computes the figures. A 400 that refuses an action for a business reason
(e.g. someone else moved the card first) is not an error and is counted under its own name.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import time
from pathlib import Path
from urllib.parse import urlencode

import gevent
from locust import FastHttpUser, between, events, task

MANIFEST = json.loads(Path(os.environ["WEB_LOAD_MANIFEST"]).read_text())
_samples = Path(os.environ["WEB_LOAD_SAMPLES"]).open("w")  # noqa: SIM115 - open for the whole run
_accounts = itertools.count()
_notes = itertools.count(1)

HTMX = {"HX-Request": "true"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
POLL_EVERY = 10.0
CHIP_EVERY = 1.0
CHIP_MAX_POLLS = 30
ACTION_TAGS = [f"{word}-{n}" for word in ("shortlist", "follow-up", "strong", "hold") for n in range(1, 26)]
NOTES = [
    "Spoke on the phone: keen, available in six weeks.",
    "Strong on distributed systems; weaker on frontend.",
    "Asked about the remote policy and on-call.",
    "Moving forward: schedule the technical interview.",
    "Compensation expectations fit the band.",
]
SORTS = ["-score", "score", "name", "-name", "-days", "days", "-applied", "stage"]
TIERS = ["tier_1", "tier_2", "tier_3", "not_a_match"]

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
PROFILE_LINK = re.compile(r'href="/candidates/(\d+)/"')
PIPELINE_POLL = re.compile(
    r'id="pipeline-poller"[^>]*hx-get="([^"]+)"|hx-get="([^"]+)"[^>]*id="pipeline-poller"'
)
PROFILE_POLL = re.compile(r'hx-get="(/candidates/\d+/changes/\?since=[^"]*)"')
CHIP = re.compile(r'hx-get="(/integrations/writebacks/\d+/status/)"')
STATUS = re.compile(r'data-status="([a-z_]+)"')


@events.request.add_listener
def _record(request_type, name, response_time, response_length, response, exception, start_time=None, **kw):  # type: ignore[no-untyped-def]
    status = getattr(response, "status_code", 0) if response is not None else 0
    sample = {"t": start_time or time.time(), "name": name, "ms": response_time, "ok": exception is None}
    sample["status"] = status
    if exception is not None:
        sample["error"] = f"HTTP {status}: {str(exception)[:160]}"
    _samples.write(json.dumps(sample) + "\n")


def _side(name: str, started: float, **extra: object) -> None:
    """A figure that is not a request (e.g. a write-back's time from the click to done)."""
    sample = {"t": started, "name": name, "ms": (time.time() - started) * 1000, "ok": True, "side": True}
    _samples.write(json.dumps(sample | extra) + "\n")


@events.quitting.add_listener
def _close(**kw):  # type: ignore[no-untyped-def]
    _samples.close()


def _why(response) -> str:  # type: ignore[no-untyped-def]
    """HTTP status, and for no answer at all (status 0) the client's error: reset, timeout…"""
    error = getattr(response, "error", None)
    if response.status_code == 0 and error is not None:
        return f"no answer ({type(error).__name__}: {str(error)[:120]})"
    return f"HTTP {response.status_code}"


def _unescape(url: str) -> str:
    return url.replace("&amp;", "&")


class Recruiter(FastHttpUser):
    wait_time = between(1, 3)
    concurrency = 4  # the page and its pollers, like a browser's connections to one host

    # -- session -----------------------------------------------------------------------------------

    def on_start(self) -> None:
        self.rng = random.Random()
        self.email = MANIFEST["members"][next(_accounts) % len(MANIFEST["members"])]
        self.cards: list[str] = []  # profile ids seen on the last board or list
        self.poll: tuple[str, str] | None = None  # (kind, URL) of the open page's poll
        self.results_url = ""  # what the open pipeline page fetches again when something changed
        self.poller = None
        with self.client.get("/accounts/login/", name="login page", catch_response=True) as page:
            token = CSRF.search(page.text or "")
            if page.status_code != 200 or not token:
                page.failure(f"no login form ({_why(page)})")
                return
        body = {"login": self.email, "password": MANIFEST["password"], "csrfmiddlewaretoken": token.group(1)}
        with self.client.post(
            "/accounts/login/",
            data=urlencode(body),
            headers=FORM,
            name="login",
            allow_redirects=False,
            catch_response=True,
        ) as answer:
            if answer.status_code != 302:
                said = re.findall(r"<li>([^<]{0,120})</li>", answer.text or "")[:2]
                answer.failure(f"login answered {_why(answer)}, not a redirect {said}")
                return
        self.poller = gevent.spawn(self._poll_loop)

    def on_stop(self) -> None:
        if self.poller is not None:
            self.poller.kill(block=False)

    def _page(self, url: str, name: str, *, htmx: bool = False, expect: str = "") -> str:
        """GET a page; fail on anything but 200, on a login page (session lost) or a missing marker."""
        with self.client.get(url, name=name, headers=HTMX if htmx else None, catch_response=True) as page:
            text = page.text or ""
            if page.status_code != 200:
                page.failure(_why(page))
            elif 'name="password"' in text and "/accounts/login/" in text:
                page.failure("logged out")
            elif expect and expect not in text:
                page.failure(f"no {expect!r} in the page")
            return text

    # -- background polls (the open tab) -------------------------------------------------------------

    def _poll_loop(self) -> None:
        while True:
            gevent.sleep(POLL_EVERY + self.rng.uniform(-0.5, 0.5))
            if self.poll is None:
                continue
            kind, url = self.poll
            try:
                if kind == "pipeline":
                    self._poll_pipeline(url)
                else:
                    self._poll_profile(url)
            except Exception:  # noqa: BLE001 - a poll must never stop the loop; the request is recorded
                pass

    def _poll_pipeline(self, url: str) -> None:
        with self.client.get(
            url, name="poll: pipeline changed?", headers=HTMX, catch_response=True
        ) as answer:
            if answer.status_code == 204:
                return
            if answer.status_code != 200:
                answer.failure(_why(answer))
                return
            found = PIPELINE_POLL.search(answer.text or "")
            changed = "pipeline-changed" in (answer.headers.get("HX-Trigger") or "")
        if found and self.poll and self.poll[1] == url:
            self.poll = ("pipeline", _unescape(found.group(1) or found.group(2)))
        if changed and self.results_url:
            self._page(self.results_url, "pipeline refresh after a change (htmx)", htmx=True)

    def _poll_profile(self, url: str) -> None:
        with self.client.get(url, name="poll: profile changed?", headers=HTMX, catch_response=True) as answer:
            if answer.status_code == 204:
                return
            if answer.status_code != 200:
                answer.failure(_why(answer))
                return
            found = PROFILE_POLL.search(answer.text or "")
        if found and self.poll and self.poll[1] == url:
            self.poll = ("profile", _unescape(found.group(1)))

    def _open_pipeline(self, text: str, url: str) -> None:
        self.cards = PROFILE_LINK.findall(text)
        found = PIPELINE_POLL.search(text)
        if found:
            self.poll = ("pipeline", _unescape(found.group(1) or found.group(2)))
            self.results_url = url

    # -- pages -------------------------------------------------------------------------------------

    @task(12)
    def dashboard(self) -> None:
        self._page("/", "dashboard", expect="<main")
        self.poll = None

    @task(6)
    def jobs(self) -> None:
        if self.rng.random() < 0.5:
            self._page("/jobs/", "jobs list")
        else:
            query = self.rng.choice(
                [{"q": "engineer"}, {"status": "published"}, {"status": "open", "q": "e"}]
            )
            self._page(f"/jobs/?{urlencode(query)}", "jobs list, filtered (htmx)", htmx=True)
        self.poll = None

    @task(3)
    def job_detail(self) -> None:
        job = self.rng.choice([MANIFEST["job"], *MANIFEST["other_jobs"]])
        self._page(f"/jobs/{job}/", "job page")
        self.poll = None

    @task(14)
    def board(self) -> None:
        url = f"/jobs/{MANIFEST['job']}/pipeline/"
        self._open_pipeline(self._page(url, "pipeline board (2,000)", expect="pipeline-results"), url)

    @task(5)
    def board_filtered(self) -> None:
        query = self.rng.choice(
            [
                {"tier": self.rng.choice(TIERS)},
                {"tier": "tier_1", "source": self.rng.choice(MANIFEST["sources"])},
                {"min_score": str(self.rng.choice([50, 70, 85]))},
                {"tag": str(self.rng.choice(MANIFEST["tag_ids"]))},
                {"owner": str(self.rng.choice(MANIFEST["owner_ids"]))},
                {"q": self.rng.choice(MANIFEST["searches"])},
            ]
        )
        url = f"/jobs/{MANIFEST['job']}/pipeline/?{urlencode(query)}"
        text = self._page(url, "pipeline board, filter (htmx)", htmx=True, expect="pipeline-results")
        self.cards = PROFILE_LINK.findall(text) or self.cards
        self.results_url = url

    @task(10)
    def pipeline_list(self) -> None:
        query: dict[str, str] = {"sort": self.rng.choice(SORTS)}
        roll = self.rng.random()
        if roll < 0.3:
            query["stage"] = str(self.rng.choice(MANIFEST["stage_ids"]))
        elif roll < 0.5:
            query["tier"] = self.rng.choice(TIERS[:2])
        elif roll < 0.6:
            query["tag"] = str(self.rng.choice(MANIFEST["tag_ids"]))
        # Unfiltered, the list has ~35 pages of 50: most people stay near the top.
        query["page"] = str(self.rng.choice([1, 1, 1, 2, 2, 3, 5, 10, 20]) if len(query) == 1 else 1)
        url = f"/jobs/{MANIFEST['job']}/pipeline/list/?{urlencode(query)}"
        if self.rng.random() < 0.5:
            text = self._page(url, "pipeline list, filter/sort/page (htmx)", htmx=True, expect="<table")
            self.cards = PROFILE_LINK.findall(text) or self.cards
            self.results_url = url
        else:
            self._open_pipeline(self._page(url, "pipeline list, filter/sort/page", expect="<table"), url)

    @task(4)
    def small_board(self) -> None:
        if not MANIFEST["other_jobs"]:
            return
        url = f"/jobs/{self.rng.choice(MANIFEST['other_jobs'])}/pipeline/"
        self._open_pipeline(self._page(url, "pipeline board (smaller job)", expect="pipeline-results"), url)

    @task(16)
    def profile(self) -> None:
        if self.cards and self.rng.random() < 0.7:
            candidate = self.rng.choice(self.cards)
        else:
            candidate = self.rng.choice(MANIFEST["candidates"])
        self._profile(int(candidate))

    def _profile(self, candidate: int) -> str:
        text = self._page(f"/candidates/{candidate}/", "candidate profile")
        found = PROFILE_POLL.search(text)
        self.poll = ("profile", _unescape(found.group(1))) if found else None
        return text

    @task(7)
    def search(self) -> None:
        query = {"q": self.rng.choice(MANIFEST["searches"])}
        if self.rng.random() < 0.3:
            query["job"] = str(MANIFEST["job"])
        if self.rng.random() < 0.5:
            self._page(f"/candidates/?{urlencode(query)}", "candidate search (htmx)", htmx=True)
        else:
            self._page(f"/candidates/?{urlencode(query)}", "candidate search")
        self.poll = None

    @task(1)
    def export(self) -> None:
        self._page(f"/jobs/{MANIFEST['job']}/pipeline/export.csv", "CSV export (2,000 rows)")

    # -- actions (from a profile, as htmx posts them) ------------------------------------------------

    @task(6)
    def add_tag(self) -> None:
        self._act("tags/add", "action: add tag", {"tag": self.rng.choice(ACTION_TAGS)})

    @task(5)
    def add_note(self) -> None:
        self._act("note", "action: add note", {"text": f"{self.rng.choice(NOTES)} (#{next(_notes)})"})

    @task(4)
    def move(self) -> None:
        self._act("move", "action: move stage", None)

    def _act(self, route: str, name: str, values: dict[str, str] | None) -> None:
        application, candidate = self.rng.choice(MANIFEST["actionable"])
        text = self._profile(candidate)
        start = text.find(f'id="application-actions-{application}"')
        if start < 0:
            return  # the profile failed (recorded) or shows no actions for it
        section = text[start : text.find("</section>", start)]
        csrf, form_token = CSRF.search(section), re.search(r'name="form_token" value="([^"]*)"', section)
        if not csrf or not form_token:
            return
        if values is None:  # a move: to the stage the form suggests (the next one), if any
            select = section[section.find('name="stage"') :]
            suggested = re.search(r'<option value="(\d+)" selected>', select[: select.find("</select>")])
            if not suggested:
                route, name, values = "note", "action: add note", {"text": f"{self.rng.choice(NOTES)}"}
            else:
                values = {"stage": suggested.group(1)}
        gevent.sleep(self.rng.uniform(1, 3))  # reading the profile before acting
        body = {"csrfmiddlewaretoken": csrf.group(1), "form_token": form_token.group(1), "next": "", **values}
        headers = {**FORM, **HTMX, "HX-Current-URL": f"{self.host}/candidates/{candidate}/"}
        started = time.time()
        with self.client.post(
            f"/actions/applications/{application}/{route}/",
            data=urlencode(body),
            headers=headers,
            name=name,
            catch_response=True,
        ) as answer:
            text = answer.text or ""
            if answer.status_code == 400 and 'class="action-error"' in text:
                answer.success()  # refused for a business reason (someone moved it first): not an error
                _side("action refused (business rule)", started, status="refused")
                return
            if answer.status_code != 200 or 'class="writeback-status"' not in text:
                answer.failure(f"{_why(answer)}, no status chip")
                return
        chip = CHIP.search(text)
        if chip:
            gevent.spawn(self._follow_chip, chip.group(1), started)
        else:
            found = STATUS.search(text)
            _side("write-back", started, status=found.group(1) if found else "?")

    def _follow_chip(self, url: str, started: float) -> None:
        """The status chip polls every second while the write-back is open, as htmx does."""
        for _ in range(CHIP_MAX_POLLS):
            gevent.sleep(CHIP_EVERY)
            with self.client.get(
                url, name="write-back status chip (htmx)", headers=HTMX, catch_response=True
            ) as chip:
                text, code = chip.text or "", chip.status_code
                if code == 286:  # htmx's "stop polling": the write-back is done
                    chip.success()
                elif code != 200:
                    chip.failure(_why(chip))
                    return
            if code == 286 or "hx-get=" not in text:
                found = STATUS.search(text)
                _side("write-back", started, status=found.group(1) if found else "?")
                return
        _side("write-back", started, status="still open")
