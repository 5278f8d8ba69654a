"""Every Record the mapping produces must fit the model it names: real fields, right types, within limits."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.db import models

from apps.integrations.lever import mapping
from apps.integrations.lever.parsing import unwrap
from apps.integrations.records import Record
from apps.lever_sandbox.generate.applications import apply_form
from apps.lever_sandbox.store import Store
from tests.integrations.lever.conftest import lever_fixture

# Bookkeeping the engine owns; a mapping must never set these.
ENGINE_FIELDS = {
    "id",
    "workspace",
    "connection",
    "remote_id",
    "remote_data",
    "content_hash",
    "changed_at",
    "remote_deleted_at",
    "children_synced_at",
    "created_at",
    "updated_at",
    "extracted_text",
    "file",
}
# Keys whose string values are free text a Lever user typed, stretched to test the column limits.
FREE_TEXT_KEYS = {
    "name", "text", "headline", "location", "username", "jobTitle", "email", "team", "department",
    "commitment", "level", "country", "currency", "interval", "subject", "timezone", "status",
    "requisitionCode", "employmentStatus", "type", "accessRole", "value", "identifier",
}  # fmt: skip
OPP = "2087af84-f146-4535-9368-2309e33e049f"
CONTACT = "e2719ee1-21f5-4287-a60a-59bd29deac80"


def assert_fits_its_model(record: Record) -> None:
    model = apps.get_model(record.model)
    assert record.remote_id and len(record.remote_id) <= 255
    for name, value in record.fields.items():
        field = model._meta.get_field(name)
        assert name not in ENGINE_FIELDS, name
        assert field.concrete and not field.is_relation, name
        if value is None:
            assert field.null, f"{record.model}.{name} is not nullable"
        elif isinstance(field, models.CharField | models.TextField):
            assert isinstance(value, str), name
            assert field.max_length is None or len(value) <= field.max_length, name
            if field.choices and value:
                assert value in {choice for choice, _ in field.choices}, (name, value)
        elif isinstance(field, models.DateTimeField):
            assert isinstance(value, datetime) and value.utcoffset() is not None, name
        elif isinstance(field, models.DateField):
            assert isinstance(value, date), name
        elif isinstance(field, models.DecimalField):
            assert isinstance(value, Decimal), name
            assert len(value.as_tuple().digits) <= field.max_digits, name
        elif isinstance(field, models.BooleanField):
            assert isinstance(value, bool), name
        elif isinstance(field, models.IntegerField):
            assert isinstance(value, int) and not isinstance(value, bool) and value >= 0, name
        elif isinstance(field, models.JSONField):
            json.dumps(value)  # plain JSON, nothing the engine's default=str would have to guess
    for name in record.refs:
        assert model._meta.get_field(name).many_to_one, name
    for name, ids in record.many.items():
        assert model._meta.get_field(name).many_to_many, name
        assert all(isinstance(i, str) and i for i in ids)
    json.dumps(record.fields, default=str)
    assert record.content_hash() == record.content_hash()


def map_everything(fixture: Any = lever_fixture) -> list[Record]:
    records = [mapping.map_user(u) for u in unwrap(fixture("mapping_users"))]
    records += mapping.map_stages(fixture("mapping_stages"))
    records += [mapping.map_archive_reason(r) for r in unwrap(fixture("mapping_archive_reasons"))]
    records += [mapping.map_tag(t) for t in unwrap(fixture("mapping_tags"))]
    records += [mapping.map_source(s) for s in unwrap(fixture("mapping_sources"))]
    records += [mapping.map_requisition(r) for r in unwrap(fixture("mapping_requisitions"))]
    for name in ("mapping_posting_published", "mapping_posting_confidential_closed"):
        posting = fixture(name)
        records += [mapping.map_posting(posting, web_app_url="https://hire.lever.co")]
        records += mapping.map_hiring_team(posting)
    records += mapping.map_job_stages("p1", ["lead-new", "offer"])
    records += mapping.map_apply_form("p1", fixture("mapping_apply_form"))
    for name in ("archived_hired", "legacy_rejected", "lead", "anonymized"):
        records += mapping.map_opportunity(fixture(f"mapping_opportunity_{name}"), hired_reason_ids={"x"})
    records += mapping.map_notes(OPP, fixture("mapping_notes"))
    records += mapping.map_interviews(OPP, fixture("mapping_interviews"))
    records += mapping.map_interviews(OPP, fixture("mapping_panels"))
    records += mapping.map_offers(OPP, fixture("mapping_offers"))
    records += mapping.map_resumes(OPP, CONTACT, fixture("mapping_resumes"))
    records += mapping.map_files(OPP, CONTACT, fixture("mapping_files"))
    records += mapping.map_feedback(OPP, fixture("mapping_feedback"))
    return records


def test_every_fixture_maps_to_records_that_fit_their_models():
    records = map_everything()
    assert len({r.model for r in records}) == 18
    for record in records:
        assert_fits_its_model(record)


def stretched(value: Any, key: str = "") -> Any:
    """Return `value` with every free-text string made absurdly long."""
    if isinstance(value, dict):
        return {k: stretched(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [stretched(v, key) for v in value]
    if isinstance(value, str) and key in FREE_TEXT_KEYS:
        return value + "x" * 5000
    return value


def test_oversized_values_are_cut_to_the_columns():
    records = map_everything(lambda name: stretched(lever_fixture(name)))
    for record in records:
        assert_fits_its_model(record)


def test_records_are_deterministic():
    first = [r.content_hash() for r in map_everything()]
    assert [r.content_hash() for r in map_everything()] == first


@pytest.fixture(scope="module")
def sandbox() -> Store:
    return Store(seed=11, opportunities=120)


def map_sandbox(store: Store) -> list[Record]:
    ds = store.ds
    hired = {r["id"] for r in ds.archive_reasons if r["type"] == "hired"}
    records = [mapping.map_user(u) for u in ds.users] + mapping.map_stages(ds.stages)
    records += [mapping.map_archive_reason(r) for r in ds.archive_reasons]
    records += [mapping.map_requisition(r) for r in ds.requisitions]
    for posting in ds.postings:
        records.append(mapping.map_posting(posting, web_app_url="https://hire.lever.co"))
        records += mapping.map_hiring_team(posting)
        records += mapping.map_job_stages(posting["id"], [s["id"] for s in ds.stages])
        records += mapping.map_apply_form(posting["id"], apply_form(ds.seed, posting, ds.company))
    for row in ds.rows:
        opportunity = {**store.opportunity(row), "applications": store.children(row, "applications")}
        records += mapping.map_opportunity(opportunity, hired_reason_ids=hired)

        def kids(kind: str, row: Any = row) -> list[dict[str, Any]]:
            return [getattr(item, "meta", item) for item in store.children(row, kind)]

        records += mapping.map_notes(row.id, kids("notes")) + mapping.map_interviews(
            row.id, kids("interviews")
        )
        records += mapping.map_offers(row.id, kids("offers")) + mapping.map_feedback(row.id, kids("feedback"))
        records += mapping.map_resumes(row.id, opportunity["contact"], kids("resumes"))
        records += mapping.map_files(row.id, opportunity["contact"], kids("files"))
    return records


def test_a_whole_sandbox_account_maps_cleanly_and_identically_twice(sandbox):
    records = map_sandbox(sandbox)
    for record in records:
        assert_fits_its_model(record)
    # One row per remote id, except a person with several opportunities, mapped once per opportunity.
    keys = [(r.model, r.remote_id) for r in records if r.model != "candidates.Candidate"]
    assert len(keys) == len(set(keys))
    assert [r.content_hash() for r in map_sandbox(sandbox)] == [r.content_hash() for r in records]
    outcomes = {r.fields["outcome"] for r in records if r.model == "candidates.Application"}
    assert outcomes == {"active", "hired", "rejected"}
    assert all(
        value.utcoffset().total_seconds() == 0
        for r in records
        for value in r.fields.values()
        if isinstance(value, datetime)
    )
