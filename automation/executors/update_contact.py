"""Add or remove tags, set a field or a custom field. Test mode reports the changes only.

The contact row is locked while it changes so that two flows tagging one
contact at the same time do not lose each other's tags.
"""
from __future__ import annotations

from typing import Any

from automation.executors.base import Executor, NodeContext, NodeResult, executors
from contacts.models import Contact, normalize_tags


def apply_actions(contact: Contact, actions: list[dict[str, Any]]) -> tuple[list[str], list[dict[str, Any]]]:
    """Apply ``actions`` to ``contact`` in memory; returns the changed model fields and a change log."""
    fields: set[str] = set()
    log: list[dict[str, Any]] = []
    for action in actions:
        op = action["op"]
        if op in ("add_tag", "remove_tag"):
            tag = normalize_tags([action["tag"]])[0]
            has = tag in contact.tags
            if (op == "add_tag") != has:
                contact.tags = [*contact.tags, tag] if op == "add_tag" else [t for t in contact.tags if t != tag]
                fields.add("tags")
                log.append({"op": op, "tag": tag})
            continue
        field, value = action["field"], action["value"]
        if field.startswith("custom."):
            contact.custom_fields = {**(contact.custom_fields or {}), field[len("custom."):]: value}
            fields.add("custom_fields")
        else:
            setattr(contact, field, "" if value is None else str(value))
            fields.add(field)
        log.append({"op": op, "field": field, "value": value})
    return sorted(fields), log


@executors.register
class UpdateContactExecutor(Executor):
    node_type = "update_contact"

    def run(self, ctx: NodeContext) -> NodeResult:
        if ctx.contact is None:
            return NodeResult(status="skipped", skip_reason="no_contact")
        actions = ctx.config.get("actions", [])
        if ctx.is_test:
            _, changes = apply_actions(ctx.contact, actions)
            return NodeResult(output={"changes": changes, "applied": False})
        contact = Contact.objects.select_for_update().get(pk=ctx.contact.pk)
        fields, changes = apply_actions(contact, actions)
        if fields:
            contact.save(update_fields=[*fields, "updated_at"])
        ctx.contact = contact
        return NodeResult(output={"changes": changes, "applied": True})
