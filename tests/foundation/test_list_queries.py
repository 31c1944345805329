"""Listing contacts and flows costs a fixed number of queries (no N+1)."""
import pytest
from django.urls import reverse

from contacts.models import Contact
from flows.demo import welcome_graph
from flows.models import Flow


@pytest.mark.parametrize("rows", [3, 30])
def test_contact_and_flow_changelists_query_count(client, workspace, admin_user, rows, django_assert_max_num_queries):
    Contact.objects.bulk_create(
        Contact(workspace=workspace, first_name=f"c{i}", email=f"c{i}@example.com") for i in range(rows)
    )
    for i in range(rows // 3):
        Flow.objects.create(workspace=workspace, name=f"flow {i}", graph=welcome_graph())
    client.force_login(admin_user)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("admin:contacts_contact_changelist"))
    assert response.status_code == 200 and f"c{rows - 1}" in response.content.decode()
    with django_assert_max_num_queries(14):
        response = client.get(reverse("admin:flows_flow_changelist"))
    assert response.status_code == 200 and "flow 0" in response.content.decode()
