from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from apps.accounts.models import Membership, User, Workspace

pytestmark = pytest.mark.django_db


def test_demo_setup_is_idempotent_and_prints_a_working_login():
    out = StringIO()
    call_command("demo_setup", "--email", "Demo@Example.com", "--password", "first-pass-123", stdout=out)
    call_command("demo_setup", "--email", "demo@example.com", "--password", "second-pass-456", stdout=out)
    assert (User.objects.count(), Workspace.objects.count(), Membership.objects.count()) == (1, 1, 1)
    assert "demo@example.com" in out.getvalue() and "second-pass-456" in out.getvalue()
    client = Client()
    assert client.login(email="demo@example.com", password="second-pass-456")
    assert client.get("/").status_code == 200
    assert client.get("/admin/").status_code == 200
    assert Membership.objects.get().role == "owner"
