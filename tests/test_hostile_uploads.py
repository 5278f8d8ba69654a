"""Hostile uploads through the real pages: lying files, 100 MB files, and nasty names.

Every upload form (add a candidate with a resume, the recruiter's attachment action, the CSV import)
answers a file that is not what it claims, or too large, with an error that names the problem, and
stores nothing. Names with directories, NUL, CR/LF, quotes, bidi overrides or 500 characters are
stored under a safe name inside MEDIA_ROOT, downloaded with a safe Content-Disposition, and sent to
Lever sanitised. (Decompression bombs: tests/test_upload_bombs.py.)
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import unquote

import pytest
import responses
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from apps.candidates.models import Attachment, Candidate
from apps.imports.models import CandidateImport
from apps.integrations.models import WritebackAction, WritebackKind
from apps.integrations.outbox import writeback_process
from tests.candidates.factories import ApplicationFactory, AttachmentFactory
from tests.conftest import client_for
from tests.hostile import (
    EXE,
    HTML,
    MIB,
    MULTIPART,
    StreamedBody,
    multipart,
    peak_memory,
    plain_zip,
    real_docx,
    real_pdf,
    streamed_upload,
    xlsx,
)
from tests.integrations.factories import AtsUserFactory

pytestmark = pytest.mark.django_db

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
HUNDRED_MB = 100 * MIB
LEVER = re.compile(r"https://api\.lever\.co/v1/.*")
FAST = {"limiter": None, "backoff_base": 0.01, "backoff_cap": 0.05}
# Characters a stored or downloaded name must never hold: separators, controls, quotes, bidi overrides.
UNSAFE_IN_NAMES = set('/\\"<>:*?|;\x00\r\n\t\u202e\u202d\u200f\u2066')


@pytest.fixture
def application(cast):
    """An application in Lever whose connection has a Lever user to upload as."""
    cast.connection.writeback_user = AtsUserFactory(connection=cast.connection)
    cast.connection.save()
    return ApplicationFactory(connection=cast.connection, candidate__name="Ada Lovelace")


def stored_files(media: Path) -> list[Path]:
    return [path for path in media.rglob("*") if path.is_file()] if media.exists() else []


def nothing_stored(media: Path) -> bool:
    return (
        not Candidate.objects.exists()
        and not Attachment.objects.exists()
        and not WritebackAction.objects.exists()
        and not CandidateImport.objects.exists()
        and not stored_files(media)
    )


def add_candidate(client, resume: SimpleUploadedFile):
    return client.post(
        reverse("candidates:add"), {"name": "Ada Lovelace", "export": "auto", "resume": resume}
    )


def attach(client, application, upload: SimpleUploadedFile):
    url = reverse("actions:application-attachment", args=[application.pk])
    return client.post(url, {"file": upload}, HTTP_HX_REQUEST="true")


def upload_csv(client, upload: SimpleUploadedFile):
    return client.post(reverse("imports:new"), {"file": upload})


def assert_safe_name(name: str) -> None:
    assert name and not (set(name) & UNSAFE_IN_NAMES), name
    assert not name.startswith((".", " ")) and ".." not in name.split(".")[0], name
    assert len(name) <= 130, len(name)


# -- files that are not what they claim ------------------------------------------------------------------

RESUME_TYPE_ERROR = "The resume must be a PDF or a Word (.docx) document."


@pytest.mark.parametrize(
    ("name", "content", "content_type", "error"),
    [
        ("cv.pdf", HTML, "application/pdf", RESUME_TYPE_ERROR),  # HTML renamed .pdf
        ("cv.pdf", EXE, "application/pdf", RESUME_TYPE_ERROR),  # a program renamed .pdf
        ("cv.docx", plain_zip(), DOCX_TYPE, RESUME_TYPE_ERROR),  # a zip renamed .docx
        ("cv.docx", xlsx(), DOCX_TYPE, RESUME_TYPE_ERROR),  # a workbook renamed .docx
        ("cv.docx", b"PK\x03\x04 truncated", DOCX_TYPE, RESUME_TYPE_ERROR),
        ("cv.pdf", b"", "application/pdf", "The submitted file is empty."),
    ],
    ids=["html-as-pdf", "exe-as-pdf", "zip-as-docx", "xlsx-as-docx", "broken-zip", "empty"],
)
def test_a_resume_that_is_not_what_it_claims_is_refused_and_nothing_is_created(
    cast, media, name, content, content_type, error
):
    response = add_candidate(client_for(cast.recruiter), SimpleUploadedFile(name, content, content_type))
    assert response.status_code == 400
    assert response.context["form"].errors["resume"] == [error]
    assert escape(error) in response.content.decode()
    assert nothing_stored(media)


def test_a_pdf_named_docx_is_kept_as_the_pdf_it_is(cast, media):
    """The resume's bytes decide its type (README: "checked by its content"); the name follows them."""
    response = add_candidate(client_for(cast.recruiter), SimpleUploadedFile("cv.docx", real_pdf(), DOCX_TYPE))
    assert response.status_code == 302
    resume = Attachment.objects.get()
    assert (resume.name, resume.extension, resume.content_type) == ("cv.pdf", "pdf", "application/pdf")
    assert "Python and Django developer" in resume.extracted_text
    assert [path.read_bytes() for path in stored_files(media)] == [real_pdf()]


