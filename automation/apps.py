from django.apps import AppConfig


class AutomationConfig(AppConfig):
    name = "automation"
    verbose_name = "Automation"

    def ready(self) -> None:
        from anymail.signals import tracking

        from automation import live  # noqa: F401  (connects the WebSocket push to the status signals)
        from automation import triggers  # noqa: F401  (connects the contact_created trigger)
        from automation.tracking import on_tracking

        tracking.connect(on_tracking, dispatch_uid="automation.tracking")
