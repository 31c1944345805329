"""Top-level URL map: admin, API, provider webhooks, health and metrics."""
import django_rq
from django.contrib import admin
from django.urls import include, path
from health_check.views import HealthCheckView


def _queue_redis():  # the connection the jobs use, embedded or real
    return django_rq.get_connection("default")


health = HealthCheckView.as_view(
    checks=(
        "health_check.checks.Database",
        ("health_check.contrib.redis.Redis", {"client_factory": _queue_redis}),
    )
)

urlpatterns = [
    path("admin/rq/", include("django_rq.urls")),
    path("admin/", admin.site.urls),
    path("health/", health, name="health"),
    path("webhooks/", include("automation.urls")),
    path("", include("django_prometheus.urls")),
]
