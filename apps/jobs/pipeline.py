"""Read model of a job's pipeline: filters, stage columns with counts, the best cards per stage, the list.

Built for jobs with thousands of applications: the board never loads more than `per_column` cards
per stage (one windowed query), counts come from one query, and every helper here costs a fixed
number of queries whatever the size of the job.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.db import connections
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    DateTimeField,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.expressions import Window
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.db.models.functions import Cast, Coalesce, Greatest, NullIf, RowNumber, TruncDate
from django.db.models.sql.compiler import SQLCompiler
from django.utils import timezone

from apps.candidates.models import Application, Origin, Outcome, Tag
from apps.integrations.models import AtsUser, WritebackAction, WritebackKind, WritebackStatus
from apps.integrations.models.outbox import OPEN_WRITEBACK_STATUSES
from apps.jobs.models import Job, JobStage, Stage
from apps.scoring.models import Score, Tier

PER_COLUMN = 15  # cards per stage on the board ("Show all N" opens the list); 20 costs ~25 ms more
UNSCORED = "unscored"
OWNER_NONE = "none"
# Actions that decide which column a card sits in; their status chip shows on the card.
PLACING_KINDS = (WritebackKind.MOVE_STAGE, WritebackKind.REJECT, WritebackKind.UNARCHIVE)
# A failed move stays visible on its card this long, so the person who made it sees why.
FAILED_VISIBLE_FOR = timedelta(hours=24)

TIER_LABELS = dict(Tier.choices)
OUTCOME_LABELS = dict(Outcome.choices)
ORIGIN_LABELS = dict(Origin.choices)
# Best first, by fit: highest score, then the newest application, then a stable tie-break.
CARD_ORDER = (F("score__score").desc(nulls_last=True), F("applied_at").desc(nulls_last=True), F("pk").asc())
# What the page header shows of the job.
PAGE_JOB_FIELDS = (
    "id",
    "workspace_id",
    "connection_id",
    "name",
    "status",
    "department",
    "team",
    "location",
    "confidential",
    "remote_deleted_at",
)
# Each card (and list row, and CSV line) is one row of plain values: no model instances, no joins
# loaded whole, and of the explanation only its first reason, extracted in SQL.
CARD_COLUMNS = ("id", "candidate_id", "current_stage_id", "outcome", "origin", "sources")
CARD_ANNOTATIONS = {
    # The day, in the current time zone: the driver builds a date for a fraction of a datetime's cost.
    "entered_on": TruncDate("stage_entered_at"),
    "candidate_name": F("candidate__name"),
    "candidate_email": F("candidate__email"),
    "stage_name": F("current_stage__name"),
    "fit_score": F("score__score"),
    "fit_tier": F("score__tier"),
    "top_reason": KeyTextTransform("text", KeyTransform("0", KeyTransform("reasons", "score__explanation"))),
    "owner_name": Coalesce(NullIf("owner__name", Value("")), "owner__email", output_field=CharField()),
}


@dataclass(frozen=True)
class PipelineFilters:
    q: str = ""
    tier: str = ""
    min_score: int | None = None
    tag: int | None = None
    source: str = ""
    origin: str = ""
    owner: str = ""  # an AtsUser pk, or OWNER_NONE for applications nobody owns
    archived: bool = False  # False: active applications; True: hired and rejected ones
    stage: int | None = None  # the list view only: one stage (a Stage pk)

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> PipelineFilters:
        """Read filters from a query string, dropping anything malformed rather than failing."""
        tier = params.get("tier", "")
        min_score = params.get("min_score", "").strip()
        owner = params.get("owner", "")
        origin = params.get("origin", "")
        return cls(
            q=params.get("q", "").strip()[:200],
            tier=tier if tier in Tier.values or tier == UNSCORED else "",
            min_score=min(int(min_score), 100) if min_score.isdigit() else None,
            tag=_positive_int(params.get("tag", "")),
            source=params.get("source", "").strip()[:255],
            origin=origin if origin in Origin.values else "",
            owner=owner if owner.isdigit() or owner == OWNER_NONE else "",
            archived=params.get("archived") == "1",
            stage=_positive_int(params.get("stage", "")),
        )

    @property
    def active(self) -> bool:
        """Whether anything narrows the applications beyond the active/archived switch."""
        return bool(
            self.q
            or self.tier
            or self.min_score is not None
            or self.tag
            or self.source
            or self.origin
            or self.owner
            or self.stage
        )

    def params(self) -> dict[str, str]:
        """Return the filters as query parameters (only those set)."""
        values = {
            "q": self.q,
            "tier": self.tier,
            "min_score": "" if self.min_score is None else str(self.min_score),
            "tag": str(self.tag or ""),
            "source": self.source,
            "origin": self.origin,
            "owner": self.owner,
            "archived": "1" if self.archived else "",
            "stage": str(self.stage or ""),
        }
        return {key: value for key, value in values.items() if value}

    def querystring(self, **changes: object) -> str:
        """Return "?…" for these filters with `changes` applied ("" when nothing is set)."""
        params = replace(self, **changes).params()  # type: ignore[arg-type]
        return f"?{urlencode(params)}" if params else ""


def _positive_int(value: str) -> int | None:
    return int(value) if value.isdigit() and int(value) > 0 else None


def _source_filter(source: str) -> Q:
    """Match applications whose `sources` JSON list holds exactly `source`."""
    if connections[Application.objects.db].features.supports_json_field_contains:
        return Q(sources__contains=[source])
    # SQLite has no JSON containment: match the quoted element in the stored JSON text, which
    # Django writes with json.dumps (so non-ASCII text is escaped the same way on both sides).
    return Q(sources__icontains=json.dumps(source))


def pipeline_applications(
    *, workspace_id: int, job_id: int, filters: PipelineFilters
) -> QuerySet[Application]:
    """Return the job's applications that pass `filters` (unordered, unsliced)."""
    applications = Application.objects.for_workspace(workspace_id).alive().filter(job_id=job_id)
    if filters.archived:
        applications = applications.exclude(outcome=Outcome.ACTIVE)
    else:
        applications = applications.filter(outcome=Outcome.ACTIVE)
    if filters.q:
        applications = applications.filter(
            Q(candidate__name__icontains=filters.q)
            | Q(candidate__email__icontains=filters.q)
            | Q(candidate__headline__icontains=filters.q)
            | Q(candidate__current_company__icontains=filters.q)
        )
    if filters.tier == UNSCORED:
        applications = applications.filter(score__isnull=True)
    elif filters.tier:
        applications = applications.filter(score__tier=filters.tier)
    if filters.min_score is not None:
        applications = applications.filter(score__score__gte=filters.min_score)
    if filters.tag:
        applications = applications.filter(tags=filters.tag)
    if filters.source:
        applications = applications.filter(_source_filter(filters.source))
    if filters.origin:
        applications = applications.filter(origin=filters.origin)
    if filters.owner == OWNER_NONE:
        applications = applications.filter(owner__isnull=True)
    elif filters.owner:
        applications = applications.filter(owner_id=int(filters.owner))
    if filters.stage:
        applications = applications.filter(current_stage_id=filters.stage)
    return applications


