"""Emails about memberships. New accounts get a set-your-password link (allauth's reset flow)."""

from __future__ import annotations

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.core.mail import send_mail
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse

from apps.accounts.models import Membership


def send_membership_email(*, request: HttpRequest, membership: Membership, new_account: bool) -> None:
    user = membership.user
    if new_account:
        path = reverse(
            "account_reset_password_from_key",
            kwargs={"uidb36": user_pk_to_url_str(user), "key": default_token_generator.make_token(user)},
        )
    else:
        path = reverse("dashboard:index")
    context = {
        "membership": membership,
        "new_account": new_account,
        "link": request.build_absolute_uri(path),
        "invited_by": request.user,
    }
    send_mail(
        subject=f"You have been added to {membership.workspace.name} on Recruitdesk",
        message=render_to_string("accounts/email/membership_added.txt", context),
        from_email=None,
        recipient_list=[user.email],
    )
