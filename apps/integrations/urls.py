from __future__ import annotations

from django.urls import path

from apps.integrations import views

app_name = "integrations"
urlpatterns = [
    path("", views.integration_index, name="index"),
    path("<int:pk>/", views.connection_detail, name="connection-detail"),
    path("<int:pk>/sweep-budget/", views.connection_sweep_budget, name="connection-sweep-budget"),
    path("approvals/", views.writeback_approvals, name="approvals"),
    path("approvals/decide/", views.writeback_decide, name="approvals-decide"),
    path("writebacks/<int:pk>/retry/", views.writeback_retry, name="writeback-retry"),
]
