"""Workspace provider credentials: encrypted at rest, never shown back."""
import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import connection

from automation.models import ProviderAccount

SECRET = "twilio-auth-token-9f8e7d6c"


@pytest.fixture
def account(workspace):
    return ProviderAccount.objects.create(workspace=workspace, kind="twilio", account_sid="AC" + "4" * 32,
                                          from_number="+15005550001", secret=SECRET)


def stored_secret(account):
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM automation_provideraccount WHERE id = %s", [account.pk])
        return cursor.fetchone()[0]


def test_secret_is_encrypted_at_rest_and_read_back(account):
    assert SECRET not in stored_secret(account)
    assert ProviderAccount.objects.get(pk=account.pk).secret == SECRET


def test_secret_keys_can_rotate(account, settings):
    from cryptography.fernet import Fernet

    new_key, old_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.PROVIDER_SECRET_KEYS = [old_key]
    account.save()
    settings.PROVIDER_SECRET_KEYS = [new_key, old_key]
    assert ProviderAccount.objects.get(pk=account.pk).secret == SECRET
    settings.PROVIDER_SECRET_KEYS = [new_key]
    with pytest.raises(ImproperlyConfigured):
        ProviderAccount.objects.get(pk=account.pk)


def test_admin_shows_the_secret_masked_only(client, admin_user, account):
    client.force_login(admin_user)
    listing = client.get("/admin/automation/provideraccount/")
    change = client.get(f"/admin/automation/provideraccount/{account.pk}/change/")
    assert listing.status_code == change.status_code == 200
    assert "••••••••7d6c" in listing.content.decode()
    assert SECRET not in listing.content.decode()
    assert SECRET not in change.content.decode()


def test_admin_blank_secret_keeps_the_stored_one(client, admin_user, account, workspace):
    client.force_login(admin_user)
    response = client.post(f"/admin/automation/provideraccount/{account.pk}/change/", {
        "workspace": workspace.pk, "kind": "twilio", "is_active": "on", "account_sid": account.account_sid,
        "from_number": "+15005550002", "secret": "",
    })
    assert response.status_code == 302
    account.refresh_from_db()
    assert (account.from_number, account.secret) == ("+15005550002", SECRET)


def test_outsider_does_not_see_the_account(client, outsider, account):
    client.force_login(outsider)
    assert client.get(f"/admin/automation/provideraccount/{account.pk}/change/").status_code == 302
    assert list(client.get("/admin/automation/provideraccount/").context["cl"].result_list) == []


def test_incomplete_account_is_refused(workspace):
    with pytest.raises(ValidationError) as raised:
        ProviderAccount(workspace=workspace, kind="email", esp="mailgun").full_clean()
    assert {"from_email", "secret", "sender_domain"} <= set(raised.value.message_dict)
