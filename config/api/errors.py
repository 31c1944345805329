"""One JSON error shape for everything the API refuses.

Model-level refusals (``django.core.exceptions.ValidationError`` from
``Flow.activate``, ``Flow.objects.reorder``, services) become 400s with their
field messages, integrity conflicts 409, oversize bodies 413.
"""
from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from flows.models import FlowInvalid


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "payload_too_large"


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of the resource."
    default_code = "conflict"


class StructuredValidationError(APIException):
    """A 400 whose body is sent as built; DRF's ValidationError would turn ``null`` node ids into strings.

    Being no ``ValidationError``, it passes through ``serializer.is_valid()`` untouched.
    """

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid"

    def __init__(self, body: dict[str, Any]) -> None:
        super().__init__()
        self.detail = body


def flow_error_body(exc: FlowInvalid) -> dict[str, Any]:
    """``{"graph": [{node_id, field, message}], "trigger_config": {"event_type": [...]}, ...}``."""
    body: dict[str, Any] = {}
    if exc.graph_errors:
        body["graph"] = [error.as_dict() for error in exc.graph_errors]
    nested_tops = {key.partition(".")[0] for key in exc.field_errors if "." in key}
    for key, message in exc.field_errors.items():
        top, _, rest = key.partition(".")
        if top in nested_tops:
            body.setdefault(top, {}).setdefault(rest or "non_field_errors", []).append(message)
        else:
            body.setdefault(top, []).append(message)
    return body


def django_validation_body(exc: DjangoValidationError) -> Any:
    if isinstance(exc, FlowInvalid):
        return flow_error_body(exc)
    if hasattr(exc, "error_dict"):
        return {key: [message for error in errors for message in error.messages] for key, errors in exc.error_dict.items()}
    return {"non_field_errors": exc.messages}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        return Response(django_validation_body(exc), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    elif isinstance(exc, IntegrityError):
        exc = Conflict("This would duplicate an existing record (for example a phone or email already in use).")
    return drf_exception_handler(exc, context)
