from __future__ import annotations

from django.urls import path

from apps.scoring import views

app_name = "scoring"
urlpatterns = [
    path("settings/", views.scoring_settings, name="settings"),
    path("jobs/<int:pk>/", views.job_scoring, name="job"),
    path("jobs/<int:pk>/profile/", views.job_profile_update, name="job-profile"),
    path("jobs/<int:pk>/rescore/", views.job_rescore, name="job-rescore"),
    path("jobs/<int:pk>/export.csv", views.job_audit_export, name="job-export"),
    path("jobs/<int:pk>/join-keys.csv", views.job_audit_keys, name="job-join-keys"),
    path("applications/<int:pk>/feedback/", views.application_feedback, name="application-feedback"),
]