class StageCounts(Subquery):
    """[[stage id, count], …] of a `.values(stage=…).annotate(n=…)` query, as one JSON array.

    Uncorrelated, the database computes it once per query (one pass over the job's applications),
    where a count per stage row ran the filters once per stage: eight scans of the candidates for a
    search on a board of eight stages.
    """

    output_field = TextField()  # no converter: `pipeline_stages` takes what the driver gives

    def as_sqlite(self, compiler: SQLCompiler, connection: Any, **extra: Any) -> tuple[str, tuple]:
        template = "(SELECT json_group_array(json_array(stage, n)) FROM (%(subquery)s))"
        return self.as_sql(compiler, connection, template=template, **extra)

    def as_postgresql(self, compiler: SQLCompiler, connection: Any, **extra: Any) -> tuple[str, tuple]:
        template = "(SELECT json_agg(json_build_array(stage, n)) FROM (%(subquery)s) AS stage_counts)"
        return self.as_sql(compiler, connection, template=template, **extra)


class StageList(list):
    """The job's stages (`pipeline_stages`), and `counts`: per current stage id (None: in no stage),
    the applications that pass the filters whatever their stage filter. The counts come with the
    stages: None when the job has none."""

    counts: dict[int | None, int] | None = None

    def matching(self, stage: int | None) -> int | None:
        """How many applications pass the filters with `stage` as their stage filter, when known."""
        if self.counts is None:
            return None
        return sum(self.counts.values()) if stage is None else self.counts.get(stage, 0)


