"""The contacts admin's "Send flow..." (seed 004): pick a flow, see who will be enrolled or skipped, send.

The action opens an intermediate page for the selected contacts. Choosing a flow
shows how many contacts will be enrolled and how many skipped, and why; sending
enrols them through :func:`automation.services.send_flow`. Large selections are
sent in batches by the page's script, which shows the progress; without
JavaScript the whole selection is sent in one request.
"""
from __future__ import annotations

from collections import Counter
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from automation import services
from automation.enrollment import entry_block, flow_channels
from automation.models import Execution
from contacts.admin_scoping import writable_for
from contacts.models import Contact
from flows.models import Flow

BATCH_SIZE = 200
MAX_SELECTION = 50_000


class SendFlowForm(forms.Form):
    flow = forms.ModelChoiceField(queryset=Flow.objects.none(), empty_label="Choose an active flow")
    contact_ids = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, workspace_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["flow"].queryset = Flow.objects.for_workspace(workspace_id).active().by_priority()


def preview(flow: Flow, contacts: list[Contact]) -> tuple[int, Counter]:
    """(how many would be enrolled, skip reasons with counts), by the engine's own entry rules."""
    channels = flow_channels(flow.current_version.graph if flow.current_version else flow.graph)
    recent: set[int] = set()
    if flow.reentry_cooldown:
        recent = set(
            Execution.objects.filter(
                flow=flow, contact_id__in=[c.pk for c in contacts], is_test=False,
                created_at__gte=timezone.now() - flow.reentry_cooldown,
            ).exclude(status=Execution.Status.SKIPPED).values_list("contact_id", flat=True)
        )
    reasons = Counter(
        reason for contact in contacts
        if (reason := entry_block(contact, channels) or ("cooldown" if contact.pk in recent else None))
    )
    return len(contacts) - sum(reasons.values()), reasons


def parse_ids(raw: str) -> list[int]:
    try:
        ids = [int(part) for part in raw.split(",") if part.strip()]
    except ValueError as exc:
        raise ValidationError("The contact selection is not a list of ids.") from exc
    if not ids or len(ids) > MAX_SELECTION:
        raise ValidationError(f"Select between 1 and {MAX_SELECTION} contacts.")
    return ids


class SendFlowMixin:
    """Adds the action and its page to the contacts admin."""

    @admin.action(description="Send flow...", permissions=["change"])
    def send_flow(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        contacts = writable_for(request, queryset)
        workspaces = set(contacts.values_list("workspace_id", flat=True).distinct()[:2])
        if len(workspaces) != 1:
            self.message_user(request, "Select contacts of one workspace you administer.", messages.ERROR)
            return None
        ids = list(contacts.values_list("pk", flat=True)[: MAX_SELECTION + 1])
        if len(ids) > MAX_SELECTION:
            self.message_user(request, f"Select at most {MAX_SELECTION} contacts at once.", messages.ERROR)
            return None
        form = SendFlowForm(initial={"contact_ids": ",".join(map(str, ids))}, workspace_id=workspaces.pop())
        return self._send_flow_page(request, form, len(ids))

    def send_flow_view(self, request: HttpRequest) -> HttpResponse:
        if request.method != "POST" or not self.has_change_permission(request):
            raise PermissionDenied
        try:
            ids = parse_ids(request.POST.get("contact_ids", ""))
        except ValidationError as exc:
            self.message_user(request, exc.messages[0], messages.ERROR)
            return HttpResponseRedirect(reverse("admin:contacts_contact_changelist"))
        contacts = list(writable_for(request, Contact.objects.filter(pk__in=ids)))
        workspace_ids = {contact.workspace_id for contact in contacts}
        if len(contacts) != len(set(ids)) or len(workspace_ids) != 1:
            raise PermissionDenied  # ids outside the user's administered workspaces, or mixed workspaces
        form = SendFlowForm(request.POST, workspace_id=workspace_ids.pop())
        if not form.is_valid():
            return self._send_flow_page(request, form, len(contacts))
        flow = form.cleaned_data["flow"]
        if "_send" not in request.POST:
            enrolled, reasons = preview(flow, contacts)
            return self._send_flow_page(request, form, len(contacts), flow=flow, enrolled=enrolled,
                                        skipped=len(contacts) - enrolled, reasons=reasons.most_common())
        try:
            result = services.send_flow(flow, [contact.pk for contact in contacts], user=request.user)
        except ValidationError as exc:
            if request.POST.get("batch"):
                return JsonResponse({"errors": exc.messages}, status=400)
            self.message_user(request, "; ".join(exc.messages), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:contacts_contact_changelist"))
        if request.POST.get("batch"):
            return JsonResponse(result.as_dict())
        self.message_user(request, summary(flow, len(result.enrolled), Counter(s.reason for s in result.skipped)))
        return HttpResponseRedirect(reverse("admin:contacts_contact_changelist"))

    def _send_flow_page(self, request: HttpRequest, form: SendFlowForm, count: int, **extra: Any) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Send a flow to {count} contact{'s' if count != 1 else ''}",
            "form": form,
            "count": count,
            "batch_size": BATCH_SIZE,
            **extra,
        }
        return TemplateResponse(request, "admin/contacts/contact/send_flow.html", context)


def summary(flow: Flow, enrolled: int, reasons: Counter) -> str:
    skipped = ", ".join(f"{count} {reason}" for reason, count in reasons.most_common())
    return f"“{flow}”: {enrolled} contact(s) enrolled" + (f", skipped: {skipped}." if skipped else ".")
