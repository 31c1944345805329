"""Branch on contact fields, tags, custom fields, event data and earlier step outcomes."""
from typing import Any

from rest_framework import serializers

from flows.conditions import validate_condition
from flows.nodes.base import NodeType, registry


class ConditionConfig(serializers.Serializer):
    match = serializers.ChoiceField(choices=["all", "any"], default="all")
    rules = serializers.ListField(child=serializers.JSONField(), allow_empty=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        errors = validate_condition({"match": attrs["match"], "rules": attrs["rules"]}, path="")
        if errors:
            raise serializers.ValidationError({"rules": [f"{e.path.lstrip('.')}: {e.message}" for e in errors]})
        return attrs


@registry.register
class ConditionNode(NodeType):
    type = "condition"
    label = "Condition"
    config_serializer = ConditionConfig
    handles = frozenset({"true", "false"})
