"""Checks the write-back services share before they enqueue: right workspace, in Lever, alive, valid file.

Each check raises django's ValidationError with a sentence a recruiter can act on; nothing here
talks to Lever. Role checks are the views' business, not these.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File

from apps.accounts.models import Membership
from apps.core.uploads import describe_content, read_head, safe_filename
from apps.integrations.lever.mapping.files import CONTENT_TYPES, extension_of
from apps.integrations.models import Connection, ConnectionStatus, WritebackAction, WritebackSource

MAX_UPLOAD_BYTES = 30 * 1024 * 1024  # Lever's limit on uploads (LEVER_API.md §9.6)
# The formats Lever documents for uploads (§3); anything else may be stored but is never parsed.
UPLOAD_EXTENSIONS = frozenset({"doc", "docx", "pdf", "txt", "jpg", "jpeg", "png"})
# What each of those formats is called in an error, and the first bytes it must start with.
_FORMATS = {
    "pdf": ("a PDF", ()),  # the header may follow some junk: checked apart
    "docx": ("a Word (.docx) document", (b"PK\x03\x04",)),
    "doc": (
        "a Word (.doc) document",
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"{\\rtf"),
    ),  # Word saves RTF as .doc
    "png": ("a PNG image", (b"\x89PNG\r\n\x1a\n",)),
    "jpg": ("a JPEG image", (b"\xff\xd8\xff",)),
    "jpeg": ("a JPEG image", (b"\xff\xd8\xff",)),
    "txt": ("a text file", ()),
}


def enqueue_checked(
    *,
    connection: Connection,
    kind: str,
    payload: dict[str, Any],
    requested_by: Any,
    source: str,
    idempotency_key: str | None,
    **targets: Any,
) -> WritebackAction:
    """Check the source and the requester, then enqueue (see outbox.writeback_enqueue)."""
    from apps.integrations.outbox import writeback_enqueue

    check_source(source)
    check_requester(requested_by, connection)
    return writeback_enqueue(
        connection=connection,
        kind=kind,
        payload=payload,
        requested_by=requested_by,
        source=source,
        idempotency_key=idempotency_key,
        **targets,
    )


def check_source(source: str) -> None:
    if source not in WritebackSource.values:
        raise ValidationError(f"Unknown write-back source {source!r}.", code="source")


def check_connection(connection: Connection | None) -> Connection:
    """Return the connection, refusing a missing or disconnected one (others queue until they are live)."""
    if connection is None:
        raise ValidationError("This workspace is not connected to Lever.", code="no_connection")
    if connection.status == ConnectionStatus.DISCONNECTED:
        raise ValidationError(
            "Lever is disconnected: reconnect it before sending changes.", code="disconnected"
        )
    return connection


def check_requester(user: Any, connection: Connection) -> None:
    """Refuse a requester who is not a member of the connection's workspace."""
    if user is None:
        return
    if (
        not getattr(user, "pk", None)
        or not Membership.objects.filter(workspace_id=connection.workspace_id, user_id=user.pk).exists()
    ):
        raise ValidationError("You are not a member of this workspace.", code="workspace")


def in_lever(obj: Any, what: str) -> Connection:
    """Return the connection of a mirrored row that is in Lever and alive; refuse it otherwise."""
    if obj is None:
        raise ValidationError(f"Choose a {what}.", code="missing")
    if obj.remote_deleted_at is not None:
        raise ValidationError(f"This {what} was deleted in Lever.", code="deleted")
    if obj.remote_id is None or obj.connection_id is None:
        raise ValidationError(f"This {what} is not in Lever yet.", code="not_in_lever")
    return check_connection(obj.connection)


def same_connection(obj: Any, connection: Connection, what: str) -> None:
    """Refuse a related row (stage, reason, job, user) of another workspace or Lever account, or deleted."""
    if obj.workspace_id != connection.workspace_id or obj.connection_id != connection.pk:
        raise ValidationError(f"This {what} belongs to another workspace or Lever account.", code="workspace")
    if obj.remote_deleted_at is not None:
        raise ValidationError(f"This {what} was deleted in Lever.", code="deleted")


def check_perform_as(connection: Connection, user: Any) -> None:
    """Refuse an action Lever must attribute (creates, uploads, postings) when there is nobody to act as."""
    from apps.integrations.outbox import perform_as_for

    if not perform_as_for(connection, user):
        raise ValidationError(
            "No Lever user to attribute this to: use the email of your Lever user, or ask an admin to "
            "choose the connection's default write-back user.",
            code="perform_as",
        )


def text_value(value: Any, what: str, *, limit: int, required: bool = True) -> str:
    """Return a stripped one-line text, refusing non-strings, empty required values and long ones."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError(f"The {what} must be text.", code="invalid")
    value = value.strip()
    if required and not value:
        raise ValidationError(f"The {what} is required.", code="required")
    if len(value) > limit:
        raise ValidationError(f"The {what} is too long (at most {limit} characters).", code="too_long")
    return value


def file_payload(file: File | None) -> dict[str, Any]:
    """Return the payload fields of an upload (name, content type, size) after checking Lever's limits.

    The name is made safe (no directories, control, bidi or header-unsafe characters) before it is
    stored or sent to Lever, and the content must be what the extension says: a browser's claimed
    content type is not trusted, so an HTML page or a program renamed ".pdf" is refused.
    """
    if file is None:
        raise ValidationError("Choose a file to upload.", code="required")
    raw = (getattr(file, "name", "") or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    if not raw:
        raise ValidationError("The file has no name.", code="invalid")
    name = safe_filename(raw, default_stem="upload")
    extension = extension_of("", name)
    if extension not in UPLOAD_EXTENSIONS:
        allowed = ", ".join(sorted(UPLOAD_EXTENSIONS))
        raise ValidationError(f"Lever accepts {allowed} files, not {name!r}.", code="file_type")
    size = getattr(file, "size", None)
    if not size:
        raise ValidationError(f"{name} is empty.", code="empty")
    if size > MAX_UPLOAD_BYTES:
        raise ValidationError(f"{name} is larger than Lever's 30 MB limit.", code="too_large")
    _check_content(file, name, extension)
    return {"file_name": name, "content_type": CONTENT_TYPES[extension], "size": size}


def _check_content(file: File, name: str, extension: str) -> None:
    """Refuse a file whose first bytes are not the format its extension claims (or a Word bomb)."""
    from apps.candidates.text_extraction import NOT_A_WORD_PACKAGE, docx_problem

    head = read_head(file)
    label, signatures = _FORMATS[extension]
    if extension == "pdf":
        matches = b"%PDF-" in head  # PDF readers accept the header anywhere in the first kilobyte
    elif extension == "txt":
        matches = describe_content(head) == "text"
    else:
        matches = head.startswith(signatures)
    problem = docx_problem(file) if matches and extension == "docx" else ""
    if not matches or problem == NOT_A_WORD_PACKAGE:
        raise ValidationError(
            f"{name} is not {label}: its content is {describe_content(head)}.", code="file_type"
        )
    if problem:
        raise ValidationError(f"{name} cannot be read safely: {problem}.", code="unsafe")


def person_key(identity: str) -> str:
    """Return a target key that orders every create of one person (no local row to key on)."""
    return f"person:{hashlib.sha256(identity.encode()).hexdigest()[:40]}"


def unknown_keys(data: Mapping[str, Any], allowed: frozenset[str], what: str) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ValidationError(f"Unknown {what} field(s): {', '.join(unknown)}.", code="unknown")
