from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from apps.integrations.lever.credentials import oauth_client_for
from apps.integrations.models import AtsUser, AuthType, Connection, Environment

# Lever allows ~864,000 requests a day per credential; the sweep should only ever take a slice of it.
MAX_SWEEP_REQUESTS = 100_000


class SweepBudgetForm(forms.Form):
    sweep_daily_requests = forms.IntegerField(
        min_value=0,
        max_value=MAX_SWEEP_REQUESTS,
        label="Sweep budget (requests a day)",
        # Lever sends no webhook for notes, offers or files (LEVER_API.md §10.1).
        help_text="0 turns the sweep off: new notes, offers and files then arrive only with the nightly full sync.",
    )


class LeverCredentialsForm(forms.Form):
    """How to reach a Lever account: who authorises, with what, and where.

    The custom base URL (a Lever-protocol server such as the built-in sandbox) is offered to staff
    only: anyone else could point the server at an arbitrary host.
    """

    admin_email = forms.EmailField(
        label="Lever admin email",
        help_text="The Lever Super Admin who authorises Recruitdesk. Write-backs are attributed to "
        "their Lever user unless you pick another one later.",
    )
    auth_type = forms.ChoiceField(
        label="Authentication",
        choices=AuthType.choices,
        widget=forms.RadioSelect,
        initial=AuthType.OAUTH,
    )
    environment = forms.ChoiceField(
        label="Lever environment",
        choices=[(Environment.PRODUCTION, "Production"), (Environment.SANDBOX, "Sandbox")],
        widget=forms.RadioSelect,
        initial=Environment.PRODUCTION,
    )
    base_url = forms.URLField(
        label="Custom base URL",
        required=False,
        assume_scheme="https",
        help_text="Staff only: a Lever-protocol server, e.g. http://127.0.0.1:8765 for `manage.py lever_sandbox`.",
    )
    api_key = forms.CharField(
        label="API key",
        required=False,
        strip=True,
        # Never echoed back into the page, not even after a validation error.
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="Lever → Settings → Integrations and API → API Credentials. Give it read access to "
        "every endpoint, write access where you want write-backs, and tick confidential data access.",
    )

    def __init__(self, *args: Any, allow_custom: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.allow_custom = allow_custom
        if allow_custom:
            field = self.fields["environment"]
            field.choices = [*field.choices, (Environment.CUSTOM, "Custom base URL (staff)")]  # type: ignore[attr-defined]
        else:
            del self.fields["base_url"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        environment = data.get("environment")
        if environment == Environment.CUSTOM and not data.get("base_url"):
            self.add_error("base_url", "Enter the base URL of the Lever-protocol server.")
        if environment != Environment.CUSTOM:
            data["base_url"] = ""
        auth_type = data.get("auth_type")
        if auth_type == AuthType.API_KEY and not data.get("api_key"):
            self.add_error("api_key", "Paste the Lever API key, or choose OAuth.")
        if auth_type == AuthType.OAUTH and environment and not oauth_client_for(environment).configured:
            self.add_error(
                "auth_type",
                "OAuth is not set up on this server for that environment (an operator sets "
                "LEVER_CLIENT_ID and LEVER_CLIENT_SECRET). Use an API key instead.",
            )
        return data


def writeback_user_choices(connection: Connection) -> QuerySet[AtsUser]:
    """Lever users write-backs may be attributed to: alive and not deactivated."""
    return AtsUser.objects.for_connection(connection).alive().filter(deactivated_at__isnull=True)


class WritebackUserForm(forms.Form):
    writeback_user = forms.ModelChoiceField(
        queryset=AtsUser.objects.none(),
        label="Write back as",
        empty_label="Choose a Lever user",
        help_text="Notes, tags and stage moves appear in Lever as done by this user, unless the person "
        "who made the change has a Lever user with the same email.",
    )

    def __init__(self, *args: Any, connection: Connection, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["writeback_user"].queryset = writeback_user_choices(connection)  # type: ignore[attr-defined]
