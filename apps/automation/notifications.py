"""In-app notifications from rules, their optional email, and the daily digest.

A notification is created once per firing, action and person (its key), so an event evaluated again
never notifies twice. Emails go out after the transaction commits; a failed email leaves the
notice in the app (and in the next digest) instead of undoing the rule.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from apps.automation.facts import one_line
from apps.automation.models import Notification, NotificationSettings, RuleFiring

logger = logging.getLogger(__name__)

DIGEST_EVERY = timedelta(hours=20)  # a daily digest, tolerant of the schedule running a little early
DIGEST_MAX_ITEMS = 50


def notify(firing: RuleFiring, plan: Any, index: int) -> int:
    """Create the notices of one notify action; email them on commit when the rule asks to."""
    from apps.candidates.models import Candidate

    candidate = Candidate.objects.filter(pk=firing.candidate_id).only("name").first()
    title = one_line(f"{firing.rule.name}: {candidate.name if candidate else 'a candidate'}", 300)
    url = plan_url(firing)
    created = []
    for user_pk in plan.recipients:
        notice, made = Notification.objects.get_or_create(
            workspace_id=firing.workspace_id,
            key=f"firing:{firing.pk}:{index}:{user_pk}",
            defaults={
                "user_id": user_pk,
                "title": title,
                "body": plan.detail[:5000],
                "url": url,
                "application_id": firing.application_id,
                "firing": firing,
            },
        )
        if made:
            created.append(notice.pk)
    if created and plan.values.get("email"):
        transaction.on_commit(partial(email_notifications, created), robust=True)
    return len(created)


def plan_url(firing: RuleFiring) -> str:
    from django.urls import reverse

    return reverse("candidates:detail", args=[firing.candidate_id]) if firing.candidate_id else ""


def email_notifications(pks: list[int]) -> int:
    """Email these notices (each once); return how many were sent."""
    sent = 0
    for notice in Notification.objects.filter(pk__in=pks, emailed_at=None).select_related(
        "user", "workspace"
    ):
        if not notice.user.email:
            continue
        try:
            send_mail(
                subject=f"[Recruitdesk] {notice.title}",
                message=render_to_string(
                    "automation/email/notification.txt", {"notice": notice, "site_url": settings.SITE_URL}
                ),
                from_email=None,
                recipient_list=[notice.user.email],
            )
        except Exception:  # the notice stays in the app and in the digest
            logger.exception("could not email notification %s", notice.pk)
            continue
        Notification.objects.filter(pk=notice.pk).update(emailed_at=timezone.now())
        sent += 1
    return sent


def send_daily_digests(now: datetime | None = None) -> int:
    """Email each member who asked for it their unread notices since their last digest; return how many."""
    now = now or timezone.now()
    sent = 0
    subscribed = NotificationSettings.objects.filter(daily_digest=True).select_related("user", "workspace")
    for choice in subscribed:
        if choice.last_digest_at and now - choice.last_digest_at < DIGEST_EVERY:
            continue
        if not choice.user.is_active or not choice.user.email:
            continue
        unread = Notification.objects.filter(
            workspace_id=choice.workspace_id, user_id=choice.user_id, read_at=None, digested_at=None
        ).order_by("-created_at")
        items = list(unread[: DIGEST_MAX_ITEMS + 1])
        if items:
            context = {
                "items": items[:DIGEST_MAX_ITEMS],
                "more": len(items) > DIGEST_MAX_ITEMS,
                "workspace": choice.workspace,
                "site_url": settings.SITE_URL,
            }
            try:
                send_mail(
                    subject=f"[Recruitdesk] {len(items[:DIGEST_MAX_ITEMS])} unread in {choice.workspace.name}",
                    message=render_to_string("automation/email/digest.txt", context),
                    from_email=None,
                    recipient_list=[choice.user.email],
                )
            except Exception:
                logger.exception("could not send the digest of settings %s", choice.pk)
                continue
            Notification.objects.filter(pk__in=[n.pk for n in items[:DIGEST_MAX_ITEMS]]).update(
                digested_at=now
            )
            sent += 1
        NotificationSettings.objects.filter(pk=choice.pk).update(last_digest_at=now)
    return sent


def unread_count(workspace_id: int, user_id: int) -> int:
    return Notification.objects.filter(workspace_id=workspace_id, user_id=user_id, read_at=None).count()
