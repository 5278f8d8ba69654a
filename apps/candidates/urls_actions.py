"""Recruiter actions on applications (single and bulk); each enqueues write-backs to Lever."""

from __future__ import annotations

from django.urls import path

from apps.candidates import views_actions as views

app_name = "actions"
urlpatterns = [
    path("applications/<int:pk>/move/", views.application_move, name="application-move"),
    path("applications/<int:pk>/reject/", views.application_reject, name="application-reject"),
    path("applications/<int:pk>/tags/add/", views.application_tag_add, name="application-tag-add"),
    path("applications/<int:pk>/tags/remove/", views.application_tag_remove, name="application-tag-remove"),
    path("applications/<int:pk>/note/", views.application_note, name="application-note"),
    path("applications/<int:pk>/attachment/", views.application_attachment, name="application-attachment"),
    path("applications/<int:pk>/result-link/", views.application_result_link, name="application-result-link"),
    path("applications/<int:pk>/rescore/", views.application_rescore, name="application-rescore"),
    path("bulk/", views.bulk, name="bulk"),
    path("batches/<uuid:batch_id>/", views.batch_status, name="batch-status"),
]
