"""LeverClient: the only code that talks HTTP to Lever. It knows none of our Django models.

Build one per unit of work (a sync run, a write-back batch) and close it when done; for a stored
connection use `apps.integrations.lever.credentials.lever_client_for(connection)`.

    client = LeverClient(PRODUCTION, ApiKeyAuth(key), limiter=rate_limiter_for("lever:…"))
    for opportunity in client.iter_opportunities(updated_at_start=since):
        ...

The HTTP core (retries, rate limiting, logging, pagination) lives in `transport.py`; the read and
write methods in `reads.py` and `writes.py`.
"""

from __future__ import annotations

from apps.integrations.lever.reads import LeverReads
from apps.integrations.lever.writes import LeverWrites


class LeverClient(LeverReads, LeverWrites):
    """Read and write Lever's Data API v1 for one credential (see LeverTransport for the knobs)."""

    def __enter__(self) -> LeverClient:
        return self
