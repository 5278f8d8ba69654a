from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import BaseUserCreationForm, UserChangeForm

from apps.accounts.models import Membership, User, Workspace
from apps.core.admin_utils import admin_changelist_link, admin_link


class UserCreationForm(BaseUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("user", "workspace")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserEditForm
    add_form = UserCreationForm
    ordering = ("email",)
    list_display = ("email", "full_name", "is_staff", "is_active", "date_joined", "last_login")
    list_filter = ("is_staff", "is_superuser", "is_active", "memberships__workspace")
    search_fields = ("email", "full_name")
    date_hierarchy = "date_joined"
    readonly_fields = ("last_login", "date_joined")
    inlines = (MembershipInline,)
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("full_name",)}),
        ("Access", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


@admin.register(Workspace)
class WorkspaceAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "member_count", "connections", "created_at")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    date_hierarchy = "created_at"
    inlines = (MembershipInline,)

    @admin.display(description="members")
    def member_count(self, obj: Workspace) -> int:
        return obj.memberships.count()

    @admin.display(description="connections")
    def connections(self, obj: Workspace) -> str:
        from apps.integrations.models import Connection

        return admin_changelist_link(Connection, "View", workspace__id__exact=obj.pk)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "workspace_link", "role", "created_at")
    list_filter = ("role", "workspace")
    search_fields = ("user__email", "user__full_name", "workspace__name")
    autocomplete_fields = ("user", "workspace")
    list_select_related = ("user", "workspace")

    @admin.display(description="workspace", ordering="workspace__name")
    def workspace_link(self, obj: Membership) -> str:
        return admin_link(obj.workspace)
