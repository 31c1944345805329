"""Running flows from the API: send to contacts, dry-run test, events (idempotent), webhook trigger URLs."""
from __future__ import annotations

from typing import Any

from django.db import transaction
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from automation import services
from automation.api.serializers import (
    EventRequestSerializer,
    EventResultSerializer,
    ExecutionSerializer,
    SendRequestSerializer,
    SendResultSerializer,
    TestPlanSerializer,
    TestRequestSerializer,
)
from automation.api.views import FlowScopedMixin
from automation.enrollment import EnrollmentResult
from automation.idempotency import MAX_KEY_LENGTH, Answer, KeyReused, run_once
from automation.models import Execution
from config.api.errors import Conflict
from config.api.workspace import WorkspaceScopedMixin
from contacts.models import Contact
from flows.models import Flow


def send_result(result: EnrollmentResult) -> dict[str, Any]:
    return {
        "enrolled": len(result.enrolled),
        "skipped": [{"contact_id": skip.contact_id, "reason": skip.reason} for skip in result.skipped],
        "execution_ids": [execution.pk for execution in result.enrolled],
    }


class RunView(generics.GenericAPIView):
    filter_backends: list = []
    pagination_class = None


class FlowSendView(FlowScopedMixin, RunView):
    """Send the flow to contacts now (manual trigger). Unknown ids: 400 listing them, nobody enrolled."""

    model = Flow
    serializer_class = SendRequestSerializer
    throttle_scope = "send"

    @extend_schema(responses={201: SendResultSerializer})
    def post(self, request: Request, workspace_pk: int, pk: int) -> Response:
        flow = self.flow  # 404 before looking at the body
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        result = services.send_flow(flow, body.validated_data["contact_ids"], user=request.user)
        return Response(send_result(result), status=status.HTTP_201_CREATED)


class FlowTestView(FlowScopedMixin, RunView):
    """Dry run: the path a contact would take, the rendered messages, SMS segments and estimated cost.

    Nothing is sent and the contact is not changed; the run is stored as a test execution.
    """

    model = Flow
    serializer_class = TestRequestSerializer

    @extend_schema(responses={200: TestPlanSerializer})
    def post(self, request: Request, workspace_pk: int, pk: int) -> Response:
        flow = self.flow  # 404 before looking at the body
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        contact = None
        if "contact_id" in data:
            contact = self.scoped(Contact).filter(pk=data["contact_id"]).first()
            if contact is None:
                raise ValidationError({"contact_id": ["Unknown contact in this workspace."]})
        plan = services.test_flow(flow, contact=contact, contact_data=data.get("contact"), event=data.get("event"))
        return Response(plan)


class EventView(WorkspaceScopedMixin, RunView):
    """Post an event: every active event flow listening to its type (and whose conditions hold) starts.

    With an ``Idempotency-Key`` header, the same key again starts nothing and returns the first answer.
    """

    model = Execution
    serializer_class = EventRequestSerializer
    throttle_scope = "events"

    @extend_schema(
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)],
        responses={202: EventResultSerializer},
    )
    def post(self, request: Request, workspace_pk: int) -> Response:
        key = request.headers.get("Idempotency-Key", "").strip()
        if len(key) > MAX_KEY_LENGTH:
            raise ValidationError({"Idempotency-Key": [f"At most {MAX_KEY_LENGTH} characters."]})
        if not key:
            answer = self._emit(request.data, key)
        else:
            try:
                answer = run_once(self.workspace, key, request.data, lambda: self._emit(request.data, key))
            except KeyReused:
                raise Conflict("This Idempotency-Key was already used with a different request.") from None
        response = Response(answer.body, status=answer.status_code)
        if answer.replayed:
            response["Idempotent-Replayed"] = "true"
        return response

    def _emit(self, payload: Any, key: str) -> Answer:
        body = self.get_serializer(data=payload)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        with transaction.atomic():
            executions = services.emit_event(self.workspace, data["type"], contact=self._contact(data),
                                             data=data["data"], idempotency_key=key or None)
        return Answer(status.HTTP_202_ACCEPTED, {"executions": ExecutionSerializer(executions, many=True).data})

    def _contact(self, data: dict[str, Any]) -> Contact:
        contacts = self.scoped(Contact)
        if "contact_id" in data:
            contact = contacts.filter(pk=data["contact_id"]).first()
            if contact is None:
                raise ValidationError({"contact_id": ["Unknown contact in this workspace."]})
            return contact
        fields = {name: value for name, value in data["contact"].items() if value}
        lookup = {"phone": fields["phone"]} if fields.get("phone") else {"email__iexact": fields["email"]}
        contact = contacts.filter(**lookup).first()
        return contact or Contact.objects.create(workspace=self.workspace, **fields)


class WebhookTriggerView(RunView):
    """``POST /webhooks/flows/<token>/``: the secret trigger URL of a webhook-triggered flow.

    The token is the credential; an unknown token, or a flow that is not active
    and webhook-triggered, is a 404.
    """

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_scope = "events"
    serializer_class = SendResultSerializer

    @extend_schema(request={"application/json": {"type": "object"}}, responses={202: SendResultSerializer}, auth=[])
    def post(self, request: Request, token: str) -> Response:
        # The secret token names the flow, and with it the workspace: no user, so no for_user() here.
        flow = Flow.objects.active().filter(trigger_type="webhook", webhook_token=token).first()
        if flow is None:
            raise NotFound("No active webhook flow has this URL.")
        result = services.trigger_webhook_flow(flow, request.data)
        return Response(send_result(result), status=status.HTTP_202_ACCEPTED)
