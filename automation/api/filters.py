"""Filters of executions, steps and dead letters (status, flow, contact, source, test runs, time range).

Related objects are filtered by plain ids (not model choices), so an id of another
workspace simply matches nothing instead of revealing that it exists.
"""
from __future__ import annotations

import django_filters

from automation.models import DeadLetter, Execution, Step
from config.api.filters import DateTimeFilter, IdFilter


class CreatedRangeFilter(django_filters.FilterSet):
    """``since`` (inclusive) and ``until`` (exclusive) on the creation time."""

    since = DateTimeFilter(field_name="created_at", lookup_expr="gte")
    until = DateTimeFilter(field_name="created_at", lookup_expr="lt")


class ExecutionFilter(CreatedRangeFilter):
    flow = IdFilter()
    contact = IdFilter()
    status = django_filters.MultipleChoiceFilter(choices=Execution.Status.choices)
    source = django_filters.MultipleChoiceFilter(choices=Execution.Source.choices)

    class Meta:
        model = Execution
        fields = ["flow", "contact", "status", "source", "is_test"]


class StepFilter(CreatedRangeFilter):
    status = django_filters.MultipleChoiceFilter(choices=Step.Status.choices)
    execution = IdFilter()
    contact = IdFilter(field_name="execution__contact")

    class Meta:
        model = Step
        fields = ["execution", "node_id", "node_type", "status"]


class DeadLetterFilter(CreatedRangeFilter):
    status = django_filters.MultipleChoiceFilter(choices=DeadLetter.Status.choices)
    execution = IdFilter()
    flow = IdFilter(field_name="execution__flow")

    class Meta:
        model = DeadLetter
        fields = ["status", "node_type", "execution"]
