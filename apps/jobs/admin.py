from __future__ import annotations

from django.contrib import admin

from apps.core.admin_utils import admin_changelist_link, admin_link
from apps.integrations.mirror_admin import MirroredAdmin
from apps.jobs.models import (
    HiringTeamMember,
    Job,
    JobExportSettings,
    JobScreeningQuestion,
    JobStage,
    Requisition,
    ScreeningQuestion,
    Stage,
)


@admin.register(Stage)
class StageAdmin(MirroredAdmin):
    list_display = ("name", "global_index", "remote_id", "connection", "remote_deleted_at")
    search_fields = ("name",)
    list_select_related = ("connection",)


@admin.register(Job)
class JobAdmin(MirroredAdmin):
    list_display = (
        "name",
        "status",
        "department",
        "team",
        "location",
        "owner_link",
        "applications",
        "confidential",
    )
    extra_filters = ("status", "confidential", "workplace_type", "department")
    search_fields = ("name", "department", "team", "location")
    date_hierarchy = "remote_created_at"
    list_select_related = ("owner",)

    @admin.display(description="owner", ordering="owner__name")
    def owner_link(self, obj: Job) -> str:
        return admin_link(obj.owner)

    @admin.display(description="applications")
    def applications(self, obj: Job) -> str:
        from apps.candidates.models import Application

        return admin_changelist_link(Application, "View", job__id__exact=obj.pk)


@admin.register(Requisition)
class RequisitionAdmin(MirroredAdmin):
    list_display = ("__str__", "status", "headcount_hired", "headcount_total", "department", "owner")
    extra_filters = ("status", "confidential", "department")
    search_fields = ("code", "name", "department", "team")
    list_select_related = ("owner",)


@admin.register(JobStage)
class JobStageAdmin(MirroredAdmin):
    list_display = ("job", "stage", "position")
    extra_filters = ("job", "stage")
    search_fields = ("job__name", "stage__name")
    list_select_related = ("job", "stage")


@admin.register(HiringTeamMember)
class HiringTeamMemberAdmin(MirroredAdmin):
    list_display = ("user", "job", "team_role", "unified_role")
    extra_filters = ("team_role", "unified_role", "job")
    search_fields = ("user__name", "user__email", "job__name")
    list_select_related = ("user", "job")


@admin.register(ScreeningQuestion)
class ScreeningQuestionAdmin(MirroredAdmin):
    list_display = ("__str__", "question_type")
    extra_filters = ("question_type",)
    search_fields = ("text",)


@admin.register(JobScreeningQuestion)
class JobScreeningQuestionAdmin(MirroredAdmin):
    list_display = ("job", "question", "position", "required")
    extra_filters = ("required", "job")
    search_fields = ("job__name", "question__text")
    list_select_related = ("job", "question")


@admin.register(JobExportSettings)
class JobExportSettingsAdmin(admin.ModelAdmin):
    list_display = ("job", "trigger", "tier", "trigger_set_at", "updated_by")
    list_filter = ("trigger",)
    search_fields = ("job__name",)
    raw_id_fields = ("workspace", "job", "updated_by")
