from __future__ import annotations

from django.urls import path

from apps.dashboard import views

app_name = "dashboard"
urlpatterns = [
    path("", views.index, name="index"),
    path("sync-strip/", views.sync_strip, name="sync-strip"),
]
