"""Engine throughput (node steps per second) against bare RQ no-op jobs, on warm worker processes.

Both figures are measured the same way: the clock starts before the work is
put on the queue and stops when the last of it is done (polled every 20 ms),
with the workers already started and registered, so process start-up is left out.
"""
from __future__ import annotations

import time
from typing import Any

from bench import common


def engine_run(ws: Any, contact_ids: list[int], run: int) -> dict[str, float]:
    """Send the 3-node flow to every contact; steps per second until every execution finished."""
    from automation import services
    from automation.models import Execution, Step

    flow = common.active_flow(ws, common.three_node_graph(), name=f"Throughput {run}")
    started = time.perf_counter()
    services.send_flow(flow, contact_ids)
    live = Execution.objects.filter(flow=flow, status__in=Execution.LIVE_STATUSES)
    common.wait_for(lambda: not live.exists(), timeout=600, what="the executions to finish", interval=0.02)
    elapsed = time.perf_counter() - started
    steps = Step.objects.filter(execution__flow=flow).count()
    failed = Execution.objects.filter(flow=flow).exclude(status=Execution.Status.COMPLETED).count()
    if failed:
        raise RuntimeError(f"{failed} executions of {flow} did not complete.")
    finished = list(Step.objects.filter(execution__flow=flow, completed_at__isnull=False)
                    .order_by("completed_at").values_list("completed_at", flat=True))
    return {"steps": steps, "seconds": round(elapsed, 3), "steps_per_s": round(steps / elapsed, 1),
            "quarter_steps_per_s": quarter_rates(finished)}


def quarter_rates(finished: list[Any]) -> list[float]:
    """Steps per second in each quarter of a run (by steps finished): one long run measured four times."""
    size = len(finished) // 4
    rates = []
    for start in range(0, 4 * size, size):
        seconds = (finished[start + size - 1] - finished[start]).total_seconds()
        rates.append(round((size - 1) / seconds, 1) if seconds > 0 else 0.0)
    return rates


def noop_run(jobs: int) -> dict[str, float]:
    """Enqueue ``jobs`` no-op jobs in one round trip; jobs per second until all finished."""
    from rq import Queue
    from rq.registry import FinishedJobRegistry

    from automation.queueing import get_queue

    queue = get_queue()
    finished = FinishedJobRegistry(queue=queue)
    before = finished.count
    started = time.perf_counter()
    queue.enqueue_many([Queue.prepare_data("bench.jobs.noop") for _ in range(jobs)])
    common.wait_for(lambda: finished.count >= before + jobs, timeout=600, what="the no-op jobs", interval=0.02)
    elapsed = time.perf_counter() - started
    return {"jobs": jobs, "seconds": round(elapsed, 3), "jobs_per_s": round(jobs / elapsed, 1)}


def measure(ws: Any, *, executions: int, scale_executions: int, runs: int, engine_runs: int,
            worker_counts: tuple[int, ...], noop_jobs: int) -> dict[str, Any]:
    """Engine and no-op throughput with each number of workers (medians of the runs).

    One worker runs ``executions`` executions; more workers run ``scale_executions``,
    and each no-op run is ``noop_jobs`` jobs (so that the whole bench stays within
    minutes on a small machine: a rate needs no more).
    """
    all_ids = common.make_contacts(ws, max(executions, scale_executions), prefix="throughput")
    results: dict[str, Any] = {}
    for count in worker_counts:
        common.flush_redis()
        contact_ids = all_ids[:executions if count == 1 else scale_executions]
        with common.workers(count):
            engine = [engine_run(ws, contact_ids, run=count * 100 + n) for n in range(engine_runs)]
            steps = engine[0]["steps"]
            noop = [noop_run(min(steps, noop_jobs)) for _ in range(runs)]
        engine_rate = common.median([r["steps_per_s"] for r in engine])
        quarters = [rate for r in engine for rate in r["quarter_steps_per_s"]]
        noop_rate = common.median([r["jobs_per_s"] for r in noop])
        results[str(count)] = {
            "executions": len(contact_ids),
            "steps": steps,
            "engine_steps_per_s": engine_rate,
            "engine_quarters_median_steps_per_s": common.median(quarters),
            "noop_jobs_per_s": noop_rate,
            "ratio": round(engine_rate / noop_rate, 3),
            "engine_runs": engine,
            "noop_runs": noop,
        }
        print(f"  {count} worker(s): engine {engine_rate} steps/s, bare RQ {noop_rate} jobs/s", flush=True)
    return results
