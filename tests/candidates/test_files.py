from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from apps.candidates.files import download_name
from apps.candidates.models import Attachment
from tests.candidates.factories import ApplicationFactory, AttachmentFactory
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def stored(cast, content=PDF, name="Ada CV.pdf", **kwargs):
    application = ApplicationFactory(connection=cast.connection)
    defaults = {"content_type": "application/pdf", "extension": "pdf", "size": len(content)}
    return AttachmentFactory(
        application=application, name=name, file=ContentFile(content, name="cv.bin"), **{**defaults, **kwargs}
    )


def body(response):
    return b"".join(response.streaming_content)


def test_download_is_an_attachment_with_a_safe_name_and_no_sniffing(cast):
    attachment = stored(cast, name='../../etc/"evil"\r\nX-Injected: 1;.pdf')
    response = client_for(cast.viewer).get(reverse("candidates:file-download", args=[attachment.pk]))
    assert response.status_code == 200 and body(response) == PDF
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;") and "\r" not in disposition and "\n" not in disposition
    assert ".." not in disposition and "/" not in disposition and '"evil"' not in disposition
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "X-Injected" not in response.headers


def test_preview_serves_a_pdf_inline_and_never_sniffed(cast):
    attachment = stored(cast)
    response = client_for(cast.viewer).get(reverse("candidates:file-preview", args=[attachment.pk]))
    assert response.status_code == 200 and body(response) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert (
        response["Content-Disposition"].startswith("inline;")
        and "Ada CV.pdf" in response["Content-Disposition"]
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "SAMEORIGIN"


@pytest.mark.parametrize(
    ("content", "kwargs"),
    [
        (b"<html><script>alert(1)</script></html>", {}),  # says PDF, is not
        (PDF, {"content_type": "text/html", "extension": "html", "name": "page.html"}),  # is PDF, says not
        (b"PK\x03\x04 docx", {"content_type": "application/msword", "extension": "docx", "name": "cv.docx"}),
    ],
)
def test_preview_refuses_anything_but_a_pdf(cast, content, kwargs):
    attachment = stored(cast, content=content, **kwargs)
    response = client_for(cast.viewer).get(reverse("candidates:file-preview", args=[attachment.pk]))
    assert response.status_code == 415
    assert (
        response["Content-Type"].startswith("text/plain") and response["X-Content-Type-Options"] == "nosniff"
    )


def test_files_not_downloaded_from_lever_are_a_404_and_say_so_on_the_profile(cast):
    attachment = AttachmentFactory(application=ApplicationFactory(connection=cast.connection), name="cv.pdf")
    client = client_for(cast.viewer)
    for name in ("candidates:file-download", "candidates:file-preview"):
        assert client.get(reverse(name, args=[attachment.pk])).status_code == 404
    page = client.get(reverse("candidates:detail", args=[attachment.candidate_id])).content.decode()
    assert "Not downloaded yet from Lever" in page
    assert reverse("candidates:file-download", args=[attachment.pk]) not in page


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"size": 31 * 1024 * 1024, "processing_status": "processed"}, "Too large to keep here"),
        ({"processing_status": "unsupported"}, "Lever could not provide this file"),
        (
            {"processing_status": "processed", "text_extracted_at": "2026-01-01T00:00Z"},
            "Lever could not provide",
        ),
    ],
)
def test_files_only_in_lever_say_why_and_link_to_lever(cast, fields, says):
    lever = "https://hire.lever.co/candidates/abc"
    application = ApplicationFactory(connection=cast.connection, remote_url=lever)
    attachment = AttachmentFactory(application=application, name="Portfolio.pdf", kind="file", **fields)
    page = (
        client_for(cast.viewer)
        .get(reverse("candidates:detail", args=[attachment.candidate_id]))
        .content.decode()
    )
    assert says in page and "Not downloaded yet" not in page
    assert f'href="{lever}" target="_blank"' in page.split("Resumes and files", 1)[1]
    assert reverse("candidates:file-download", args=[attachment.pk]) not in page


def test_files_of_another_workspace_deleted_or_of_anonymised_people_are_a_404(cast):
    attachment = stored(cast)
    for name in ("candidates:file-download", "candidates:file-preview"):
        assert client_for(cast.outsider).get(reverse(name, args=[attachment.pk])).status_code == 404
    Attachment.objects.filter(pk=attachment.pk).update(remote_deleted_at=attachment.created_at)
    assert (
        client_for(cast.viewer).get(reverse("candidates:file-download", args=[attachment.pk])).status_code
        == 404
    )
    other = stored(cast)
    other.candidate.is_anonymized = True
    other.candidate.save()
    assert (
        client_for(cast.viewer).get(reverse("candidates:file-download", args=[other.pk])).status_code == 404
    )


def test_the_profile_lists_files_with_size_type_date_and_links(cast):
    pdf = stored(cast, name="Ada CV.pdf", size=2048)
    docx = AttachmentFactory(
        application=pdf.application,
        name="Cover letter.docx",
        extension="docx",
        kind="file",
        file=ContentFile(b"PK", name="letter.docx"),
    )
    page = client_for(cast.viewer).get(reverse("candidates:detail", args=[pdf.candidate_id])).content.decode()
    assert "Ada CV.pdf" in page and "2.0\xa0KB" in page and "PDF" in page and "DOCX" in page
    assert reverse("candidates:file-download", args=[pdf.pk]) in page
    assert reverse("candidates:file-preview", args=[pdf.pk]) in page
    assert reverse("candidates:file-download", args=[docx.pk]) in page
    assert reverse("candidates:file-preview", args=[docx.pk]) not in page  # only PDFs preview


@pytest.mark.parametrize(
    ("name", "extension", "expected"),
    [
        ("Ada Lovelace CV.pdf", "pdf", "Ada Lovelace CV.pdf"),
        ("C:\\Users\\ada\\cv.pdf", "", "cv.pdf"),
        ("../../etc/passwd", "", "passwd"),
        ('a"b<c>|d?.pdf', "", "a_b_c_d.pdf"),
        ("Zoë Ødegaard – CV.docx", "docx", "Zoë Ødegaard – CV.docx"),
        ("", "pdf", "attachment-1.pdf"),
        ("...", "", "attachment-1"),
        ("resume", "PDF", "resume.pdf"),
        ("x" * 300 + ".pdf", "", "x" * 120 + ".pdf"),
        ("line\r\nbreak.pdf", "", "line_break.pdf"),
    ],
)
def test_download_names_are_safe(name, extension, expected):
    assert download_name(Attachment(pk=1, name=name, extension=extension)) == expected


def test_a_file_row_whose_bytes_are_gone_from_storage_is_a_404(cast):
    attachment = AttachmentFactory(application=ApplicationFactory(connection=cast.connection), name="cv.pdf")
    Attachment.objects.filter(pk=attachment.pk).update(file="attachments/2025/01/vanished.pdf")
    client = client_for(cast.viewer)
    for name in ("candidates:file-download", "candidates:file-preview"):
        assert client.get(reverse(name, args=[attachment.pk])).status_code == 404
