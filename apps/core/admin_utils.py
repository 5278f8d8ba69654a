"""Small helpers for admin pages: links between related records and readable JSON."""

from __future__ import annotations

import json
from typing import Any

from django.db.models import Model
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html


def admin_link(obj: Model | None, label: str | None = None) -> str:
    """Return a link to `obj`'s admin page, or its text when it has none."""
    if obj is None:
        return "—"
    meta = obj._meta
    try:
        url = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
    except NoReverseMatch:
        return str(label or obj)
    return format_html('<a href="{}">{}</a>', url, label or obj)


def admin_changelist_link(model: type[Model], label: str, **filters: Any) -> str:
    meta = model._meta
    url = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
    query = "&".join(f"{key}={value}" for key, value in filters.items())
    return format_html('<a href="{}?{}">{}</a>', url, query, label)


def pretty_json(value: Any) -> str:
    if value in (None, "", {}, []):
        return "—"
    text = json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str)
    # A class, not a style= attribute (the CSP refuses inline styles): its rule is in static/css/admin.css,
    # which templates/admin/base_site.html links on every admin page.
    return format_html('<pre class="admin-json">{}</pre>', text)


class ReadOnlyAdminMixin:
    """For rows written only by services (sync runs, the outbox, the mirror): staff look, not edit."""

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)
