"""Contact list filters that read the user's own workspaces only."""
from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import connections
from django.db.models import QuerySet
from django.http import HttpRequest

from contacts.models import DNC_TAG

MAX_TAG_CHOICES = 200


def tags_in_use(queryset: QuerySet) -> list[str]:
    """Distinct tags carried by the contacts of ``queryset`` (a bounded, sorted list).

    On PostgreSQL the database unnests the JSON arrays; elsewhere the tag lists
    of a bounded number of recently created contacts are merged in Python.
    """
    if connections[queryset.db].vendor == "postgresql":
        from django.db.models import Func, TextField

        unnested = queryset.order_by().annotate(
            tag=Func("tags", function="jsonb_array_elements_text", output_field=TextField())
        )
        return sorted(unnested.values_list("tag", flat=True).distinct()[:MAX_TAG_CHOICES])
    seen: set[str] = set()
    for tags in queryset.order_by("-created_at").values_list("tags", flat=True)[:5000]:
        seen.update(tags or [])
    return sorted(seen)[:MAX_TAG_CHOICES]


class TagFilter(admin.SimpleListFilter):
    title = "tag"
    parameter_name = "tag"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(tag, tag) for tag in tags_in_use(model_admin.get_queryset(request))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.with_tag(self.value()) if self.value() else queryset


class DoNotContactFilter(admin.SimpleListFilter):
    title = "do not contact (DNC tag)"
    parameter_name = "dnc"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "DNC"), ("no", "Reachable")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "yes":
            return queryset.with_tag(DNC_TAG)
        if self.value() == "no":
            return queryset.reachable()
        return queryset
