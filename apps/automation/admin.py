"""Staff views of automation: rules are edited in the app (with preview); here staff read and switch off."""

from __future__ import annotations

from django.contrib import admin

from apps.automation.models import (
    AutomationEvent,
    Notification,
    NotificationSettings,
    Rule,
    RuleFiring,
    RuleMode,
    RuleVersion,
)
from apps.automation.services import rule_set_mode
from apps.core.admin_utils import ReadOnlyAdminMixin, admin_link, pretty_json


class RuleVersionInline(admin.TabularInline):
    model = RuleVersion
    extra = 0
    can_delete = False
    fields = ["version", "edited_by", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Rule)
class RuleAdmin(admin.ModelAdmin):
    list_display = ["name", "workspace", "trigger", "mode", "version", "enabled_at", "updated_at"]
    list_filter = ["mode", "trigger"]
    search_fields = ["name", "workspace__name"]
    # Definitions change in the app, which versions and previews them; staff read them here.
    fields = ["workspace", "name", "trigger", "mode", "version", "previewed_version", "enabled_at",
              "dry_run_until", "definition_pretty", "created_by", "updated_by", "created_at", "updated_at"]  # fmt: skip
    # Staff can switch rules off (an emergency stop); switching on needs the preview, in the app.
    readonly_fields = fields
    inlines = [RuleVersionInline]
    actions = ["switch_off"]

    @admin.action(description="Switch the selected rules off")
    def switch_off(self, request, queryset):  # type: ignore[no-untyped-def]
        for rule in queryset:
            rule_set_mode(rule=rule, mode=RuleMode.OFF, by=request.user)
        self.message_user(request, f"{queryset.count()} rule(s) switched off.")

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    @admin.display(description="Definition")
    def definition_pretty(self, obj: Rule) -> str:
        return pretty_json(
            {"trigger_options": obj.trigger_options, "conditions": obj.conditions, "actions": obj.actions,
             "scope": obj.scope, "department": obj.department}
        )  # fmt: skip


@admin.register(AutomationEvent)
class AutomationEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["kind", "workspace", "source", "status", "occurred_at", "created_at"]
    list_filter = ["kind", "source", "status"]
    search_fields = ["key"]
    readonly_fields = ["workspace", "kind", "key", "application", "candidate", "data_pretty", "source",
                       "occurred_at", "cause_writeback", "status", "claim", "evaluated_at", "created_at"]  # fmt: skip
    fields = readonly_fields
    raw_id_fields = ["application", "candidate", "cause_writeback"]

    @admin.display(description="Data")
    def data_pretty(self, obj: AutomationEvent) -> str:
        return pretty_json(obj.data)


@admin.register(RuleFiring)
class RuleFiringAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["rule", "workspace", "status", "rule_version", "depth", "created_at"]
    list_filter = ["status"]
    search_fields = ["rule__name", "idempotency_key"]
    readonly_fields = ["workspace", "rule_link", "rule_version", "event", "idempotency_key", "application",
                       "candidate", "status", "reason", "conditions_pretty", "actions_pretty", "depth",
                       "chain", "created_at"]  # fmt: skip
    fields = readonly_fields

    @admin.display(description="Rule")
    def rule_link(self, obj: RuleFiring) -> str:
        return admin_link(obj.rule)

    @admin.display(description="Conditions")
    def conditions_pretty(self, obj: RuleFiring) -> str:
        return pretty_json(obj.conditions)

    @admin.display(description="Actions")
    def actions_pretty(self, obj: RuleFiring) -> str:
        return pretty_json(obj.actions)


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["title", "user", "workspace", "read_at", "emailed_at", "created_at"]
    search_fields = ["title", "user__email"]
    readonly_fields = ["workspace", "user", "title", "body", "url", "application", "firing", "key", "read_at",
                       "emailed_at", "digested_at", "created_at"]  # fmt: skip
    fields = readonly_fields


@admin.register(NotificationSettings)
class NotificationSettingsAdmin(admin.ModelAdmin):
    list_display = ["user", "workspace", "daily_digest", "last_digest_at"]
    list_filter = ["daily_digest"]
    readonly_fields = ["workspace", "user", "last_digest_at"]
