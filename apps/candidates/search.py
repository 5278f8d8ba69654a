"""The candidates search: the filter form and the query behind it.

Skill search reads the fit scores: a person is found by "Kubernetes" when one of their Score
explanations has a requirement whose text contains it with status "met". That is asked in SQL with each
database's own JSON functions behind one expression, `MetRequirement`: on SQLite one json_tree walk of
the requirements, after a plain LIKE on the stored JSON text has ruled out the scores that never
mention the word; on PostgreSQL a jsonpath over the binary jsonb (casting jsonb to text for a LIKE
would cost more than the walk). Measured with 50,000 scores: about 0.1 s for a rare word and 0.6 s for
a word in a third of the scores on SQLite, 0.25 s on PostgreSQL (where JIT compilation, if enabled,
adds more than the query itself).

A denormalised "met skills" column on Score would be faster still, but it would be a second copy of
the explanation to keep in step with every rescoring; the explanation stays the one source of truth.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django import forms
from django.db import NotSupportedError
from django.db.models import BooleanField, Exists, F, Func, OuterRef, Q, QuerySet
from django.db.models.sql.compiler import SQLCompiler

from apps.accounts.models import Workspace
from apps.candidates.models import Application, Candidate, Outcome
from apps.jobs.models import Job
from apps.scoring.models import Score, Tier

MAX_TERMS = 5
MAX_QUERY_LENGTH = 200


class MetRequirement(Func):
    """True when the explanation (a JSON column) has a "met" requirement whose text contains `term`."""

    output_field = BooleanField()

    def __init__(self, explanation: Any, term: str) -> None:
        super().__init__(explanation)
        self.term = term

    def as_sqlite(self, compiler: SQLCompiler, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        column, params = compiler.compile(self.source_expressions[0])
        # One walk over the requirements (json_tree parses the document once): a requirement matches
        # when its own "status" is "met" and its own "text" contains the term.
        sql = (
            "EXISTS (SELECT 1 FROM json_tree("
            f"{column}, '$.requirements') AS rd_node "
            "WHERE (rd_node.key = 'status' AND rd_node.atom = 'met') "
            "OR (rd_node.key = 'text' AND rd_node.type = 'text' AND rd_node.atom LIKE %s ESCAPE '\\') "
            "GROUP BY rd_node.parent HAVING COUNT(*) = 2)"
        )
        return sql, [*params, f"%{connection.ops.prep_for_like_query(self.term)}%"]

    def as_postgresql(self, compiler: SQLCompiler, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        # A jsonpath walks the binary jsonb in place (no text, no rows); flag "iq" makes like_regex a
        # case-insensitive literal match. The path is a bound parameter; the term is a JSON string in it.
        column, params = compiler.compile(self.source_expressions[0])
        literal = json.dumps(self.term, ensure_ascii=False)
        path = f'$.requirements[*] ? (@.status == "met" && @.text like_regex {literal} flag "iq")'
        return f"jsonb_path_exists({column}, %s::jsonpath)", [*params, path]

    def as_sql(self, compiler: SQLCompiler, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        raise NotSupportedError("Skill search needs SQLite's or PostgreSQL's JSON functions.")


def candidates_with_met_skill(workspace: Workspace, term: str) -> QuerySet[Score]:
    """Return the candidate ids of the workspace's alive scores with a met requirement mentioning `term`."""
    from django.db import connection

    scores = Score.objects.for_workspace(workspace).filter(application__remote_deleted_at__isnull=True)
    if term.isascii() and connection.vendor == "sqlite":
        # SQLite keeps JSON as text: a LIKE on it is cheap and spares parsing most rows. It stores
        # non-ASCII characters escaped ("\u00e9"), so it is a safe pre-filter for ASCII words only.
        # PostgreSQL keeps jsonb: turning it into text costs more than walking the array.
        scores = scores.filter(explanation__icontains=term)
    return scores.filter(MetRequirement(F("explanation"), term)).values("candidate_id")


def term_filter(workspace: Workspace, term: str) -> Q:
    """Match one word of the query against every searchable field (each a cheap condition)."""
    tagged = (
        Application.objects.for_workspace(workspace)
        .alive()
        .filter(tags__name__icontains=term)
        .values("candidate_id")
    )
    return (
        Q(name__icontains=term)
        | Q(email__icontains=term)
        | Q(emails__icontains=term)
        | Q(current_company__icontains=term)
        | Q(current_title__icontains=term)
        | Q(headline__icontains=term)
        | Q(pk__in=tagged)
        | Q(pk__in=candidates_with_met_skill(workspace, term))
    )


def query_terms(q: str) -> list[str]:
    """Split the query into words (all must match, each anywhere); quotes keep a phrase together."""
    terms: list[str] = []
    for index, part in enumerate(q.split('"')):
        if index % 2:
            if part.strip():
                terms.append(part.strip())
        else:
            terms.extend(part.split())
    return list(dict.fromkeys(terms))[:MAX_TERMS]


@dataclass(frozen=True)
class CandidateFilters:
    q: str = ""
    outcome: str = ""
    job: int | None = None
    tier: str = ""

    @property
    def active(self) -> bool:
        return bool(self.q or self.outcome or self.job or self.tier)

    @property
    def narrowed(self) -> bool:
        """Filters on applications (as opposed to the words of the query)."""
        return bool(self.outcome or self.job or self.tier)


def candidate_search(*, workspace: Workspace, filters: CandidateFilters) -> QuerySet[Candidate]:
    """Return the workspace's alive candidates matching every word and every filter.

    Outcome, job and tier must hold for one and the same application ("Tier 1 for this job").
    """
    candidates = Candidate.objects.for_workspace(workspace).alive()
    for term in query_terms(filters.q):
        candidates = candidates.filter(term_filter(workspace, term))
    if filters.narrowed:
        applications = (
            Application.objects.for_workspace(workspace).alive().filter(candidate_id=OuterRef("pk"))
        )
        if filters.outcome:
            applications = applications.filter(outcome=filters.outcome)
        if filters.job:
            applications = applications.filter(job_id=filters.job)
        if filters.tier:
            applications = applications.filter(score__tier=filters.tier)
        candidates = candidates.filter(Exists(applications))
    return candidates


class CandidateSearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=MAX_QUERY_LENGTH, label="Search")
    outcome = forms.ChoiceField(required=False, choices=[("", "Any outcome"), *Outcome.choices])
    job = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label="Job")
    tier = forms.ChoiceField(required=False, choices=[("", "Any fit"), *Tier.choices], label="Fit")

    def __init__(self, *args: Any, jobs: QuerySet[Job], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.jobs = list(jobs.only("pk", "name").order_by("name", "pk"))
        self.fields["job"].choices = [("", "Any job"), *((str(job.pk), job.name) for job in self.jobs)]
        self.fields["job"].error_messages["invalid_choice"] = "That job is not in this workspace."
        self.fields["outcome"].error_messages["invalid_choice"] = "Choose an outcome from the list."
        self.fields["tier"].error_messages["invalid_choice"] = "Choose a fit tier from the list."

    def filters(self) -> CandidateFilters:
        """Return the valid part of the form: a bad field is reported and ignored, the rest still applies."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return CandidateFilters(
            q=(data.get("q") or "").strip(),
            outcome=data.get("outcome") or "",
            job=data.get("job"),
            tier=data.get("tier") or "",
        )
