"""The flows tests/test_secrets.py watches: OAuth and API-key connections, refreshes, syncs, webhooks,
a write-back batch and the failure paths, all against a SandboxServer over loopback HTTP, plus a live
server of ours that logs every request the way `manage.py runserver` does.

Every secret the flows handle is collected on the `World` as it goes, so the test can look for it.
"""

from __future__ import annotations

import http.client
import json
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.servers.basehttp import WSGIRequestHandler
from django.db import OperationalError, connections
from django.test import Client
from django.test.testcases import LiveServerThread
from django.urls import reverse
from django.utils import timezone

from apps.accounts.roles import Role
from apps.candidates.models import Application, Attachment, AttachmentKind, Candidate
from apps.integrations.lever.sync.runner import run_sync
from apps.integrations.models import (
    Connection,
    ConnectionStatus,
    SyncKind,
    SyncTrigger,
    WritebackAction,
    WritebackKind,
)
from apps.integrations.outbox import writeback_enqueue, writeback_process
from apps.integrations.services import connection_sync_enqueue
from apps.integrations.tasks import process_writebacks, sync_connection
from apps.integrations.webhooks import connection_signing_tokens
from apps.jobs.models import Job, Stage
from apps.lever_sandbox.documents import render_pdf
from apps.lever_sandbox.server import SandboxServer
from tests.accounts.factories import MembershipFactory, UserFactory
from tests.conftest import client_for
from tests.integrations.connect_helpers import consent, lever_super_admin, query, staff_owner, start_oauth
from tests.secret_scan import Secret

FAST = {"limiter": None, "backoff_base": 0.01, "backoff_cap": 0.05}
CLIENT_ID = "recruitdesk-secrets-test-client"
# Phrases of the resumes we upload; each fits on one line of the PDF, so extraction keeps it whole.
UPLOADED_RESUME = "Led the Zephyrine ledger migration for 4200 branches"
CREATED_RESUME = "Wrote the Quillfeather tide model used by 31 harbours"


# -- a live server that logs like runserver ------------------------------------------------------------


class LoggingLiveServerThread(LiveServerThread):
    """Django's live server, but with runserver's request handler: every request is logged to
    django.server (pytest-django's live_server is quiet, which would hide what `make run` prints)."""

    def _create_server(self, connections_override=None):
        return self.server_class(
            (self.host, self.port),
            WSGIRequestHandler,
            allow_reuse_address=False,
            connections_override=connections_override,
        )


class LiveServer:
    def __init__(self) -> None:
        override = {
            conn.alias: conn
            for conn in connections.all()
            if conn.vendor == "sqlite" and conn.is_in_memory_db()
        }
        self.thread = LoggingLiveServerThread("127.0.0.1", StaticFilesHandler, connections_override=override)
        self.thread.daemon = True

    def __enter__(self) -> LiveServer:
        for conn in self.thread.connections_override.values():
            conn.inc_thread_sharing()
        self.thread.start()
        self.thread.is_ready.wait()
        if self.thread.error:
            raise self.thread.error
        return self

    def __exit__(self, *exc: object) -> None:
        self.thread.terminate()
        for conn in self.thread.connections_override.values():
            conn.dec_thread_sharing()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.thread.port}"


