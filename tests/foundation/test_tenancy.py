"""Workspace scoping: the one queryset method every surface uses."""
import pytest

from automation.models import Execution
from contacts.models import Contact, Membership, Workspace
from flows.demo import welcome_graph
from flows.models import Flow, FlowVersion


@pytest.fixture
def two_tenants(workspace, other_workspace):
    mine = Contact.objects.create(workspace=workspace, first_name="Mine", phone="+14155550100")
    theirs = Contact.objects.create(workspace=other_workspace, first_name="Theirs", phone="+14155550100")
    my_flow = Flow.objects.create(workspace=workspace, name="mine", graph=welcome_graph())
    their_flow = Flow.objects.create(workspace=other_workspace, name="theirs", graph=welcome_graph())
    return mine, theirs, my_flow, their_flow


def test_member_of_a_never_reads_b(two_tenants, member_user):
    mine, theirs, my_flow, their_flow = two_tenants
    assert list(Contact.objects.for_user(member_user)) == [mine]
    assert list(Flow.objects.for_user(member_user)) == [my_flow]
    assert list(FlowVersion.objects.for_user(member_user)) == list(my_flow.versions.all())
    assert not Contact.objects.for_user(member_user).filter(pk=theirs.pk).exists()
    assert list(Workspace.objects.for_user(member_user)) == [mine.workspace]


def test_for_workspace_scopes_by_workspace(two_tenants, workspace, other_workspace):
    mine, theirs, *_ = two_tenants
    assert list(Contact.objects.for_workspace(workspace)) == [mine]
    assert list(Contact.objects.for_workspace(other_workspace.pk)) == [theirs]


def test_read_only_member_cannot_write(two_tenants, member_user, admin_user):
    mine, *_ = two_tenants
    assert not Contact.objects.writable_by(member_user).exists()
    assert list(Contact.objects.writable_by(admin_user)) == [mine]


def test_anonymous_sees_nothing(two_tenants):
    from django.contrib.auth.models import AnonymousUser

    assert not Contact.objects.for_user(AnonymousUser()).exists()
    assert not Workspace.objects.for_user(AnonymousUser()).exists()


def test_superuser_sees_everything(two_tenants, django_user_model):
    root = django_user_model.objects.create_superuser("root", "root@example.com", "pw")
    assert Contact.objects.for_user(root).count() == 2


def test_membership_in_two_workspaces_yields_no_duplicates(two_tenants, member_user, other_workspace):
    Membership.objects.create(workspace=other_workspace, user=member_user, role=Membership.Role.MEMBER)
    assert Contact.objects.for_user(member_user).count() == 2
    assert Execution.objects.for_user(member_user).count() == 0


def test_role_of(workspace, admin_user, member_user, outsider):
    assert workspace.role_of(admin_user) == "admin"
    assert workspace.role_of(member_user) == "member"
    assert workspace.role_of(outsider) is None
