"""Models of the automation app, one module a concept."""
from automation.models.deliveries import Delivery
from automation.models.executions import DeadLetter, Execution, ExecutionQuerySet, Step
from automation.models.idempotency import IdempotencyKey
from automation.models.inbound import InboundMessage
from automation.models.outbox import OutboxMessage
from automation.models.provider_accounts import ProviderAccount

__all__ = [
    "DeadLetter",
    "Delivery",
    "Execution",
    "ExecutionQuerySet",
    "IdempotencyKey",
    "InboundMessage",
    "OutboxMessage",
    "ProviderAccount",
    "Step",
]