def post_raw(url: str, body: bytes) -> int:
    """POST like Lever does, without requests (whose urllib3 would log the URL as if we had sent it)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.netloc, timeout=10)
    try:
        conn.request("POST", parts.path, body, {"Content-Type": "application/json"})
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def wait_for(condition, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    while not (result := condition()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return result


# -- the world -------------------------------------------------------------------------------------------


@dataclass
class World:
    sandbox: SandboxServer
    server: LiveServer
    secrets: list[Secret] = field(default_factory=list)
    url_tokens: list[Secret] = field(default_factory=list)  # the webhook URL tokens (shown to admins)
    resume_phrases: list[Secret] = field(default_factory=list)
    emails: list[Secret] = field(default_factory=list)  # candidates' addresses: personal data
    issued: list[dict[str, Any]] = field(default_factory=list)  # every token answer of the sandbox
    codes: list[str] = field(default_factory=list)
    extra_sources: list[tuple[str, str]] = field(default_factory=list)  # e.g. error messages we saw
    pages: dict[str, str] = field(default_factory=dict)  # pages the flows rendered, by place
    webhook_url_pages: set[str] = field(default_factory=set)  # places that show the URL on purpose
    oauth: Connection | None = None
    api_key: Connection | None = None
    clients: dict[str, Client] = field(default_factory=dict)
    acted_on: Application | None = None  # the application the write-back batch acted on
    created: Candidate | None = None  # the candidate the batch created in Lever
    resume_candidate: Candidate | None = None  # whose synced resume the test looks for
    queued: list[tuple[int, str, str]] = field(default_factory=list)  # OrmQ rows seen during the batch

    def add(self, label: str, value: str) -> None:
        if value and all(secret.value != value for secret in self.secrets):
            self.secrets.append(Secret(label, value))

    def reload(self) -> None:
        self.oauth.refresh_from_db()
        self.api_key.refresh_from_db()
        self.collect_tokens()

    def collect_tokens(self) -> None:
        """Add every token the sandbox issued and every credential stored now (decrypted)."""
        for number, answer in enumerate(self.issued, start=1):
            self.add(f"OAuth access token #{number}", answer.get("access_token", ""))
            self.add(f"OAuth refresh token #{number}", answer.get("refresh_token", ""))
        for connection in Connection.objects.all():
            self.add(f"access token of connection {connection.pk}", connection.access_token)
            self.add(f"refresh token of connection {connection.pk}", connection.refresh_token)
            self.add(f"API key of connection {connection.pk}", connection.api_key)
            for index, token in enumerate(connection_signing_tokens(connection), start=1):
                self.add(f"webhook signing token #{index} of connection {connection.pk}", token)
        for hook in self.sandbox.webhooks._hooks.values():  # the sandbox's side of each registration
            self.add(f"signing token of Lever webhook {hook['id']}", hook["configuration"]["signatureToken"])


def instrument_token_endpoint(world: World) -> None:
    """Record every token answer the sandbox gives, so rotated tokens we never read back still count."""
    oauth = world.sandbox.oauth
    issue = oauth._issue

    def recording_issue(grant):
        answer = issue(grant)
        world.issued.append(dict(answer))
        return answer

    oauth._issue = recording_issue


# -- (a) OAuth: connect through our views, refresh twice, full sync ---------------------------------------


def connect_oauth(world: World) -> None:
    sandbox = world.sandbox
    owner, workspace = staff_owner("olga@acme.example")
    recruiter = UserFactory(email="rita@acme.example")
    MembershipFactory(workspace=workspace, user=recruiter, role=Role.RECRUITER)
    client = world.clients["owner"] = client_for(owner)
    world.clients["recruiter"] = client_for(recruiter)

    callback = consent(start_oauth(client, sandbox, admin_email=lever_super_admin(sandbox)["email"]))
    world.codes.append(query(callback)["code"])
    world.add("OAuth authorization code", world.codes[-1])
    # Transactional test: the on-commit work (webhook registration, first full sync) runs inline here.
    response = client.get(callback)
    assert response.status_code == 302, response.status_code
    world.oauth = Connection.objects.get(workspace=workspace)
    assert world.oauth.status == ConnectionStatus.ACTIVE, world.oauth.status_reason
    assert world.oauth.last_synced_at is not None
    world.collect_tokens()


def health_panel(world: World, who: str, connection: Connection, when: str) -> str:
    """Press Test connection on the health panel and keep the page it shows (with the webhook URL)."""
    from tests.secret_scan import page_text

    response = world.clients[who].post(
        reverse("integrations:connection-test", args=[connection.pk]), follow=True
    )
    place = f"{who}: the health panel of connection {connection.pk} {when}"
    world.pages[place] = page_text(response)
    world.webhook_url_pages.add(place)
    return response.content.decode()


def expire_in_db(connection: Connection, *, by: timedelta = timedelta(minutes=-1)) -> None:
    Connection.objects.filter(pk=connection.pk).update(access_token_expires_at=timezone.now() + by)


def refresh_and_full_sync(world: World) -> None:
    """A proactive refresh before a full sync, then a short-lived token refused with 401 and refreshed."""
    connection, sandbox = world.oauth, world.sandbox
    before = len(world.issued)
    expire_in_db(connection)
    outcome = sync_connection(connection.pk, SyncKind.FULL, SyncTrigger.USER)
    assert outcome.endswith("succeeded"), outcome
    assert len(world.issued) == before + 1, "the expired access token was refreshed once"

    # Short-lived tokens: refresh (2 s of life), let it die in Lever while we still trust it, call:
    # Lever answers 401, the client refreshes once and repeats the call.
    sandbox.set_token_lifetime(2)
    expire_in_db(connection)
    health_panel(world, "owner", connection, "after a proactive refresh")
    time.sleep(2.2)
    expire_in_db(connection, by=timedelta(hours=1))
    refused = sandbox.request_counts()["statuses"].get("401", 0)
    assert "the credentials work" in health_panel(world, "owner", connection, "after a 401 and a refresh")
    assert sandbox.request_counts()["statuses"].get("401", 0) == refused + 1
    sandbox.set_token_lifetime(3600)
    expire_in_db(connection)
    assert len(world.issued) >= before + 3
    world.collect_tokens()


# -- (b) an API-key connection through our views, and a wrong key -----------------------------------------


def connect_api_key(world: World) -> None:
    sandbox = world.sandbox
    owner, workspace = staff_owner("bruno@globex.example")
    client = world.clients["owner_b"] = client_for(owner)
    response = client.post(
        reverse("integrations:lever-credentials"),
        {
            "admin_email": owner.email,
            "auth_type": "api_key",
            "environment": "custom",
            "base_url": sandbox.url,
            "api_key": sandbox.api_key,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    world.api_key = Connection.objects.get(workspace=workspace)
    assert world.api_key.status == ConnectionStatus.ACTIVE and world.api_key.last_synced_at
    world.add("the sandbox's API key", sandbox.api_key)
    world.collect_tokens()


def wrong_api_key(world: World) -> None:
    from django.core.management import CommandError, call_command

    owner, workspace = staff_owner("carla@initech.example")
    client = world.clients["owner_c"] = client_for(owner)
    wrong = "sbx_" + "f00dfeed" * 5
    world.add("a wrong API key", wrong)
    data = {
        "admin_email": owner.email,
        "auth_type": "api_key",
        "environment": "custom",
        "base_url": world.sandbox.url,
        "api_key": wrong,
    }
    response = client.post(reverse("integrations:lever-credentials"), data)
    assert response.status_code == 200 and "Lever" in response.content.decode()
    world.extra_sources.append(("the credentials page after a wrong key", response.content.decode()))
    try:
        call_command(
            "lever_connect", workspace=workspace.slug, api_key=wrong + "2", base_url=world.sandbox.url
        )
    except CommandError as exc:
        world.extra_sources.append(("lever_connect's error with a wrong key", str(exc)))
    else:  # pragma: no cover - the sandbox refuses unknown keys
        raise AssertionError("lever_connect accepted a wrong key")
    world.add("a second wrong API key", wrong + "2")


# -- (c) webhooks: registered on connect, a signed delivery, forged and malformed ones ---------------------


def webhooks(world: World) -> None:
    sandbox = world.sandbox
    for connection in (world.oauth, world.api_key):
        connection.refresh_from_db()
        assert connection_signing_tokens(connection), f"connection {connection.pk} registered no webhook"
        world.url_tokens.append(
            Secret(f"webhook URL token of connection {connection.pk}", connection.webhook_token)
        )
    world.collect_tokens()
    application = Application.objects.for_connection(world.oauth).alive().exclude(job=None).order_by("pk")[0]
    target = next(s["id"] for s in sandbox.store.ds.stages if s["id"] != application.current_stage.remote_id)
    # From here until both deliveries are answered, the live server's thread uses the database.
    sandbox.simulate_stage_change(application.remote_id, target)

    def answered():  # one delivery per connection (both registered every event)
        done = [d for d in sandbox.deliveries() if d["event"] == "candidateStageChange" and d["attempts"]]
        return done if len(done) >= 2 else None

    delivered = wait_for(answered)
    assert delivered and all(d["attempts"][0]["status"] == 200 for d in delivered), delivered
    application.refresh_from_db()
    assert application.current_stage.remote_id == target

    # Forged and malformed deliveries to the right URL: refused, and runserver logs a 403 and a 400.
    base = world.server.url + reverse("lever-webhook", args=[world.oauth.webhook_token])
    forged = dict(delivered[0]["payload"], token="f" * 48, signature="0" * 64)
    assert post_raw(base, json.dumps(forged).encode()) == 403
    assert post_raw(base, b'{"event": "candidateStageChange", "data": ') == 400
    # The database fails while a delivery is looked up: a 503 that must not log (or mail) the path.
    from apps.integrations import webhook_views

    class Unavailable:
        class objects:  # noqa: N801 - stands in for the manager
            @staticmethod
            def filter(**kwargs):
                raise OperationalError("could not connect to server: Connection refused")

    original = webhook_views.Connection
    webhook_views.Connection = Unavailable
    try:
        status = post_raw(base, json.dumps(forged).encode())
    finally:
        webhook_views.Connection = original
    assert status == 503, status  # the database is "down"
    # No more deliveries from here on: the rest of the test uses the database from this thread only.
    for hook in sandbox.webhooks.list():
        sandbox.webhooks.delete(hook["id"])


def run_like_the_cluster(monkeypatch, enqueue) -> list[tuple[int, str, str]]:
    """Run `enqueue` with django-q's broker (OrmQ) instead of inline, then run each queued package as a
    cluster worker would (failures logged and stored, not raised); return the (pk, key, payload) rows.

    Tests run django-q inline (sync); here the packages wait in the ORM broker as in production, so
    the test can read what is stored there.
    """
    from django_q.conf import Conf
    from django_q.models import OrmQ
    from django_q.tasks import _sync

    inline = Conf.SYNC
    monkeypatch.setattr(Conf, "SYNC", False)
    try:
        enqueue()
    finally:
        monkeypatch.setattr(Conf, "SYNC", inline)
    queued = [(row.pk, row.key, row.payload) for row in OrmQ.objects.order_by("pk")]
    assert queued, "something was queued"
    for pk, _, payload in queued:
        _sync(payload)  # what a cluster worker does with a queued package
        OrmQ.objects.filter(pk=pk).delete()
    return queued


# -- (d) a write-back batch of every common kind, through our views, sent by the outbox worker -----------


def pdf(name: str, phrase: str) -> SimpleUploadedFile:
    content = render_pdf([("title", "Curriculum vitae"), ("text", phrase), ("text", "Python, SQL")])
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def writeback_batch(world: World, monkeypatch) -> None:
    connection, recruiter = world.oauth, world.clients["recruiter"]
    application = (
        Application.objects.for_connection(connection)
        .alive()
        .exclude(job=None)
        .filter(archived_at=None)
        .order_by("-pk")[0]
    )
    world.acted_on = application
    stage = (
        Stage.objects.for_connection(connection)
        .exclude(pk=application.current_stage_id)
        .order_by("global_index")
        .last()
    )

    def act(name: str, data: dict) -> None:
        response = recruiter.post(reverse(f"actions:{name}", args=[application.pk]), data)
        assert response.status_code in (200, 302), (name, response.status_code)

    def batch() -> None:
        act("application-note", {"text": "Strong systems answer; see the take-home."})
        act("application-tag-add", {"tag": "Secrets check"})
        act("application-move", {"stage": stage.pk})
        act("application-attachment", {"file": pdf("take-home.pdf", UPLOADED_RESUME)})
        act("application-result-link", {"label": "Coding test", "url": "https://tests.example/report/7"})
        job = Job.objects.for_connection(connection).alive().filter(status="published").order_by("pk")[0]
        response = recruiter.post(
            reverse("candidates:add"),
            {
                "name": "Quill Harbourmaster",
                "emails": "quill@harbours.example",
                "job": job.pk,
                "export": "now",
                "resume": pdf("quill.pdf", CREATED_RESUME),
            },
        )
        assert response.status_code == 302, response.content.decode()[:3000]

    world.queued += run_like_the_cluster(monkeypatch, batch)
    process_writebacks(connection.pk)
    actions = WritebackAction.objects.filter(connection=connection)
    kinds = set(actions.filter(status="succeeded").values_list("kind", flat=True))
    assert {
        WritebackKind.ADD_NOTE,
        WritebackKind.ADD_TAG,
        WritebackKind.MOVE_STAGE,
        WritebackKind.ADD_ATTACHMENT,
        WritebackKind.ADD_RESULT_LINK,
        WritebackKind.CREATE_CANDIDATE,
    } <= kinds, list(actions.values_list("kind", "status", "last_error"))
    world.created = Candidate.objects.filter(connection=connection, email="quill@harbours.example").first()


# -- (e) revoked OAuth; (f) Lever 500s, a malformed payload, a crash in a task ----------------------------


def lever_failing(world: World) -> None:
    """Lever answers 500 to everything: a failed sync, a write-back waiting to retry, a failed check."""
    sandbox, connection = world.sandbox, world.api_key
    sandbox.set_faults(error_rate=1.0)
    try:
        run = run_sync(connection, kind=SyncKind.DELTA, trigger=SyncTrigger.USER, client_options=FAST)
        assert run.status == "failed" and run.error, run.status
        application = Application.objects.for_connection(connection).alive().order_by("pk")[0]
        action = writeback_enqueue(
            connection=connection,
            kind=WritebackKind.ADD_NOTE,
            payload={"text": "Sent while Lever is down"},
            application=application,
            candidate=application.candidate,
        )
        writeback_process(connection, client_options=FAST)
        action.refresh_from_db()
        assert action.last_error, action.status
        health_panel(world, "owner_b", connection, "after a failed check")
    finally:
        sandbox.set_faults()


def malformed_payloads_and_a_crash(world: World, monkeypatch) -> None:
    """One opportunity Lever sends without a contact, one that trips a mapping bug (logged with its
    traceback), then a sync task that crashes outright (django-q logs and stores the traceback)."""
    from apps.integrations.lever import mapping
    from apps.integrations.upsert import MirrorWriter

    store = world.sandbox.store
    rows = store.order[:2]
    with store.lock:
        lost = store.opportunity(rows[0])
        lost.pop("contact", None)
        store.overlay[rows[0].id] = lost
    buggy_id = rows[1].id
    original = mapping.map_opportunity

    def map_with_a_bug(item, **kwargs):
        if isinstance(item, dict) and item.get("id") == buggy_id:
            return item["applications"][0]["posting"]["id"]  # a bug: posting is an id, not an object
        return original(item, **kwargs)

    monkeypatch.setattr(mapping, "map_opportunity", map_with_a_bug)
    outcome = sync_connection(world.api_key.pk, SyncKind.FULL, SyncTrigger.USER)
    assert outcome.endswith("succeeded"), outcome
    monkeypatch.setattr(mapping, "map_opportunity", original)

    write = MirrorWriter.write

    def locked(self, records):
        raise OperationalError("database is locked")

    # In sync mode django-q re-raises a task's exception; a cluster worker logs and stores it instead.
    monkeypatch.setattr(MirrorWriter, "write", locked)
    run_like_the_cluster(
        monkeypatch,
        lambda: connection_sync_enqueue(
            connection=world.api_key, kind=SyncKind.DELTA, trigger=SyncTrigger.USER
        ),
    )
    monkeypatch.setattr(MirrorWriter, "write", write)
    from django_q.models import Failure

    assert Failure.objects.filter(func="apps.integrations.tasks.sync_connection").exists()


def oauth_revoked(world: World) -> None:
    sandbox, connection = world.sandbox, world.oauth
    sandbox.revoke_oauth()
    expire_in_db(connection)
    outcome = sync_connection(connection.pk, SyncKind.DELTA, SyncTrigger.USER)
    assert outcome.endswith("failed"), outcome
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.NEEDS_REAUTH
    health_panel(world, "owner", connection, "after revocation")
    application = world.acted_on
    writeback_enqueue(
        connection=connection,
        kind=WritebackKind.ADD_TAG,
        payload={"tag": "After revocation"},
        application=application,
        candidate=application.candidate,
    )
    assert process_writebacks(connection.pk) == "nothing due"


# -- resume text ------------------------------------------------------------------------------------------


def resume_phrases(world: World) -> None:
    """A distinctive line of a synced resume, and the phrases of the two we uploaded."""
    synced = (
        Attachment.objects.filter(connection=world.oauth, kind=AttachmentKind.RESUME)
        .exclude(extracted_text="")
        .select_related("candidate")
        .order_by("pk")
        .first()
    )
    assert synced is not None, "the full sync extracted resume text"
    lines = [line.strip() for line in synced.extracted_text.splitlines() if len(line.strip()) >= 40]
    phrase = max(lines, key=len)[:80]
    world.resume_candidate = synced.candidate
    world.resume_phrases = [
        Secret("a line of a synced resume", phrase),
        Secret("the new candidate's resume text", CREATED_RESUME),
        Secret("the uploaded attachment's text", UPLOADED_RESUME),
    ]
    people = [("the new candidate", world.created), ("the candidate acted on", world.acted_on.candidate)]
    world.emails = [Secret(f"the email of {who}", person.email) for who, person in people if person.email]
