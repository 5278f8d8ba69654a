"""Erase personal data from the mirror (GDPR) while keeping non-personal aggregates.

Used when Lever anonymises an opportunity (`isAnonymized`) or deletes it: names, contact details,
resume files and text, parsed positions and schools, answers and note bodies go; stages, dates,
outcomes and counts stay, so funnels and time-in-stage figures still add up.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from apps.candidates.models import Application, Attachment, Candidate, Note, Scorecard
from apps.integrations.models import ChangeKind
from apps.integrations.upsert import MirrorWriter

CANDIDATE_PERSONAL = {
    "name": "",
    "first_name": "",
    "last_name": "",
    "email": "",
    "emails": [],
    "phones": [],
    "links": [],
    "linkedin_url": "",
    "location": "",
    "headline": "",
    "current_title": "",
    "current_company": "",
    "remote_data": {},
}
ATTACHMENT_PERSONAL = {
    "name": "",
    "parsed_positions": [],
    "parsed_schools": [],
    "extracted_text": "",
    "remote_data": {},
}


@transaction.atomic
def wipe_personal_data(
    writer: MirrorWriter, *, candidate_pks: Iterable[int], application_pks: Iterable[int] = (), reason: str
) -> None:
    """Blank the personal data of these candidates (everywhere) and of these applications."""
    candidate_pks, application_pks = sorted(set(candidate_pks)), sorted(set(application_pks))
    if not candidate_pks and not application_pks:
        return
    attachments = Attachment.objects.filter(candidate_id__in=candidate_pks)
    for attachment in attachments.exclude(file=""):
        attachment.file.delete(save=False)
    attachments.update(file="", **ATTACHMENT_PERSONAL)
    Candidate.objects.filter(pk__in=candidate_pks).update(**CANDIDATE_PERSONAL)
    Application.objects.filter(pk__in=application_pks).update(answers=[], remote_data={})
    Note.objects.filter(application_id__in=application_pks).update(body="", remote_data={})
    Scorecard.objects.filter(application_id__in=application_pks).update(answers=[], remote_data={})
    fields = {"personal_data": "wiped", "reason": reason}
    for model, pks in ((Candidate, candidate_pks), (Application, application_pks)):
        rows = model.objects.filter(pk__in=pks).values_list("pk", "remote_id")
        writer.record_changes(
            model, [(pk, remote_id or "", ChangeKind.UPDATED, fields) for pk, remote_id in rows]
        )
