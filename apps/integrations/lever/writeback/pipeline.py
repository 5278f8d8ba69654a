"""Tags, stage moves, rejections and unarchiving: set-like or PUT calls, safe to repeat (§9.2–9.4)."""

from __future__ import annotations

from apps.integrations.lever.wire import segment
from apps.integrations.lever.writeback.base import Handler, PlannedCall, WritebackRefused
from apps.integrations.models import WritebackAction, WritebackKind


def opportunity_path(action: WritebackAction, suffix: str) -> str:
    application = action.application
    if application is None or not application.remote_id:
        raise WritebackRefused("This application is not in Lever yet.")
    return f"/opportunities/{segment(application.remote_id)}/{suffix}"


def optional_perform_as(action: WritebackAction) -> dict[str, str]:
    # perform_as is optional on these endpoints, but attribution is the point: send it when known.
    return {"perform_as": action.perform_as_remote_id} if action.perform_as_remote_id else {}


class AddTag(Handler):
    kind = WritebackKind.ADD_TAG

    def plan(self, action: WritebackAction) -> list[PlannedCall]:
        return [
            PlannedCall(
                "POST",
                opportunity_path(action, "addTags"),
                optional_perform_as(action),
                json={"tags": [action.payload["tag"]]},
            )
        ]


class RemoveTag(Handler):
    kind = WritebackKind.REMOVE_TAG

    def plan(self, action: WritebackAction) -> list[PlannedCall]:
        return [
            PlannedCall(
                "POST",
                opportunity_path(action, "removeTags"),
                optional_perform_as(action),
                json={"tags": [action.payload["tag"]]},
            )
        ]


class MoveStage(Handler):
    kind = WritebackKind.MOVE_STAGE

    def plan(self, action: WritebackAction) -> list[PlannedCall]:
        return [
            PlannedCall(
                "PUT",
                opportunity_path(action, "stage"),
                optional_perform_as(action),
                json={"stage": action.payload["stage_id"]},
            )
        ]


class Reject(Handler):
    kind = WritebackKind.REJECT

    def plan(self, action: WritebackAction) -> list[PlannedCall]:
        body = {"reason": action.payload["reason_id"]}
        if action.payload.get("clean_interviews"):
            body["cleanInterviews"] = True
        return [
            PlannedCall("PUT", opportunity_path(action, "archived"), optional_perform_as(action), json=body)
        ]


class Unarchive(Handler):
    kind = WritebackKind.UNARCHIVE

    def plan(self, action: WritebackAction) -> list[PlannedCall]:
        return [
            PlannedCall(
                "PUT",
                opportunity_path(action, "archived"),
                optional_perform_as(action),
                json={"reason": None},
            )
        ]
