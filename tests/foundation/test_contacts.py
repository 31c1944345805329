"""Contacts: E.164 phones, uniqueness per workspace, tags and DNC."""
import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from contacts.models import Contact


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("+1 (415) 555-0101", "+14155550101"),
        ("415-555-0101", "+14155550101"),  # default region US
        ("+44 7911 123456", "+447911123456"),
        ("+33 6 12 34 56 78", "+33612345678"),
    ],
)
def test_phone_is_normalised_to_e164(workspace, raw, expected):
    contact = Contact(workspace=workspace, phone=raw)
    contact.full_clean()
    contact.save()
    contact.refresh_from_db()
    assert str(contact.phone) == expected


@pytest.mark.parametrize("raw", ["12", "not a number", "+1 555", "+99912345678901234"])
def test_invalid_phone_is_refused(workspace, raw):
    contact = Contact(workspace=workspace, phone=raw)
    with pytest.raises(ValidationError) as excinfo:
        contact.full_clean()
    assert "phone" in excinfo.value.message_dict


def test_phone_unique_per_workspace_only(workspace, other_workspace):
    Contact.objects.create(workspace=workspace, phone="+14155550101")
    Contact.objects.create(workspace=other_workspace, phone="+14155550101")
    with pytest.raises(IntegrityError), transaction.atomic():
        Contact.objects.create(workspace=workspace, phone="+14155550101")


def test_email_unique_case_insensitively(workspace):
    Contact.objects.create(workspace=workspace, email="Ada@Example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        Contact.objects.create(workspace=workspace, email="ada@example.com")


def test_contacts_without_phone_or_email_do_not_clash(workspace):
    Contact.objects.create(workspace=workspace, first_name="a")
    Contact.objects.create(workspace=workspace, first_name="b")
    assert Contact.objects.count() == 2


def test_tags_are_normalised_and_dnc_is_case_insensitive(workspace):
    contact = Contact.objects.create(workspace=workspace, phone="+14155550101", tags=[" VIP", "vip", "DnC"])
    assert contact.tags == ["vip", "dnc"]
    assert contact.is_dnc
    assert contact.blocked_reason("sms") == "dnc"
    assert list(Contact.objects.with_tag("VIP")) == [contact]
    assert not Contact.objects.reachable().exists()


def test_with_tag_matches_whole_tags_only(workspace):
    Contact.objects.create(workspace=workspace, email="a@example.com", tags=["vip-gold"])
    assert not Contact.objects.with_tag("vip").exists()


def test_blocked_reason_per_channel(workspace):
    contact = Contact.objects.create(workspace=workspace, phone="+14155550101", opted_out_sms=True)
    assert contact.blocked_reason("sms") == "opted_out_sms"
    assert contact.blocked_reason("voice") is None
    assert contact.blocked_reason("email") == "no_email"


def test_unknown_timezone_is_refused(workspace):
    contact = Contact(workspace=workspace, email="a@example.com", timezone="Mars/Olympus")
    with pytest.raises(ValidationError) as excinfo:
        contact.full_clean()
    assert "timezone" in excinfo.value.message_dict


def test_template_context_holds_plain_data_only(workspace):
    contact = Contact.objects.create(
        workspace=workspace, first_name="Ada", phone="+14155550101", custom_fields={"plan": "pro"}
    )
    context = contact.as_template_context()
    assert context["first_name"] == "Ada"
    assert context["phone"] == "+14155550101"
    assert context["custom_fields"] == {"plan": "pro"}
    assert all(isinstance(v, (str, int, list, dict, type(None))) for v in context.values())
