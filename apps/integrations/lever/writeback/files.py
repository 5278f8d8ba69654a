"""Files on an opportunity (§9.6). An upload is not idempotent, so an uncertain attempt is checked first."""

from __future__ import annotations

from typing import Any

from apps.integrations.lever import mapping
from apps.integrations.lever.client import LeverClient
from apps.integrations.lever.parsing import parse_int
from apps.integrations.lever.wire import segment
from apps.integrations.lever.writeback.base import Handler, PlannedCall, WritebackRefused, perform_as
from apps.integrations.lever.writeback.common import pin_application, since_ms, target_application
from apps.integrations.models import WritebackAction, WritebackKind
from apps.integrations.upsert import MirrorWriter


class AddAttachment(Handler):
    kind = WritebackKind.ADD_ATTACHMENT

    def plan(self, action: WritebackAction) -> list[PlannedCall]:
        if not action.file:
            raise WritebackRefused("The file to upload is missing.")
        application = target_application(action)
        return [
            PlannedCall(
                "POST",
                f"/opportunities/{segment(application.remote_id)}/files",
                perform_as(action),  # required on uploads (LEVER_API.md §2.5)
                file_field="file",
                idempotent=False,
            )
        ]

    def execute(self, action: WritebackAction, client: LeverClient) -> Any:
        pin_application(action)
        return super().execute(action, client)

    def already_applied(self, action: WritebackAction, client: LeverClient) -> Any:
        """Find the file an earlier attempt may have uploaded: same name (and size), uploaded since the action."""
        application = target_application(action)
        name, size, since = action.payload.get("file_name"), action.payload.get("size"), since_ms(action)
        for file in client.iter_files(application.remote_id, uploaded_at_start=since):
            uploaded = parse_int(file.get("uploadedAt")) or 0
            same_size = size is None or parse_int(file.get("size")) in (None, size)
            if file.get("name") == name and same_size and uploaded >= since:
                return file
        return None

    def reflect(self, action: WritebackAction, answer: Any, writer: MirrorWriter) -> None:
        if isinstance(answer, dict) and answer.get("id"):
            application = target_application(action)
            writer.write(mapping.map_files(application.remote_id, application.candidate.remote_id, [answer]))
