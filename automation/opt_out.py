"""Opting a contact out of a messaging channel (or back in), whoever hears of it first.

The contact texts STOP / START to us (:mod:`automation.inbound`), or the carrier
already knows: the provider refuses a send because the number opted out of our
sender, in its answer (the send node) or in a later status callback
(:mod:`automation.webhooks`). Every path records it the same way, so the next
send is skipped as ``opted_out_<channel>`` before any provider is called.
"""
from __future__ import annotations

from contacts.models import Contact


def set_opted_out(contact: Contact, channel: str, opted_out: bool = True) -> None:
    """Record ``contact``'s choice for ``channel`` (only that field: the instance may be stale)."""
    field = f"opted_out_{channel}"
    setattr(contact, field, opted_out)
    contact.save(update_fields=[field, "updated_at"])


def opt_out_number(workspace_id: int, phone: str, channel: str) -> None:
    """Opt the workspace's contacts with ``phone`` out of ``channel`` (a carrier's opt-out is per number)."""
    for contact in Contact.objects.for_workspace(workspace_id).filter(phone=phone):
        set_opted_out(contact, channel)
