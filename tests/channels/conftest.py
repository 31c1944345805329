"""Channel tests drive the real Twilio SDK and anymail backends against the fakes of :mod:`tests.fakes`."""
import uuid

import pytest

from automation.providers import OutboundMessage
from tests.fakes import fake_postmark, fake_twilio  # noqa: F401  (fixtures)


@pytest.fixture
def message(workspace):
    """Build an outbound message of ``workspace`` with a fresh idempotency key."""

    def build(channel: str = "sms", **fields) -> OutboundMessage:
        fields.setdefault("to", "user@example.com" if channel == "email" else "+15551230001")
        fields.setdefault("idempotency_key", str(uuid.uuid4()))
        return OutboundMessage(channel=channel, workspace_id=workspace.pk, **fields)

    return build
