from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from apps.candidates.csv_import.fields import FIELD_CHOICES, column_labels, mapping_errors
from apps.imports.models import CandidateImport, ExportChoice
from apps.jobs.models import JobStage


class UploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="Comma, semicolon or tab separated; UTF-8 or Excel's Windows encoding.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.tsv,.txt,text/csv"}),
    )


class MappingForm(forms.Form):
    """One select per column (what it holds), and where everyone goes: a job and a stage, or nowhere."""

    job = forms.ModelChoiceField(
        queryset=None, required=False, label="Add everyone to a job", empty_label="No job: add them as leads"
    )
    stage = forms.ModelChoiceField(queryset=None, required=False, label="At stage", empty_label="No stage")

    def __init__(
        self, *args: Any, candidate_import: CandidateImport, jobs: QuerySet, stages: QuerySet, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.labels = column_labels(candidate_import.headers)
        self.samples = candidate_import.sample or []
        mapping = candidate_import.mapping or {}
        columns = {}
        for index, label in enumerate(self.labels):
            columns[f"column_{index}"] = forms.ChoiceField(
                label=label, choices=FIELD_CHOICES, required=False, initial=mapping.get(str(index), "")
            )
        self.fields = {**columns, **self.fields}
        self.fields["job"].queryset = jobs
        self.fields["job"].initial = candidate_import.job_id
        self.fields["stage"].queryset = stages
        self.fields["stage"].initial = candidate_import.stage_id

    def columns(self) -> list[tuple[forms.BoundField, list[str]]]:
        """Each column's select with the first values under it."""
        return [
            (self[f"column_{i}"], [row[i] if i < len(row) else "" for row in self.samples])
            for i in range(len(self.labels))
        ]

    def mapping(self) -> dict[int, str]:
        return {i: self.cleaned_data.get(f"column_{i}") or "" for i in range(len(self.labels))}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for error in mapping_errors(self.mapping(), self.labels):
            self.add_error(None, error)
        job, stage = cleaned.get("job"), cleaned.get("stage")
        if stage is not None and job is None:
            self.add_error("stage", "Choose the job this stage belongs to.")
        elif stage is not None and not JobStage.objects.alive().filter(job=job, stage=stage).exists():
            self.add_error("stage", f"{stage} is not a stage of {job}.")
        return cleaned


class RunForm(forms.Form):
    export = forms.ChoiceField(
        label="Export to Lever",
        choices=ExportChoice.choices,
        initial=ExportChoice.TRIGGER,
        widget=forms.RadioSelect,
        help_text="A job's trigger is set on its page (ATS sync). People without a job wait for the "
        "Export to ATS button either way.",
    )
