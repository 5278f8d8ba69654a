"""Workflow automation: rules, the events they react to, what each firing did, and notifications.

A Rule is "when <trigger>, if <conditions>, do <actions>" within a scope of jobs. Events come in as
AutomationEvent rows, each with a key naming the real-world event (e.g. "stage:<application>:<from>:
<to>:<when>"), unique per workspace: a re-sync or a replayed webhook that reports the same change
again finds the key taken and adds nothing. The engine evaluates each event once; every rule whose
trigger matches leaves a RuleFiring (fired, skipped, failed or dry run), unique per rule and event, so
no rule fires twice for one event. Lever actions go through the write-back outbox like everything
else; RuleFiring.writebacks links them, which is also how an action's own echo is recognised.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.core.models import TimeStampedModel, WorkspaceScopedModel


class Trigger(models.TextChoices):
    APPLICATION_CREATED = "application_created", "Application created"
    STAGE_CHANGED = "stage_changed", "Stage changed"
    ARCHIVED = "archived", "Archived (rejected)"
    HIRED = "hired", "Hired"
    SCORE_COMPUTED = "score_computed", "Fit score computed"
    TIER_CHANGED = "tier_changed", "Fit tier changed"
    TAG_ADDED = "tag_added", "Tag added"
    TAG_REMOVED = "tag_removed", "Tag removed"
    IDLE_IN_STAGE = "idle_in_stage", "Idle in a stage"
    CANDIDATE_CREATED = "candidate_created", "Candidate added in Recruitdesk"


class RuleMode(models.TextChoices):
    OFF = "off", "Off"
    DRY_RUN = "dry_run", "Dry run"
    ON = "on", "On"


class RuleScope(models.TextChoices):
    ALL_JOBS = "all", "All jobs"
    JOBS = "jobs", "Some jobs"
    DEPARTMENT = "department", "A department"


class Rule(WorkspaceScopedModel):
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    trigger = models.CharField(max_length=32, choices=Trigger.choices)
    # Trigger details, e.g. {"from_stage": 3, "to_stage": 7} or {"days": 5, "stage": 2}.
    trigger_options = models.JSONField(default=dict, blank=True)
    conditions = models.JSONField(default=list, blank=True, help_text='[{"field", "op", "value"}, ...]')
    actions = models.JSONField(default=list, blank=True, help_text='[{"kind", ...options}, ...]')
    scope = models.CharField(max_length=20, choices=RuleScope.choices, default=RuleScope.ALL_JOBS)
    jobs = models.ManyToManyField("jobs.Job", blank=True, related_name="automation_rules")
    department = models.CharField(max_length=255, blank=True)
    mode = models.CharField(max_length=20, choices=RuleMode.choices, default=RuleMode.OFF)
    enabled_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When it was last switched on (or to dry run): older events never fire it.",
    )
    dry_run_until = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    previewed_version = models.PositiveIntegerField(
        default=0, help_text="The version last previewed: a rule is switched on only after its preview."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["name", "pk"]
        indexes = [models.Index(fields=["workspace", "mode"], name="automation_rule_ws_mode")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_live(self) -> bool:
        """It evaluates events (for real or as a dry run)."""
        return self.mode in (RuleMode.ON, RuleMode.DRY_RUN)


class RuleVersion(models.Model):
    """The rule as it was at each version: a firing names its version, this says what that meant."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    definition = models.JSONField(default=dict)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "version"], name="automation_ruleversion_unique")
        ]

    def __str__(self) -> str:
        return f"{self.rule} v{self.version}"


class EventSource(models.TextChoices):
    SYNC = "sync", "Sync"
    WEBHOOK = "webhook", "Webhook"
    WRITEBACK = "writeback", "Write-back"
    SCORING = "scoring", "Scoring"
    SOURCING = "sourcing", "Added in Recruitdesk"
    SCHEDULE = "schedule", "Schedule"
    RETROACTIVE = "retroactive", "Applied to existing matches"


class EventStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DONE = "done", "Evaluated"


