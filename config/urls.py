"""Top-level URL map: admin, API, provider webhooks, health and metrics."""
import redis.asyncio
from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from health_check.views import HealthCheckView


def _queue_redis() -> redis.asyncio.Redis:
    """The Redis the jobs use (embedded or real); the health check wants an asyncio client."""
    return redis.asyncio.Redis.from_url(settings.REDIS_URL)


health = HealthCheckView.as_view(
    checks=(
        "health_check.checks.Database",
        ("health_check.contrib.redis.Redis", {"client_factory": _queue_redis}),
    )
)

urlpatterns = [
    path("admin/rq/", include("django_rq.urls")),
    path("admin/monitoring/dashboard/", include("monitoring.urls")),
    path("admin/", admin.site.urls),
    path("", include("config.api.urls")),
    path("health/", health, name="health"),
    path("webhooks/", include("automation.urls")),
    path("", include("django_prometheus.urls")),
]
