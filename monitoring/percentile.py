"""Percentiles in the database: PostgreSQL's ``percentile_cont``, and the same figure portably elsewhere."""
from __future__ import annotations

import math
from typing import Any

from django.db import connections
from django.db.models import Aggregate, FloatField, QuerySet


class PercentileCont(Aggregate):
    """``percentile_cont(fraction) WITHIN GROUP (ORDER BY expression)`` (PostgreSQL only)."""

    function = "PERCENTILE_CONT"
    name = "PercentileCont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression: Any, fraction: float, **extra: Any) -> None:
        if not 0 <= fraction <= 1:
            raise ValueError("The fraction must be between 0 and 1.")
        super().__init__(expression, fraction=float(fraction), **extra)


def percentile(queryset: QuerySet, field: str, fraction: float) -> float | None:
    """The continuous percentile of ``field`` over ``queryset`` (nulls ignored), computed by the database.

    On PostgreSQL one aggregate; elsewhere the same interpolation from the two
    neighbouring rows, fetched by offset, so no column is loaded into Python.
    """
    values = queryset.exclude(**{f"{field}__isnull": True})
    if connections[values.db].vendor == "postgresql":
        return values.aggregate(value=PercentileCont(field, fraction))["value"]
    count = values.count()
    if not count:
        return None
    position = fraction * (count - 1)
    low = math.floor(position)
    neighbours = list(values.order_by(field).values_list(field, flat=True)[low:low + 2])
    if len(neighbours) == 1 or position == low:
        return float(neighbours[0])
    return float(neighbours[0] + (neighbours[1] - neighbours[0]) * (position - low))
