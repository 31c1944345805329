"""Flows: activation only when valid, immutable versions, priorities."""
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from flows.demo import welcome_graph
from flows.models import Flow, FlowInvalid, FlowVersion


def make_flow(workspace, name="f", **extra):
    return Flow.objects.create(workspace=workspace, name=name, graph=welcome_graph(), **extra)


def test_invalid_flow_can_never_become_active(workspace):
    graph = welcome_graph()
    graph["nodes"][1]["data"] = {}
    flow = Flow.objects.create(workspace=workspace, name="draft", graph=graph)
    with pytest.raises(FlowInvalid) as excinfo:
        flow.activate()
    assert [e.node_id for e in excinfo.value.graph_errors] == ["sms"]
    flow.refresh_from_db()
    assert flow.status == Flow.Status.DRAFT
    flow.status = Flow.Status.ACTIVE
    with pytest.raises(ValidationError):
        flow.save()
    assert Flow.objects.get(pk=flow.pk).status == Flow.Status.DRAFT


def test_invalid_trigger_settings_block_activation(workspace):
    flow = make_flow(workspace, trigger_type="schedule", trigger_config={"cron": "every day"})
    with pytest.raises(FlowInvalid) as excinfo:
        flow.activate()
    assert "trigger_config.cron" in excinfo.value.field_errors


def test_business_hours_validation(workspace):
    flow = make_flow(workspace)
    flow.business_hours = {"start": "18:00", "end": "09:00", "timezone": "Nowhere/City", "days": [7]}
    errors = flow.settings_errors()
    assert set(errors) == {"business_hours.end", "business_hours.timezone", "business_hours.days"}


def test_editing_an_active_flow_creates_a_new_version(workspace):
    flow = make_flow(workspace)
    flow.activate()
    assert flow.version == 1
    first = flow.current_version
    original_graph = first.graph

    graph = welcome_graph(delay_minutes=10)
    flow.graph = graph
    flow.save()
    assert flow.version == 2
    first.refresh_from_db()
    assert first.graph == original_graph  # old version unchanged
    assert flow.current_version.graph == graph
    assert list(flow.versions.values_list("number", flat=True)) == [2, 1]


def test_saving_without_changes_keeps_the_version(workspace):
    flow = make_flow(workspace)
    flow.name = "renamed"
    flow.save()
    flow.pause()
    assert flow.version == 1 and FlowVersion.objects.count() == 1


def test_versions_are_immutable(workspace):
    version = make_flow(workspace).current_version
    version.graph = {"nodes": [], "edges": []}
    with pytest.raises(ValidationError):
        version.save()
    with pytest.raises(ValidationError):
        version.delete()


def test_active_priorities_are_unique_and_activation_moves_a_clash(workspace):
    first, second = make_flow(workspace, "a"), make_flow(workspace, "b")
    first.activate()
    second.priority = first.priority
    second.save()
    second.activate()
    assert second.priority != first.priority
    assert sorted(Flow.objects.active().values_list("priority", flat=True)) == [1, 2]


def test_reorder(workspace, other_workspace):
    a, b, c = (make_flow(workspace, name) for name in "abc")
    for flow in (a, b, c):
        flow.activate()
    Flow.objects.reorder(workspace, [c.pk, a.pk])
    assert list(Flow.objects.for_workspace(workspace).active().by_priority().values_list("name", flat=True)) == [
        "c",
        "a",
        "b",
    ]
    foreign = make_flow(other_workspace, "x")
    with pytest.raises(ValidationError):
        Flow.objects.reorder(workspace, [foreign.pk, a.pk])
    with pytest.raises(ValidationError):
        Flow.objects.reorder(workspace, [a.pk, a.pk])
    # A refused reorder changes nothing.
    assert list(Flow.objects.for_workspace(workspace).by_priority().values_list("name", flat=True)) == ["c", "a", "b"]


def test_duplicate_is_a_draft_copy_with_its_own_webhook(workspace):
    flow = make_flow(workspace, reentry_cooldown=timedelta(minutes=5))
    flow.activate()
    copy = flow.duplicate()
    assert copy.status == Flow.Status.DRAFT
    assert copy.graph == flow.graph and copy.reentry_cooldown == timedelta(minutes=5)
    assert copy.webhook_token != flow.webhook_token
    assert copy.name == "f (copy)"
