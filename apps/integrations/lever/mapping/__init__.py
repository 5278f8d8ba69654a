"""Pure Lever → Recruitdesk mapping: Lever JSON in, `Record`s out (no ORM, no network).

Each function takes one Lever object (or list) exactly as the API returns it, tolerating the
envelopes, nulls, numeric strings and legacy shapes of LEVER_API.md §3, §8 and §11, and returns the
rows our models mirror (DESIGN.md §4). Output is deterministic, so an unchanged Lever object always
hashes the same and costs the engine no write.
"""

from __future__ import annotations

from apps.integrations.lever.mapping.children import map_feedback, map_interviews, map_notes, map_offers
from apps.integrations.lever.mapping.files import CONTENT_TYPES, extension_of, map_files, map_resumes
from apps.integrations.lever.mapping.jobs import map_apply_form, map_hiring_team, map_job_stages, map_posting
from apps.integrations.lever.mapping.people import map_opportunity
from apps.integrations.lever.mapping.reference import (
    map_archive_reason,
    map_requisition,
    map_source,
    map_stages,
    map_tag,
    map_user,
)
from apps.integrations.lever.mapping.values import MappingError

__all__ = [
    "CONTENT_TYPES",
    "MappingError",
    "extension_of",
    "map_apply_form",
    "map_archive_reason",
    "map_feedback",
    "map_files",
    "map_hiring_team",
    "map_interviews",
    "map_job_stages",
    "map_notes",
    "map_offers",
    "map_opportunity",
    "map_posting",
    "map_requisition",
    "map_resumes",
    "map_source",
    "map_stages",
    "map_tag",
    "map_user",
]
