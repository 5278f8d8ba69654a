"""Forms of the recruiter actions: what each action needs, checked before the write-back services check the rest.

Every form carries `form_token`, a uuid rendered into the page: the same token sent twice is the same
submission (see actions.idempotency_key).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat

from apps.accounts.models import Workspace
from apps.candidates.actions import BULK_ACTIONS, MAX_BULK, Action, pipeline_stages, rejection_reasons
from apps.candidates.models import Application, ReasonType, RejectionReason
from apps.candidates.services import MAX_NOTE_LENGTH
from apps.jobs.models import Job, Stage

MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024  # below Lever's 30 MB, leaving room for the multipart envelope
# What was typed into a refused form, kept in the session across the redirect (no-JS posts).
DRAFTS_SESSION_KEY = "recruiter_action_drafts"


def error_text(form: forms.Form) -> str:
    """Return the form's errors as one sentence or two, for a message or an error fragment."""
    texts = [str(message) for errors in form.errors.values() for message in errors]
    return " ".join(dict.fromkeys(texts)) or "Check the form and try again."


class ActionForm(forms.Form):
    """Base of the single-application actions: knows its application; `values()` feeds actions.py."""

    form_token = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, application: Application, **kwargs: Any) -> None:
        self.application = application
        super().__init__(*args, **kwargs)

    def values(self) -> dict[str, Any]:
        return {name: value for name, value in self.cleaned_data.items() if name != "form_token"}


