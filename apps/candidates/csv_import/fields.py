"""What a column can hold, and which column is which: header normalisation and auto-detection.

Headers are matched after folding case, accents, punctuation and spacing ("E-mail address*" is
"email address"). Besides common spreadsheet names, the aliases cover Lever's own files: the bulk
candidate import template and the support-assisted migration template (help.lever.co: "Full name",
"Full-Name", "Email", "Phone", "Links", "Tags", "Sources", "Origin", "Stage", "Lever Posting URL",
"Resume Filename") and the usual columns of a candidate export from Lever's candidate list ("Name",
"Email", "Phone", "Location", "Current Company", "Current Title", "Tags", "Sources", "Links",
"Stage", "Posting"). Lever does not document its export's exact headers, so those are matched by the
same common names; a column nobody recognises is left unmapped for the user to choose.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

IGNORE = ""


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    multiple: bool = False  # several columns may feed it, and one cell may hold several values
    help: str = ""


FIELDS: tuple[Field, ...] = (
    Field("name", "Full name", help="Or give first and last name in two columns."),
    Field("first_name", "First name"),
    Field("last_name", "Last name"),
    Field("emails", "Email", multiple=True, help="Several addresses separated by commas."),
    Field("phones", "Phone", multiple=True, help="Several numbers separated by commas or semicolons."),
    Field("linkedin_url", "LinkedIn profile"),
    Field("links", "Links", multiple=True, help="Web addresses separated by commas or spaces."),
    Field("location", "Location", help="Free text, e.g. “Lisbon, Portugal”."),
    Field("city", "City"),
    Field("state", "State or region"),
    Field("country", "Country"),
    Field("current_title", "Current title"),
    Field("current_company", "Current company"),
    Field("source", "Source", help="Kept as written, e.g. “Referral”."),
    Field("tags", "Tags", multiple=True, help="Several tags separated by commas or semicolons."),
    Field("job", "Job", help="A job's name, its Lever posting id or posting URL."),
    Field("stage", "Stage", help="A pipeline stage's name, e.g. “New lead”."),
)
FIELDS_BY_KEY = {f.key: f for f in FIELDS}
FIELD_CHOICES = [(IGNORE, "Don't import"), *((f.key, f.label) for f in FIELDS)]

# Folded header → field, one "|"-separated line per field.
ALIASES: dict[str, str] = {
    "name": "name|full name|fullname|candidate|candidate name|contact|contact name|person|display name",
    "first_name": "first name|firstname|first|given name|forename|prenom",
    "last_name": "last name|lastname|last|surname|family name|nom",
    "emails": "email|emails|e mail|email address|email addresses|mail|e mail address|work email"
    "|personal email|primary email|other email|contact email",
    "phones": "phone|phones|phone number|phone numbers|mobile|mobile phone|mobile number|cell|cell phone"
    "|telephone|tel|work phone|home phone",
    "linkedin_url": "linkedin|linkedin url|linkedin profile|linkedin profile url|linkedin link",
    "links": "links|link|website|websites|url|urls|portfolio|github|other links",
    "location": "location|current location|address|based in",
    "city": "city|town",
    "state": "state|region|province|county",
    "country": "country|country code",
    "current_title": "title|current title|job title|current job title|position|role",
    "current_company": "company|current company|employer|current employer|organisation|organization",
    "source": "source|sources|candidate source|lead source",
    "tags": "tags|tag|labels|label|keywords",
    "job": "job|job name|posting|posting name|job posting|posting id|job id|lever posting url|posting url"
    "|applied for|position applied for|opening",
    "stage": "stage|current stage|pipeline stage|stage name",
}
_ALIAS_TO_FIELD = {alias: key for key, aliases in ALIASES.items() for alias in aliases.split("|")}
_NON_WORD = re.compile(r"[^a-z0-9]+")
_OPTIONAL_PLURAL = re.compile(r"\s*\(s\)")


def normalize_header(header: str) -> str:
    """Return a header folded for matching: "  E-Mail Address(es)*" → "e mail address"."""
    text = unicodedata.normalize("NFKD", header.replace("\ufeff", "")).encode("ascii", "ignore").decode()
    text = _OPTIONAL_PLURAL.sub("", text.lower()).replace("(es)", "")
    return _NON_WORD.sub(" ", text).strip()


def field_for_header(header: str) -> str:
    """Return the field a header names, or IGNORE."""
    return _ALIAS_TO_FIELD.get(normalize_header(header), IGNORE)


def column_labels(headers: tuple[str, ...] | list[str]) -> list[str]:
    """Return a label per column: its header, "Column 3" when blank, numbered when repeated."""
    labels = []
    seen: dict[str, int] = {}
    for index, header in enumerate(headers, start=1):
        label = header.strip() or f"Column {index}"
        seen[label.lower()] = seen.get(label.lower(), 0) + 1
        labels.append(label if seen[label.lower()] == 1 else f"{label} (column {index})")
    return labels


def auto_mapping(headers: tuple[str, ...] | list[str]) -> dict[int, str]:
    """Return {column index: field} for the headers we recognise.

    A field that takes one value gets the first column naming it; its repeats stay unmapped (a
    duplicated "Name" column is more likely a mistake than a second name). Fields that take several
    values get every column naming them ("Email", "Other email").
    """
    mapping: dict[int, str] = {}
    for index, header in enumerate(headers):
        key = field_for_header(header)
        if key and (FIELDS_BY_KEY[key].multiple or key not in mapping.values()):
            mapping[index] = key
    return mapping


def mapping_errors(mapping: dict[int, str], labels: list[str]) -> list[str]:
    """Return what is wrong with a column → field mapping, in words (empty when it can be imported)."""
    errors = []
    used: dict[str, list[int]] = {}
    for index, key in sorted(mapping.items()):
        if key:
            used.setdefault(key, []).append(index)
    for key, columns in used.items():
        if len(columns) > 1 and not FIELDS_BY_KEY[key].multiple:
            names = " and ".join(f"“{labels[i]}”" for i in columns)
            errors.append(f"{names} are both mapped to {FIELDS_BY_KEY[key].label}: keep one.")
    if "name" not in used and not ({"first_name", "last_name"} & used.keys()):
        errors.append(
            "Map a column to Full name, or to First name and Last name: every candidate needs a name."
        )
    return errors


TEMPLATE_HEADERS = (
    "First name",
    "Last name",
    "Email",
    "Phone",
    "LinkedIn",
    "Links",
    "Location",
    "Current title",
    "Current company",
    "Source",
    "Tags",
    "Job",
    "Stage",
)
