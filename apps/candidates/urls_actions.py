"""Recruiter actions on applications (single and bulk); each enqueues write-backs to Lever."""

from __future__ import annotations

app_name = "actions"
urlpatterns: list = []