@pytest.mark.parametrize(
    ("name", "content", "error"),
    [
        ("take-home.pdf", HTML, "take-home.pdf is not a PDF: its content is an HTML page."),
        ("take-home.pdf", EXE, "take-home.pdf is not a PDF: its content is a Windows program."),
        (
            "take-home.pdf",
            plain_zip(),
            "take-home.pdf is not a PDF: its content is a zip archive (or a Word, Excel or other Office file).",
        ),
        (
            "take-home.docx",
            real_pdf(),
            "take-home.docx is not a Word (.docx) document: its content is a PDF.",
        ),
        (
            "take-home.docx",
            xlsx(),
            "take-home.docx is not a Word (.docx) document: its content is a zip archive (or a Word, Excel or "
            "other Office file).",
        ),
        ("take-home.doc", real_docx(), "take-home.doc is not a Word (.doc) document: its content is a zip"),
        ("photo.png", HTML, "photo.png is not a PNG image: its content is an HTML page."),
        ("photo.jpg", real_pdf(), "photo.jpg is not a JPEG image: its content is a PDF."),
        ("notes.txt", EXE, "notes.txt is not a text file: its content is a Windows program."),
        ("notes.txt", bytes(range(256)), "notes.txt is not a text file: its content is binary data."),
        ("take-home.pdf", b"", "The file is empty."),
        ("setup.exe", EXE, "Lever accepts doc, docx, jpeg, jpg, pdf, png, txt files, not 'setup.exe'."),
    ],
    ids=lambda value: value if isinstance(value, str) and len(value) < 20 else None,
)
def test_an_attachment_that_is_not_what_it_claims_is_refused_and_nothing_is_sent(
    cast, media, application, name, content, error
):
    # The browser's content type is a claim too: it says PDF for all of these.
    response = attach(
        client_for(cast.recruiter), application, SimpleUploadedFile(name, content, "application/pdf")
    )
    assert response.status_code == 400
    assert escape(error) in response.content.decode()
    assert not WritebackAction.objects.exists() and not stored_files(media)


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("portfolio.docx", real_docx(), DOCX_TYPE),
        ("letter.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), "application/msword"),
        ("letter.doc", b"{\\rtf1\\ansi Dear team}", "application/msword"),  # Word's RTF saved as .doc
        ("photo.png", b"\x89PNG\r\n\x1a\n" + bytes(32), "image/png"),
        ("photo.jpeg", b"\xff\xd8\xff\xe0" + bytes(32), "image/jpeg"),
        ("notes.txt", "\ufeffZoë's notes: <b>strong</b> & MZ".encode(), "text/plain"),
        ("notes.txt", "UTF-16 notes".encode("utf-16"), "text/plain"),
    ],
)
def test_attachments_that_are_what_they_claim_are_queued(
    cast, media, application, name, content, content_type
):
    response = attach(
        client_for(cast.recruiter), application, SimpleUploadedFile(name, content, content_type)
    )
    assert response.status_code == 200, response.content.decode()
    assert WritebackAction.objects.get().payload["file_name"] == name


