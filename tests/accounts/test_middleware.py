from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.http import HttpResponse
from django.test import RequestFactory

from apps.accounts.middleware import SESSION_KEY, CurrentWorkspaceMiddleware
from apps.accounts.roles import Role
from tests.accounts.factories import MembershipFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db


def resolve(user, session_workspace=None):
    request = RequestFactory().get("/")
    request.user = user
    request.session = SessionStore()
    if session_workspace is not None:
        request.session[SESSION_KEY] = session_workspace
    CurrentWorkspaceMiddleware(lambda r: HttpResponse())(request)
    return request


def test_anonymous_requests_have_no_workspace():
    request = resolve(AnonymousUser())
    assert request.workspace is None and request.membership is None


def test_the_session_choice_wins(cast):
    second = WorkspaceFactory(name="Zeta")
    MembershipFactory(workspace=second, user=cast.owner, role=Role.VIEWER)
    request = resolve(cast.owner, session_workspace=second.pk)
    assert request.workspace == second
    assert request.membership.role == Role.VIEWER


def test_a_workspace_the_user_left_falls_back_to_one_they_are_in(cast):
    request = resolve(cast.owner, session_workspace=cast.other_workspace.pk)
    assert request.workspace == cast.workspace
    assert request.session[SESSION_KEY] == cast.workspace.pk


def test_users_without_a_membership_have_no_workspace(db):
    from tests.accounts.factories import UserFactory

    request = resolve(UserFactory())
    assert request.workspace is None


def test_workspace_is_resolved_with_one_query(cast, django_assert_num_queries):
    request = RequestFactory().get("/")
    request.user = cast.owner
    request.session = SessionStore()
    request.session[SESSION_KEY] = cast.workspace.pk
    with django_assert_num_queries(1):
        CurrentWorkspaceMiddleware(lambda r: HttpResponse())(request)
        assert request.workspace.name == "Acme"  # already loaded: no second query
