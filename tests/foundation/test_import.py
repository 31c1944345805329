"""CSV import: per-row errors, nothing partial from a bad row."""
import io

import pytest
from django.db import connection

from contacts.importing import ImportFileError, import_contacts_csv
from contacts.models import Contact

GOOD_AND_BAD = """first_name,last_name,phone,email,tags,lead_source,custom.plan
Ada,Lovelace,+1 415 555 0101,ada@example.com,"vip, Lead",facebook,pro
Bad,Phone,12,bad-phone@example.com,,,
Grace,Hopper,,grace@example.com,,website,
Bad,Email,,not-an-email,,,
Nobody,,,,,,
Dup,Phone,4155550101,dup@example.com,,,
"""


def test_import_creates_valid_rows_and_reports_each_bad_one(workspace):
    result = import_contacts_csv(workspace, io.BytesIO(GOOD_AND_BAD.encode()))
    assert result.created == 2
    assert {(e.row, e.field) for e in result.errors} == {(3, "phone"), (5, "email"), (6, "__all__"), (7, "phone")}
    ada = Contact.objects.get(email="ada@example.com")
    assert str(ada.phone) == "+14155550101"
    assert ada.tags == ["vip", "lead"]
    assert ada.custom_fields == {"plan": "pro"}
    # Nothing at all from the invalid rows.
    assert not Contact.objects.filter(first_name__in=["Bad", "Nobody", "Dup"]).exists()
    assert result.as_dict()["failed_rows"] == 4


def test_import_refuses_rows_duplicating_existing_contacts(workspace):
    Contact.objects.create(workspace=workspace, email="grace@example.com")
    result = import_contacts_csv(workspace, "email\nGRACE@example.com\nnew@example.com\n")
    assert result.created == 1
    assert [(e.row, e.field) for e in result.errors] == [(2, "email")]


def test_import_is_scoped_to_its_workspace(workspace, other_workspace):
    Contact.objects.create(workspace=other_workspace, email="ada@example.com")
    result = import_contacts_csv(workspace, "email\nada@example.com\n")
    assert result.created == 1 and not result.errors


@pytest.mark.parametrize(
    "content, message",
    [
        ("", "no header"),
        ("email,favourite_colour\na@example.com,red\n", "Unknown column"),
        (b"\xff\xfe\x00garbage", "not UTF-8"),
    ],
)
def test_unreadable_files_are_refused_whole(workspace, content, message):
    source = io.BytesIO(content) if isinstance(content, bytes) else content
    with pytest.raises(ImportFileError, match=message):
        import_contacts_csv(workspace, source)
    assert not Contact.objects.exists()


def test_import_query_count_is_constant(workspace, django_assert_max_num_queries):
    rows = "\n".join(f"c{i}@example.com,+1415555{i:04d}" for i in range(300))
    # Two look-ups and one INSERT for all rows; SQLite splits the INSERT by its variable limit.
    limit = 5 if connection.vendor == "postgresql" else 10
    with django_assert_max_num_queries(limit):
        result = import_contacts_csv(workspace, "email,phone\n" + rows + "\n")
    assert result.created == 300
