"""Graph validation: one test per rule, and the structured error shape."""
import copy

import pytest

from flows.demo import edge, lead_engagement_graph, negative_sentiment_graph, node, welcome_graph
from flows.graph import Graph, validate_graph


def errors_of(graph):
    return [e.as_dict() for e in validate_graph(graph)]


@pytest.mark.parametrize("factory", [welcome_graph, lead_engagement_graph, negative_sentiment_graph])
def test_demo_graphs_are_valid(factory):
    assert validate_graph(factory()) == []


def test_error_shape_is_structured():
    graph = welcome_graph()
    graph["nodes"][1]["data"]["body"] = ""
    assert errors_of(graph) == [{"node_id": "sms", "field": "data.body", "message": "This field may not be blank."}]


@pytest.mark.parametrize("bad", [None, [], "graph", {"nodes": "x"}, {"nodes": [], "edges": {}}])
def test_malformed_graphs_are_reported_not_raised(bad):
    errors = validate_graph(bad)
    assert errors and all(e.message for e in errors)


def test_exactly_one_trigger():
    graph = welcome_graph()
    graph["nodes"] = [n for n in graph["nodes"] if n["type"] != "trigger"]
    graph["edges"] = [e for e in graph["edges"] if e["source"] != "start"]
    assert any("exactly one trigger" in e["message"] for e in errors_of(graph))

    graph = welcome_graph()
    graph["nodes"].append(node("start2", "trigger", 0, 0))
    graph["edges"].append(edge("start2", "sms"))
    assert [e for e in errors_of(graph) if e["node_id"] == "start2"][0]["field"] == "type"


def test_unknown_node_type():
    graph = welcome_graph()
    graph["nodes"][1]["type"] = "send_fax"
    (error,) = errors_of(graph)
    assert error["node_id"] == "sms" and error["field"] == "type" and "send_fax" in error["message"]


def test_duplicate_node_ids():
    graph = welcome_graph()
    graph["nodes"].append(copy.deepcopy(graph["nodes"][1]))
    assert {"node_id": "sms", "field": "id", "message": "Duplicate node id 'sms'."} in errors_of(graph)


@pytest.mark.parametrize(
    "node_index, data, field",
    [
        (1, {"body": "hi", "media_urls": ["not a url"]}, "data.media_urls[0]"),
        (1, {"body": "hi", "media_urls": [f"https://x.test/{i}.png" for i in range(11)]}, "data.media_urls"),
        (1, {"body": "Hi {{ contact.first_name"}, "data.body"),
        (2, {"mode": "duration"}, "data.amount"),
        (2, {"mode": "duration", "amount": 400, "unit": "days"}, "data.amount"),
        (2, {"mode": "sometime"}, "data.mode"),
        (3, {"subject": "s"}, "data.html"),
        (3, {"subject": "s", "text": "t", "from_email": "nope"}, "data.from_email"),
    ],
)
def test_per_type_config(node_index, data, field):
    graph = welcome_graph()
    graph["nodes"][node_index]["data"] = data
    errors = errors_of(graph)
    assert [e["field"] for e in errors] == [field]
    assert errors[0]["node_id"] == graph["nodes"][node_index]["id"]


def webhook_graph(url: str) -> dict:
    return {"nodes": [node("start", "trigger", 0, 0), node("hook", "webhook", 0, 100, url=url)],
            "edges": [edge("start", "hook")]}


@pytest.mark.parametrize("url, reason", [("http://10.0.0.5/x", "private"), ("http://[::1]/", "loopback"),
                                         ("ftp://hooks.example.com/", "only http and https")])
def test_webhook_urls_naming_internal_addresses_are_refused(url, reason):
    (error,) = errors_of(webhook_graph(url))
    assert (error["node_id"], error["field"]) == ("hook", "data.url") and reason in error["message"]


def test_webhook_urls_to_public_hosts_or_allowed_private_networks_pass(settings):
    assert errors_of(webhook_graph("https://hooks.example.com/x")) == []
    settings.OUTBOUND_ALLOW_PRIVATE_NETWORKS = True
    assert errors_of(webhook_graph("http://10.0.0.5/x")) == []


