"""Serializers of workspaces and contacts."""
from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from phonenumber_field.serializerfields import PhoneNumberField
from rest_framework import serializers

from contacts.models import Contact, Workspace, normalize_tags


class WorkspaceSerializer(serializers.ModelSerializer):
    role = serializers.SerializerMethodField()

    class Meta:
        model = Workspace
        fields = ["id", "name", "slug", "timezone", "created_at", "role"]
        read_only_fields = ["id", "created_at", "role"]

    def get_role(self, workspace: Workspace) -> str | None:
        return workspace.role_of(self.context["request"].user)


class TagsField(serializers.ListField):
    child = serializers.CharField(max_length=64, allow_blank=True)

    def to_internal_value(self, data: Any) -> list[str]:
        values = super().to_internal_value(data)
        try:
            return normalize_tags(values)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc


class ContactSerializer(serializers.ModelSerializer):
    phone = PhoneNumberField(required=False, allow_blank=True)
    tags = TagsField(required=False)
    custom_fields = serializers.DictField(required=False)
    is_dnc = serializers.BooleanField(read_only=True)

    class Meta:
        model = Contact
        fields = [
            "id", "first_name", "last_name", "phone", "email", "tags", "lead_source", "entry_type",
            "custom_fields", "timezone", "opted_out_sms", "opted_out_whatsapp", "opted_out_email",
            "opted_out_voice", "is_dnc", "created_at", "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at", "is_dnc"]

    def _taken(self, **lookup: Any) -> bool:
        others = Contact.objects.for_workspace(self.context["workspace"]).filter(**lookup)
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        return others.exists()

    def validate_phone(self, value: Any) -> Any:
        if value and self._taken(phone=value):
            raise serializers.ValidationError("A contact with this phone number already exists in this workspace.")
        return value or ""

    def validate_email(self, value: str) -> str:
        value = (value or "").strip().lower()
        if value and self._taken(email__iexact=value):
            raise serializers.ValidationError("A contact with this email already exists in this workspace.")
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        phone = attrs.get("phone", getattr(self.instance, "phone", ""))
        email = attrs.get("email", getattr(self.instance, "email", ""))
        if not phone and not email:
            raise serializers.ValidationError({"non_field_errors": ["A contact needs a phone number or an email address."]})
        return attrs


class ContactImportSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="CSV with a header row (first_name, last_name, phone, email, tags, ...).")


class ImportRowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    field = serializers.CharField()
    message = serializers.CharField()


class ContactImportResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    failed_rows = serializers.IntegerField()
    errors = ImportRowErrorSerializer(many=True)


class ContactImportErrorSerializer(serializers.Serializer):
    """A refused import: the file as a whole (``file``), or per-row errors with nothing created."""

    file = serializers.ListField(child=serializers.CharField(), required=False)
    created = serializers.IntegerField(required=False)
    failed_rows = serializers.IntegerField(required=False)
    errors = ImportRowErrorSerializer(many=True, required=False)
