from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from apps.core.fields import EncryptedTextField


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored secret with the first key in FIELD_ENCRYPTION_KEY. "
        "Run after prepending a new key; then the old key can be removed."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        for model in apps.get_models():
            fields = [
                field.name for field in model._meta.concrete_fields if isinstance(field, EncryptedTextField)
            ]
            if not fields:
                continue
            count = 0
            for obj in model._base_manager.only("pk", *fields).iterator(chunk_size=200):
                with transaction.atomic():
                    # Reading decrypted with whichever key matched; saving encrypts with the newest.
                    obj.save(update_fields=fields)
                count += 1
            self.stdout.write(f"{model._meta.label}: re-encrypted {count} row(s).")
