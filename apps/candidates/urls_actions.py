"""Recruiter actions on applications (single and bulk); each enqueues write-backs to Lever."""

from __future__ import annotations

from django.urls import path

from apps.candidates import views_actions as views
from apps.candidates.actions import Action

# (URL segment, action, URL name) of each single action that goes through the same view.
SINGLE_ACTIONS = (
    ("move", Action.MOVE, "application-move"),
    ("reject", Action.REJECT, "application-reject"),
    ("tags/add", Action.TAG_ADD, "application-tag-add"),
    ("tags/remove", Action.TAG_REMOVE, "application-tag-remove"),
    ("note", Action.NOTE, "application-note"),
    ("attachment", Action.ATTACHMENT, "application-attachment"),
    ("result-link", Action.RESULT_LINK, "application-result-link"),
)

app_name = "actions"
urlpatterns = [
    *(
        path(f"applications/<int:pk>/{route}/", views.application_action, {"action": action}, name=name)
        for route, action, name in SINGLE_ACTIONS
    ),
    path("applications/<int:pk>/rescore/", views.application_rescore, name="application-rescore"),
    path("bulk/", views.bulk, name="bulk"),
    path("batches/<uuid:batch_id>/", views.batch_status, name="batch-status"),
]
