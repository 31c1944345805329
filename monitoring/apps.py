from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _check_rollups(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    """After ``migrate`` (and ``flush``, which sends the same signal): triggers in place, rollups consistent.

    ``flush`` empties the tables in no set order, so on SQLite the delete
    triggers may write changes after their table was emptied; with no
    executions left the rollups must be empty, and a rebuild makes them so.
    """
    from automation.models import Execution
    from monitoring.rollups import ensure_triggers, has_rollups, rebuild

    if has_rollups(using) and not ensure_triggers(using) and not Execution.objects.using(using).exists():
        rebuild(using)


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = "Monitoring"

    def ready(self) -> None:
        post_migrate.connect(_check_rollups, sender=self)
