"""No secret in any log, output, page or task table (issue 10, point 8).

One run goes through everything that handles a secret, against the Lever sandbox over loopback, with
every logger at DEBUG and stdout/stderr captured: an OAuth connection made through our views (authorize,
consent, callback with the code), a proactive and a 401-triggered token refresh, full syncs, an
API-key connection, wrong API keys, webhook registration and a signed delivery to a live server that
logs like runserver (plus forged and malformed ones), a write-back batch of six kinds queued through
django-q's broker and sent by the outbox worker, Lever answering 500, a malformed opportunity, a
mapping bug and a crashing task (tracebacks logged), and a revoked OAuth grant. Then every page a
member, an owner and a staff admin can open is rendered.

Looked for, in every form `tests/secret_scan.py` knows (URL-encoded, base64 of `key:`, …): the API
keys, every OAuth access and refresh token the sandbox issued, the OAuth client secret, the code, the
webhook signing tokens, the webhook URL tokens, SECRET_KEY and FIELD_ENCRYPTION_KEY; and resume text
(a synced resume and two uploaded ones) in logs, output and task tables, where it has no business.
"""

from __future__ import annotations

import base64
import logging
from urllib.parse import quote, urlencode

import pytest
from cryptography.fernet import InvalidToken
from django.contrib import admin
from django.core import mail
from django.db import connection as db
from django.urls import reverse

from apps.candidates.models import Attachment, CandidateExport
from apps.core.fields import fernet
from apps.integrations.models import (
    Connection,
    LeverWebhook,
    RecordChange,
    SyncRun,
    WebhookEvent,
    WritebackAction,
)
from apps.jobs.models import Job
from apps.lever_sandbox.server import SandboxServer
from tests.accounts.factories import UserFactory
from tests.conftest import client_for
from tests.secret_scan import Secret, capture_all_logs, page_text, report, scan
from tests.secrets_flows import (
    CLIENT_ID,
    LiveServer,
    World,
    connect_api_key,
    connect_oauth,
    instrument_token_endpoint,
    lever_failing,
    malformed_payloads_and_a_crash,
    oauth_revoked,
    refresh_and_full_sync,
    resume_phrases,
    webhooks,
    writeback_batch,
    wrong_api_key,
)

CLIENT_SECRET = "rd-oauth-client-secret-7c1e0b9a4d2f8e6a5b3c"


# -- the detector itself ---------------------------------------------------------------------------------


def test_the_scanner_finds_transformed_secrets_and_names_only_the_place():
    token = "v1.Zm9v+bar/baz=qux-0123456789abcdef"
    basic = base64.b64encode(f"{token}:".encode()).decode()
    sources = [
        ("upper case", f"key={token.upper()}"),
        ("a query string", "https://x.example/?" + urlencode({"t": token})),
        ("a path", "https://x.example/" + quote(token, safe="")),
        ("an Authorization header", f"Authorization: Basic {basic}"),
        ("a base64 blob", base64.b64encode(b"xx" + token.encode() + b"yyy").decode()),
        ("clean", "v1.Zm9v bar baz qux 0123456789abcdef"),
    ]
    findings = scan(sources, [Secret("the refresh token", token)])
    assert [f.where for f in findings] == [where for where, _ in sources[:-1]]
    forms = [f.form for f in findings]
    assert forms[0] == "as is" and forms[1] == forms[2] == "URL-encoded"
    assert forms[3] == "base64 of 'value:' (HTTP Basic)" and forms[4].startswith("base64 (inside a blob")
    report_text = report(findings, "secrets")
    assert token not in report_text and basic not in report_text and "the refresh token" in report_text


def test_a_logged_token_fails_the_capture_without_printing_it():
    token = "v1.this-refresh-token-must-never-be-logged-3f9a"
    with capture_all_logs() as captured:
        logging.getLogger("apps.integrations.lever.oauth").debug("refreshing with %s", token)
        logging.getLogger("django-q").error("Failed 'sync' - invalid_grant for %s", token)  # no propagation
        logging.getLogger("apps.lever_sandbox.access").info("the sandbox's own log is not ours: %s", token)
    findings = scan(captured.sources(), [Secret("refresh token", token)])
    assert len(findings) == 2
    message = report(findings, "secrets in logs")
    assert token not in message and "apps.integrations.lever.oauth" in message and "django-q" in message


