from __future__ import annotations

from django import forms

from apps.accounts.roles import ASSIGNABLE_ROLES, Role


class WorkspaceForm(forms.Form):
    name = forms.CharField(
        max_length=120, label="Team name", widget=forms.TextInput(attrs={"autofocus": True})
    )


def _role_choices(actor_role: str) -> list[tuple[str, str]]:
    allowed = ASSIGNABLE_ROLES.get(actor_role, ())
    return [(value, label) for value, label in Role.choices if value in allowed]


class MemberAddForm(forms.Form):
    email = forms.EmailField(label="Email")
    role = forms.ChoiceField(choices=Role.choices, initial=Role.RECRUITER)

    def __init__(self, *args: object, actor_role: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["role"].choices = _role_choices(actor_role)


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)

    def __init__(self, *args: object, actor_role: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["role"].choices = _role_choices(actor_role)
