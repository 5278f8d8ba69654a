from __future__ import annotations

from django import forms

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
