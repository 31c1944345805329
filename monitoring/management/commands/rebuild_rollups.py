"""``manage.py rebuild_rollups``: recompute the execution rollups from the executions (a repair tool)."""
from typing import Any

from django.core.management.base import BaseCommand

from monitoring.rollups import ensure_triggers, rebuild


class Command(BaseCommand):
    help = "Recompute the execution rollups from the executions (re-creating missing triggers first)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not ensure_triggers():
            rebuild()
        self.stdout.write("Execution rollups rebuilt.")
