from __future__ import annotations

from django.urls import path

from apps.accounts import views

app_name = "accounts"
urlpatterns = [
    path("workspaces/new/", views.workspace_create, name="workspace-create"),
    path("workspaces/switch/", views.workspace_switch, name="workspace-switch"),
    path("settings/", views.settings_index, name="settings"),
    path("settings/workspace/", views.workspace_rename, name="workspace-rename"),
    path("settings/writeback-approval/", views.writeback_approval, name="writeback-approval"),
    path("settings/members/add/", views.member_add, name="member-add"),
    path("settings/members/<int:pk>/role/", views.member_change_role, name="member-role"),
    path("settings/members/<int:pk>/remove/", views.member_remove, name="member-remove"),
]
