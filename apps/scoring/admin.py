"""Staff admin for scoring: scores and feedback are read-only (services write them); settings are editable."""

from __future__ import annotations

from django.contrib import admin

from apps.core.admin_utils import ReadOnlyAdminMixin, admin_link, pretty_json
from apps.scoring.models import Score, ScoreFeedback, ScoringProfile, ScoringSettings


@admin.register(Score)
class ScoreAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("application_id", "job", "score", "tier", "written_tier", "engine_version", "computed_at")
    list_filter = ("tier", "written_tier", "engine_version", "workspace")
    list_select_related = ("job",)
    search_fields = ("=application__remote_id", "job__name", "=input_hash")
    date_hierarchy = "computed_at"
    readonly_fields = ("application_link", "explanation_json")
    exclude = ("explanation",)
    raw_id_fields = ("application", "job", "candidate")

    @admin.display(description="application")
    def application_link(self, obj: Score) -> str:
        return admin_link(obj.application)

    @admin.display(description="explanation")
    def explanation_json(self, obj: Score) -> str:
        return pretty_json(obj.explanation)


@admin.register(ScoreFeedback)
class ScoreFeedbackAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("application_id", "user", "verdict", "tier", "score_value", "updated_at")
    list_filter = ("verdict", "tier", "workspace")
    list_select_related = ("user",)
    search_fields = ("=application__remote_id", "user__email", "reason")
    raw_id_fields = ("application", "user")


@admin.register(ScoringProfile)
class ScoringProfileAdmin(admin.ModelAdmin):
    list_display = ("job", "location_required", "required_years", "updated_by", "updated_at")
    list_filter = ("location_required", "workspace")
    list_select_related = ("job", "updated_by")
    search_fields = ("job__name",)
    raw_id_fields = ("job", "updated_by")

    def has_add_permission(self, request: object) -> bool:
        return False  # created from the job's scoring page, which also rescores the pipeline


@admin.register(ScoringSettings)
class ScoringSettingsAdmin(admin.ModelAdmin):
    list_display = ("workspace", "writeback_enabled", "write_notes", "tier_1_tag", "updated_at")
    list_filter = ("writeback_enabled", "write_notes")
    search_fields = ("workspace__name", "workspace__slug")
    raw_id_fields = ("updated_by",)
