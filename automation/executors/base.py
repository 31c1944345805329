"""What an executor is: the code that runs one node type, given a :class:`NodeContext`.

Executors know nothing about RQ or step rows: they get the node, the contact and
the execution's data, and answer with a :class:`NodeResult` (or raise a provider
error). The engine (:mod:`automation.engine`) records results and moves on; test
mode (:mod:`automation.dry_run`) runs the very same executors with ``is_test``
set, when they must not call providers nor change contacts.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any, Callable, ClassVar

from contacts.models import Contact
from flows.business_hours import BusinessHours
from flows.graph import Graph


@dataclass
class NodeContext:
    workspace_id: int
    graph: Graph
    node: dict[str, Any]
    config: dict[str, Any]
    contact: Contact | None
    event: dict[str, Any]
    now: datetime
    hours: BusinessHours | None = None
    is_test: bool = False
    execution_id: int | None = None
    step_id: int | None = None
    attempt: int = 1
    idempotency_key: str = ""
    sent_at: datetime | None = None
    previous_output: dict[str, Any] = field(default_factory=dict)
    load_steps: Callable[[], dict[str, dict[str, Any]]] = dict

    @property
    def node_id(self) -> str:
        return self.node["id"]

    @property
    def node_type(self) -> str:
        return self.node["type"]

    @property
    def contact_timezone(self) -> str | None:
        return (self.contact.timezone or None) if self.contact else None

    @cached_property
    def steps(self) -> dict[str, dict[str, Any]]:
        """Earlier steps of this execution, ``{node_id: {status, outcome}}`` (loaded on first use)."""
        return self.load_steps()

    def template_context(self) -> dict[str, Any]:
        return {"contact": self.contact.as_template_context() if self.contact else {}, "event": self.event}

    def condition_context(self, *, with_steps: bool) -> dict[str, Any]:
        """What conditions read; ``with_steps=False`` spares the query of the earlier steps when no rule reads them."""
        contact = self.template_context()["contact"]
        if self.contact:
            contact.update({f"opted_out_{c}": self.contact.is_opted_out(c) for c in ("sms", "whatsapp", "email", "voice")})
        return {"contact": contact, "event": self.event, "steps": self.steps if with_steps else {}}


@dataclass
class NodeResult:
    """How a node ended: ``success``, ``skipped``, ``waiting``, ``deferred`` or ``failed``."""

    status: str = "success"
    handle: str | None = None  # sourceHandle of the edges to follow (None: the plain output)
    outcome: str = ""
    output: dict[str, Any] = field(default_factory=dict)
    input: dict[str, Any] = field(default_factory=dict)
    skip_reason: str = ""
    # waiting: resumed by a job at this time (delays); None waits for an outside event (calls).
    # deferred: the node has not run and runs again at this time (business hours).
    until: datetime | None = None
    sent: bool = False  # a provider accepted a message: the step must never send again
    error: str = ""
    transient: bool = False  # a failure that may succeed when retried


class Executor:
    node_type: ClassVar[str]
    # Instant executors run inside the step's locking transaction; the others
    # (network calls) run after the step is marked ``running`` and committed.
    instant: ClassVar[bool] = True
    # Whether a waiting step of this type is resumed by its scheduled job.
    resumes_by_job: ClassVar[bool] = False

    def run(self, ctx: NodeContext) -> NodeResult:
        raise NotImplementedError

    def resume(self, ctx: NodeContext) -> NodeResult:
        """Finish a waiting step whose time has come (only for ``resumes_by_job`` executors)."""
        raise NotImplementedError


class ExecutorRegistry:
    def __init__(self) -> None:
        self._executors: dict[str, Executor] = {}

    def register(self, cls: type[Executor]) -> type[Executor]:
        if cls.node_type in self._executors:
            raise ValueError(f"An executor for {cls.node_type!r} is registered twice.")
        self._executors[cls.node_type] = cls()
        return cls

    def get(self, node_type: str) -> Executor:
        try:
            return self._executors[node_type]
        except KeyError:
            raise LookupError(f"No executor for node type {node_type!r}.") from None

    def names(self) -> list[str]:
        return sorted(self._executors)


executors = ExecutorRegistry()
