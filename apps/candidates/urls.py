from __future__ import annotations

from django.urls import path

from apps.candidates import views, views_sourcing

app_name = "candidates"
urlpatterns = [
    path("", views.candidate_list, name="list"),
    path("duplicates/", views.candidate_duplicates, name="duplicates"),
    path("<int:pk>/", views.candidate_detail, name="detail"),
    path("<int:pk>/changes/", views.candidate_changes, name="changes"),
    path("files/<int:pk>/download/", views.file_download, name="file-download"),
    path("files/<int:pk>/preview/", views.file_preview, name="file-preview"),
    # Sourcing: add (and correct) a person, export them to Lever, resolve a duplicate, a job's ATS sync.
    path("new/", views_sourcing.candidate_add, name="add"),
    path("<int:pk>/edit/", views_sourcing.candidate_edit, name="edit"),
    path("<int:pk>/export/", views_sourcing.candidate_export, name="export"),
    path("exports/<int:pk>/", views_sourcing.export_status, name="export-status"),
    path("exports/<int:pk>/add-to-job/", views_sourcing.export_add_to_job, name="export-add-to-job"),
    path("exports/<int:pk>/skip/", views_sourcing.export_skip, name="export-skip"),
    path("jobs/<int:pk>/ats-sync/", views_sourcing.job_ats_sync, name="job-ats-sync"),
]