class MoveForm(ActionForm):
    stage = forms.ModelChoiceField(
        queryset=Stage.objects.none(),
        error_messages={
            "required": "Choose a stage to move to.",
            "invalid_choice": "Choose a stage of this job's pipeline.",
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["stage"]
        field.queryset = Stage.objects.filter(pk__in=[s.pk for s in pipeline_stages(self.application.job)])
        if self.application.job_id is None:
            lead = "This lead is not on a job yet, so there is no pipeline to move in."
            field.error_messages = {**field.error_messages, "required": lead, "invalid_choice": lead}


class RejectForm(ActionForm):
    reason = forms.ModelChoiceField(
        queryset=RejectionReason.objects.none(),
        error_messages={
            "required": "Choose why the application is rejected.",
            "invalid_choice": "Choose an active rejection reason (hired reasons cannot reject).",
        },
    )
    clean_interviews = forms.BooleanField(required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        reasons = rejection_reasons(self.application.workspace_id, self.application.connection_id)
        self.fields["reason"].queryset = RejectionReason.objects.filter(  # type: ignore[attr-defined]
            pk__in=[reason.pk for reason in reasons]
        )


class TagForm(ActionForm):
    tag = forms.CharField(
        max_length=255,
        error_messages={"required": "Enter a tag.", "max_length": "Tags are at most 255 characters."},
    )


class NoteForm(ActionForm):
    text = forms.CharField(
        max_length=MAX_NOTE_LENGTH,
        widget=forms.Textarea,
        error_messages={
            "required": "Write the note first.",
            "max_length": f"Notes are at most {MAX_NOTE_LENGTH:,} characters.",
        },
    )
    secret = forms.BooleanField(required=False)


class AttachmentForm(ActionForm):
    file = forms.FileField(
        error_messages={
            "required": "Choose a file to upload.",
            "empty": "The file is empty.",
            "invalid": "Choose a file to upload.",
        }
    )

    def clean_file(self) -> Any:
        file = self.cleaned_data["file"]
        if file.size > MAX_ATTACHMENT_BYTES:
            raise ValidationError(
                f"{file.name} is {filesizeformat(file.size)}; files can be at most "
                f"{filesizeformat(MAX_ATTACHMENT_BYTES)}."
            )
        return file


class ResultLinkForm(ActionForm):
    label = forms.CharField(
        max_length=200,
        error_messages={
            "required": "Name the link (e.g. “Coding test”).",
            "max_length": "Keep the name short.",
        },
    )
    url = forms.URLField(
        max_length=500,
        assume_scheme="https",
        error_messages={
            "required": "Enter the link's address.",
            "invalid": "Enter a web address (https://…).",
        },
    )


class RescoreForm(ActionForm):
    pass


SINGLE_FORMS: dict[str, type[ActionForm]] = {
    Action.MOVE: MoveForm,
    Action.REJECT: RejectForm,
    Action.TAG_ADD: TagForm,
    Action.TAG_REMOVE: TagForm,
    Action.NOTE: NoteForm,
    Action.ATTACHMENT: AttachmentForm,
    Action.RESULT_LINK: ResultLinkForm,
    Action.RESCORE: RescoreForm,
}


class IdListField(forms.Field):
    """Many integer ids from repeated fields (`application=1&application=2`)."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {"invalid": "The selection is not valid: reload the page and select again."}

    def to_python(self, value: Any) -> list[int]:
        if not value:
            return []
        try:
            return list(dict.fromkeys(int(item) for item in value))
        except (TypeError, ValueError):
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


class BulkActionForm(forms.Form):
    """One action for many applications: the action plus the fields that action needs."""

    application = IdListField(error_messages={"required": "Select at least one application."})
    action = forms.ChoiceField(
        choices=[(a.value, a.label) for a in BULK_ACTIONS],
        error_messages={"required": "Choose what to do.", "invalid_choice": "Choose what to do."},
    )
    stage = forms.ModelChoiceField(
        queryset=Stage.objects.none(),
        required=False,
        error_messages={"invalid_choice": "Choose a stage of this workspace's pipelines."},
    )
    reason = forms.ModelChoiceField(
        queryset=RejectionReason.objects.none(),
        required=False,
        error_messages={"invalid_choice": "Choose an active rejection reason (hired reasons cannot reject)."},
    )
    clean_interviews = forms.BooleanField(required=False)
    tag = forms.CharField(max_length=255, required=False)
    text = forms.CharField(max_length=MAX_NOTE_LENGTH, required=False, widget=forms.Textarea)
    secret = forms.BooleanField(required=False)
    job = forms.ModelChoiceField(queryset=Job.objects.none(), required=False)
    form_token = forms.UUIDField(required=False, widget=forms.HiddenInput)

    NEEDS = {
        Action.MOVE: ("stage", "Choose a stage to move to."),
        Action.REJECT: ("reason", "Choose why the applications are rejected."),
        Action.TAG_ADD: ("tag", "Enter the tag to add."),
        Action.TAG_REMOVE: ("tag", "Enter the tag to remove."),
        Action.NOTE: ("text", "Write the note first."),
    }
    FIELDS = {
        Action.MOVE: ("stage",),
        Action.REJECT: ("reason", "clean_interviews"),
        Action.TAG_ADD: ("tag",),
        Action.TAG_REMOVE: ("tag",),
        Action.NOTE: ("text", "secret"),
        Action.RESCORE: (),
    }

    def __init__(self, *args: Any, workspace: Workspace, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        fields["stage"].queryset = Stage.objects.for_workspace(workspace).alive()
        fields["reason"].queryset = (
            RejectionReason.objects.for_workspace(workspace)
            .alive()
            .filter(is_active=True, reason_type=ReasonType.NON_HIRED)
        )
        fields["job"].queryset = Job.objects.for_workspace(workspace)

    def clean_application(self) -> list[int]:
        ids = self.cleaned_data["application"]
        if len(ids) > MAX_BULK:
            raise ValidationError(f"Select at most {MAX_BULK} applications at a time.")
        return ids

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        needed = self.NEEDS.get(cleaned.get("action", ""))
        if needed and not cleaned.get(needed[0]) and needed[0] not in self.errors:
            self.add_error(needed[0], needed[1])
        return cleaned

    def values(self) -> dict[str, Any]:
        """Return the fields of the chosen action only (the bar sends every field)."""
        return {name: self.cleaned_data[name] for name in self.FIELDS[self.cleaned_data["action"]]}
