"""Mutated real-shaped Lever payloads through the mapping: rows out, or a MappingError, nothing else.

One recorded payload of each kind (fixtures/mapping_*.json) is mutated field by field: keys dropped,
values nulled, swapped for the wrong type (list, object, string, number, bool), for a 100 000-character
string, for unicode (NUL, emoji, right-to-left, combining marks; never lone surrogates, which no JSON
decoder hands us from a UTF-8 body) or for a numeric string. Whatever comes in, the mapping either
returns records the engine can hash and store (every text within its column) or raises MappingError,
which the sync turns into a skip noted on the SyncRun (test_sync_bad_record.py). Any other exception
would fail the whole page, so it is a bug.
"""

from __future__ import annotations

import contextlib
import copy
from typing import Any

import pytest
from django.apps import apps
from django.db import models
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.integrations.lever import mapping
from apps.integrations.lever.mapping import MappingError
from apps.integrations.lever.parsing import unwrap
from apps.integrations.records import Record
from tests.hypothesis_profiles import MAPPING_EXAMPLES
from tests.integrations.lever.conftest import lever_fixture

OPP = "2087af84-f146-4535-9368-2309e33e049f"
CONTACT = "e2719ee1-21f5-4287-a60a-59bd29deac80"
HIRED = {"16308515-dc77-4aa7-b3af-96161b2b4e9b"}
HUGE = 100_000

# A failing example holding a 100 000-character string has a large repr; hypothesis warns about it.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Generating overly large repr:hypothesis.errors.HypothesisWarning"
)


def _first(name: str) -> dict[str, Any]:
    payload = unwrap(lever_fixture(name))
    return payload[0] if isinstance(payload, list) else payload


def _contact_opportunity() -> dict[str, Any]:
    """The hired opportunity with its contact expanded (`expand=contact`): the person's own fields."""
    opportunity = _first("mapping_opportunity_archived_hired")
    opportunity["contact"] = {
        "id": CONTACT,
        "name": "Aïcha Benali",
        "headline": "Staff Engineer at Globex",
        "emails": ["aicha@work.example"],
        "phones": [{"type": "mobile", "value": "+33 6 12 34 56 78"}],
        "links": ["https://www.linkedin.com/in/aicha"],
        "location": {"name": "Chennai"},
        "isAnonymized": False,
    }
    return opportunity


def _many(result: Any) -> list[Record]:
    return list(result) if isinstance(result, list | tuple) else [result]


# kind → (a real-shaped payload, the mapping call the sync makes for it)
KINDS: dict[str, tuple[Any, Any]] = {
    "opportunity": (
        _first("mapping_opportunity_archived_hired"),
        lambda p: mapping.map_opportunity(p, hired_reason_ids=HIRED),
    ),
    "opportunity-legacy": (
        _first("mapping_opportunity_legacy_rejected"),
        lambda p: mapping.map_opportunity(p, hired_reason_ids=HIRED),
    ),
    "contact": (_contact_opportunity(), lambda p: mapping.map_opportunity(p, hired_reason_ids=HIRED)),
    "note": (_first("mapping_notes"), lambda p: mapping.map_notes(OPP, [p])),
    "interview": (_first("mapping_interviews"), lambda p: mapping.map_interviews(OPP, [p])),
    "panel": (_first("mapping_panels"), lambda p: mapping.map_interviews(OPP, p)),
    "offer": (_first("mapping_offers"), lambda p: mapping.map_offers(OPP, [p])),
    "resume": (_first("mapping_resumes"), lambda p: mapping.map_resumes(OPP, CONTACT, [p])),
    "file": (_first("mapping_files"), lambda p: mapping.map_files(OPP, CONTACT, p)),
    "feedback": (_first("mapping_feedback"), lambda p: mapping.map_feedback(OPP, [p])),
    "posting": (
        _first("mapping_posting_published"),
        lambda p: [mapping.map_posting(p, web_app_url="https://hire.lever.co"), *mapping.map_hiring_team(p)],
    ),
    "apply-form": (lever_fixture("mapping_apply_form"), lambda p: mapping.map_apply_form("posting-1", p)),
    "user": (_first("mapping_users"), mapping.map_user),
    "stages": (unwrap(lever_fixture("mapping_stages")), mapping.map_stages),
    "archive-reason": (_first("mapping_archive_reasons"), mapping.map_archive_reason),
    "tag": (_first("mapping_tags"), mapping.map_tag),
    "source": (_first("mapping_sources"), mapping.map_source),
    "requisition": (_first("mapping_requisitions"), mapping.map_requisition),
    "job-stages": (["lead-new", "applicant-new", {"id": "offer"}], lambda p: mapping.map_job_stages("j", p)),
}

