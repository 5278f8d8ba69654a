"""Forms of sourcing: add a candidate (and correct one not in Lever yet), export one, a job's ATS sync.

The forms parse what people type (one value per line, a job: stage pair, an upload); the checks that
the CSV import shares live in sourcing_checks.py and run again in `candidate_add`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from apps.candidates.models import Candidate
from apps.candidates.sourcing import NewCandidate
from apps.candidates.sourcing_checks import check_resume
from apps.integrations.models import AtsUser
from apps.jobs.models import EXPORT_TIERS, ExportTrigger, Job, JobStage

EXPORT_CHOICES = [
    ("auto", "As the job's ATS sync setting says (a lead waits for the Export to ATS button)"),
    ("now", "Export to Lever now"),
    ("later", "Keep in Recruitdesk for now"),
]


def _lines(value: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in (value or "").splitlines() if line.strip())


class _JobChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name}{f' · {obj.location}' if obj.location else ''}"


class _StageChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.job.name}: {obj.stage.name}"


class _UserChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.email})" if obj.email else obj.name


class PersonFieldsForm(forms.Form):
    """Who the person is: the fields of adding a candidate that editing them shares."""

    name = forms.CharField(max_length=255, label="Full name", error_messages={"required": "Enter a name."})
    emails = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text="One address per line."
    )
    phones = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text="One number per line."
    )
    linkedin_url = forms.CharField(
        required=False, max_length=500, label="LinkedIn profile", help_text="e.g. linkedin.com/in/their-name"
    )
    links = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Other links",
        help_text="Portfolio, GitHub… one per line.",
    )
    city = forms.CharField(required=False, max_length=100)
    state = forms.CharField(required=False, max_length=100, label="State or region")
    country = forms.CharField(required=False, max_length=100)
    current_title = forms.CharField(required=False, max_length=255, label="Current title")
    current_company = forms.CharField(required=False, max_length=255, label="Current company")
    source = forms.CharField(required=False, max_length=255, help_text="Where you found them, e.g. LinkedIn.")

    def new_candidate(self) -> NewCandidate:
        data = self.cleaned_data
        return NewCandidate(
            name=data["name"],
            emails=_lines(data["emails"]),
            phones=_lines(data["phones"]),
            linkedin_url=data["linkedin_url"],
            links=_lines(data["links"]),
            city=data["city"],
            state=data["state"],
            country=data["country"],
            current_title=data["current_title"],
            current_company=data["current_company"],
            source=data["source"],
        )

    def add_errors(self, error: ValidationError) -> None:
        """Show the service's errors next to their fields (or above the form when no field fits)."""
        messages = error.message_dict if hasattr(error, "error_dict") else {None: error.messages}
        for field, texts in messages.items():
            self.add_error(field if field in self.fields else None, texts)