def pipeline_stages(*, workspace_id: int, job_id: int, filters: PipelineFilters) -> StageList:
    """Return the job's stages in pipeline order, each with `count` (its applications that pass
    `filters`, whatever their stage filter) and with its job loaded (`job_stage.job`).

    The page header needs the job and the board its stages: one query brings both, and the counts.
    An empty list means the job has no stages yet, or is not there (the caller loads the job to
    tell which).
    """
    applications = pipeline_applications(
        workspace_id=workspace_id, job_id=job_id, filters=replace(filters, stage=None)
    )
    per_stage = applications.order_by().values(stage=F("current_stage_id")).annotate(n=Count("pk"))
    stages = StageList(
        JobStage.objects.alive()
        .filter(job_id=job_id, job__workspace_id=workspace_id)
        .select_related("stage", "job")
        .only("id", "position", "job_id", "stage__id", "stage__name", *(f"job__{f}" for f in PAGE_JOB_FIELDS))
        .annotate(counts=StageCounts(per_stage))
        .order_by("position", "pk")
    )
    if stages:
        value = stages[0].counts  # the same on every row
        pairs = json.loads(value) if isinstance(value, str) else value or []
        stages.counts = dict(pairs)
        for job_stage in stages:
            job_stage.count = stages.counts.get(job_stage.stage_id, 0)  # type: ignore[attr-defined]
    return stages


@dataclass(slots=True)
class Card:
    """One application as the board, the list and the export show it."""

    pk: int
    candidate_id: int
    name: str
    email: str
    stage_id: int | None
    stage_name: str
    score: float | None
    tier: str  # "" when not scored yet
    top_reason: str
    tags: list[str]
    sources: list[str]
    origin: str
    owner: str
    outcome: str
    entered_on: date | None  # the day it entered its stage, in the current time zone
    applied_at: datetime | None  # None on the board, which does not show it
    days_in_stage: int | None
    writeback: WritebackAction | None = None  # an open or recently failed move (its status chip)
    profile_url: str = ""  # set by the view
    move_url: str = ""  # set by the view

    def __getitem__(self, name: str) -> object:
        # Django templates try `card[name]` before `card.name`; answering it directly spares an
        # exception per lookup, which adds up over the 120 cards of a board.
        return getattr(self, name)

    @property
    def tier_label(self) -> str:
        return TIER_LABELS.get(self.tier, "Not scored")

    @property
    def tier_class(self) -> str:
        return self.tier or "unscored"

    @property
    def days_label(self) -> str:
        return "" if self.days_in_stage is None else f"{self.days_in_stage} d in stage"

    @property
    def owner_label(self) -> str:
        return self.owner or "Unowned"

    @property
    def score_label(self) -> str:
        return "" if self.score is None else f"{self.score:.0f}"

    @property
    def outcome_label(self) -> str:
        return OUTCOME_LABELS.get(self.outcome, self.outcome)

    @property
    def origin_label(self) -> str:
        return ORIGIN_LABELS.get(self.origin, self.origin)

    @property
    def source_label(self) -> str:
        return ", ".join(str(source) for source in self.sources)

    @property
    def entered_label(self) -> str:
        entered = self.entered_on
        return f"{entered.day} {entered:%b %Y}" if entered else ""

    @property
    def tags_shown(self) -> list[str]:
        return self.tags[:3]

    @property
    def tags_hidden(self) -> list[str]:
        return self.tags[3:]


