from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection as db

from apps.integrations.models import Connection
from tests.integrations.factories import ConnectionFactory

pytestmark = pytest.mark.django_db


def stored_api_key(pk: int) -> str:
    with db.cursor() as cursor:
        cursor.execute("SELECT api_key FROM integrations_connection WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_secrets_are_encrypted_at_rest_and_read_back_plain():
    connection = ConnectionFactory(api_key="lever-secret-123")
    raw = stored_api_key(connection.pk)
    assert "lever-secret-123" not in raw
    assert raw.startswith("gAAAA")  # a Fernet token
    assert Connection.objects.get(pk=connection.pk).api_key == "lever-secret-123"


def test_empty_secrets_stay_empty():
    connection = ConnectionFactory(api_key="")
    assert stored_api_key(connection.pk) == ""
    assert Connection.objects.get(pk=connection.pk).api_key == ""


def test_rotation_re_encrypts_with_the_newest_key(settings):
    connection = ConnectionFactory(api_key="lever-secret-123", refresh_token="refresh-456")
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    new_key = Fernet.generate_key().decode()

    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    call_command("rotate_encryption_keys", verbosity=0)

    settings.FIELD_ENCRYPTION_KEYS = [new_key]  # the old key is gone
    reloaded = Connection.objects.get(pk=connection.pk)
    assert (reloaded.api_key, reloaded.refresh_token) == ("lever-secret-123", "refresh-456")


def test_a_lost_key_is_a_clear_error_not_garbage(settings):
    connection = ConnectionFactory(api_key="lever-secret-123")
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(ImproperlyConfigured, match="cannot be decrypted"):
        Connection.objects.get(pk=connection.pk)