# -- the fixes, one by one (quick; the whole run below finds them too) --------------------------------------


def test_request_logs_hide_the_webhook_url_token():
    token = "Zq3_secret-webhook-url-token-0123456789abcdef"
    with capture_all_logs() as captured:
        # As runserver's handler and Django's request logging write them.
        logging.getLogger("django.server").warning(
            '"POST /webhooks/lever/%s/ HTTP/1.1" %s %s', token, "403", "22"
        )
        logging.getLogger("django.request").error("Internal Server Error: %s", f"/webhooks/lever/{token}/")
    assert not scan(captured.sources(), [Secret("webhook URL token", token)])
    assert captured.text().count("/webhooks/lever/…/") == 2


def test_the_lever_clients_request_lines_lose_their_query_string():
    email = "jane.doe@example.com"
    with capture_all_logs() as captured:
        logging.getLogger("urllib3.connectionpool").debug(
            '%s://%s:%s "%s %s %s" %s %s',
            *("https", "api.lever.co", 443, "GET", f"/v1/opportunities?email={quote(email)}&limit=100"),
            *("HTTP/1.1", 200, 27),
        )
    assert not scan(captured.sources(), [Secret("email", email)])
    assert '"GET /v1/opportunities?… HTTP/1.1" 200 27' in captured.text()


def test_a_missing_template_variable_is_logged_without_the_context():
    from django.template import Context, Template

    resume = "Wrote the Quillfeather tide model used by 31 harbours"
    with capture_all_logs() as captured:
        Template("{{ nothing_here }}").render(Context({"resume": resume}))
    assert "Exception while resolving variable 'nothing_here'" in captured.text()
    assert not scan(captured.sources(), [Secret("resume text", resume)])