class TagNames(Subquery):
    """The application's tag names in alphabetical order, in its own row: no second query for the tags.

    PostgreSQL gives an array (a list); SQLite a JSON array (text), which `tag_list` decodes.
    """

    output_field = TextField()  # no converter: `tag_list` takes what the driver gives

    def __init__(self) -> None:
        names = Application.tags.through.objects.filter(application_id=OuterRef("pk"))
        super().__init__(names.order_by("tag__name").values(tag_name=F("tag__name")))

    def as_sqlite(self, compiler: SQLCompiler, connection: Any, **extra: Any) -> tuple[str, tuple]:
        template = "(SELECT json_group_array(tag_name) FROM (%(subquery)s))"
        return self.as_sql(compiler, connection, template=template, **extra)

    def as_postgresql(self, compiler: SQLCompiler, connection: Any, **extra: Any) -> tuple[str, tuple]:
        return self.as_sql(compiler, connection, template="ARRAY(%(subquery)s)", **extra)


def tag_list(value: list[str] | str | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        # SQLite does not promise to aggregate in the subquery's order: sort here, as its ORDER BY
        # would (the default collation compares code points, as Python does).
        return sorted(json.loads(value))
    return value


def card_rows(applications: QuerySet[Application], *, applied_at: bool = True) -> QuerySet:
    """Return `applications` as rows of the values a card needs (dicts; see `cards_from`).

    `applied_at=False` leaves out the application date (the board does not show it).
    """
    columns = (*CARD_COLUMNS, "applied_at") if applied_at else CARD_COLUMNS
    return applications.annotate(**CARD_ANNOTATIONS, tag_names=TagNames()).values(
        *columns, *CARD_ANNOTATIONS, "tag_names"
    )


def cards_from(rows: Iterable[dict[str, Any]]) -> list[Card]:
    """Turn rows of `card_rows` into cards."""
    today = timezone.localdate()
    cards = []
    for row in rows:
        entered_on = row["entered_on"]
        cards.append(
            Card(
                pk=row["id"],
                candidate_id=row["candidate_id"],
                name=row["candidate_name"] or "(no name)",
                email=row["candidate_email"] or "",
                stage_id=row["current_stage_id"],
                stage_name=row["stage_name"] or "",
                score=row["fit_score"],
                tier=row["fit_tier"] or "",
                top_reason=row["top_reason"] or "",
                tags=tag_list(row["tag_names"]),
                sources=row["sources"] if isinstance(row["sources"], list) else [],
                origin=row["origin"],
                owner=row["owner_name"] or "",
                outcome=row["outcome"],
                entered_on=entered_on,
                applied_at=row.get("applied_at"),
                days_in_stage=(today - entered_on).days if entered_on else None,
            )
        )
    return cards


def iter_cards(rows: QuerySet, chunk_size: int = 2_000) -> Iterator[Card]:
    """Yield the cards of `rows` without holding them all (a query per chunk)."""
    chunk: list[dict[str, Any]] = []
    for row in rows.iterator(chunk_size=chunk_size):
        chunk.append(row)
        if len(chunk) == chunk_size:
            yield from cards_from(chunk)
            chunk = []
    yield from cards_from(chunk)


# -- The board -----------------------------------------------------------------------------------


class InSubquery(Func):
    """`field IN (subquery)`; on PostgreSQL `field = ANY(ARRAY(subquery))`, which it plans for the few
    ids a ranked subquery gives (index lookups) instead of for every row it reads (hash joins over
    the whole job, candidates and scores included)."""

    output_field = BooleanField()

    def __init__(self, field_name: str, queryset: QuerySet) -> None:
        super().__init__(F(field_name), Subquery(queryset))

    def as_sql(self, compiler: SQLCompiler, connection: Any, template: str = "{} IN {}", **extra: Any):  # type: ignore[override]
        field, subquery = self.get_source_expressions()
        field_sql, field_params = compiler.compile(field)
        subquery_sql, subquery_params = compiler.compile(subquery)
        return template.format(field_sql, subquery_sql), (*field_params, *subquery_params)

    def as_postgresql(self, compiler: SQLCompiler, connection: Any, **extra: Any):  # type: ignore[no-untyped-def]
        return self.as_sql(compiler, connection, template="{} = ANY(ARRAY{})")


class InIds(Func):
    """`field IN (id, …)`; on PostgreSQL `field = ANY(%s)`, the ids as one array parameter: Django
    prepares, and the driver places, a parameter per id otherwise (120 on a board)."""

    output_field = BooleanField()

    def __init__(self, field_name: str, ids: Iterable[int]) -> None:
        super().__init__(F(field_name))
        self.ids = [int(pk) for pk in ids]

    def as_sql(self, compiler: SQLCompiler, connection: Any, **extra: Any):  # type: ignore[override]
        field_sql, params = compiler.compile(self.get_source_expressions()[0])
        return f"{field_sql} IN ({', '.join(['%s'] * len(self.ids))})", (*params, *self.ids)

    def as_postgresql(self, compiler: SQLCompiler, connection: Any, **extra: Any):  # type: ignore[no-untyped-def]
        field_sql, params = compiler.compile(self.get_source_expressions()[0])
        return f"{field_sql} = ANY(%s)", (*params, self.ids)


@dataclass
class Column:
    job_stage: JobStage
    cards: list[Card] = field(default_factory=list)
    list_url: str = ""  # set by the view
    move_options: str = ""  # set by the view: the <option>s of the other stages

    @property
    def stage(self) -> Stage:
        return self.job_stage.stage

    @property
    def count(self) -> int:
        return self.job_stage.count  # type: ignore[attr-defined]

    @property
    def hidden(self) -> int:
        """How many matching applications of this stage the board does not show."""
        return max(self.count - len(self.cards), 0)


@dataclass
class Board:
    columns: list[Column]

    @property
    def total(self) -> int:
        return sum(column.count for column in self.columns)

    @property
    def cards(self) -> list[Card]:
        return [card for column in self.columns for card in column.cards]


def pipeline_board(
    *, job: Job, stages: list[JobStage], filters: PipelineFilters, per_column: int = PER_COLUMN
) -> Board:
    """Return the board: a column per stage (from `pipeline_stages`) with its best `per_column` cards.

    Two queries whatever the size of the job: the cards with their tags (ranked per stage by a
    window function and cut in SQL), and the open moves on them (status chips).
    """
    columns = {job_stage.stage_id: Column(job_stage) for job_stage in stages}
    if not any(column.count for column in columns.values()):
        return Board(columns=list(columns.values()))
    applications = pipeline_applications(
        workspace_id=job.workspace_id, job_id=job.pk, filters=replace(filters, stage=None)
    )
    # Rank on ids alone, then load the card values of the winners only: extracting the top reason
    # from every explanation before the cut would cost more than everything else on the page.
    best = (
        applications.filter(current_stage_id__in=list(columns))
        .annotate(rank=Window(RowNumber(), partition_by=[F("current_stage_id")], order_by=list(CARD_ORDER)))
        .filter(rank__lte=per_column)
        .order_by()
        .values("pk")
    )
    ranked = Application.objects.filter(InSubquery("pk", best))
    cards = cards_from(card_rows(ranked, applied_at=False).order_by(*CARD_ORDER))
    writebacks = placing_writebacks(workspace_id=job.workspace_id, cards=cards)
    for card in cards:
        card.writeback = writebacks.get(card.pk)
        columns[card.stage_id].cards.append(card)  # type: ignore[index]
    return Board(columns=list(columns.values()))


def placing_writebacks(*, workspace_id: int, cards: list[Card]) -> dict[int, WritebackAction]:
    """Return, per card, its latest move/reject/unarchive if still open or recently failed."""
    if not cards:
        return {}
    recent_failure = Q(status=WritebackStatus.FAILED, completed_at__gte=timezone.now() - FAILED_VISIBLE_FOR)
    actions = (
        WritebackAction.objects.for_workspace(workspace_id)
        .filter(InIds("application_id", [card.pk for card in cards]), kind__in=PLACING_KINDS)
        .filter(Q(status__in=OPEN_WRITEBACK_STATUSES) | recent_failure)
        .only("id", "application_id", "kind", "status", "payload", "status_reason", "last_error")
        .order_by("-pk")
    )
    latest: dict[int, WritebackAction] = {}
    for action in actions:
        latest.setdefault(action.application_id, action)  # type: ignore[arg-type]
    return latest


# -- Filter choices ------------------------------------------------------------------------------


@dataclass
class Facets:
    """The values the filter form offers: those present on the job's applications."""

    tags: list[tuple[int, str]] = field(default_factory=list)
    owners: list[tuple[int, str]] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)


