"""Unified roles: one vocabulary across ATSs, filled from per-provider tables (never scattered ifs)."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import models


class UnifiedRole(models.TextChoices):
    ADMIN = "ADMIN", "Admin"
    INTERVIEWER = "INTERVIEWER", "Interviewer"
    HIRING_MANAGER = "HIRING_MANAGER", "Hiring manager"


def lookup_role(table: Mapping[str, str], raw: str | None) -> str:
    """Return the unified role `table` gives the ATS's `raw` role name; "" for none or unknown roles.

    Case and spacing are ignored, so "Super Admin" and "super  admin" are the same role.
    """
    return table.get(" ".join((raw or "").lower().split()), "")
