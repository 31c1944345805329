"""Flow filters."""
import django_filters

from flows.models import Flow


class FlowFilter(django_filters.FilterSet):
    class Meta:
        model = Flow
        fields = ["status", "trigger_type"]
