"""Fuzzed flow graphs: the validator only ever answers with errors, and a graph it accepts runs to the end in test mode."""
from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from automation import services
from automation.models import Execution
from flows.graph import GraphError, validate_graph
from flows.models import Flow

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                                        max_size=3), max_leaves=8)
NODE_DATA = {
    "send_sms": st.fixed_dictionaries({"body": st.sampled_from(["Hi {{ contact.first_name }}", "", "{{ oops", "Olá ✓"])}),
    "send_email": st.fixed_dictionaries({"subject": st.sampled_from(["Hi", "{{ contact.email }}"]),
                                         "html": st.sampled_from(["<p>x</p>", "{% for %}"])}),
    "delay": st.fixed_dictionaries({"mode": st.sampled_from(["duration", "business_hours", "x"]),
                                    "amount": st.integers(-1, 10), "unit": st.sampled_from(["seconds", "days"])}),
    "condition": st.fixed_dictionaries({"rules": st.lists(st.fixed_dictionaries({
        "field": st.sampled_from(["first_name", "tags", "custom.plan", "steps.a.outcome", "nope"]),
        "operator": st.sampled_from(["equals", "contains", "is_set", "bogus"]),
        "value": json_values}), max_size=2)}),
    "update_contact": st.fixed_dictionaries({"actions": st.lists(st.fixed_dictionaries({
        "op": st.sampled_from(["add_tag", "remove_tag", "set_field", "explode"]),
        "tag": st.text(max_size=5), "field": st.sampled_from(["first_name", "custom.x", "id"]),
        "value": json_values}), max_size=2)}),
    "end": st.just({}),
}
HANDLES = st.sampled_from([None, "true", "false", "failure", "answered", "weird"])


@st.composite
def graphs(draw):
    """Mostly well-formed graphs (a trigger and a few typed nodes, wired at random), sometimes broken."""
    kinds = draw(st.lists(st.sampled_from(sorted(NODE_DATA)), min_size=1, max_size=6))
    nodes = [{"id": "start", "type": "trigger", "position": {"x": 0, "y": 0}, "data": {}}]
    nodes += [{"id": f"n{i}", "type": kind, "position": {"x": 0, "y": 100 * i}, "data": draw(NODE_DATA[kind])}
              for i, kind in enumerate(kinds, start=1)]
    ids = [n["id"] for n in nodes]
    edges = []
    for index, target in enumerate(ids[1:], start=1):
        source = draw(st.sampled_from(ids[:index]))
        edge = {"id": f"e{index}", "source": source, "target": target}
        handle = draw(HANDLES)
        if handle:
            edge["sourceHandle"] = handle
        edges.append(edge)
    return {"nodes": nodes, "edges": edges}


@FUZZ
@given(graph=st.one_of(json_values, st.fixed_dictionaries({"nodes": json_values, "edges": json_values})))
def test_validator_answers_garbage_with_errors(graph):
    errors = validate_graph(graph)
    assert errors and all(isinstance(e, GraphError) for e in errors)


@pytest.mark.django_db
@FUZZ
@given(graph=graphs())
def test_accepted_graphs_run_to_the_end_in_test_mode(workspace, graph):
    errors = validate_graph(graph)
    assert all(isinstance(e, GraphError) for e in errors)
    if errors:
        return
    flow = Flow.objects.create(workspace=workspace, name="Fuzzed", graph=graph, reentry_cooldown=timedelta(0))
    flow.activate()
    plan = services.test_flow(flow, contact_data={"first_name": "Zoë", "phone": "+14155550100", "tags": ["vip"]})
    execution = Execution.objects.get(pk=plan["execution_id"])
    assert execution.is_test and execution.status == Execution.Status.COMPLETED, plan
    assert plan["path"][0]["node_id"] == "start"
    flow.pause()
