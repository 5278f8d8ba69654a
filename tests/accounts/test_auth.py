"""Email login, signup on/off, logout and password reset through django-allauth."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from apps.accounts.models import User
from tests.accounts.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_login_with_email_any_case():
    UserFactory(email="alice@example.com")
    client = Client()
    response = client.post(reverse("account_login"), {"login": "Alice@Example.com", "password": PASSWORD})
    assert response.status_code == 302
    assert client.session.get("_auth_user_id")


def test_wrong_password_stays_on_the_login_page():
    UserFactory(email="alice@example.com")
    response = Client().post(reverse("account_login"), {"login": "alice@example.com", "password": "nope"})
    assert response.status_code == 200
    assert "_auth_user_id" not in response.client.session


def test_pages_require_login():
    response = Client().get(reverse("jobs:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_logout_is_a_post(cast):
    client = Client()
    client.force_login(cast.owner)
    client.post(reverse("account_logout"))
    assert "_auth_user_id" not in client.session


def test_signup_is_closed_when_switched_off(settings):
    settings.ACCOUNT_ALLOW_SIGNUP = False
    response = Client().post(
        reverse("account_signup"), {"email": "new@example.com", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert not User.objects.filter(email="new@example.com").exists()
    assert "Sign Up Closed" in response.content.decode()
    assert "Create an account" not in Client().get(reverse("account_login")).content.decode()


def test_signup_creates_a_user_who_then_creates_a_workspace(settings):
    settings.ACCOUNT_ALLOW_SIGNUP = True
    client = Client()
    response = client.post(
        reverse("account_signup"), {"email": "New@Example.com", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 302
    assert User.objects.filter(email="new@example.com").exists()
    # No workspace yet: every page sends them to create one.
    response = client.get(reverse("dashboard:index"))
    assert response["Location"] == reverse("accounts:workspace-create")
    response = client.post(reverse("accounts:workspace-create"), {"name": "Initech Talent"})
    assert response["Location"] == reverse("dashboard:index")
    assert "Initech Talent" in client.get(reverse("dashboard:index")).content.decode()


def test_password_reset_sends_a_working_link():
    UserFactory(email="alice@example.com")
    client = Client()
    client.post(reverse("account_reset_password"), {"email": "alice@example.com"})
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    response = client.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else link,
        {"password1": "a-brand-new-passphrase", "password2": "a-brand-new-passphrase"},
    )
    assert response.status_code == 302
    assert User.objects.get(email="alice@example.com").check_password("a-brand-new-passphrase")
