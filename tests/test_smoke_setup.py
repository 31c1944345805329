from flows.demo import DEMO_FLOWS
from flows.models import Flow


def test_demo_flows_activate(workspace):
    for spec in DEMO_FLOWS:
        flow = Flow.objects.create(
            workspace=workspace, name=spec["name"], trigger_type=spec["trigger_type"],
            trigger_config=spec["trigger_config"], graph=spec["graph_factory"](),
            business_hours=spec.get("business_hours", {}),
        )
        flow.activate()
    assert list(Flow.objects.for_workspace(workspace).active().values_list("priority", flat=True)) == [1, 2, 3]


def test_queue_redis_answers(redis_conn):
    redis_conn.set("k", "v")
    assert redis_conn.get("k") == b"v"
