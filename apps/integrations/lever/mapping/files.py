"""An opportunity's resumes and other files → Attachments (metadata only; the engine fetches the bytes)."""

from __future__ import annotations

from typing import Any

from apps.integrations.lever.mapping.values import items, obj, ref_id, text
from apps.integrations.lever.parsing import parse_int, parse_ms
from apps.integrations.records import Record

_MAX_SIZE = 2**63 - 1  # the largest value a PositiveBigIntegerField holds

# A fixed table rather than `mimetypes`, whose answers depend on the host's /etc/mime.types and
# would make the same Lever object hash differently on two machines.
CONTENT_TYPES: dict[str, str] = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "doc": "application/msword",
    "odt": "application/vnd.oasis.opendocument.text",
    "rtf": "application/rtf",
    "txt": "text/plain",
    "md": "text/markdown",
    "html": "text/html",
    "htm": "text/html",
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "xls": "application/vnd.ms-excel",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "ppt": "application/vnd.ms-powerpoint",
    "key": "application/vnd.apple.keynote",
    "pages": "application/vnd.apple.pages",
    "zip": "application/zip",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "heic": "image/heic",
    "svg": "image/svg+xml",
    "js": "text/javascript",
}


def map_resumes(opportunity_id: str, contact_id: str, resumes: Any) -> list[Record]:
    """Map resumes (`{id, createdAt, file{…}, parsedData{positions, schools}}`)."""
    records = []
    for resume in items(resumes):
        resume_id = ref_id(resume.get("id"))
        if resume_id is None:
            continue
        file = obj(resume.get("file"))
        parsed = obj(resume.get("parsedData"))
        created = parse_ms(resume.get("createdAt"))
        records.append(
            _attachment(
                resume_id,
                opportunity_id,
                contact_id,
                resume,
                kind="resume",
                name=file.get("name"),
                ext=file.get("ext"),
                size=file.get("size"),
                uploaded_at=parse_ms(file.get("uploadedAt")) or created,
                status=file.get("status"),
                positions=_dicts(parsed.get("positions")),
                schools=_dicts(parsed.get("schools")),
                created=created,
            )
        )
    return records


def map_files(opportunity_id: str, contact_id: str, files: Any) -> list[Record]:
    """Map other files (`{id, name, ext ".pdf", size, uploadedAt, status, downloadUrl}`)."""
    records = []
    for file in items(files):
        file_id = ref_id(file.get("id"))
        if file_id is None:
            continue
        uploaded = parse_ms(file.get("uploadedAt"))
        records.append(
            _attachment(
                file_id,
                opportunity_id,
                contact_id,
                file,
                kind="file",
                name=file.get("name"),
                ext=file.get("ext"),
                size=file.get("size"),
                uploaded_at=uploaded,
                status=file.get("status"),
                positions=[],
                schools=[],
                # Files carry no createdAt; their upload is their creation.
                created=parse_ms(file.get("createdAt")) or uploaded,
            )
        )
    return records


def _attachment(
    remote_id: str,
    opportunity_id: str,
    contact_id: str,
    raw: dict[str, Any],
    *,
    kind: str,
    name: Any,
    ext: Any,
    size: Any,
    uploaded_at: Any,
    status: Any,
    positions: list[dict[str, Any]],
    schools: list[dict[str, Any]],
    created: Any,
) -> Record:
    file_name = text(name, 500)
    extension = extension_of(ext, file_name)
    byte_size = parse_int(size)
    return Record(
        model="candidates.Attachment",
        remote_id=remote_id,
        fields={
            "kind": kind,
            "name": file_name,
            "extension": extension,
            "content_type": CONTENT_TYPES.get(extension, ""),
            "size": byte_size if byte_size is not None and 0 <= byte_size <= _MAX_SIZE else None,
            "uploaded_at": uploaded_at,
            "processing_status": text(status, 20),
            "parsed_positions": positions,
            "parsed_schools": schools,
            "remote_created_at": created,
        },
        refs={"application": opportunity_id, "candidate": contact_id},
        remote_data=raw,
    )


def extension_of(ext: Any, name: str = "") -> str:
    """Return a lower-case extension without the dot: resumes say "pdf", files ".pdf"; else the name's."""
    value = text(ext).lower().lstrip(".")
    if not value and "." in name:
        value = name.rsplit(".", 1)[1].strip().lower()
    return value if value.isalnum() and len(value) <= 16 else ""


def _dicts(values: Any) -> list[dict[str, Any]]:
    return [v for v in values if isinstance(v, dict)] if isinstance(values, list) else []
