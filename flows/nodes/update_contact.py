"""Change the contact: add or remove a tag, set a field or a custom field."""
from typing import Any

from rest_framework import serializers

from flows.nodes.base import NodeType, registry

SETTABLE_FIELDS = ("first_name", "last_name", "email", "lead_source", "entry_type", "timezone")


class ContactAction(serializers.Serializer):
    op = serializers.ChoiceField(choices=["add_tag", "remove_tag", "set_field"])
    tag = serializers.CharField(required=False, max_length=64)
    field = serializers.CharField(required=False, max_length=120)
    value = serializers.JSONField(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["op"] in ("add_tag", "remove_tag") and not attrs.get("tag", "").strip():
            raise serializers.ValidationError({"tag": "This action needs a tag."})
        if attrs["op"] == "set_field":
            field = attrs.get("field", "")
            if field not in SETTABLE_FIELDS and not (field.startswith("custom.") and len(field) > 7):
                raise serializers.ValidationError(
                    {"field": f"Must be one of {', '.join(SETTABLE_FIELDS)} or custom.<key>."}
                )
            if "value" not in attrs:
                raise serializers.ValidationError({"value": "This action needs a value."})
        return attrs


class UpdateContactConfig(serializers.Serializer):
    actions = ContactAction(many=True, allow_empty=False)


@registry.register
class UpdateContactNode(NodeType):
    type = "update_contact"
    label = "Update contact"
    config_serializer = UpdateContactConfig
