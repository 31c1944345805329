"""Models of the automation app, one module a concept."""
from automation.models.executions import DeadLetter, Execution, ExecutionQuerySet, Step
from automation.models.idempotency import IdempotencyKey
from automation.models.outbox import OutboxMessage

__all__ = ["DeadLetter", "Execution", "ExecutionQuerySet", "IdempotencyKey", "OutboxMessage", "Step"]
