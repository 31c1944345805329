"""Evaluate the alert rules once (for cron; the RQ periodic runner calls the same function)."""
from typing import Any

from django.core.management.base import BaseCommand

from monitoring.alerts import evaluate_alerts


class Command(BaseCommand):
    help = "Evaluate every enabled alert rule now and notify those that fire."

    def handle(self, *args: Any, **options: Any) -> None:
        events = evaluate_alerts()
        self.stdout.write(f"{len(events)} alert(s) fired.")
