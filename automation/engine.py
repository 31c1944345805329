"""The execution engine: one RQ job per step, PostgreSQL as the source of truth.

:func:`run_step` is the job. It locks the step row, refuses to act on a step
that is not due (already done, cancelled, claimed by another worker), runs the
node's executor and records the outcome, creating the next steps and enqueuing
their jobs once the transaction commits. Sends and webhooks run outside the
lock, after the step was claimed (``pending`` -> ``running``, attempt + 1) and
committed; their result is recorded only if the claim still holds.

An execution completes when it has no open step left, fails when a step fails
for good without a ``failure`` edge (the step becomes a dead letter), and stops
before its next step once cancelled.
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from automation import live, queueing, retries, versions
from automation.executors import Executor, NodeContext, NodeResult, executors
from automation.models import DeadLetter, Execution, Step
from automation.providers import ProviderError
from automation.status import publish
from flows.graph import Graph

logger = logging.getLogger(__name__)

Status = Step.Status


@live.flushing
def run_step(step_id: int) -> str:
    """Run (or resume) one step; safe to run any number of times for one step. Returns what happened."""
    now = timezone.now()
    with transaction.atomic():
        step = _locked_step(step_id)
        if step is None:
            return "missing"
        executor = executors.get(step.node_type)
        refusal = _refusal(step, executor, now)
        if refusal:
            return refusal
        if step.status == Status.WAITING:
            ctx = _context(step, now)
            return _record(step, ctx, executor.resume(ctx), now)
        step.status, step.attempt, step.started_at = Status.RUNNING, step.attempt + 1, now
        ctx = _context(step, now)
        if executor.instant:
            return _record(step, ctx, execute(executor, ctx), timezone.now())
        Step.objects.filter(pk=step.pk).update(status=Status.RUNNING, attempt=step.attempt, started_at=now, updated_at=now)
        publish(step)
    result = execute(executor, ctx)
    with transaction.atomic():
        return _record(step, ctx, result, timezone.now(), claim=ctx.attempt)


def complete_waiting_step(step_id: int, *, outcome: str, output: dict[str, Any] | None = None) -> Step:
    """Finish a step that waits for an outside event (a call's final status) and branch by ``outcome``.

    A step that is no longer waiting is left alone (providers repeat callbacks).
    """
    if not isinstance(outcome, str) or not outcome.strip():
        raise ValidationError({"outcome": "An outcome such as 'answered' or 'no_answer' is required."})
    now = timezone.now()
    with transaction.atomic():
        step = _locked_step(step_id)
        if step is None:
            raise Step.DoesNotExist(f"No step {step_id}.")
        if step.status != Status.WAITING:
            return step
        if _stopped(step.execution):
            _cancel_step(step, now)
            return step
        ctx = _context(step, now)
        result = NodeResult(handle=outcome, outcome=outcome, output={**step.output, **(output or {}), "outcome": outcome})
        _record(step, ctx, result, now)
    return step


def resume_at(step: Step) -> Step:
    """Create and enqueue a fresh step for ``step``'s node (a dead letter retried)."""
    return _create_steps(step, step.execution, versions.runnable(step.execution.flow_version_id).graph,
                         [step.node_id])[0]


def cancel_open_steps(execution: Execution, now: datetime, reason: str, *, exclude: int | None = None) -> int:
    """Mark the execution's open steps cancelled (their jobs then do nothing when they run)."""
    steps = list(Step.objects.filter(execution=execution, status__in=Step.OPEN_STATUSES).exclude(pk=exclude))
    for step in steps:
        step.status, step.completed_at, step.skip_reason = Status.CANCELLED, now, reason
    Step.objects.filter(pk__in=[s.pk for s in steps]).update(
        status=Status.CANCELLED, completed_at=now, skip_reason=reason, updated_at=now
    )
    for step in steps:
        publish(step)
    return len(steps)


# --- loading ------------------------------------------------------------------
def _locked_step(step_id: int) -> Step | None:
    # ``get`` rather than ``first``: a look-up by primary key needs no ORDER BY, and
    # compiling the model's default ordering was a large share of every step's time.
    try:
        return (
            Step.objects.select_related("execution__contact")
            .select_for_update(of=("self",))
            .get(pk=step_id)
        )
    except Step.DoesNotExist:
        return None


def _stopped(execution: Execution) -> bool:
    return execution.cancel_requested or execution.status in Execution.FINAL_STATUSES


def _refusal(step: Step, executor: Executor, now: datetime) -> str | None:
    if step.status not in (Status.PENDING, Status.WAITING):
        return f"step already {step.status}"
    if step.status == Status.WAITING and not executor.resumes_by_job:
        return "step waits for an outside event"
    if _stopped(step.execution):
        _cancel_step(step, now)
        return "execution stopped"
    return None


def _context(step: Step, now: datetime) -> NodeContext:
    execution = step.execution
    version = versions.runnable(execution.flow_version_id)
    return NodeContext(
        workspace_id=step.workspace_id,
        graph=version.graph,
        node=version.graph.node(step.node_id),
        config=version.config(step.node_id),
        contact=execution.contact,
        event=execution.metadata or {},
        now=now,
        hours=version.hours,
        execution_id=execution.pk,
        step_id=step.pk,
        attempt=step.attempt,
        idempotency_key=str(step.idempotency_key),
        sent_at=step.sent_at,
        previous_output=dict(step.output or {}),
        load_steps=lambda: _step_outcomes(execution.pk),
    )


def _step_outcomes(execution_id: int) -> dict[str, dict[str, Any]]:
    rows = Step.objects.filter(execution_id=execution_id).order_by("created_at", "id")
    return {node_id: {"status": s, "outcome": o} for node_id, s, o in rows.values_list("node_id", "status", "outcome")}


def execute(executor: Executor, ctx: NodeContext) -> NodeResult:
    """Run the executor; provider errors and crashes become a ``failed`` result."""
    try:
        return executor.run(ctx)
    except ProviderError as exc:
        return NodeResult(status="failed", error=str(exc), transient=exc.transient, output=exc.as_output())
    except Exception as exc:  # a bug or an unexpected library error: fail for good, keep the trace
        logger.exception("Step %s (%s) crashed", ctx.step_id, ctx.node_type)
        return NodeResult(status="failed", error=f"{type(exc).__name__}: {exc}")


# --- recording --------------------------------------------------------------------
def _finish(step: Step, status: str, now: datetime) -> None:
    step.status, step.completed_at, step.next_run_at = status, now, None
    if step.started_at:
        step.duration_ms = max(int((now - step.started_at).total_seconds() * 1000), 0)


def _record(step: Step, ctx: NodeContext, result: NodeResult, now: datetime, *, claim: int | None = None) -> str:
    """Write the outcome, create and enqueue the next steps, update the execution.

    ``claim`` is the attempt number of a claimed (``running``) step: the outcome is
    written only if the step still carries that claim.
    """
    if result.output:
        step.output = result.output
    if result.input:
        step.input = result.input
    if result.sent and step.sent_at is None:
        step.sent_at = now
    next_nodes: list[str] = []
    dead = False
    if result.status in ("success", "skipped"):
        _finish(step, Status.SUCCESS if result.status == "success" else Status.SKIPPED, now)
        step.outcome, step.skip_reason, step.error = result.outcome, result.skip_reason, ""
        next_nodes = ctx.graph.next_nodes(step.node_id, result.handle)
    elif result.status == "waiting":
        step.status, step.next_run_at = Status.WAITING, result.until
        step.job_id = queueing.new_job_id() if result.until else ""
    elif result.status == "deferred":
        step.status, step.next_run_at, step.job_id = Status.PENDING, result.until, queueing.new_job_id()
        step.attempt -= 1  # not an attempt: the node did not run
    else:
        next_nodes, dead = _failure(step, ctx, result, now)

    if not _save(step, now, claim=claim):
        return "step changed while it ran"
    publish(step)
    if step.status in Step.OPEN_STATUSES and step.next_run_at:
        queueing.schedule_step(step.pk, step.job_id, step.next_run_at)
    execution = step.execution
    created = _create_steps(step, execution, ctx.graph, next_nodes)
    if dead:
        _fail_execution(step, ctx, now)
    elif step.status in (Status.SUCCESS, Status.SKIPPED, Status.FAILED) and not created:
        _complete_if_done(execution, now)
    else:
        _set_execution_status(execution, Execution.Status.RUNNING if created or step.status == Status.RUNNING
                              else Execution.Status.WAITING, now)
    return step.status


def _failure(step: Step, ctx: NodeContext, result: NodeResult, now: datetime) -> tuple[list[str], bool]:
    """Retry later, follow the failure edge, or give up (dead letter): (next nodes, dead)."""
    step.error = result.error
    if result.transient and step.attempt < retries.max_attempts(step.node_type):
        step.status, step.job_id = Status.PENDING, queueing.new_job_id()
        step.next_run_at = now + retries.backoff(step.node_type, step.attempt)
        return [], False
    _finish(step, Status.FAILED, now)
    if ctx.graph.has_handle(step.node_id, "failure"):
        step.outcome = "failure"
        return ctx.graph.next_nodes(step.node_id, "failure"), False
    return [], True


def _save(step: Step, now: datetime, *, claim: int | None) -> bool:
    """Write the step; a claimed step only while the claim holds (not cancelled, not re-claimed)."""
    rows = Step.objects.filter(pk=step.pk)
    if claim is not None:
        rows = rows.filter(status=Status.RUNNING, attempt=claim)
    updated = rows.update(
        status=step.status, attempt=step.attempt, started_at=step.started_at, completed_at=step.completed_at,
        duration_ms=step.duration_ms, input=step.input, output=step.output, outcome=step.outcome,
        error=step.error, skip_reason=step.skip_reason, next_run_at=step.next_run_at, sent_at=step.sent_at,
        job_id=step.job_id, updated_at=now,
    )
    if not updated and step.sent_at:
        # Whatever happened to the step meanwhile, the proof of the send must not be lost.
        Step.objects.filter(pk=step.pk).update(sent_at=step.sent_at, output=step.output, updated_at=now)
    return bool(updated)


def _create_steps(previous: Step, execution: Execution, graph: Graph, node_ids: Iterable[str]) -> list[Step]:
    steps = [
        Step(
            workspace_id=execution.workspace_id,
            execution=execution,
            node_id=node_id,
            node_type=graph.node(node_id)["type"],
            previous_step=previous,
            job_id=queueing.new_job_id(),
        )
        for node_id in node_ids
    ]
    if steps:
        Step.objects.bulk_create(steps)
        for step in steps:
            publish(step)
        queueing.enqueue_steps((step.pk, step.job_id) for step in steps)
    return steps


def _cancel_step(step: Step, now: datetime) -> None:
    step.status, step.completed_at, step.skip_reason = Status.CANCELLED, now, "execution stopped"
    Step.objects.filter(pk=step.pk).update(status=step.status, completed_at=now, skip_reason=step.skip_reason,
                                           updated_at=now)
    publish(step)


# --- the execution ------------------------------------------------------------------
def _duration_ms(execution: Execution, now: datetime) -> int:
    return max(int((now - (execution.started_at or execution.created_at)).total_seconds() * 1000), 0)


def _set_execution_status(execution: Execution, status: str, now: datetime) -> None:
    if execution.status == status:
        return
    execution.status = status
    execution.started_at = execution.started_at or now
    Execution.objects.filter(pk=execution.pk).update(status=status, started_at=execution.started_at, updated_at=now)
    publish(execution)


def _complete_if_done(execution: Execution, now: datetime) -> bool:
    """Complete the execution unless a step is still open (one conditional UPDATE)."""
    open_steps = Step.objects.filter(execution=OuterRef("pk"), status__in=Step.OPEN_STATUSES)
    started = execution.started_at or now
    done = (
        Execution.objects.filter(pk=execution.pk, status__in=Execution.LIVE_STATUSES)
        .filter(~Exists(open_steps))
        .update(
            status=Execution.Status.COMPLETED, started_at=started, completed_at=now,
            duration_ms=max(int((now - started).total_seconds() * 1000), 0), updated_at=now,
        )
    )
    if done:
        execution.status, execution.completed_at, execution.started_at = Execution.Status.COMPLETED, now, started
        publish(execution)
    return bool(done)


def _fail_execution(step: Step, ctx: NodeContext, now: datetime) -> None:
    execution = step.execution
    DeadLetter.objects.create(
        workspace_id=step.workspace_id,
        execution=execution,
        step=step,
        node_id=step.node_id,
        node_type=step.node_type,
        payload={"config": ctx.config, "input": step.input, "output": step.output, "event": ctx.event},
        error=step.error,
        attempts=step.attempt,
    )
    execution.status, execution.error, execution.completed_at = Execution.Status.FAILED, step.error, now
    execution.duration_ms = _duration_ms(execution, now)
    Execution.objects.filter(pk=execution.pk).update(
        status=execution.status, error=execution.error, completed_at=now, duration_ms=execution.duration_ms,
        updated_at=now,
    )
    publish(execution)
    cancel_open_steps(execution, now, "execution failed", exclude=step.pk)
