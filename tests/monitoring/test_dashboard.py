"""The monitoring dashboard: figures, scoping, and a query count independent of the data volume."""
from __future__ import annotations

from django.urls import reverse

from automation.models import DeadLetter
from monitoring import metrics
from monitoring.figures import Scope
from tests.builders import ago, make_contact, make_dead_letter, make_execution, make_flow


def populate(workspace, count: int, name: str = "Welcome") -> None:
    flow = make_flow(workspace, f"{name} {count}")
    contact = make_contact(workspace, f"{name}{count}")
    for index in range(count):
        status = "failed" if index % 4 == 0 else "completed"
        execution = make_execution(flow, contact, status=status, created_at=ago(minutes=20 * index + 1), steps=2)
        if status == "failed":
            make_dead_letter(execution)


def test_dashboard_renders_in_under_30_queries_whatever_the_volume(client, admin_user, workspace,
                                                                   django_assert_max_num_queries):
    client.force_login(admin_user)
    url = reverse("monitoring-dashboard")
    populate(workspace, 4)
    with django_assert_max_num_queries(29) as small:
        assert client.get(url).status_code == 200
    populate(workspace, 60, name="Bulk")
    for range_key in ("1h", "24h", "7d", "30d", "all"):
        with django_assert_max_num_queries(29) as large:
            response = client.get(url, {"range": range_key})
        assert response.status_code == 200
        assert len(large) == len(small)


def test_dashboard_figures_and_links(client, admin_user, workspace):
    populate(workspace, 8)
    client.force_login(admin_user)
    response = client.get(reverse("monitoring-dashboard"), {"range": "24h"})
    overview = response.context["overview"]
    assert (overview.current.total, overview.current.completed, overview.current.failed) == (8, 6, 2)
    assert overview.current.success_rate == 75.0 and overview.dead_letters_open == 2
    page = response.content.decode()
    for marker in ('id="kpi-total"', "Status split", "Volume over time", "<svg", 'id="recent-failures"',
                   "monitoring/dashboard.js"):
        assert marker in page
    failed = response.context["recent_failures"]
    assert len(failed) == 2 and reverse("admin:automation_execution_change", args=[failed[0].pk]) in page
    fragment = client.get(reverse("monitoring-dashboard"), {"range": "24h", "fragment": "1"}).content.decode()
    assert 'id="kpi-total"' in fragment and "<html" not in fragment


def test_dashboard_shows_only_own_workspaces(client, outsider, workspace):
    populate(workspace, 4, name="Secret")
    client.force_login(outsider)
    response = client.get(reverse("monitoring-dashboard"))
    assert response.context["overview"].current.total == 0
    assert "Secret" not in response.content.decode()


def test_trend_against_previous_period(workspace):
    flow = make_flow(workspace, "Trend")
    contact = make_contact(workspace, "Tia")
    for minutes in (10, 20, 30, 40):
        make_execution(flow, contact, created_at=ago(minutes=minutes))
    for minutes in (70, 80):
        make_execution(flow, contact, status="failed", created_at=ago(minutes=minutes))

    result = metrics.overview(Scope.of([workspace]), DeadLetter.objects.none(), metrics.window("1h"))
    assert (result.current.total, result.previous.total) == (4, 2)
    assert result.trends["total"] == 100.0 and result.trends["success_rate"] == 100.0
    assert result.trends["failed"] == -100.0


def test_admin_index_links_dashboard_and_queues(client, admin_user, django_user_model):
    client.force_login(admin_user)
    page = client.get(reverse("admin:index")).content.decode()
    assert reverse("monitoring-dashboard") in page and reverse("django_rq:home") not in page
    client.force_login(django_user_model.objects.create_superuser("root", password="pw-root"))
    page = client.get(reverse("admin:index")).content.decode()
    assert reverse("monitoring-dashboard") in page and reverse("django_rq:home") in page
