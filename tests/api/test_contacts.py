"""Workspaces and contacts: CRUD, filters, search, CSV import."""
from __future__ import annotations

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone

from contacts.models import Contact, Membership, Workspace
from tests.api.conftest import make_contact


def url(ws, rest=""):
    return f"/api/v1/workspaces/{ws.pk}/contacts/{rest}"


def test_token_then_workspaces_of_the_user(admin_user, workspace, other_workspace, client):
    response = client.post("/api/v1/auth/token/", {"username": "alice", "password": "pw-alice"},
                           content_type="application/json")
    assert response.status_code == 200
    token = response.json()["token"]
    listing = client.get("/api/v1/workspaces/", HTTP_AUTHORIZATION=f"Token {token}")
    assert listing.status_code == 200
    assert [(w["id"], w["role"]) for w in listing.json()["results"]] == [(workspace.pk, "admin")]


def test_token_with_a_wrong_password_is_refused(admin_user, client):
    response = client.post("/api/v1/auth/token/", {"username": "alice", "password": "nope"},
                           content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Unable to log in with provided credentials."]}


def test_anonymous_gets_401(client, workspace):
    assert client.get(url(workspace)).status_code == 401


def test_session_auth_works(client, admin_user, workspace):
    client.force_login(admin_user)
    assert client.get(url(workspace)).status_code == 200


def test_creating_a_workspace_makes_the_creator_its_admin(member_api, member_user):
    response = member_api.post("/api/v1/workspaces/", {"name": "New", "slug": "new"})
    assert response.status_code == 201, response.json()
    workspace = Workspace.objects.get(slug="new")
    assert workspace.role_of(member_user) == Membership.Role.ADMIN
    assert response.json()["role"] == "admin"


def test_member_cannot_rename_the_workspace(member_api, workspace):
    response = member_api.patch(f"/api/v1/workspaces/{workspace.pk}/", {"name": "Hacked"})
    assert response.status_code == 403
    workspace.refresh_from_db()
    assert workspace.name == "Acme"


def test_contact_crud(admin_api, workspace):
    created = admin_api.post(url(workspace), {
        "first_name": "Ada", "phone": "+14155550100", "email": "ADA@Example.com", "tags": ["VIP", "vip", " lead "],
        "custom_fields": {"plan": "pro"},
    })
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["email"] == "ada@example.com"
    assert body["tags"] == ["vip", "lead"]
    assert body["phone"] == "+14155550100"
    contact_url = url(workspace, f"{body['id']}/")
    assert admin_api.patch(contact_url, {"last_name": "Lovelace"}).json()["last_name"] == "Lovelace"
    assert admin_api.get(contact_url).json()["custom_fields"] == {"plan": "pro"}
    assert admin_api.delete(contact_url).status_code == 204
    assert not Contact.objects.for_workspace(workspace).exists()


def test_contact_bad_input_is_refused_with_field_errors(admin_api, workspace):
    make_contact(workspace, 1)
    response = admin_api.post(url(workspace), {
        "phone": "+14155550001", "email": "not-an-email", "tags": "vip", "custom_fields": [1], "timezone": "Mars/Base",
    })
    assert response.status_code == 400
    assert response.json() == {
        "phone": ["A contact with this phone number already exists in this workspace."],
        "email": ["Enter a valid email address."],
        "tags": ['Expected a list of items but got type "str".'],
        "custom_fields": ['Expected a dictionary of items but got type "list".'],
        "timezone": ["'Mars/Base' is not a known IANA time zone (for example Europe/Paris)."],
    }
    assert Contact.objects.for_workspace(workspace).count() == 1


def test_contact_needs_a_phone_or_an_email(admin_api, workspace):
    response = admin_api.post(url(workspace), {"first_name": "Nobody"})
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["A contact needs a phone number or an email address."]}


