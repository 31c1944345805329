"""Serializers of executions (with their steps as a timeline), steps, enrollments and dead letters."""
from __future__ import annotations

from phonenumber_field.serializerfields import PhoneNumberField
from rest_framework import serializers

from automation.models import DeadLetter, Execution, Step


class ContactRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="__str__")


class StepSerializer(serializers.ModelSerializer):
    class Meta:
        model = Step
        fields = [
            "id", "execution", "node_id", "node_type", "status", "attempt", "started_at", "completed_at",
            "duration_ms", "input", "output", "outcome", "error", "skip_reason", "next_run_at", "created_at",
        ]


class StepLogSerializer(StepSerializer):
    """A step in a flow's log, with the contact it ran for."""

    contact = ContactRefSerializer(source="execution.contact", allow_null=True, read_only=True)

    class Meta(StepSerializer.Meta):
        fields = StepSerializer.Meta.fields + ["contact"]


class ExecutionSerializer(serializers.ModelSerializer):
    flow_name = serializers.CharField(source="flow.name", read_only=True)
    flow_version = serializers.IntegerField(source="flow_version.number", read_only=True)
    contact = ContactRefSerializer(allow_null=True, read_only=True)

    class Meta:
        model = Execution
        fields = [
            "id", "flow", "flow_name", "flow_version", "contact", "status", "source", "is_test", "started_at",
            "completed_at", "duration_ms", "error", "skip_reason", "metadata", "cancel_requested", "created_at",
            "updated_at",
        ]


class ExecutionDetailSerializer(ExecutionSerializer):
    steps = StepSerializer(many=True, read_only=True, help_text="The timeline: steps in the order they ran.")

    class Meta(ExecutionSerializer.Meta):
        fields = ExecutionSerializer.Meta.fields + ["steps"]


class EnrollmentSerializer(serializers.ModelSerializer):
    """Seed 001's enrollment history row: who, why, when, where they are now, and what is next."""

    contact = ContactRefSerializer(allow_null=True, read_only=True)
    reason = serializers.CharField(source="source")
    enrolled_at = serializers.DateTimeField(source="created_at")
    current_node_id = serializers.CharField(allow_null=True)
    current_node_type = serializers.CharField(allow_null=True)
    next_run_at = serializers.DateTimeField(allow_null=True)

    class Meta:
        model = Execution
        fields = [
            "id", "contact", "reason", "enrolled_at", "status", "current_node_id", "current_node_type",
            "next_run_at", "completed_at", "is_test",
        ]


class DeadLetterSerializer(serializers.ModelSerializer):
    flow = serializers.IntegerField(source="execution.flow_id", read_only=True)

    class Meta:
        model = DeadLetter
        fields = [
            "id", "execution", "step", "flow", "node_id", "node_type", "payload", "error", "attempts", "status",
            "resolved_at", "resolved_by", "created_at",
        ]


class StatsSerializer(serializers.Serializer):
    executions = serializers.DictField(child=serializers.IntegerField(), help_text="Count per status, and total.")
    test_executions = serializers.IntegerField()
    steps = serializers.DictField(child=serializers.IntegerField(), help_text="Count per status, and total.")
    open_dead_letters = serializers.IntegerField()


class TotalsSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    completed = serializers.IntegerField()
    failed = serializers.IntegerField()
    cancelled = serializers.IntegerField()
    skipped = serializers.IntegerField()
    live = serializers.IntegerField()
    success_rate = serializers.FloatField(allow_null=True)
    avg_duration_ms = serializers.FloatField(allow_null=True)
    p95_duration_ms = serializers.FloatField(allow_null=True)


class TrendSerializer(serializers.Serializer):
    previous_total = serializers.IntegerField()
    total_change = serializers.IntegerField()
    total_change_pct = serializers.FloatField(allow_null=True)
    success_rate_change = serializers.FloatField(allow_null=True)
    avg_duration_ms_change = serializers.FloatField(allow_null=True)


class BucketSerializer(serializers.Serializer):
    bucket = serializers.DateTimeField()
    total = serializers.IntegerField()
    completed = serializers.IntegerField()
    failed = serializers.IntegerField()