_unicode = st.text(
    st.characters(blacklist_categories=("Cs",))
    | st.sampled_from(["\x00", "😀", "\u202e", "\u0301", "\ufeff", "٣"]),
    min_size=1,
    max_size=12,
)
# Edges: the last millisecond a datetime holds, the first after, 64-bit and 32-bit limits, 5000 digits.
_EDGES = [253_402_300_799_999, 253_402_300_800_000, -62_135_596_800_001, 2**63, 2**31, 10**20, -(2**63) - 1]
_numeric_strings = st.sampled_from(
    ["0", "-1", "1.5", "1e400", "NaN", "inf", " 42 ", "1,000", "٣", "9" * 5000, *map(str, _EDGES)]
) | st.integers(min_value=-(10**20), max_value=10**20).map(str)
_numbers = st.sampled_from(_EDGES) | st.integers(-(2**64), 2**64) | st.floats()
_scalars = st.none() | st.booleans() | _numbers | _unicode | _numeric_strings
_huge = st.sampled_from(["x", "é", "😀", "\x00", "9", "<li>", " "]).map(lambda unit: unit * HUGE)
_wrong = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_unicode, inner, max_size=3),
    max_leaves=6,
)


@st.composite
def mutated(draw, value: Any, depth: int = 0) -> Any:
    """Return `value` with some of its parts replaced; containers are walked, each part decided apart."""
    action = draw(
        st.sampled_from(["keep"] * 6 + ["null", "wrong", "huge", "unicode", "numeric", "empty"])
        if depth
        else st.just("keep")
    )
    if action == "null":
        return None
    if action == "wrong":
        return draw(_wrong)
    if action == "huge":
        return draw(_huge)
    if action == "unicode":
        return draw(_unicode)
    if action == "numeric":
        return draw(_numeric_strings)
    if action == "empty":
        return type(value)() if isinstance(value, dict | list | str) else ""
    if isinstance(value, dict):
        result = {}
        for key, inner in value.items():
            if not draw(st.integers(0, 9)):
                continue  # the key is dropped
            result[key] = draw(mutated(inner, depth + 1))
        return result
    if isinstance(value, list):
        return [draw(mutated(inner, depth + 1)) for inner in value]
    return value


def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    """Return the path (keys and indexes) of every part of a payload, the payload itself excluded."""
    found = []
    children = (
        value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    )
    for key, inner in children:
        found.append((*prefix, key))
        found += _paths(inner, (*prefix, key))
    return found


_hostile = st.one_of(st.none(), _wrong, _huge, _unicode, _numeric_strings, _numbers, st.just([]), st.just({}))


@st.composite
def one_point_mutated(draw, value: Any) -> Any:
    """Return `value` with one part, however deep, replaced by a hostile value or removed."""
    result = copy.deepcopy(value)
    path = draw(st.sampled_from(_paths(value)))
    parent = result
    for key in path[:-1]:
        parent = parent[key]
    if isinstance(parent, dict) and draw(st.integers(0, 5)) == 0:
        del parent[path[-1]]
    else:
        parent[path[-1]] = draw(_hostile)
    return result


def _column_limits() -> tuple[dict[str, dict[str, int]], dict[str, dict[str, tuple[int, int]]]]:
    """Return, per model, the max_length of each text column and the range of each integer column.

    The integer ranges are PostgreSQL's (the strictest backend we support), from Django itself.
    """
    from django.db.backends.postgresql.operations import DatabaseOperations

    lengths: dict[str, dict[str, int]] = {}
    ranges: dict[str, dict[str, tuple[int, int]]] = {}
    for model in apps.get_models():
        label = model._meta.label
        fields = [f for f in model._meta.get_fields() if isinstance(f, models.Field)]
        lengths[label] = {
            f.name: f.max_length for f in fields if isinstance(f, models.CharField) and f.max_length
        }
        ranges[label] = {
            f.name: DatabaseOperations.integer_field_ranges[f.get_internal_type()]
            for f in fields
            if f.get_internal_type() in DatabaseOperations.integer_field_ranges
        }
    return lengths, ranges


