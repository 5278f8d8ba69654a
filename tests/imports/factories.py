from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from apps.imports.models import CandidateImport, ImportRow, ImportStatus
from tests.accounts.factories import WorkspaceFactory


class CandidateImportFactory(DjangoModelFactory):
    """An import as the upload step leaves it (no file: the pages read headers and sample from the row)."""

    class Meta:
        model = CandidateImport

    workspace = factory.SubFactory(WorkspaceFactory)
    original_name = "people.csv"
    encoding = "utf-8"
    delimiter = ","
    headers = factory.LazyFunction(lambda: ["Name", "Email"])
    sample = factory.LazyFunction(lambda: [["Ada Lovelace", "ada@example.com"]])
    row_count = 1
    mapping = factory.LazyFunction(lambda: {"0": "name", "1": "emails"})
    status = ImportStatus.UPLOADED


class ImportRowFactory(DjangoModelFactory):
    class Meta:
        model = ImportRow

    candidate_import = factory.SubFactory(CandidateImportFactory)
    workspace = factory.SelfAttribute("candidate_import.workspace")
    row_number = factory.Sequence(lambda n: n + 2)
    status = "skipped"
    name = "Someone"
    reason = "Missing name."
