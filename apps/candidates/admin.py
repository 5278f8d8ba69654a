from __future__ import annotations

from django.contrib import admin

from apps.candidates.models import (
    Application,
    Attachment,
    Candidate,
    CandidateExport,
    Interview,
    Note,
    Offer,
    RejectionReason,
    Scorecard,
    Source,
    Tag,
)
from apps.core.admin_utils import admin_link
from apps.integrations.mirror_admin import MirroredAdmin


class ApplicationChildAdmin(MirroredAdmin):
    """Admin for records that hang off an application: link back to it and its candidate."""

    list_select_related = ("application__candidate", "application__job")
    search_fields = (
        "application__candidate__name",
        "application__candidate__email",
        "=application__remote_id",
    )

    @admin.display(description="application")
    def application_link(self, obj: Note) -> str:
        return admin_link(obj.application)


@admin.register(Tag)
class TagAdmin(MirroredAdmin):
    list_display = ("name", "connection", "remote_deleted_at")
    search_fields = ("name",)


@admin.register(Source)
class SourceAdmin(MirroredAdmin):
    list_display = ("name", "connection", "remote_deleted_at")
    search_fields = ("name",)


@admin.register(RejectionReason)
class RejectionReasonAdmin(MirroredAdmin):
    list_display = ("name", "reason_type", "is_active", "connection")
    extra_filters = ("reason_type", "is_active")
    search_fields = ("name",)


@admin.register(Candidate)
class CandidateAdmin(MirroredAdmin):
    list_display = ("__str__", "email", "headline", "location", "is_anonymized", "remote_updated_at")
    extra_filters = ("is_anonymized",)
    search_fields = ("name", "email", "emails", "headline", "current_company", "linkedin_url")
    date_hierarchy = "remote_created_at"


@admin.register(Application)
class ApplicationAdmin(MirroredAdmin):
    list_display = (
        "__str__",
        "candidate_link",
        "job_link",
        "current_stage",
        "outcome",
        "origin",
        "applied_at",
    )
    extra_filters = ("outcome", "origin", "confidential", "job", "current_stage")
    search_fields = ("candidate__name", "candidate__email", "job__name", "=application_remote_id")
    date_hierarchy = "applied_at"
    list_select_related = ("candidate", "job", "current_stage")

    @admin.display(description="candidate", ordering="candidate__name")
    def candidate_link(self, obj: Application) -> str:
        return admin_link(obj.candidate)

    @admin.display(description="job", ordering="job__name")
    def job_link(self, obj: Application) -> str:
        return admin_link(obj.job) if obj.job_id else "Lead"


@admin.register(Note)
class NoteAdmin(ApplicationChildAdmin):
    list_display = ("__str__", "application_link", "author", "secret", "score", "remote_created_at")
    extra_filters = ("secret",)
    search_fields = (*ApplicationChildAdmin.search_fields, "body")
    date_hierarchy = "remote_created_at"


@admin.register(Interview)
class InterviewAdmin(ApplicationChildAdmin):
    list_display = ("__str__", "application_link", "starts_at", "location", "canceled_at")
    extra_filters = ("stage",)
    date_hierarchy = "starts_at"


@admin.register(Offer)
class OfferAdmin(ApplicationChildAdmin):
    list_display = ("__str__", "application_link", "status", "salary_amount", "salary_currency", "start_date")
    extra_filters = ("status",)


@admin.register(Attachment)
class AttachmentAdmin(ApplicationChildAdmin):
    list_display = (
        "__str__",
        "kind",
        "candidate_link",
        "application_link",
        "extension",
        "size",
        "uploaded_at",
    )
    extra_filters = ("kind", "processing_status")
    list_select_related = ("candidate", "application__candidate", "application__job")
    search_fields = ("name", "candidate__name", "candidate__email")
    date_hierarchy = "uploaded_at"

    @admin.display(description="candidate", ordering="candidate__name")
    def candidate_link(self, obj: Attachment) -> str:
        return admin_link(obj.candidate)


@admin.register(Scorecard)
class ScorecardAdmin(ApplicationChildAdmin):
    list_display = ("__str__", "application_link", "author", "overall_rating", "completed_at")
    extra_filters = ("overall_rating", "kind")
    date_hierarchy = "completed_at"


@admin.register(CandidateExport)
class CandidateExportAdmin(admin.ModelAdmin):
    """Exports of people added in Recruitdesk: the per-job log staff look at when one did not arrive."""

    list_display = ("__str__", "job", "trigger", "status", "match_reason", "created_at")
    list_filter = ("status", "trigger", "source")
    list_select_related = ("candidate", "job")
    search_fields = ("candidate__name", "candidate__email", "matched_name", "key")
    raw_id_fields = (
        "workspace",
        "candidate",
        "job",
        "application",
        "action",
        "matched_candidate",
        "requested_by",
    )
