"""Flow serializers. The graph is stored exactly as the builder sent it (ReactFlow nodes / edges)."""
from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.api.errors import StructuredValidationError, flow_error_body
from config.api.filters import MAX_ID
from contacts.models import Membership
from flows.graph import validate_graph
from flows.models import Flow, FlowInvalid

GRAPH_SCHEMA = {
    "type": "object",
    "description": "ReactFlow graph: nodes {id, type, position {x, y}, data} and edges {id, source, target, sourceHandle?}.",
    "properties": {
        "nodes": {"type": "array", "items": {"type": "object", "additionalProperties": True}},
        "edges": {"type": "array", "items": {"type": "object", "additionalProperties": True}},
    },
    "additionalProperties": True,
}


def starter_graph() -> dict[str, Any]:
    """What a new flow holds when created without a graph: a lone trigger, which is valid."""
    return {"nodes": [{"id": "start", "type": "trigger", "position": {"x": 0, "y": 0}, "data": {}}], "edges": []}


@extend_schema_field(GRAPH_SCHEMA)
class GraphField(serializers.JSONField):
    """Any JSON; its validation is :func:`flows.graph.validate_graph`, reported per node."""


@extend_schema_field({
    "oneOf": [
        {"type": "array", "items": {"type": "string"}},
        {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
    ]
})
class FieldErrorsField(serializers.JSONField):
    """Messages of a field, or of each key of a JSON field (``{"event_type": [...]}``)."""


@extend_schema_field({
    "type": "array",
    "items": {"oneOf": [
        {
            "type": "object",
            "properties": {
                "node_id": {"type": "string", "nullable": True},
                "field": {"type": "string"},
                "message": {"type": "string"},
            },
            "required": ["node_id", "field", "message"],
        },
        {"type": "string"},
    ]},
})
class GraphErrorsField(serializers.JSONField):
    """Problems of the graph: per node (``{node_id, field, message}``), or a plain message when it is not JSON of any use."""


class FlowErrorSerializer(serializers.Serializer):
    """A refused flow: graph problems per node, other problems per field."""

    graph = GraphErrorsField(required=False)
    trigger_config = FieldErrorsField(required=False)
    business_hours = FieldErrorsField(required=False)


class FlowSerializer(serializers.ModelSerializer):
    graph = GraphField(required=False)
    trigger_config = serializers.DictField(required=False)
    business_hours = serializers.DictField(required=False)
    webhook_url = serializers.SerializerMethodField()

    class Meta:
        model = Flow
        fields = [
            "id", "name", "description", "status", "graph", "priority", "trigger_type", "trigger_config",
            "business_hours", "reentry_cooldown", "version", "webhook_url", "created_at", "updated_at",
        ]
        read_only_fields = ["id", "status", "priority", "version", "webhook_url", "created_at", "updated_at"]

    def get_webhook_url(self, flow: Flow) -> str | None:
        """The secret trigger URL, for admins of webhook-triggered flows only."""
        if flow.trigger_type != "webhook" or self.context.get("role") != Membership.Role.ADMIN:
            return None
        return settings.PUBLIC_BASE_URL.rstrip("/") + reverse("webhooks:flow-trigger", args=[flow.webhook_token])

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """The whole definition is checked on every save, so a builder sees every problem at once."""
        if self.instance is None:
            attrs.setdefault("graph", starter_graph())
        candidate = Flow(**{
            name: attrs.get(name, getattr(self.instance, name, None) if self.instance else Flow._meta.get_field(name).get_default())
            for name in ("graph", "trigger_type", "trigger_config", "business_hours", "reentry_cooldown")
        })
        graph_errors, field_errors = validate_graph(candidate.graph), candidate.settings_errors()
        if graph_errors or field_errors:
            raise StructuredValidationError(flow_error_body(FlowInvalid(graph_errors, field_errors)))
        return attrs


class DuplicateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)


class PrioritiesSerializer(serializers.Serializer):
    order = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=MAX_ID), allow_empty=False, max_length=1000)


class FlowPrioritySerializer(serializers.ModelSerializer):
    class Meta:
        model = Flow
        fields = ["id", "name", "status", "priority"]
