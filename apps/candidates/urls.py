from __future__ import annotations

from django.urls import path

from apps.candidates import views

app_name = "candidates"
urlpatterns = [
    path("", views.candidate_list, name="list"),
    path("duplicates/", views.candidate_duplicates, name="duplicates"),
    path("<int:pk>/", views.candidate_detail, name="detail"),
    path("<int:pk>/changes/", views.candidate_changes, name="changes"),
    path("files/<int:pk>/download/", views.file_download, name="file-download"),
    path("files/<int:pk>/preview/", views.file_preview, name="file-preview"),
]
