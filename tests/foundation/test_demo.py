"""The demo loader behind `make run`."""
from django.core.management import call_command

from contacts.models import Contact
from flows.models import Flow


def test_load_demo_is_idempotent_and_activates_valid_flows(db, django_user_model):
    call_command("load_demo", stdout=open("/dev/null", "w"))
    call_command("load_demo", stdout=open("/dev/null", "w"))
    assert django_user_model.objects.get(username="admin").check_password("admin")
    flows = list(Flow.objects.order_by("priority"))
    assert [f.status for f in flows] == ["active"] * 3
    assert [f.name for f in flows][0] == "Lead auto-engagement call"
    assert Contact.objects.count() == 4
    assert Contact.objects.get(email="dnc@example.com").is_dnc