def test_an_attachment_is_sent_with_the_type_its_extension_and_content_agree_on(cast, media, application):
    upload = SimpleUploadedFile("take-home.pdf", real_pdf(), "text/html")  # a browser's claim is not trusted
    assert attach(client_for(cast.recruiter), application, upload).status_code == 200
    action = WritebackAction.objects.get()
    assert action.payload["content_type"] == "application/pdf"
    assert Path(action.file.path).resolve().is_relative_to(media.resolve())


@pytest.mark.parametrize(
    ("name", "content", "error"),
    [
        ("people.csv", xlsx(), "This is an Excel workbook (or another zip file), not a CSV file"),
        ("people.csv", EXE, "This file is not text (it contains binary data), so it cannot be a CSV file."),
        ("people.csv", bytes(range(256)) * 8, "This file is not text (it contains binary data)"),
        ("people.csv", real_pdf(), "This is a PDF, not a CSV file."),
        ("people.csv", HTML, "This is a web page (HTML), not a CSV file. Download the list again as CSV."),
        ("people.csv", b'<?xml version="1.0"?><Workbook/>', "This is an XML file (perhaps an Excel XML"),
        ("people.xlsx", xlsx(), "people.xlsx is a spreadsheet workbook, not a CSV file"),
        ("people.csv", b"", "The submitted file is empty."),
        ("people.csv", b"\xff\xfe" + "\x00\x01\x02\x03".encode("utf-16-le") * 50, "This file is not text"),
    ],
    ids=["xlsx", "exe", "binary", "pdf", "html", "xml", "workbook-name", "empty", "utf16-binary"],
)
def test_a_csv_that_is_not_a_csv_is_refused_and_nothing_is_kept(cast, media, name, content, error):
    response = upload_csv(client_for(cast.recruiter), SimpleUploadedFile(name, content, "text/csv"))
    assert response.status_code == 400
    [message] = response.context["form"].errors["file"]
    assert message.startswith(error)
    assert escape(message) in response.content.decode()
    assert nothing_stored(media)


def test_a_utf16_csv_with_a_bom_is_read_without_losing_a_character(cast, media):
    text = "Name,Email\r\nZoë Ångström,zoe@example.com\r\n王伟,wei@example.com\r\n"
    upload = SimpleUploadedFile("people.csv", text.encode("utf-16"), "text/csv")  # Excel's "Unicode text"
    response = upload_csv(client_for(cast.recruiter), upload)
    candidate_import = CandidateImport.objects.get()
    assert response.status_code == 302
    assert (candidate_import.encoding, candidate_import.headers) == ("utf-16", ["Name", "Email"])
    assert candidate_import.sample == [["Zoë Ångström", "zoe@example.com"], ["王伟", "wei@example.com"]]


# -- 100 MB -------------------------------------------------------------------------------------------------


def test_uploads_are_spooled_to_disk_not_held_in_memory():
    # Django keeps at most this much of an upload in memory; the rest goes to a temporary file.
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE <= 5 * MIB
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE <= 5 * MIB


def post_streamed(client, url: str, body: StreamedBody, **extra):
    return client.generic("POST", url, **body.environ(), **extra)