def pipeline_facets(*, job: Job) -> Facets:
    """Return the tags, owners and sources used on the job's applications, in one query.

    One UNION of three small selects rather than three queries: the board's whole request has a
    budget of 12 queries, and this is the only part that scales with the number of option lists.
    """
    of_job = Application.objects.for_workspace(job.workspace_id).alive().filter(job=job)

    def facet(queryset: QuerySet, kind: str, key: object, label: object) -> QuerySet:
        return (
            queryset.order_by()
            .annotate(facet_kind=Value(kind), facet_key=key, facet_label=label)
            .values_list("facet_kind", "facet_key", "facet_label")
        )

    # Tags as a semi-join: joined, every tagging of the job's applications reached the UNION's dedup.
    tagged = Application.tags.through.objects.filter(application__in=of_job).values("tag_id")
    tags = facet(
        Tag.objects.filter(pk__in=tagged),
        "tag",
        Cast("pk", CharField()),
        F("name"),
    )
    owners = facet(
        AtsUser.objects.filter(pk__in=of_job.values("owner_id")),
        "owner",
        Cast("pk", CharField()),
        Coalesce(NullIf("name", Value("")), "email", output_field=CharField()),
    )
    # Distinct source lists (a handful of combinations), flattened below. Empty lists come along:
    # comparing JSON in SQL to leave them out would cost more than they do.
    sources = facet(of_job, "source", Cast("sources", TextField()), Value("", output_field=CharField()))
    facets = Facets()
    source_names: set[str] = set()
    for kind, key, label in tags.union(owners, sources):
        if kind == "tag":
            facets.tags.append((int(key), label))
        elif kind == "owner":
            facets.owners.append((int(key), label or "—"))
        else:
            try:
                values = json.loads(key)
            except (TypeError, ValueError):
                continue
            if isinstance(values, list):
                source_names.update(str(value) for value in values if value)
    facets.tags.sort(key=lambda item: item[1].lower())
    facets.owners.sort(key=lambda item: item[1].lower())
    facets.sources = sorted(source_names, key=str.lower)
    return facets


