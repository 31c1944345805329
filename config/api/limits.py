"""Request body size limits for the API, answered with a clean 413.

DRF's JSON parser reads the request stream directly, so Django's
``DATA_UPLOAD_MAX_MEMORY_SIZE`` does not protect JSON bodies; this middleware
checks the declared length before the view runs. A view may raise its own
limit by naming another setting in ``max_body_setting`` (as a class attribute
or an ``@action`` argument; the CSV import does).
"""
from __future__ import annotations

from typing import Any, Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse


class BodySizeLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any) -> HttpResponse | None:
        view_class = getattr(view_func, "cls", None)
        if view_class is None:
            return None
        setting = getattr(view_func, "initkwargs", {}).get("max_body_setting") or getattr(view_class, "max_body_setting", "API_MAX_BODY_BYTES")
        limit = getattr(settings, setting)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return JsonResponse({"detail": "Invalid Content-Length header."}, status=400)
        if length > limit:
            return JsonResponse(
                {"detail": f"The request body is too large ({length} bytes; the limit is {limit} bytes)."},
                status=413,
            )
        return None
