from __future__ import annotations

from django.urls import path

from apps.integrations import views, views_connect, views_health

app_name = "integrations"
urlpatterns = [
    path("", views.integration_index, name="index"),
    # Connect: review permissions → credentials → (OAuth) Lever's consent screen → callback
    path("add/<slug:provider>/", views_connect.integration_review, name="add"),
    path("lever/credentials/", views_connect.lever_credentials, name="lever-credentials"),
    path("lever/callback/", views_connect.lever_callback, name="lever-callback"),
    # Polled by every member's My Integrations tab (outside /<pk>/, which is the admins' panel)
    path("sync-progress/<int:pk>/", views_health.connection_progress, name="connection-progress"),
    # One connection: health panel and its actions
    path("<int:pk>/", views.connection_detail, name="connection-detail"),
    path("<int:pk>/test/", views_health.connection_test, name="connection-test"),
    path(
        "<int:pk>/writeback-user/", views_health.connection_writeback_user, name="connection-writeback-user"
    ),
    path("<int:pk>/reconnect/", views_connect.lever_credentials, name="connection-reconnect"),
    path("<int:pk>/disconnect/", views_connect.connection_disconnect, name="connection-disconnect"),
    path("<int:pk>/sweep-budget/", views.connection_sweep_budget, name="connection-sweep-budget"),
    path("approvals/", views.writeback_approvals, name="approvals"),
    path("approvals/decide/", views.writeback_decide, name="approvals-decide"),
    path("writebacks/<int:pk>/status/", views.writeback_status, name="writeback-status"),
    path("writebacks/<int:pk>/retry/", views.writeback_retry, name="writeback-retry"),
]
