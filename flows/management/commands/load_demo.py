"""Load a demo workspace: an admin login, the demo flows (active) and a few contacts.

Flows are created before contacts so that the new contacts trigger them, and the
dev outbox fills with the messages they send. Running it again changes nothing.
"""
from __future__ import annotations

import os
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from contacts.models import Contact, Membership, Workspace
from flows.demo import DEMO_FLOWS
from flows.models import Flow

DEMO_CONTACTS = [
    {"first_name": "Ada", "last_name": "Lovelace", "phone": "+14155550101", "email": "ada@example.com",
     "lead_source": "facebook", "tags": ["lead"], "timezone": "America/New_York"},
    {"first_name": "Grace", "last_name": "Hopper", "phone": "+14155550102", "email": "grace@example.com",
     "lead_source": "referral", "tags": ["vip"]},
    {"first_name": "Alan", "last_name": "Turing", "phone": "+447700900103", "email": "alan@example.com",
     "lead_source": "website", "timezone": "Europe/London"},
    {"first_name": "Do", "last_name": "Notcall", "phone": "+14155550104", "email": "dnc@example.com",
     "lead_source": "facebook", "tags": ["DNC"]},
]


class Command(BaseCommand):
    help = "Create the demo workspace, admin login, demo flows and contacts (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        username = os.environ.get("DEMO_ADMIN_USERNAME", "admin")
        password = os.environ.get("DEMO_ADMIN_PASSWORD", "admin")
        User = get_user_model()
        with transaction.atomic():
            user, created_user = User.objects.get_or_create(
                username=username, defaults={"is_staff": True, "is_superuser": True, "email": "admin@example.com"}
            )
            if created_user:
                user.set_password(password)
                user.save()
            workspace, created = Workspace.objects.get_or_create(
                slug="demo", defaults={"name": "Demo workspace", "timezone": "America/New_York"}
            )
            Membership.objects.get_or_create(workspace=workspace, user=user, defaults={"role": Membership.Role.ADMIN})
            if created:
                for spec in DEMO_FLOWS:
                    flow = Flow.objects.create(
                        workspace=workspace,
                        name=spec["name"],
                        description=spec["description"],
                        trigger_type=spec["trigger_type"],
                        trigger_config=spec["trigger_config"],
                        business_hours=spec.get("business_hours", {}),
                        graph=spec["graph_factory"](),
                        created_by=user,
                    )
                    flow.activate()
                for data in DEMO_CONTACTS:
                    Contact.objects.create(workspace=workspace, **data)
        self.stdout.write(self.style.SUCCESS("Demo workspace ready."))
        self.stdout.write(f"  Admin:    http://localhost:8000/admin/  login {username} / "
                          f"{password if created_user else '(unchanged)'}")
        self.stdout.write("  API docs: http://localhost:8000/api/docs/")
