"""Re-enqueue overdue and stalled steps now (the periodic reconciler does it every minute)."""
from typing import Any

from django.core.management.base import BaseCommand

from automation.reconciler import reconcile


class Command(BaseCommand):
    help = "Re-enqueue steps whose jobs were lost (overdue) or whose worker died (stalled running)."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = reconcile()
        self.stdout.write(", ".join(f"{kind}: {count}" for kind, count in counts.items()))