# -- The list ------------------------------------------------------------------------------------

SORTS = {
    # ?sort= key: column heading. "-key" sorts descending.
    "name": "Candidate",
    "stage": "Stage",
    "score": "Score",
    "tier": "Tier",
    "days": "Days in stage",
    "applied": "Applied",
    "source": "Source",
    "owner": "Owner",
}
DEFAULT_SORT = "-score"


def parse_sort(value: str) -> tuple[str, bool]:
    """Return (key, descending) for a `?sort=` value, falling back to the best fit first."""
    key = value.removeprefix("-")
    if key not in SORTS:
        key, value = DEFAULT_SORT.removeprefix("-"), DEFAULT_SORT
    return key, value.startswith("-")


def _sort_expression(key: str, stage_positions: Mapping[int, int]):  # type: ignore[no-untyped-def]
    if key == "name":
        return F("candidate__name")
    if key == "stage":
        return Case(
            *(When(current_stage_id=pk, then=Value(position)) for pk, position in stage_positions.items()),
            default=Value(len(stage_positions)),
            output_field=IntegerField(),
        )
    if key == "score":
        return F("score__score")
    if key == "tier":
        return Case(
            *(When(score__tier=tier, then=Value(rank)) for rank, tier in enumerate(Tier.values)),
            default=Value(len(Tier.values)),
            output_field=IntegerField(),
        )
    if key == "days":
        # More days in stage = entered earlier: ascending days is descending entry time.
        return F("stage_entered_at")
    if key == "applied":
        return F("applied_at")
    if key == "source":
        return KeyTextTransform("0", "sources")
    return Coalesce(NullIf("owner__name", Value("")), "owner__email", output_field=CharField())


