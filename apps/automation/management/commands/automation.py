"""Operators' view of automation: the rules, pending events, and running the engine's passes by hand."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Count, Q

from apps.accounts.models import Workspace
from apps.automation.engine import evaluate_pending
from apps.automation.events import idle_events
from apps.automation.models import AutomationEvent, EventStatus, FiringStatus, Rule, RuleMode
from apps.automation.notifications import send_daily_digests
from apps.automation.services import dry_runs_expire, rule_set_mode


class Command(BaseCommand):
    help = (
        "List automation rules with their firing counts and the pending events; --evaluate, --idle and "
        "--digest run what the schedules run; --switch-off ID stops a rule at once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--workspace", help="Only this workspace (slug) in the list.")
        parser.add_argument("--evaluate", action="store_true", help="Evaluate every pending event now.")
        parser.add_argument("--idle", action="store_true", help="Record idle-in-stage events, end dry runs.")
        parser.add_argument("--digest", action="store_true", help="Send the daily digests that are due.")
        parser.add_argument("--switch-off", type=int, metavar="RULE_ID", help="Switch a rule off.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["switch_off"]:
            rule = Rule.objects.filter(pk=options["switch_off"]).first()
            if rule is None:
                raise CommandError(f"No rule {options['switch_off']}.")
            rule_set_mode(rule=rule, mode=RuleMode.OFF, by=None)
            self.stdout.write(f"Rule {rule.pk} “{rule.name}” switched off.")
        if options["idle"]:
            ended = dry_runs_expire()
            self.stdout.write(f"{idle_events()} idle events recorded; {ended} dry runs ended.")
        if options["evaluate"] or options["idle"]:
            summary = evaluate_pending()
            fired = ", ".join(f"{count} {status}" for status, count in sorted(summary.firings.items()))
            self.stdout.write(f"{summary.events} events evaluated" + (f": {fired}." if fired else "."))
        if options["digest"]:
            self.stdout.write(f"{send_daily_digests()} digests sent.")
        if not any(options[name] for name in ("evaluate", "idle", "digest", "switch_off")):
            self._list(options.get("workspace"))

    def _list(self, slug: str | None) -> None:
        rules = Rule.objects.select_related("workspace").order_by("workspace__name", "name")
        if slug:
            workspace = Workspace.objects.filter(slug=slug).first()
            if workspace is None:
                raise CommandError(f"No workspace {slug!r}.")
            rules = rules.filter(workspace=workspace)
        rules = rules.annotate(
            fired=Count("firings", filter=Q(firings__status=FiringStatus.FIRED)),
            skipped=Count("firings", filter=Q(firings__status=FiringStatus.SKIPPED)),
            failed=Count("firings", filter=Q(firings__status=FiringStatus.FAILED)),
            dry=Count("firings", filter=Q(firings__status=FiringStatus.DRY_RUN)),
        )
        rows = [("id", "workspace", "rule", "trigger", "mode", "v", "fired", "skipped", "failed", "dry run")]
        rows += [
            (str(r.pk), r.workspace.name, r.name, r.get_trigger_display(), r.get_mode_display(), str(r.version),
             str(r.fired), str(r.skipped), str(r.failed), str(r.dry))
            for r in rules
        ]  # fmt: skip
        if len(rows) == 1:
            self.stdout.write("No automation rules.")
        else:
            widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
            for row in rows:
                self.stdout.write(
                    "  ".join(cell[:40].ljust(min(w, 40)) for cell, w in zip(row, widths, strict=True))
                )
        pending = AutomationEvent.objects.filter(status=EventStatus.PENDING).count()
        self.stdout.write(f"{pending} events pending evaluation.")