@pytest.mark.parametrize(
    ("form", "error", "read"),
    [
        # The add form keeps what was typed, so Django reads the body (spooling the file to disk).
        ("resume", "The resume is larger than 10 MB.", True),
        # The attachment and the CSV have nothing else to lose: refused by their declared length, unread.
        ("attachment", "Files can be at most 25 MB.", False),
        (
            "csv",
            "The file is 100.0 MB; files up to 20.0 MB can be imported. Split it into smaller files.",
            False,
        ),
    ],
)
def test_a_100_mb_file_gets_a_too_large_error_without_being_read_into_memory(
    cast, media, request, form, error, read
):
    client = client_for(cast.recruiter)
    if form == "resume":
        url, fields, field, name = (
            reverse("candidates:add"),
            {"name": "Ada", "export": "auto"},
            "resume",
            "cv.pdf",
        )
    elif form == "attachment":
        application = request.getfixturevalue("application")
        url = reverse("actions:application-attachment", args=[application.pk])
        fields, field, name = {}, "file", "take-home.pdf"
    else:
        url, fields, field, name = reverse("imports:new"), {}, "file", "people.csv"
    people = Candidate.objects.count()
    client.get(reverse("dashboard:index"))  # the first request's imports are not the upload's cost
    body = streamed_upload(fields, field, name, HUNDRED_MB, first=b"%PDF-1.4\n")
    with peak_memory() as memory:
        response = post_streamed(client, url, body, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert escape(error) in response.content.decode()
    assert body.position == (body.length if read else 0)
    assert memory["peak"] < 20 * MIB
    assert Candidate.objects.count() == people and not Attachment.objects.exists()
    assert not WritebackAction.objects.exists() and not CandidateImport.objects.exists()
    assert not stored_files(media)


def test_a_100_mb_note_is_refused_before_it_is_read(cast, application):
    body = StreamedBody(b"text=", HUNDRED_MB, b"", "application/x-www-form-urlencoded", filler=b"a")
    url = reverse("actions:application-note", args=[application.pk])
    client = client_for(cast.recruiter)
    with peak_memory() as memory:
        response = post_streamed(client, url, body, HTTP_HX_REQUEST="true")
    assert response.status_code == 400  # Django's RequestDataTooBig: DATA_UPLOAD_MAX_MEMORY_SIZE
    assert body.position == 0 and memory["peak"] < 5 * MIB
    assert not WritebackAction.objects.exists()


# -- nasty names --------------------------------------------------------------------------------------------

NASTY_NAMES = [
    "../../etc/passwd.pdf",
    "..\\..\\boot.ini.pdf",
    "/etc/passwd.pdf",
    "C:\\Windows\\System32\\drivers\\etc\\hosts.pdf",
    "nul\x00byte.pdf",
    "x" * 500 + ".pdf",
    "invoice\u202efdp.exe.pdf",  # right-to-left override: would display as "invoiceexe.pdf…"
    'quote"semi;colon.pdf',
    "new&#13;&#10;Set-Cookie: rd=1.pdf",  # Django unescapes entities in file names: CR LF
    "tab\there.pdf",
    "<script>alert(1)</script>.pdf",
    "...pdf",
]


def post_raw(client, url: str, body: bytes, **extra):
    return client.post(url, data=body, content_type=MULTIPART, **extra)


def assert_safe_download(client, attachment: Attachment) -> str:
    """Download the file; return the name its Content-Disposition gives, after checking the header."""
    response = client.get(reverse("candidates:file-download", args=[attachment.pk]))
    assert response.status_code == 200
    header = response["Content-Disposition"]
    assert "\r" not in header and "\n" not in header
    plain = re.fullmatch(r'attachment; filename="([^"\\]+)"', header)
    encoded = re.fullmatch(r"attachment; filename\*=utf-8''([A-Za-z0-9%._~!$&'()*+,=:@-]+)", header)
    assert plain or encoded, header
    name = plain.group(1) if plain else unquote(encoded.group(1))
    assert_safe_name(name)
    assert b"".join(response.streaming_content) == attachment.file.open("rb").read()
    return name


@pytest.mark.parametrize("filename", NASTY_NAMES)
def test_a_resume_with_a_nasty_name_is_stored_inside_media_root_under_a_safe_name(cast, media, filename):
    body = multipart(
        {"name": "Ada Lovelace", "export": "auto"}, "resume", filename, real_pdf(), "application/pdf"
    )
    client = client_for(cast.recruiter)
    response = post_raw(client, reverse("candidates:add"), body)
    assert response.status_code == 302, response.content.decode()[:500]
    resume = Attachment.objects.get()
    assert_safe_name(resume.name)
    assert resume.name.endswith(".pdf")
    [path] = stored_files(media)
    assert path.resolve().is_relative_to(media.resolve())
    assert Path(resume.file.path).resolve() == path.resolve()
    assert_safe_name(path.name)
    assert assert_safe_download(client, resume) == resume.name


@pytest.mark.parametrize(
    "name",
    [
        'cv"\r\nSet-Cookie: rd=1;.pdf',
        "evil\u202efdp.exe",
        "../../../../etc/passwd",
        # As the mirror stores them: the mapping cuts names to the column (500) and the client drops
        # NUL characters (PostgreSQL keeps none), so the longest name fits and a control character
        # other than NUL stands in for it.
        "x" * 496 + ".pdf",
        "Zoë Ångström – CV.pdf",
        "",
        "con.pdf\x01.exe",
    ],
)
def test_a_file_named_by_lever_downloads_with_a_safe_content_disposition(cast, media, name):
    """Names mirrored from Lever never went through Django's upload parser."""
    attachment = AttachmentFactory(
        application=ApplicationFactory(connection=cast.connection),
        name=name,
        extension="pdf",
        file=ContentFile(real_pdf(), name="stored.pdf"),
    )
    downloaded = assert_safe_download(client_for(cast.viewer), attachment)
    if "\u202e" in name:
        assert downloaded == "evilfdp.exe"  # the override is gone: the real extension shows
    if name.startswith("Zoë"):
        assert downloaded == "Zoë Ångström – CV.pdf"  # non-ASCII survives, as RFC 6266 filename*
    if not name:
        assert downloaded == f"attachment-{attachment.pk}.pdf"


@pytest.mark.parametrize("filename", NASTY_NAMES)
def test_an_attachment_with_a_nasty_name_reaches_lever_under_the_safe_name(
    cast, media, application, filename
):
    body = multipart({}, "file", filename, real_pdf(), "application/pdf")
    url = reverse("actions:application-attachment", args=[application.pk])
    response = post_raw(client_for(cast.recruiter), url, body, HTTP_HX_REQUEST="true")
    assert response.status_code == 200, response.content.decode()
    action = WritebackAction.objects.get()
    sent_name = action.payload["file_name"]
    assert_safe_name(sent_name)
    assert sent_name.endswith(".pdf")
    assert Path(action.file.path).resolve().is_relative_to(media.resolve())
    with responses.RequestsMock() as lever:
        lever.add(responses.POST, LEVER, json={"data": {"id": "file-1", "name": sent_name}})
        assert writeback_process(cast.connection, client_options=FAST) == {"succeeded": 1}
        [call] = lever.calls
    request = call.request
    assert request.url.startswith(f"https://api.lever.co/v1/opportunities/{application.remote_id}/files?")
    # The file part's headers: exactly these two lines, the name as stored (no injected header).
    head = request.body.split(b"\r\n\r\n", 1)[0].decode()
    assert head.split("\r\n")[1:] == [
        f'Content-Disposition: form-data; name="file"; filename="{sent_name}"',
        "Content-Type: application/pdf",
    ]
    assert real_pdf() in request.body


def test_the_note_lever_gets_is_the_literal_text_the_recruiter_typed(cast, application):
    text = "\"><script>alert('rd')</script><img src=x onerror=alert(1)> {{7*7}} & &amp; =1+1"
    url = reverse("actions:application-note", args=[application.pk])
    response = client_for(cast.recruiter).post(url, {"text": text}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    with responses.RequestsMock() as lever:
        lever.add(responses.POST, LEVER, json={"data": {"noteId": "note-1"}})
        assert writeback_process(cast.connection, client_options=FAST) == {"succeeded": 1}
        [call] = lever.calls
    assert f"/opportunities/{application.remote_id}/notes" in call.request.url
    assert json.loads(call.request.body) == {"value": text, "secret": False}  # plain text: not escaped


@pytest.mark.parametrize(
    "filename", ["../../etc/passwd.pdf", 'quote"semi;colon.pdf', "invoice\u202efdp.exe.pdf"]
)
def test_an_exported_resume_is_sent_to_lever_under_its_safe_name(cast, media, application, filename):
    body = multipart(
        {"name": "Ada Lovelace", "emails": "ada@new.example", "export": "now"},
        "resume",
        filename,
        real_pdf(),
        "application/pdf",
    )
    response = post_raw(client_for(cast.recruiter), reverse("candidates:add"), body)
    assert response.status_code == 302
    resume = Attachment.objects.get(candidate__name="Ada Lovelace")
    create = WritebackAction.objects.get(kind=WritebackKind.CREATE_CANDIDATE)
    assert create.payload["file_name"] == resume.name  # what send() names the multipart file
    assert_safe_name(create.payload["file_name"])
    assert Path(create.file.path).resolve().is_relative_to(media.resolve())