def _list_order(stages: list[JobStage], sort: str) -> tuple:
    key, descending = parse_sort(sort)
    expression = _sort_expression(key, {job_stage.stage_id: n for n, job_stage in enumerate(stages)})
    if key == "days":
        descending = not descending
    # Empty values (unscored, no owner, no stage date…) go last in both directions.
    ordered = expression.desc(nulls_last=True) if descending else expression.asc(nulls_last=True)
    return ordered, "pk"


def pipeline_list(
    *, job: Job, stages: list[JobStage], filters: PipelineFilters, sort: str
) -> QuerySet[Application]:
    """Return the filtered applications as card rows (`card_rows`), in the order `sort` asks for."""
    applications = pipeline_applications(workspace_id=job.workspace_id, job_id=job.pk, filters=filters)
    return card_rows(applications).order_by(*_list_order(stages, sort))


@dataclass(frozen=True)
class ListPages:
    """What the list's paginator pages through: `pipeline_list`, one page at a time.

    A page is cut on the sort key alone, and only its rows get their card values: sorting card rows,
    the database joined and extracted the top reason for every application before keeping 50. The
    count needs none of the card's joins either.
    """

    applications: QuerySet[Application]  # filtered, unordered
    ordering: tuple
    total: int | None = None  # how many there are, when the stage counts told already

    def count(self) -> int:
        return self.applications.count() if self.total is None else self.total

    def __getitem__(self, page: slice) -> QuerySet:
        ranked = self.applications.order_by(*self.ordering).values("pk")[page]
        return card_rows(Application.objects.filter(InSubquery("pk", ranked))).order_by(*self.ordering)


def pipeline_list_pages(*, job: Job, stages: StageList, filters: PipelineFilters, sort: str) -> ListPages:
    """Return the rows of `pipeline_list` for a paginator (counted by `stages` when they can)."""
    applications = pipeline_applications(workspace_id=job.workspace_id, job_id=job.pk, filters=filters)
    return ListPages(applications, _list_order(stages, sort), stages.matching(filters.stage))


# -- Live updates --------------------------------------------------------------------------------


def _latest(queryset: QuerySet, *field_names: str) -> Subquery:
    """The latest of `field_names` over `queryset` (the first is never NULL)."""
    first, *others = (F(name) for name in field_names)
    # The latest per row, then over the rows: one pass for both moments, not a subquery each.
    moment = Greatest(first, *(Coalesce(other, first) for other in others)) if others else first
    # MAX as a plain function, not an aggregate, so the subquery has no GROUP BY: one row, one value.
    latest = Func(moment, function="MAX", output_field=DateTimeField())
    return Subquery(queryset.order_by().annotate(latest=latest).values("latest")[:1])


def pipeline_last_change(*, jobs: QuerySet[Job], job_id: int) -> tuple[bool, datetime | None]:
    """Return (found, when anything shown on the job's pipeline last changed), in one query.

    Looks at the job's applications (created: updated_at; changed by a sync, a webhook or a
    write-back's answer: changed_at), their scores (computed_at) and the write-backs on them
    (created_at, completed_at).
    """
    applications = Application.objects.filter(job_id=OuterRef("pk"))
    scores = Score.objects.filter(job_id=OuterRef("pk"))
    writebacks = WritebackAction.objects.filter(application__job_id=OuterRef("pk"))
    row = (
        jobs.filter(pk=job_id)
        .annotate(
            applications_changed=_latest(applications, "updated_at", "changed_at"),
            scores_computed=_latest(scores, "computed_at"),
            writebacks_changed=_latest(writebacks, "created_at", "completed_at"),
        )
        .values_list("applications_changed", "scores_computed", "writebacks_changed")
        .first()
    )
    if row is None:
        return False, None
    stamps = [stamp for stamp in row if stamp is not None]
    return True, max(stamps) if stamps else None
