"""The admin base for mirrored models: view-only, filterable, remote_data pretty-printed.

Mirrored rows change only through sync (and write-backs through the outbox), so staff can inspect
them here but not edit them; superusers may delete one, which the next full sync brings back.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from apps.core.admin_utils import ReadOnlyAdminMixin, pretty_json

MIRROR_FIELDS = (
    "workspace",
    "connection",
    "remote_id",
    "remote_created_at",
    "remote_updated_at",
    "remote_deleted_at",
    "changed_at",
    "content_hash",
    "created_at",
    "updated_at",
    "remote_data_pretty",
)


class DeletedListFilter(admin.SimpleListFilter):
    title = "deleted in ATS"
    parameter_name = "deleted"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("no", "Alive"), ("yes", "Deleted")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "no":
            return queryset.filter(remote_deleted_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(remote_deleted_at__isnull=False)
        return queryset


class MirroredAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    mirror_filters: tuple[Any, ...] = ("workspace", "connection", DeletedListFilter)
    extra_filters: tuple[Any, ...] = ()
    list_per_page = 50
    show_full_result_count = False  # COUNT(*) on a big mirror is slow and rarely needed

    def get_list_filter(self, request: HttpRequest) -> tuple[Any, ...]:
        return (*self.extra_filters, *self.mirror_filters)

    def get_search_fields(self, request: HttpRequest) -> tuple[str, ...]:
        return (*super().get_search_fields(request), "=remote_id")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return (*super().get_readonly_fields(request, obj), "remote_data_pretty")

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> list[tuple[str | None, dict[str, Any]]]:
        own = [
            field.name
            for field in self.model._meta.get_fields()
            if getattr(field, "concrete", False)
            and not field.auto_created
            and field.name not in MIRROR_FIELDS
            and field.name != "remote_data"
        ]
        return [(None, {"fields": own}), ("Mirror", {"fields": MIRROR_FIELDS, "classes": ("collapse",)})]

    @admin.display(description="Remote data (as the ATS sent it)")
    def remote_data_pretty(self, obj: Any) -> str:
        return pretty_json(obj.remote_data)