class RangeSerializer(serializers.Serializer):
    start = serializers.DateTimeField(allow_null=True)
    end = serializers.DateTimeField()
    bucket = serializers.ChoiceField(choices=["hour", "day"])


class FlowFiguresSerializer(serializers.Serializer):
    flow_id = serializers.IntegerField()
    flow__name = serializers.CharField()
    total = serializers.IntegerField()
    completed = serializers.IntegerField()
    failed = serializers.IntegerField()


class NodeFiguresSerializer(serializers.Serializer):
    node_id = serializers.CharField()
    node_type = serializers.CharField()
    total = serializers.IntegerField()
    success = serializers.IntegerField()
    failed = serializers.IntegerField()
    skipped = serializers.IntegerField()
    success_rate = serializers.FloatField(allow_null=True)
    avg_duration_ms = serializers.FloatField(allow_null=True)


class ReportSerializer(serializers.Serializer):
    range = RangeSerializer()
    totals = TotalsSerializer()
    trend = TrendSerializer(allow_null=True)
    series = BucketSerializer(many=True)


class OverviewSerializer(ReportSerializer):
    flows = FlowFiguresSerializer(many=True)


class FlowReportSerializer(ReportSerializer):
    nodes = NodeFiguresSerializer(many=True)


MAX_SEND = 10_000


class SendRequestSerializer(serializers.Serializer):
    contact_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1), allow_empty=False, max_length=MAX_SEND
    )


class SkipSerializer(serializers.Serializer):
    contact_id = serializers.IntegerField()
    reason = serializers.CharField(help_text="dnc, opted_out_<channel>, no_phone, no_email, cooldown...")


class SendResultSerializer(serializers.Serializer):
    enrolled = serializers.IntegerField()
    skipped = SkipSerializer(many=True)
    execution_ids = serializers.ListField(child=serializers.IntegerField())


class EventContactSerializer(serializers.Serializer):
    """The contact of an event, named by phone or email; an unknown one is created with these fields."""

    first_name = serializers.CharField(required=False, allow_blank=True, max_length=100)
    last_name = serializers.CharField(required=False, allow_blank=True, max_length=100)
    phone = PhoneNumberField(required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)


class TestRequestSerializer(serializers.Serializer):
    contact_id = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    contact = serializers.DictField(required=False, help_text="Contact fields of an unsaved test contact.")
    event = serializers.DictField(required=False, help_text="Event data the flow's conditions may read.")

    def validate(self, attrs: dict) -> dict:
        if ("contact_id" in attrs) == ("contact" in attrs):
            raise serializers.ValidationError({"non_field_errors": ["Give either contact_id or contact."]})
        return attrs


class TestPlanSerializer(serializers.Serializer):
    execution_id = serializers.IntegerField(help_text="The stored test execution (is_test=true).")
    flow_version = serializers.IntegerField()
    path = serializers.ListField(child=serializers.DictField(), help_text="Nodes taken, in order.")
    messages = serializers.ListField(child=serializers.DictField(), help_text="Rendered messages, segments, cost.")
    total_cost = serializers.CharField()
    contact = serializers.DictField()


class EventRequestSerializer(serializers.Serializer):
    type = serializers.RegexField(r"^[a-z0-9_]+(\.[a-z0-9_]+)*$", max_length=100,
                                  error_messages={"invalid": "An event type looks like 'chat.message_received'."})
    contact_id = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    contact = EventContactSerializer(required=False)
    data = serializers.DictField(required=False, default=dict)

    def validate(self, attrs: dict) -> dict:
        if ("contact_id" in attrs) == ("contact" in attrs):
            raise serializers.ValidationError({"non_field_errors": ["Give either contact_id or contact."]})
        contact = attrs.get("contact")
        if contact is not None and not (contact.get("phone") or contact.get("email")):
            raise serializers.ValidationError({"contact": ["Give the contact's phone or email."]})
        return attrs


class EventResultSerializer(serializers.Serializer):
    executions = ExecutionSerializer(many=True, help_text="Executions the event started (skipped ones included).")