class AutomationEvent(WorkspaceScopedModel):
    kind = models.CharField(max_length=32, choices=Trigger.choices)
    key = models.CharField(max_length=255, help_text="Names the real event: the same change is one event.")
    application = models.ForeignKey(
        "candidates.Application", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    candidate = models.ForeignKey(
        "candidates.Candidate", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True, help_text='e.g. {"from_stage": 3, "to_stage": 7}')
    source = models.CharField(max_length=20, choices=EventSource.choices)
    occurred_at = models.DateTimeField()
    # The write-back whose result in the mirror this event is (an action's echo), when it is one.
    cause_writeback = models.ForeignKey(
        "integrations.WritebackAction", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=20, choices=EventStatus.choices, default=EventStatus.PENDING)
    claim = models.UUIDField(null=True, blank=True, help_text="The evaluation pass that took it.")
    evaluated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "key"], name="automation_event_unique_key")
        ]
        indexes = [
            models.Index(fields=["id"], condition=Q(status="pending"), name="automation_event_pending"),
            models.Index(fields=["claim"], name="automation_event_claim"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.key})"


class FiringStatus(models.TextChoices):
    FIRED = "fired", "Fired"
    DRY_RUN = "dry_run", "Dry run (nothing sent)"
    SKIPPED = "skipped", "Skipped"
    FAILED = "failed", "Failed"


class RuleFiring(WorkspaceScopedModel):
    """One evaluation of one rule for one event whose trigger it matched: what was checked and done."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="firings")
    rule_version = models.PositiveIntegerField()
    event = models.ForeignKey(
        AutomationEvent, on_delete=models.SET_NULL, null=True, blank=True, related_name="firings"
    )
    idempotency_key = models.CharField(max_length=255, help_text="rule + application + event")
    application = models.ForeignKey(
        "candidates.Application", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    candidate = models.ForeignKey(
        "candidates.Candidate", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=20, choices=FiringStatus.choices)
    reason = models.CharField(max_length=500, blank=True, help_text="Why it was skipped or failed.")
    # [{"condition": "Tier is Tier 1", "passed": true, "value": "Tier 2"}, ...]
    conditions = models.JSONField(default=list, blank=True)
    # [{"kind", "summary", "status": queued|sent|dry_run|skipped|paused|failed, "writeback": id, "reason"}]
    actions = models.JSONField(default=list, blank=True)
    depth = models.PositiveSmallIntegerField(default=0, help_text="How many rule actions led to this event.")
    chain = models.JSONField(
        default=list, blank=True, help_text="Rules whose actions led here, oldest first."
    )
    writebacks = models.ManyToManyField(
        "integrations.WritebackAction", blank=True, related_name="automation_firings"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "idempotency_key"], name="automation_firing_once")
        ]
        indexes = [
            models.Index(fields=["rule", "-created_at"], name="automation_firing_rule"),
            models.Index(fields=["application", "-created_at"], name="automation_firing_app"),
            models.Index(fields=["candidate", "-created_at"], name="automation_firing_candidate"),
        ]

    def __str__(self) -> str:
        return f"{self.rule} — {self.get_status_display()}"


class Notification(WorkspaceScopedModel):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True, help_text="A page of this site the notice is about.")
    application = models.ForeignKey(
        "candidates.Application", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    firing = models.ForeignKey(
        RuleFiring, on_delete=models.SET_NULL, null=True, blank=True, related_name="notifications"
    )
    key = models.CharField(max_length=255, help_text="One notice per firing, action and person.")
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    digested_at = models.DateTimeField(null=True, blank=True, help_text="When a daily digest included it.")

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "key"], name="automation_notification_once")
        ]
        indexes = [
            models.Index(
                fields=["user", "workspace"], condition=Q(read_at=None), name="automation_notice_unread"
            ),
            models.Index(fields=["user", "workspace", "-created_at"], name="automation_notice_user"),
        ]

    def __str__(self) -> str:
        return self.title


class NotificationSettings(TimeStampedModel):
    """A member's choice of the daily email digest of their unread notifications."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    daily_digest = models.BooleanField(default=False)
    last_digest_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "user"], name="automation_notification_settings_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.workspace}"
