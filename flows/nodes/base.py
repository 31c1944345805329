"""What a node type is, and the registry that maps type names to them.

Each node type lives in its own module of this package and declares its config
schema (a DRF serializer over the node's ``data``), the ``sourceHandle`` names
its outgoing edges may use, and whether it waits (which makes a cycle through it
acceptable). The execution engine keeps its own registry of executors keyed by
the same names.
"""
from __future__ import annotations

from typing import Any, ClassVar

from rest_framework import serializers

DEFAULT_HANDLE = None
FAILURE_HANDLE = "failure"


class NodeType:
    type: ClassVar[str]
    label: ClassVar[str]
    config_serializer: ClassVar[type[serializers.Serializer] | None] = None
    # Allowed ``sourceHandle`` values of outgoing edges; None is the plain output.
    handles: ClassVar[frozenset[str | None]] = frozenset({DEFAULT_HANDLE})
    # The channel a sending node uses; the engine checks DNC and opt-outs for it.
    channel: ClassVar[str | None] = None
    waits: ClassVar[bool] = False
    max_outgoing: ClassVar[int | None] = None

    @classmethod
    def validate_config(cls, data: Any) -> list[tuple[str, str]]:
        """(field, message) pairs for the node's ``data``; empty when valid."""
        if cls.config_serializer is None:
            return []
        serializer = cls.config_serializer(data=data if isinstance(data, dict) else {})
        if serializer.is_valid():
            return []
        return list(_flatten(serializer.errors))

    @classmethod
    def clean_config(cls, data: dict[str, Any]) -> dict[str, Any]:
        """The validated config with defaults filled in (for the engine)."""
        if cls.config_serializer is None:
            return dict(data or {})
        serializer = cls.config_serializer(data=data or {})
        serializer.is_valid(raise_exception=True)
        return {**(data or {}), **serializer.validated_data}


def _flatten(errors: Any, prefix: str = "") -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    if isinstance(errors, dict):
        for key, value in errors.items():
            if isinstance(key, int):
                pairs += _flatten(value, f"{prefix}[{key}]")
                continue
            name = "data" if key == "non_field_errors" and not prefix else key
            pairs += _flatten(value, f"{prefix}.{name}" if prefix else str(name))
    elif isinstance(errors, list):
        for index, value in enumerate(errors):
            if isinstance(value, (dict, list)):
                pairs += _flatten(value, f"{prefix}[{index}]")
            else:
                pairs.append((prefix, str(value)))
    else:
        pairs.append((prefix, str(errors)))
    return pairs


class NodeRegistry:
    def __init__(self) -> None:
        self._types: dict[str, type[NodeType]] = {}

    def register(self, node_type: type[NodeType]) -> type[NodeType]:
        if node_type.type in self._types:
            raise ValueError(f"Node type {node_type.type!r} is registered twice.")
        self._types[node_type.type] = node_type
        return node_type

    def get(self, name: str) -> type[NodeType] | None:
        return self._types.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self._types

    def names(self) -> list[str]:
        return sorted(self._types)

    def all(self) -> list[type[NodeType]]:
        return [self._types[name] for name in self.names()]


registry = NodeRegistry()
