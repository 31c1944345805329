"""A voice call (the seeds' "AI call"): TwiML, or a script of say / play steps.

The call's outcome (answered, no_answer, busy, failed) picks the outgoing edge
whose ``sourceHandle`` names it; the plain output is taken for any outcome
without an edge of its own.
"""
from typing import Any

from rest_framework import serializers

from flows.nodes.base import DEFAULT_HANDLE, FAILURE_HANDLE, NodeType, registry
from flows.nodes.fields import TemplateField

CALL_OUTCOMES = ("answered", "no_answer", "busy", "failed")


class ScriptStep(serializers.Serializer):
    say = TemplateField(required=False, max_length=4000)
    play = serializers.URLField(required=False)
    pause = serializers.IntegerField(required=False, min_value=1, max_value=60)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if len(attrs) != 1:
            raise serializers.ValidationError("Each script step is exactly one of say, play or pause.")
        return attrs


class VoiceCallConfig(serializers.Serializer):
    twiml = serializers.CharField(required=False, allow_blank=True, max_length=20_000)
    script = ScriptStep(many=True, required=False)
    voice = serializers.CharField(required=False, max_length=40, default="alice")
    timeout = serializers.IntegerField(required=False, min_value=5, max_value=600, default=30)
    machine_detection = serializers.BooleanField(required=False, default=False)
    from_number = serializers.CharField(required=False, allow_blank=True, max_length=40)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("twiml") and not attrs.get("script"):
            raise serializers.ValidationError({"script": "A call needs TwiML or a script."})
        if attrs.get("twiml") and attrs.get("script"):
            raise serializers.ValidationError({"twiml": "Give TwiML or a script, not both."})
        return attrs


@registry.register
class VoiceCallNode(NodeType):
    type = "voice_call"
    label = "Voice call"
    config_serializer = VoiceCallConfig
    channel = "voice"
    handles = frozenset({DEFAULT_HANDLE, FAILURE_HANDLE, *CALL_OUTCOMES})