def test_contact_filters_and_search(admin_api, workspace, django_assert_max_num_queries):
    old = make_contact(workspace, 1, tags=["vip"], lead_source="ads")
    Contact.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=10))
    dnc = make_contact(workspace, 2, tags=["DNC"], last_name="Smith")
    opted = make_contact(workspace, 3, opted_out_sms=True, lead_source="web")
    plain = make_contact(workspace, 4, lead_source="Ads")

    def ids(query):
        response = admin_api.get(url(workspace) + query)
        assert response.status_code == 200, response.json()
        return sorted(item["id"] for item in response.json()["results"])

    assert ids("?tag=VIP") == [old.pk]
    assert ids("?lead_source=ads") == sorted([old.pk, plain.pk])
    assert ids("?dnc=true") == [dnc.pk]
    assert ids("?dnc=false") == sorted([old.pk, opted.pk, plain.pk])
    assert ids("?opted_out=true") == [opted.pk]
    assert ids("?opted_out_sms=false&dnc=false") == sorted([old.pk, plain.pk])
    since = (timezone.now() - timedelta(days=1)).isoformat()
    assert ids(f"?created_after={since.replace('+', '%2B')}") == sorted([dnc.pk, opted.pk, plain.pk])
    assert ids("?search=smith") == [dnc.pk]
    with django_assert_max_num_queries(4):
        assert admin_api.get(url(workspace) + "?page_size=2").json()["count"] == 4


def test_contact_filter_with_a_wrong_type_is_400(admin_api, workspace):
    response = admin_api.get(url(workspace) + "?created_after=yesterday")
    assert response.status_code == 400
    assert response.json() == {"created_after": ["Enter a valid date/time."]}


def _csv(text: str, name: str = "contacts.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def test_csv_import_creates_every_row(admin_api, workspace):
    response = admin_api.post(url(workspace, "import/"), {
        "file": _csv("first_name,phone,email,tags,custom.plan\nAda,+14155550100,,\"vip,lead\",pro\nBob,,bob@x.io,,\n")
    }, format="multipart")
    assert response.status_code == 201, response.json()
    assert response.json() == {"created": 2, "failed_rows": 0, "errors": []}
    ada = Contact.objects.for_workspace(workspace).get(first_name="Ada")
    assert ada.tags == ["vip", "lead"] and ada.custom_fields == {"plan": "pro"}


def test_csv_import_with_a_bad_row_creates_nothing(admin_api, workspace):
    response = admin_api.post(url(workspace, "import/"), {
        "file": _csv("first_name,phone,email\nAda,+14155550100,\nBad,12,\nNone,,\n")
    }, format="multipart")
    assert response.status_code == 400
    assert response.json() == {
        "created": 0,
        "failed_rows": 2,
        "errors": [
            {"row": 3, "field": "phone", "message": "Enter a valid phone number (e.g. (201) 555-0123) or a number with an international call prefix."},
            {"row": 4, "field": "__all__", "message": "A contact needs a phone number or an email address."},
        ],
    }
    assert not Contact.objects.for_workspace(workspace).exists()


def test_csv_import_refuses_unreadable_files(admin_api, workspace):
    response = admin_api.post(url(workspace, "import/"), {"file": _csv("name,phone\nA,+14155550100\n")}, format="multipart")
    assert response.status_code == 400
    assert response.json() == {"file": ["Unknown column(s): name."]}
    response = admin_api.post(url(workspace, "import/"), {}, format="multipart")
    assert response.status_code == 400
    assert response.json() == {"file": ["Upload a CSV file in the 'file' field."]}


@override_settings(CONTACT_IMPORT_MAX_BYTES=1000)
def test_csv_import_refuses_oversize_files_with_413(admin_api, workspace):
    big = "first_name,phone\n" + "".join(f"A,+1415555{n:04d}\n" for n in range(100))
    response = admin_api.post(url(workspace, "import/"), {"file": _csv(big)}, format="multipart")
    assert response.status_code == 413
    assert response.json()["detail"].startswith("The request body is too large")
    assert not Contact.objects.for_workspace(workspace).exists()


def test_member_cannot_import(member_api, workspace):
    response = member_api.post(url(workspace, "import/"), {"file": _csv("first_name,phone\nA,+14155550100\n")},
                               format="multipart")
    assert response.status_code == 403
    assert not Contact.objects.for_workspace(workspace).exists()