def test_condition_rules_are_validated():
    graph = negative_sentiment_graph()
    graph["nodes"][1]["data"]["rules"] = [{"field": "event.score", "operator": "between", "value": 1}]
    (error,) = errors_of(graph)
    assert error["node_id"] == "check" and error["field"] == "data.rules" and "operator" in error["message"]


def test_edges_must_point_at_existing_nodes():
    graph = welcome_graph()
    graph["edges"].append({"id": "dangling", "source": "sms", "target": "ghost"})
    (error,) = errors_of(graph)
    assert error["field"] == "edges[4].target" and "ghost" in error["message"]


def test_condition_branches_need_true_or_false_handles():
    graph = negative_sentiment_graph()
    graph["edges"][1]["sourceHandle"] = "maybe"
    (error,) = errors_of(graph)
    assert error == {
        "node_id": "check",
        "field": "sourceHandle",
        "message": "Edge 'e-check-apology-true' leaves by handle 'maybe'; a condition node allows: false, true.",
    }


def test_voice_outcome_handles_are_accepted_and_others_refused():
    graph = lead_engagement_graph()
    assert validate_graph(graph) == []
    graph["edges"][1]["sourceHandle"] = "voicemail"
    assert errors_of(graph)[0]["field"] == "sourceHandle"


def test_end_nodes_have_no_outputs():
    graph = welcome_graph()
    graph["edges"].append(edge("done", "sms"))
    assert any(e["node_id"] == "done" and "no outputs" in e["message"] for e in errors_of(graph))


def test_nothing_leads_into_the_trigger():
    graph = welcome_graph()
    graph["edges"].append(edge("email", "start"))
    assert any(e["node_id"] == "start" for e in errors_of(graph))


def test_every_node_reachable():
    graph = welcome_graph()
    graph["nodes"].append(node("orphan", "send_sms", 300, 0, body="hello"))
    assert errors_of(graph) == [
        {"node_id": "orphan", "field": "edges", "message": "This node cannot be reached from the trigger."}
    ]


def test_cycle_without_delay_is_refused():
    graph = welcome_graph()
    graph["edges"].remove(edge("email", "done"))
    graph["nodes"] = [n for n in graph["nodes"] if n["id"] != "done"]
    graph["edges"] = [edge("start", "sms"), edge("sms", "email"), edge("email", "sms")]
    graph["nodes"] = [n for n in graph["nodes"] if n["id"] != "wait"]
    (error,) = errors_of(graph)
    assert "cycle" in error["message"] and error["field"] == "edges"


def test_cycle_through_a_delay_is_allowed():
    graph = welcome_graph()
    graph["edges"] = [edge("start", "sms"), edge("sms", "wait"), edge("wait", "email"), edge("email", "sms")]
    graph["nodes"] = [n for n in graph["nodes"] if n["id"] != "done"]
    assert validate_graph(graph) == []


def test_self_loop_is_a_cycle():
    graph = welcome_graph()
    graph["edges"].append({"id": "self", "source": "sms", "target": "sms"})
    assert any("cycle" in e["message"] for e in errors_of(graph))


def test_graph_walker_falls_back_to_default_edge_but_never_for_failure():
    graph = Graph(lead_engagement_graph())
    assert graph.next_nodes("call", "answered") == ["tag"]
    assert graph.next_nodes("start") == ["call"]
    walker = Graph({"nodes": [], "edges": [edge("a", "b"), edge("a", "c", "busy")]})
    assert walker.next_nodes("a", "no_answer") == ["b"]
    assert walker.next_nodes("a", "failure") == []


def test_reactflow_extra_keys_are_kept(workspace):
    from flows.models import Flow

    graph = welcome_graph()
    graph["nodes"][0]["selected"] = True
    graph["edges"][0]["animated"] = True
    flow = Flow.objects.create(workspace=workspace, name="f", graph=graph)
    flow.refresh_from_db()
    assert flow.graph == graph
