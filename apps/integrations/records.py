"""The contract between a provider's pure mapping and the mirror's upsert engine.

A mapping turns one ATS object into one `Record` per mirrored row: our model's field values, plus
the remote ids of the rows its foreign keys and many-to-many fields point at. The engine resolves
those ids to primary keys within the same connection, hashes the mapped content, and writes only
what changed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Record:
    model: str  # "app_label.ModelName", e.g. "candidates.Application"
    remote_id: str
    fields: dict[str, Any]  # concrete field values (remote_created_at/remote_updated_at included)
    refs: dict[str, str | None] = field(default_factory=dict)  # FK name → remote id (None clears it)
    many: dict[str, list[str]] = field(default_factory=dict)  # M2M name → remote ids
    remote_data: dict[str, Any] = field(default_factory=dict)  # the ATS object as received
    deleted: bool = False  # the ATS reports the object deleted (e.g. a note with deletedAt)

    def content_hash(self) -> str:
        """Return a digest of everything we map (not the raw payload), so unchanged rows cost no write."""
        return content_hash(
            {
                "fields": self.fields,
                "refs": self.refs,
                "many": {name: sorted(ids) for name, ids in self.many.items()},
                "deleted": self.deleted,
            }
        )


def content_hash(mapped: dict[str, Any]) -> str:
    """Return a stable digest of mapped values: key order does not matter, any value change does."""
    canonical = json.dumps(mapped, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()
