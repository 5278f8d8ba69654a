from __future__ import annotations

import pytest
from django.db.models import Count

from apps.candidates.models import Application
from apps.core.precompiled import PrecompiledQuery
from tests.candidates.factories import ApplicationFactory
from tests.jobs.factories import JobFactory

pytestmark = pytest.mark.django_db


def applications_per_outcome(workspace_id, job_id):
    return (
        Application.objects.for_workspace(workspace_id)
        .filter(job_id=job_id)
        .values_list("outcome")
        .annotate(n=Count("pk"))
        .order_by("outcome")
    )


def test_rows_are_the_orms_for_each_requests_ids(cast):
    job = JobFactory(connection=cast.connection)
    ApplicationFactory.create_batch(2, connection=cast.connection, job=job)
    ApplicationFactory(connection=cast.connection, job=job, outcome="rejected")
    other = JobFactory(connection=cast.other_connection)
    ApplicationFactory(connection=cast.other_connection, job=other)
    query = PrecompiledQuery(applications_per_outcome)
    for workspace, job_id in (
        (cast.workspace, job.pk),
        (cast.other_workspace, other.pk),
        (cast.workspace, other.pk),
    ):
        assert query.rows(workspace.pk, job_id) == list(applications_per_outcome(workspace.pk, job_id))
    assert query.rows(cast.workspace.pk, job.pk) == [("active", 2), ("rejected", 1)]


def test_it_sends_the_orms_sql_built_once(cast, django_assert_num_queries):
    built = []

    def build(workspace_id, job_id):
        built.append((workspace_id, job_id))
        return applications_per_outcome(workspace_id, job_id)

    query = PrecompiledQuery(build)
    with django_assert_num_queries(1) as captured:
        query.rows(cast.workspace.pk, 7)
    query.rows(cast.other_workspace.pk, 8)
    assert len(built) == 1
    with django_assert_num_queries(1) as by_the_orm:  # the same ids through the ORM: the same SQL sent
        list(applications_per_outcome(cast.workspace.pk, 7))
    assert captured.captured_queries[0]["sql"] == by_the_orm.captured_queries[0]["sql"]


def test_a_query_that_ignores_an_id_is_refused(cast):
    query = PrecompiledQuery(lambda workspace_id: Application.objects.values_list("pk"))
    with pytest.raises(ValueError, match="does not use ids"):
        query.rows(cast.workspace.pk)
