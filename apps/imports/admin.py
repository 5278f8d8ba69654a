from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from apps.imports.models import CandidateImport, ImportRow

# Imported people's data stays on the report pages, not in the staff admin.
PERSONAL = ("file", "headers", "sample", "preview")


@admin.register(CandidateImport)
class CandidateImportAdmin(admin.ModelAdmin):
    """Staff see who imported what and how it went; read only."""

    list_display = [
        "__str__",
        "workspace",
        "status",
        "row_count",
        "created_count",
        "skipped_count",
        "created_at",
    ]
    list_filter = ["status"]
    search_fields = ["original_name", "workspace__name"]
    exclude = PERSONAL
    readonly_fields = [f.name for f in CandidateImport._meta.fields if f.name not in PERSONAL]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(ImportRow)
class ImportRowAdmin(admin.ModelAdmin):
    """One row's outcome (created, skipped and why): what staff check when someone says a row is missing."""

    list_display = ["candidate_import", "row_number", "status", "reason", "candidate"]
    list_filter = ["status"]
    list_select_related = ["candidate_import", "candidate"]
    search_fields = ["candidate_import__original_name", "reason"]
    readonly_fields = [f.name for f in ImportRow._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