class AddCandidateForm(PersonFieldsForm):
    sourced_by = _UserChoice(
        queryset=AtsUser.objects.none(), required=False, label="Sourced by", empty_label="(you)"
    )
    tags = forms.CharField(required=False, max_length=1000, help_text="Separate tags with commas.")
    resume = forms.FileField(required=False, help_text="PDF or Word (.docx), up to 10 MB.")
    job = _JobChoice(queryset=Job.objects.none(), required=False, empty_label="No job: add as a lead")
    stage = _StageChoice(
        queryset=JobStage.objects.none(),
        required=False,
        empty_label="The job's first stage",
        help_text="Choosing a stage also chooses its job.",
    )
    export = forms.ChoiceField(choices=EXPORT_CHOICES, initial="auto", label="Export to Lever")

    def __init__(self, *args: Any, workspace: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        jobs = Job.objects.for_workspace(workspace).alive().open().exclude(remote_id=None).order_by("name")
        self.fields["job"].queryset = jobs  # type: ignore[attr-defined]
        self.fields["stage"].queryset = (  # type: ignore[attr-defined]
            JobStage.objects.alive()
            .filter(job__in=jobs, stage__remote_deleted_at__isnull=True)
            .select_related("job", "stage")
            .order_by("job__name", "job_id", "position")
        )
        self.fields["sourced_by"].queryset = (  # type: ignore[attr-defined]
            AtsUser.objects.for_workspace(workspace)
            .alive()
            .filter(deactivated_at__isnull=True)
            .order_by("name")
        )

    def clean_resume(self) -> Any:
        resume = self.cleaned_data.get("resume")
        if resume:
            check_resume(resume)
        return resume

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        job, stage = cleaned.get("job"), cleaned.get("stage")
        if stage is not None:
            if job is None:
                cleaned["job"] = stage.job
            elif stage.job_id != job.pk:
                self.add_error(
                    "stage", f"{stage.stage.name} is a stage of {stage.job.name}, not of {job.name}."
                )
        return cleaned

    def new_candidate(self) -> NewCandidate:
        tags = tuple(t.strip() for t in self.cleaned_data["tags"].split(",") if t.strip())
        return replace(super().new_candidate(), tags=tags)

    def add_options(self) -> dict[str, Any]:
        """The keyword arguments of `candidate_add` besides the person."""
        data = self.cleaned_data
        stage = data.get("stage")
        return {
            "sourced_by": data.get("sourced_by"),
            "job": data.get("job"),
            "stage": stage.stage if stage is not None else None,
            "resume": data.get("resume") or None,
            "export": {"auto": None, "now": True, "later": False}[data["export"]],
        }


class EditCandidateForm(PersonFieldsForm):
    """Correct a person added in Recruitdesk: the person fields, filled in from the row."""

    def __init__(self, *args: Any, candidate: Candidate, **kwargs: Any) -> None:
        kwargs["initial"] = {**person_initial(candidate), **(kwargs.get("initial") or {})}
        super().__init__(*args, **kwargs)


def _texts(values: Any) -> list[str]:
    if not isinstance(values, list):
        return []
    return [str(v) for v in values if isinstance(v, str | int) and str(v).strip()]


def _location_parts(location: str) -> tuple[str, str, str]:
    """City, state and country of a location that adding joined as "city, state, country".

    Its parts are not kept apart: one part is taken for the city, two for city and country, more for
    city (with any commas it had), state and country. Joined again, they give the same location.
    """
    parts = [part for part in location.split(", ") if part]
    if len(parts) > 2:
        return ", ".join(parts[:-2]), parts[-2], parts[-1]
    if len(parts) == 2:
        return parts[0], "", parts[1]
    return location, "", ""


def person_initial(candidate: Candidate) -> dict[str, str]:
    """The person fields of a stored row as the add form takes them (lists one value per line)."""
    city, state, country = _location_parts(candidate.location)
    phones = candidate.phones if isinstance(candidate.phones, list) else []
    values = [phone.get("value") if isinstance(phone, dict) else phone for phone in phones]
    linkedin = candidate.linkedin_url
    return {
        "name": candidate.name,
        "emails": "\n".join(_texts(candidate.emails) or _texts([candidate.email])),
        "phones": "\n".join(_texts(values)),
        "linkedin_url": linkedin,
        "links": "\n".join(link for link in _texts(candidate.links) if link != linkedin),
        "city": city,
        "state": state,
        "country": country,
        "current_title": candidate.current_title,
        "current_company": candidate.current_company,
        "source": str((candidate.sourcing or {}).get("source") or ""),
    }


class ExportSettingsForm(forms.Form):
    trigger = forms.ChoiceField(
        choices=ExportTrigger.choices, widget=forms.RadioSelect, label="Export candidates added here"
    )
    tier = forms.ChoiceField(
        choices=[("", "Choose a tier"), *EXPORT_TIERS],
        required=False,
        label="Tier",
        help_text="For the fit score trigger: that tier or better.",
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("trigger") == ExportTrigger.TIER_REACHED and not cleaned.get("tier"):
            self.add_error("tier", "Choose the tier that exports a candidate.")
        return cleaned