@pytest.mark.django_db
def test_a_webhook_delivery_that_fails_before_the_view_answers_logs_no_path(client, monkeypatch, settings):
    from django.db import OperationalError

    from apps.integrations import webhook_views

    settings.ADMINS = [("Ops", "ops@recruitdesk.example")]

    def unavailable(**kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(webhook_views.Connection.objects, "filter", unavailable)
    token = "Zq3_secret-webhook-url-token-0123456789abcdef"
    with capture_all_logs() as captured:
        response = client.post(f"/webhooks/lever/{token}/", b"{}", content_type="application/json")
    assert response.status_code == 503
    assert "could not be received" in captured.text()
    sources = [*captured.sources(), *mail_sources()]
    assert not scan(sources, [Secret("webhook URL token", token)])


# -- the whole run ---------------------------------------------------------------------------------------


@pytest.fixture
def world(transactional_db, settings):
    settings.LEVER_CLIENT_ID, settings.LEVER_CLIENT_SECRET = CLIENT_ID, CLIENT_SECRET
    settings.LEVER_CUSTOM_CLIENT_ID = settings.LEVER_CUSTOM_CLIENT_SECRET = ""  # custom → the main client
    settings.LEVER_RATE_LIMIT, settings.LEVER_RATE_BURST = 10_000.0, 10_000
    settings.ADMINS = [("Ops", "ops@recruitdesk.example")]  # error e-mails are a place to leak too
    with (
        SandboxServer(
            seed=8,
            opportunities=24,
            rate_limit=False,
            webhook_retries=0,
            oauth_clients={CLIENT_ID: CLIENT_SECRET},
        ) as sandbox,
        LiveServer() as server,
    ):
        settings.SITE_URL = server.url  # where webhooks are registered to: our logging live server
        world = World(sandbox=sandbox, server=server)
        instrument_token_endpoint(world)
        world.add("the OAuth client secret (LEVER_CLIENT_SECRET)", CLIENT_SECRET)
        world.add("the sandbox's own OAuth client secret", sandbox.oauth_client[1])
        world.add("SECRET_KEY", settings.SECRET_KEY)
        for index, key in enumerate(settings.FIELD_ENCRYPTION_KEYS, start=1):
            world.add(f"FIELD_ENCRYPTION_KEY #{index}", key)
        yield world


def run_flows(world: World, monkeypatch) -> None:
    connect_oauth(world)  # (a)
    refresh_and_full_sync(world)
    connect_api_key(world)  # (b)
    wrong_api_key(world)
    webhooks(world)  # (c)
    writeback_batch(world, monkeypatch)  # (d)
    lever_failing(world)  # (f) 500s
    malformed_payloads_and_a_crash(world, monkeypatch)  # (f) tracebacks
    oauth_revoked(world)  # (e)
    resume_phrases(world)
    world.reload()


def test_no_secret_in_logs_output_pages_or_task_tables(world, monkeypatch, capfd, request):
    capture = request.config.pluginmanager.getplugin("capturemanager")
    try:
        with capture_all_logs() as captured:
            run_flows(world, monkeypatch)
            pages = {**world.pages, **render_every_page(world)}
    finally:
        # Read here, so a failed run does not print them in its report. Handlers made before the test
        # (django.server's, django-q's) write to pytest's global capture, not to the test's fd capture.
        out, err = capfd.readouterr()
        early = capture.read_global_capture() if capture is not None else None
    if early is not None:
        out, err = out + early.out, err + early.err

    # The capture saw the flows (otherwise "nothing found" would prove nothing).
    logged = captured.text()
    for expected in (
        "lever oauth authorization_code -> 200",
        "lever oauth refresh_token -> 200",
        "lever oauth refresh_token -> 403",
        "Traceback (most recent call last)",
        "Could not map Lever object",
        "database is locked",
        '"POST /webhooks/lever/',
        "Lever webhook 'candidateStageChange'",
    ):
        assert expected in logged, f"the capture did not see: {expected}"
    assert len(world.issued) >= 4 and len(world.secrets) >= 12
    assert len(pages) > 100
    if request.config.getoption("capture") != "no":  # with -s, output goes to the terminal unread
        assert "[Q] INFO" in err, "django-q's own stderr handler was captured"
    # The detectors are live: the health panel shows the webhook URL on purpose, the profiles and the
    # database hold the resume text.
    for token in world.url_tokens:
        shown = bool(scan([(p, pages[p]) for p in world.webhook_url_pages], [token]))
        assert shown, f"the health panel does not show the {token.label}"
    for phrase in world.resume_phrases[:2]:  # the uploaded attachment is a file: nothing shows its text
        shown = bool(scan(pages.items(), [phrase]))
        assert shown, f"no profile shows {phrase.label}"

    secrets = world.secrets
    url_tokens = world.url_tokens
    resume = world.resume_phrases
    outputs = [
        *captured.sources(),
        *numbered_lines("stdout", out),
        *numbered_lines("stderr", err),
        *mail_sources(),
        *world.extra_sources,
    ]
    tasks = task_table_sources(world)
    errors = error_field_sources()

    problems = []
    for what, sources, looked_for in (
        ("secrets in logs, stdout, stderr and e-mail", outputs, [*secrets, *url_tokens]),
        ("resume text in logs, stdout, stderr and e-mail", outputs, resume),
        ("candidates' emails in logs, stdout, stderr and e-mail", outputs, world.emails),
        ("secrets or resume text in django-q's task tables", tasks, [*secrets, *url_tokens, *resume]),
        ("secrets or resume text in stored error messages", errors, [*secrets, *url_tokens, *resume]),
        ("secrets in pages and headers", list(pages.items()), secrets),
        (
            "webhook URL tokens in pages other than the health panel",
            [(where, text) for where, text in pages.items() if where not in world.webhook_url_pages],
            url_tokens,
        ),
        ("secrets stored in plain text in the database", database_sources(), secrets),
    ):
        findings = scan(sources, looked_for)
        if findings:
            problems.append(report(findings, what))
    problems += not_encrypted_at_rest()
    if problems:
        pytest.fail("\n\n".join(dict.fromkeys(problems)), pytrace=False)


# -- places -----------------------------------------------------------------------------------------------


def numbered_lines(name: str, text: str) -> list[tuple[str, str]]:
    return [(f"{name} line {number}", line) for number, line in enumerate(text.splitlines(), start=1)]


def mail_sources() -> list[tuple[str, str]]:
    sources = []
    for number, message in enumerate(mail.outbox, start=1):
        parts = [message.subject, message.body, *(str(content) for content, _ in message.alternatives)]
        sources.append((f"e-mail #{number} to {', '.join(message.to)}", "\n".join(parts)))
    return sources


def task_table_sources(world: World) -> list[tuple[str, str]]:
    """django-q's stored tasks, decoded: function, arguments, result (tracebacks of failures)."""
    from django_q.models import OrmQ, Schedule, Task
    from django_q.signing import SignedPackage

    sources = []
    for task in Task.objects.all():
        text = repr((task.name, task.func, task.hook, task.args, task.kwargs, task.result, task.group))
        sources.append((f"django_q Task {task.func} ({'ok' if task.success else 'failed'})", text))
    for pk, key, payload in world.queued:
        sources.append((f"django_q OrmQ #{pk} (queued on {key})", repr(SignedPackage.loads(payload))))
    for row in OrmQ.objects.all():
        sources.append(
            (f"django_q OrmQ #{row.pk} (left in the queue)", repr(SignedPackage.loads(row.payload)))
        )
    for schedule in Schedule.objects.all():
        sources.append(
            (f"django_q Schedule {schedule.name}", repr((schedule.func, schedule.args, schedule.kwargs)))
        )
    return sources


def error_field_sources() -> list[tuple[str, str]]:
    """Where exception messages and Lever's answers are kept for people to read."""
    sources = []
    for run in SyncRun.objects.all():
        sources.append(
            (f"SyncRun #{run.pk} error/errors/checkpoint", repr((run.error, run.errors, run.checkpoint)))
        )
    for action in WritebackAction.objects.all():
        text = repr((action.last_error, action.status_reason, action.request, action.response))
        sources.append((f"WritebackAction #{action.pk} ({action.kind}) error/request/response", text))
    for connection in Connection.objects.all():
        sources.append(
            (
                f"Connection #{connection.pk} status reason/last error",
                connection.status_reason + connection.last_error,
            )
        )
    for event in WebhookEvent.objects.all():
        sources.append((f"WebhookEvent #{event.pk} error/payload", repr((event.error, event.payload))))
    for change in RecordChange.objects.all():
        sources.append((f"RecordChange #{change.pk} fields", repr(change.fields)))
    for export in CandidateExport.objects.all():
        sources.append((f"CandidateExport #{export.pk} message", export.message))
    return sources


def database_sources() -> list[tuple[str, str]]:
    """Every row of every table, as the database holds it (ciphertext, pickles, base64)."""
    sources = []
    with db.cursor() as cursor:
        for table in db.introspection.table_names():
            cursor.execute(f"SELECT * FROM {db.ops.quote_name(table)}")
            for number, row in enumerate(cursor.fetchall(), start=1):
                text = " | ".join(
                    bytes(v).decode("latin-1") if isinstance(v, bytes | memoryview) else str(v) for v in row
                )
                sources.append((f"table {table}, row {number}", text))
    return sources


def not_encrypted_at_rest() -> list[str]:
    problems = []
    columns = ("api_key", "access_token", "refresh_token", "webhook_signing_tokens")
    for connection in Connection.objects.all():
        with db.cursor() as cursor:
            cursor.execute(
                f"SELECT {', '.join(columns)} FROM integrations_connection WHERE id = %s", [connection.pk]
            )
            stored = dict(zip(columns, cursor.fetchone(), strict=True))
        for column in columns:
            plain, raw = getattr(connection, column), stored[column]
            if not plain:
                continue
            try:
                readable = fernet().decrypt(raw.encode()).decode() == plain
            except (InvalidToken, AttributeError):
                readable = False
            if not readable or plain in raw:
                problems.append(f"Connection #{connection.pk}.{column} is not stored encrypted")
    return problems


# -- pages ------------------------------------------------------------------------------------------------


def member_urls(world: World) -> list[str]:
    connection = world.oauth
    application = world.acted_on
    candidate = application.candidate
    job = application.job
    urls = [
        reverse("dashboard:index"),
        reverse("dashboard:sync-strip"),
        reverse("integrations:index"),
        reverse("integrations:index") + "?tab=mine",
        reverse("integrations:add", args=["lever"]),
        reverse("integrations:lever-credentials"),
        reverse("integrations:connection-detail", args=[connection.pk]),
        reverse("integrations:connection-reconnect", args=[connection.pk]),
        reverse("integrations:connection-disconnect", args=[connection.pk]),
        reverse("integrations:connection-progress", args=[connection.pk]),
        reverse("integrations:approvals"),
        reverse("jobs:list"),
        reverse("jobs:detail", args=[job.pk]),
        reverse("jobs:edit", args=[job.pk]),
        reverse("jobs:pipeline", args=[job.pk]),
        reverse("jobs:pipeline-list", args=[job.pk]),
        reverse("jobs:pipeline-export", args=[job.pk]),
        reverse("jobs:pipeline-changes", args=[job.pk]),
        reverse("candidates:list"),
        reverse("candidates:duplicates"),
        reverse("candidates:add"),
        reverse("candidates:detail", args=[candidate.pk]),
        reverse("candidates:changes", args=[candidate.pk]),
        reverse("candidates:job-ats-sync", args=[job.pk]),
        reverse("scoring:settings"),
        reverse("scoring:job", args=[job.pk]),
        reverse("scoring:job-export", args=[job.pk]),
        reverse("accounts:settings"),
        reverse("imports:list"),
        reverse("imports:new"),
    ]
    for other in (world.created, world.resume_candidate):
        if other is not None:
            urls += [
                reverse("candidates:detail", args=[other.pk]),
                reverse("candidates:changes", args=[other.pk]),
            ]
    for attachment in Attachment.objects.filter(candidate__in=[candidate, world.created]).exclude(file=""):
        urls += [
            reverse("candidates:file-download", args=[attachment.pk]),
            reverse("candidates:file-preview", args=[attachment.pk]),
        ]
    for export in CandidateExport.objects.filter(workspace=connection.workspace):
        urls.append(reverse("candidates:export-status", args=[export.pk]))
    for action in WritebackAction.objects.filter(connection=connection):
        urls.append(reverse("integrations:writeback-status", args=[action.pk]))
        if action.batch_id:
            urls.append(reverse("actions:batch-status", args=[action.batch_id]))
    for other in Job.objects.for_connection(connection).alive().order_by("pk")[:3]:
        urls.append(reverse("jobs:pipeline", args=[other.pk]))
    return list(dict.fromkeys(urls))


def admin_urls() -> list[str]:
    """Every admin changelist; change forms of every row that holds credentials, errors or task data,
    some of the busy tables (record changes, successful tasks, registered webhooks), a couple of the rest."""
    from django_q.models import Failure, OrmQ, Schedule, Success

    every_row = {Connection, SyncRun, WritebackAction, WebhookEvent, Failure, OrmQ, Schedule}
    some_rows = {RecordChange, Success, LeverWebhook}
    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        opts = model._meta
        urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        pks = list(model._default_manager.order_by("pk").values_list("pk", flat=True))
        if model in every_row:
            chosen = pks
        elif model in some_rows:
            chosen = pks[:4] + pks[-4:]
        else:
            chosen = pks[:1] + pks[-1:]
        for pk in dict.fromkeys(chosen):
            urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[pk]))
    return urls


