from django.apps import AppConfig


class AutomationConfig(AppConfig):
    name = "automation"
    verbose_name = "Automation"

    def ready(self) -> None:
        from automation import triggers  # noqa: F401  (connects the contact_created trigger)
