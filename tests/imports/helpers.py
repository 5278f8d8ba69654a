"""Drive an import through its pages, as a recruiter would."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.imports.models import CandidateImport


def upload(client, content: bytes | str, name: str = "people.csv"):
    data = content.encode() if isinstance(content, str) else content
    return client.post(
        reverse("imports:new"), {"file": SimpleUploadedFile(name, data, content_type="text/csv")}
    )


def latest_import() -> CandidateImport:
    return CandidateImport.objects.order_by("-pk").first()


def save_mapping(client, candidate_import: CandidateImport, changes: dict[int, str] | None = None, **extra):
    """Post the mapping page with its detected mapping, plus `changes` ({column index: field})."""
    mapping = {int(i): key for i, key in candidate_import.mapping.items()}
    mapping.update(changes or {})
    data = {f"column_{i}": mapping.get(i, "") for i in range(len(candidate_import.headers))}
    data.update({key: getattr(value, "pk", value) for key, value in extra.items()})
    return client.post(reverse("imports:mapping", args=[candidate_import.pk]), data)


def run(client, candidate_import: CandidateImport, capture, export: str = "never"):
    """Start the import; django-q2 runs tasks inline in tests, once the transaction commits."""
    with capture(execute=True):
        response = client.post(reverse("imports:run", args=[candidate_import.pk]), {"export": export})
    candidate_import.refresh_from_db()
    return response


def import_csv(
    client, content: bytes | str, capture, *, export: str = "never", **mapping_extra
) -> CandidateImport:
    response = upload(client, content)
    assert response.status_code == 302, response.content.decode()[:2000]
    candidate_import = latest_import()
    response = save_mapping(client, candidate_import, **mapping_extra)
    assert response.status_code == 302, response.content.decode()[:3000]
    run(client, latest_import(), capture, export)
    return CandidateImport.objects.get(pk=candidate_import.pk)