def render_every_page(world: World) -> dict[str, str]:
    staff = client_for(UserFactory(email="root@recruitdesk.example", is_staff=True, is_superuser=True))
    visitors = [
        ("owner", world.clients["owner"], member_urls(world)),
        ("recruiter", world.clients["recruiter"], member_urls(world)),
        (
            "owner of the API-key workspace",
            world.clients["owner_b"],
            [
                reverse("integrations:index") + "?tab=mine",
                reverse("integrations:connection-detail", args=[world.api_key.pk]),
                reverse("integrations:connection-progress", args=[world.api_key.pk]),
                reverse("dashboard:index"),
            ],
        ),
        (
            "owner of the workspace with a wrong key",
            world.clients["owner_c"],
            [reverse("integrations:index") + "?tab=mine", reverse("integrations:lever-credentials")],
        ),
        ("staff admin", staff, admin_urls()),
    ]
    # Owners and admins are shown the webhook URL on the health panel on purpose (to set webhooks up
    # by hand in Lever); everywhere else its token has no business.
    health_panels = {
        ("owner", reverse("integrations:connection-detail", args=[world.oauth.pk])),
        (
            "owner of the API-key workspace",
            reverse("integrations:connection-detail", args=[world.api_key.pk]),
        ),
    }
    pages = {}
    for who, client, urls in visitors:
        for url in urls:
            response = client.get(url)
            assert response.status_code < 500, (who, url, response.status_code)
            place = f"{who}: GET {url} → {response.status_code}"
            pages[place] = page_text(response)
            if (who, url) in health_panels and response.status_code == 200:
                world.webhook_url_pages.add(place)
    return pages
