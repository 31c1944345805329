"""Contact filters: tags, lead source, opt-outs, DNC and creation time range."""
from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet

from config.api.filters import DateTimeFilter
from contacts.models import CHANNELS, DNC_TAG, Contact


class ContactFilter(django_filters.FilterSet):
    tag = django_filters.CharFilter(method="filter_tag", help_text="Contacts carrying this tag (case-insensitive).")
    lead_source = django_filters.CharFilter(lookup_expr="iexact")
    entry_type = django_filters.CharFilter(lookup_expr="iexact")
    opted_out = django_filters.BooleanFilter(method="filter_opted_out", help_text="Opted out of any channel.")
    dnc = django_filters.BooleanFilter(method="filter_dnc", help_text="Carries the DNC tag.")
    created_after = DateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = DateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Contact
        fields = ["opted_out_sms", "opted_out_whatsapp", "opted_out_email", "opted_out_voice"]

    def filter_tag(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.with_tag(value) if value.strip() else queryset

    def filter_opted_out(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        any_channel = Q()
        for channel in CHANNELS:
            any_channel |= Q(**{f"opted_out_{channel}": True})
        return queryset.filter(any_channel) if value else queryset.exclude(any_channel)

    def filter_dnc(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        return queryset.with_tag(DNC_TAG) if value else queryset.reachable()
