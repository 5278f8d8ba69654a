"""Workspace scoping for views: objects of another workspace are a 404, never a 403."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

M = TypeVar("M", bound=Model)


def scoped(model_or_queryset: type[M] | QuerySet[M], request: HttpRequest) -> QuerySet[M]:
    """Return the rows of the request's current workspace (none without one)."""
    queryset = (
        model_or_queryset if isinstance(model_or_queryset, QuerySet) else model_or_queryset.objects.all()
    )
    return queryset.for_workspace(getattr(request, "workspace", None))  # type: ignore[attr-defined]


def get_scoped_or_404(model_or_queryset: type[M] | QuerySet[M], request: HttpRequest, **lookups: Any) -> M:
    return get_object_or_404(scoped(model_or_queryset, request), **lookups)
