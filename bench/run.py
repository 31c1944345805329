"""``make bench``: measure the engine on this machine's PostgreSQL and Redis.

Uses ``DATABASE_URL`` / ``REDIS_URL`` when set, else a ``flows_bench`` database
on 127.0.0.1:5432 (dropped and re-created: the bench starts from a fresh,
migrated database) and Redis db 13. Writes ``bench/results.json`` and prints a table.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402

SECTIONS = ("queries", "bulk", "latency", "throughput", "analytics")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (the median is reported)")
    parser.add_argument("--executions", type=int, default=2000, help="executions per throughput run")
    parser.add_argument("--scale-executions", type=int, default=500, help="executions per run with 2+ workers")
    parser.add_argument("--engine-runs", type=int, default=1, help="engine throughput runs per worker count")
    parser.add_argument("--noop-jobs", type=int, default=2000, help="bare RQ no-op jobs per run")
    parser.add_argument("--contacts", type=int, default=10_000, help="contacts enrolled by the bulk send")
    parser.add_argument("--rows", default="100000,1000000", help="execution counts for the analytics figures")
    parser.add_argument("--workers", default="1,2,4", help="worker process counts for the scaling figures")
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated subset of {SECTIONS}")
    parser.add_argument("--output", default=str(Path(__file__).with_name("results.json")))
    args = parser.parse_args()

    targets = common.configure_environment()
    if "bench" in targets["database_url"].rsplit("/", 1)[-1]:
        common.recreate_database(targets["database_url"])
    common.setup_django()
    common.flush_redis()

    from bench.report import table

    only = set(args.only.split(","))
    ws = common.workspace()
    results: dict = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "targets": {k: v.rsplit("@", 1)[-1] for k, v in targets.items()},
        "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "runs": args.runs,
    }
    began = time.perf_counter()
    if "queries" in only:
        print("Queries per step ...", flush=True)
        from bench import queries
        results["queries_per_step"] = queries.measure(ws)
    if "bulk" in only:
        print("Bulk send ...", flush=True)
        from bench import sending
        results["bulk_send"] = sending.measure(ws, contacts=args.contacts, runs=args.runs)
    if "latency" in only:
        print("Trigger latency ...", flush=True)
        from bench import latency
        results["trigger_latency"] = latency.measure(common.workspace("latency"))
    if "throughput" in only:
        print("Throughput and scaling ...", flush=True)
        from bench import throughput
        counts = tuple(int(n) for n in args.workers.split(","))
        results["throughput"] = throughput.measure(
            ws, executions=args.executions, scale_executions=args.scale_executions, runs=args.runs,
            engine_runs=args.engine_runs, worker_counts=counts, noop_jobs=args.noop_jobs)
    if "analytics" in only:
        print("Analytics ...", flush=True)
        from bench import analytics
        results["analytics"] = analytics.measure(common.workspace("analytics"),
                                                 [int(n) for n in args.rows.split(",")], runs=args.runs)
    results["total_seconds"] = round(time.perf_counter() - began, 1)
    common.flush_redis()
    Path(args.output).write_text(json.dumps(results, indent=2, default=str) + "\n")
    print()
    print(table(results))
    print(f"\nWritten to {args.output} in {results['total_seconds']} s.")


if __name__ == "__main__":
    main()
