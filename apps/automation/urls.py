from __future__ import annotations

from django.urls import path

from apps.automation import views, views_notifications

app_name = "automation"
urlpatterns = [
    path("", views.rule_index, name="index"),
    path("new/", views.rule_create, name="new"),
    path("<int:pk>/", views.rule_detail, name="detail"),
    path("<int:pk>/edit/", views.rule_edit, name="edit"),
    path("<int:pk>/preview/", views.rule_preview_page, name="preview"),
    path("<int:pk>/mode/", views.rule_mode, name="mode"),
    path("<int:pk>/apply/", views.rule_apply, name="apply"),
    path("<int:pk>/delete/", views.rule_remove, name="delete"),
    path("notifications/", views_notifications.notification_list, name="notifications"),
    path("notifications/count/", views_notifications.notification_count, name="notification-count"),
    path(
        "notifications/read-all/", views_notifications.notifications_read_all, name="notifications-read-all"
    ),
    path("notifications/settings/", views_notifications.notification_settings, name="notification-settings"),
    path("notifications/<int:pk>/open/", views_notifications.notification_open, name="notification-open"),
]
