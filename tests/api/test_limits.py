"""Oversize bodies (413) and throttles (429) are answered cleanly in JSON and change nothing."""
from __future__ import annotations

import json

from django.test import override_settings
from rest_framework.throttling import ScopedRateThrottle

from contacts.models import Contact


@override_settings(API_MAX_BODY_BYTES=200)
def test_oversize_json_body_is_413(admin_api, workspace):
    body = json.dumps({"first_name": "x" * 500, "phone": "+14155550100"})
    response = admin_api.post(f"/api/v1/workspaces/{workspace.pk}/contacts/", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json() == {"detail": f"The request body is too large ({len(body)} bytes; the limit is 200 bytes)."}
    assert not Contact.objects.exists()


def test_malformed_json_is_400(admin_api, workspace):
    response = admin_api.post(f"/api/v1/workspaces/{workspace.pk}/contacts/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"].startswith("JSON parse error")


def test_token_endpoint_is_throttled(client, admin_user, monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {**ScopedRateThrottle.THROTTLE_RATES, "auth": "2/min"})
    codes = [client.post("/api/v1/auth/token/", {"username": "alice", "password": "nope"},
                         content_type="application/json").status_code for _ in range(3)]
    assert codes == [400, 400, 429]
    last = client.post("/api/v1/auth/token/", {"username": "alice", "password": "pw-alice"},
                       content_type="application/json")
    assert last.status_code == 429
    assert last.json()["detail"].startswith("Request was throttled.")
    assert "Retry-After" in last
