"""Queries built and compiled once per process, then run with each request's ids.

Building a queryset and compiling it to SQL costs Django some 0.3–1.5 ms of CPU per query (an
aggregate with joins and a subquery is at the top of that range); sending the same SQL through the
cursor costs a few hundredths of a millisecond. A page query whose only per-request values are ids
(a workspace, a job) is built once here with marker ids in their place; each request sends the
compiled SQL with its own ids: the very SQL the ORM would have sent.

Rows come back as the driver gives them, without Django's converters: use it for ids, counts and
plain text, not for values Django converts (dates on SQLite, JSON, encrypted fields) or for models.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet

# Ids no row has: where they land in the compiled parameters is where each request's ids go.
FIRST_MARKER_ID = 987_654_321


class PrecompiledQuery:
    """`build(*ids)` (a queryset of `values_list` rows) compiled once per database vendor, run with ids."""

    def __init__(self, build: Callable[..., QuerySet]) -> None:
        self.build = build
        self.compiled: dict[str, tuple[str, list[tuple[int | None, Any]]]] = {}

    def rows(self, *ids: int) -> list[tuple]:
        """Return the rows of `build(*ids)`."""
        connection = connections[DEFAULT_DB_ALIAS]
        compiled = self.compiled.get(connection.vendor)
        if compiled is None:
            compiled = self.compiled[connection.vendor] = self.compile(len(ids))
        sql, slots = compiled
        params = [value if slot is None else ids[slot] for slot, value in slots]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def compile(self, count: int) -> tuple[str, list[tuple[int | None, Any]]]:
        """Return the SQL of `build` with marker ids, and per parameter: which id goes there, or its value."""
        markers = tuple(range(FIRST_MARKER_ID, FIRST_MARKER_ID + count))
        sql, params = self.build(*markers).query.sql_with_params()
        slots = [(_marker_slot(markers, value), value) for value in params]
        missing = set(range(count)) - {slot for slot, _ in slots}
        if missing:
            raise ValueError(
                f"The query does not use ids {sorted(missing)}: the rows would not depend on them."
            )
        return sql, slots


def _marker_slot(markers: tuple[int, ...], value: object) -> int | None:
    if type(value) is int and value in markers:
        return markers.index(value)
    return None
