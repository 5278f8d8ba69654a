"""Forms for a job's scoring profile, the workspace's write-back settings and feedback on a score."""

from __future__ import annotations

from typing import Any

from django import forms

from apps.scoring.engine.types import COMPONENTS
from apps.scoring.models import ScoringProfile, ScoringSettings, Verdict
from apps.scoring.selectors import COMPONENT_LABELS


def _lines(text: str) -> list[str]:
    return list(dict.fromkeys(line.strip(" -•*\t") for line in text.splitlines() if line.strip(" -•*\t")))


class ScoringProfileForm(forms.Form):
    must_haves = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="One per line. Leave empty to use the job description's requirement lists.",
    )
    nice_to_haves = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text="One per line."
    )
    required_years = forms.FloatField(
        required=False,
        min_value=0,
        max_value=50,
        help_text='Leave empty to read it from the description ("5+ years").',
    )
    location_required = forms.BooleanField(
        required=False, label="Location is required", help_text="Flag a location mismatch as a blocker."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in COMPONENTS:
            self.fields[f"weight_{name}"] = forms.FloatField(
                label=COMPONENT_LABELS.get(name, name),
                min_value=0,
                max_value=1,
                widget=forms.NumberInput(attrs={"step": "0.05"}),
            )

    @classmethod
    def for_profile(cls, profile: ScoringProfile, weights: dict[str, float]) -> ScoringProfileForm:
        initial: dict[str, Any] = {
            "must_haves": "\n".join(profile.must_haves or []),
            "nice_to_haves": "\n".join(profile.nice_to_haves or []),
            "required_years": profile.required_years,
            "location_required": profile.location_required,
        }
        initial.update({f"weight_{name}": weight for name, weight in weights.items()})
        return cls(initial=initial)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not self.errors and not any(data.get(f"weight_{name}") for name in COMPONENTS):
            raise forms.ValidationError("Give at least one component a weight above zero.")
        return data

    def profile_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "weights": {name: data[f"weight_{name}"] for name in COMPONENTS},
            "must_haves": _lines(data["must_haves"]),
            "nice_to_haves": _lines(data["nice_to_haves"]),
            "required_years": data["required_years"],
            "location_required": data["location_required"],
        }


class ScoringSettingsForm(forms.ModelForm):
    class Meta:
        model = ScoringSettings
        fields = (
            "writeback_enabled",
            "tier_1_tag",
            "tier_2_tag",
            "tier_3_tag",
            "not_a_match_tag",
            "write_notes",
        )
        labels = {
            "writeback_enabled": "Send tiers to Lever",
            "tier_1_tag": "Tag for Tier 1",
            "tier_2_tag": "Tag for Tier 2",
            "tier_3_tag": "Tag for Tier 3",
            "not_a_match_tag": "Tag for “Not a match”",
            "write_notes": "Add a note when the tier changes",
        }


class FeedbackForm(forms.Form):
    verdict = forms.ChoiceField(choices=Verdict.choices)
    reason = forms.CharField(required=False, max_length=1000)
