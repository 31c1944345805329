"""CSV import of contacts, shared by the API and the admin.

Every row is validated on its own; an invalid row is reported with its line
number and field and contributes nothing, valid rows are created together in
one transaction with a constant number of queries.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import IO, Any

from django import forms
from django.db import transaction
from phonenumber_field.formfields import PhoneNumberField

from contacts.models import Contact, Workspace, normalize_tags, validate_timezone

MAX_IMPORT_ROWS = 50_000
KNOWN_COLUMNS = {
    "first_name",
    "last_name",
    "phone",
    "email",
    "tags",
    "lead_source",
    "entry_type",
    "timezone",
}
CUSTOM_PREFIX = "custom."


class ContactRowForm(forms.Form):
    first_name = forms.CharField(max_length=100, required=False)
    last_name = forms.CharField(max_length=100, required=False)
    phone = PhoneNumberField(required=False)
    email = forms.EmailField(required=False)
    tags = forms.CharField(required=False)
    lead_source = forms.CharField(max_length=100, required=False)
    entry_type = forms.CharField(max_length=100, required=False)
    timezone = forms.CharField(max_length=64, required=False, validators=[validate_timezone])

    def clean_tags(self) -> list[str]:
        return normalize_tags(self.cleaned_data.get("tags") or "")

    def clean_email(self) -> str:
        return self.cleaned_data.get("email", "").lower()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("phone") and not data.get("email") and not self.errors:
            raise forms.ValidationError("A contact needs a phone number or an email address.")
        return data


@dataclass
class RowError:
    row: int
    field: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.field, "message": self.message}


@dataclass
class ImportResult:
    created: int = 0
    errors: list[RowError] = field(default_factory=list)
    contact_ids: list[int] = field(default_factory=list)

    @property
    def failed_rows(self) -> int:
        return len({error.row for error in self.errors})

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "failed_rows": self.failed_rows,
            "errors": [error.as_dict() for error in self.errors],
        }


class ImportFileError(ValueError):
    """The file as a whole cannot be read (not CSV, no header, too many rows)."""


def import_contacts_csv(workspace: Workspace, source: IO[bytes] | IO[str] | str) -> ImportResult:
    """Create the valid rows of a CSV file as contacts of ``workspace``.

    Columns: first_name, last_name, phone, email, tags (comma separated),
    lead_source, entry_type, timezone, and ``custom.<name>`` for custom fields.
    Unknown columns are an error for the whole file, since they are usually a typo.
    """
    reader = csv.DictReader(_text_stream(source))
    header = [name.strip() for name in (reader.fieldnames or [])]
    if not header:
        raise ImportFileError("The file is empty or has no header row.")
    unknown = [name for name in header if name not in KNOWN_COLUMNS and not name.startswith(CUSTOM_PREFIX)]
    if unknown:
        raise ImportFileError(f"Unknown column(s): {', '.join(unknown)}.")
    reader.fieldnames = header

    result = ImportResult()
    candidates: list[tuple[int, Contact]] = []
    try:
        for index, raw in enumerate(reader, start=2):
            if index - 1 > MAX_IMPORT_ROWS:
                raise ImportFileError(f"The file has more than {MAX_IMPORT_ROWS} rows; split it.")
            if None in raw:
                result.errors.append(RowError(index, "__all__", "The row has more values than the header."))
                continue
            contact = _contact_from_row(workspace, index, raw, result.errors)
            if contact is not None:
                candidates.append((index, contact))
    except csv.Error as exc:
        raise ImportFileError(f"The file is not valid CSV: {exc}.") from exc

    valid = _drop_duplicates(workspace, candidates, result.errors)
    with transaction.atomic():
        created = Contact.objects.bulk_create(valid)
    result.created = len(created)
    result.contact_ids = [contact.pk for contact in created if contact.pk is not None]
    result.errors.sort(key=lambda error: error.row)
    return result


def _text_stream(source: IO[bytes] | IO[str] | str) -> IO[str]:
    if isinstance(source, str):
        return io.StringIO(source)
    data = source.read()
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ImportFileError("The file is not UTF-8 text.") from exc
    return io.StringIO(data)


def _contact_from_row(workspace: Workspace, index: int, raw: dict[str, Any], errors: list[RowError]) -> Contact | None:
    values = {key: (value or "").strip() for key, value in raw.items()}
    form = ContactRowForm(data={key: value for key, value in values.items() if key in KNOWN_COLUMNS})
    if not form.is_valid():
        for field_name, messages in form.errors.items():
            for message in messages:
                errors.append(RowError(index, field_name, message))
        return None
    data = form.cleaned_data
    custom = {key[len(CUSTOM_PREFIX):]: value for key, value in values.items() if key.startswith(CUSTOM_PREFIX) and value}
    return Contact(
        workspace=workspace,
        first_name=data["first_name"],
        last_name=data["last_name"],
        phone=data["phone"] or "",
        email=data["email"],
        tags=data["tags"],
        lead_source=data["lead_source"],
        entry_type=data["entry_type"],
        timezone=data["timezone"],
        custom_fields=custom,
    )


def _drop_duplicates(
    workspace: Workspace, candidates: list[tuple[int, Contact]], errors: list[RowError]
) -> list[Contact]:
    """Refuse rows whose phone or email is already taken, in the workspace or earlier in the file."""
    phones = {str(contact.phone) for _, contact in candidates if contact.phone}
    emails = {contact.email.lower() for _, contact in candidates if contact.email}
    contacts = Contact.objects.for_workspace(workspace)
    taken_phones = {str(p) for p in contacts.filter(phone__in=phones).values_list("phone", flat=True)} if phones else set()
    taken_emails = (
        {e.lower() for e in contacts.filter(email__in=emails).values_list("email", flat=True)} if emails else set()
    )
    valid: list[Contact] = []
    for index, contact in candidates:
        phone = str(contact.phone) if contact.phone else ""
        email = contact.email.lower()
        if phone and phone in taken_phones:
            errors.append(RowError(index, "phone", f"A contact with phone {phone} already exists."))
            continue
        if email and email in taken_emails:
            errors.append(RowError(index, "email", f"A contact with email {contact.email} already exists."))
            continue
        if phone:
            taken_phones.add(phone)
        if email:
            taken_emails.add(email)
        valid.append(contact)
    return valid