COLUMN_LIMITS, INTEGER_RANGES = _column_limits()


def check_records(records: list[Record]) -> None:
    for record in records:
        assert isinstance(record, Record)
        assert isinstance(record.remote_id, str) and record.remote_id
        record.content_hash()  # what the engine does first with every row
        limits = COLUMN_LIMITS[record.model]
        assert len(record.remote_id) <= 255, record.model
        ranges = INTEGER_RANGES[record.model]
        for name, value in record.fields.items():
            if isinstance(value, str) and name in limits:
                assert len(value) <= limits[name], f"{record.model}.{name} is {len(value)} > {limits[name]}"
            if isinstance(value, int) and not isinstance(value, bool) and name in ranges:
                low, high = ranges[name]
                assert low <= value <= high, f"{record.model}.{name} = {value} is out of range"
        for name, ref in record.refs.items():
            assert ref is None or isinstance(ref, str), (record.model, name)
        for name, ids in record.many.items():
            assert all(isinstance(i, str) for i in ids), (record.model, name)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_the_unmutated_payloads_map(kind):
    payload, to_records = KINDS[kind]
    records = _many(to_records(copy.deepcopy(payload)))
    assert records
    check_records(records)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_mutated_payload_maps_or_raises_mapping_error(kind):
    payload, to_records = KINDS[kind]

    @settings(max_examples=MAPPING_EXAMPLES)
    @given(mutant=mutated(payload))
    def check(mutant):
        try:
            records = _many(to_records(mutant))
        except MappingError:
            return
        check_records(records)

    check()


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_one_hostile_part_anywhere_maps_or_raises_mapping_error(kind):
    payload, to_records = KINDS[kind]

    @settings(max_examples=MAPPING_EXAMPLES)
    @given(mutant=one_point_mutated(payload))
    def check(mutant):
        try:
            records = _many(to_records(mutant))
        except MappingError:
            return
        check_records(records)

    check()


# What the fuzzing above found, kept as plain examples (each raised before the fix in the mapping).
@pytest.mark.parametrize(
    ("to_records", "payload"),
    [
        pytest.param(
            lambda p: mapping.map_feedback(OPP, p),
            [{"id": "f", "fields": [{"type": "score-system", "value": "9" * 5000}]}],
            id="rating-of-5000-digits",  # ValueError: int() digit limit
        ),
        pytest.param(
            lambda p: mapping.map_feedback(OPP, p),
            [{"id": "f", "fields": [{"type": "score-system", "value": 3, "options": 5}]}],
            id="rating-options-not-a-list",  # TypeError: 'int' object is not iterable
        ),
        pytest.param(
            lambda p: mapping.map_interviews(OPP, p),
            [{"id": "i", "subject": "x", "date": 253_402_300_799_000, "duration": 60}],
            id="interview-ending-after-year-9999",  # OverflowError
        ),
        pytest.param(
            lambda p: mapping.map_files(OPP, CONTACT, p),
            [{"id": "f", "size": str(2**64)}],
            id="file-size-over-64-bits",
        ),
        pytest.param(
            mapping.map_requisition,
            {"id": "r", "headcountTotal": 2**40, "headcountHired": "3000000000"},
            id="headcount",
        ),
        pytest.param(mapping.map_user, {"id": "u" * 101}, id="id-longer-than-any-lever-id"),
        pytest.param(
            lambda p: mapping.map_opportunity(p, hired_reason_ids=HIRED),
            {"id": "o", "contact": "c" * 300, "stage": "s" * 300},
            id="contact-id-of-300-characters",
        ),
    ],
)
def test_found_by_fuzzing(to_records, payload):
    with contextlib.suppress(MappingError):
        check_records(_many(to_records(payload)))


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("garbage", [None, 0, -1, "", "x" * HUGE, [], {}, [None], {"data": None}, True, 1.5])
def test_a_payload_that_is_not_an_object_maps_or_raises_mapping_error(kind, garbage):
    _, to_records = KINDS[kind]
    with contextlib.suppress(MappingError):
        check_records(_many(to_records(garbage)))
