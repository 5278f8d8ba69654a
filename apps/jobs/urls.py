from __future__ import annotations

from django.urls import path

from apps.jobs import views, views_edit, views_pipeline

app_name = "jobs"
urlpatterns = [
    path("", views.job_list, name="list"),
    path("<int:pk>/", views.job_detail, name="detail"),
    path("<int:pk>/edit/", views_edit.job_edit, name="edit"),
    path("<int:pk>/pipeline/", views_pipeline.job_pipeline, name="pipeline"),
    path("<int:pk>/pipeline/list/", views_pipeline.job_pipeline_list, name="pipeline-list"),
    path("<int:pk>/pipeline/export.csv", views_pipeline.job_pipeline_export, name="pipeline-export"),
    path("<int:pk>/pipeline/changes/", views_pipeline.job_pipeline_changes, name="pipeline-changes"),
]
