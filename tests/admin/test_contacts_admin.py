"""Contacts in the admin: CSV import with a per-row report, filters on tags, DNC and opt-outs."""
from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from contacts.models import Contact
from tests.builders import make_contact


def upload(client, workspace, text: str):
    return client.post(reverse("admin:contacts_contact_import"), {
        "workspace": workspace.pk, "file": SimpleUploadedFile("contacts.csv", text.encode(), "text/csv"),
    })


def test_csv_import_creates_valid_rows_and_reports_the_others(client, admin_user, workspace):
    client.force_login(admin_user)
    response = upload(client, workspace, "first_name,phone,email,tags\n"
                                         "Ann,+14155550101,ann@x.example,\"vip,new\"\n"
                                         "Bad,not-a-phone,,\n"
                                         "Nobody,,,\n")
    page = response.content.decode()
    assert "1 contact created, 2 rows rejected" in page
    assert response.context["result"].errors[0].row == 3 and "phone" in page
    assert list(Contact.objects.for_workspace(workspace).values_list("first_name", "tags")) == [("Ann", ["vip", "new"])]


def test_csv_import_refuses_a_bad_file_and_other_workspaces(client, admin_user, workspace, other_workspace):
    client.force_login(admin_user)
    response = upload(client, workspace, "first_name,shoe_size\nAnn,42\n")
    assert "Unknown column(s): shoe_size" in response.content.decode()
    response = upload(client, other_workspace, "first_name,email\nEve,eve@x.example\n")
    assert "workspace" in response.context["form"].errors
    assert Contact.objects.count() == 0


def test_member_cannot_import(client, member_user, workspace):
    client.force_login(member_user)
    assert client.get(reverse("admin:contacts_contact_import")).status_code == 403


def test_filters_by_tag_dnc_and_opt_out(client, admin_user, workspace):
    make_contact(workspace, "Vic", tags=["vip"])
    make_contact(workspace, "Dan", tags=["DNC"])
    make_contact(workspace, "Oli", opted_out_sms=True)
    client.force_login(admin_user)
    url = reverse("admin:contacts_contact_changelist")

    def names(**params) -> set[str]:
        return {c.first_name for c in client.get(url, params).context["cl"].result_list}

    assert names(tag="vip") == {"Vic"}
    assert names(dnc="yes") == {"Dan"} and names(dnc="no") == {"Vic", "Oli"}
    assert names(opted_out_sms__exact="1") == {"Oli"}
    assert names(q="vic") == {"Vic"}
