from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from apps.integrations.webhook_views import lever_webhook_receive

admin.site.site_header = "Recruitdesk staff admin"
admin.site.site_title = "Recruitdesk admin"
admin.site.index_title = "Mirror, outbox and workspaces"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("", include("apps.accounts.urls")),
    path("jobs/", include("apps.jobs.urls")),
    path("candidates/", include("apps.candidates.urls")),
    path("actions/", include("apps.candidates.urls_actions")),
    path("scoring/", include("apps.scoring.urls")),
    path("integrations/", include("apps.integrations.urls")),
    path("imports/", include("apps.imports.urls")),
    path("automation/", include("apps.automation.urls")),
    path("webhooks/lever/<str:token>/", lever_webhook_receive, name="lever-webhook"),
    path("", include("apps.dashboard.urls")),
]

handler500 = "apps.core.errors.server_error"
