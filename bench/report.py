"""The terminal table of ``make bench`` (the README's Performance section quotes it)."""
from __future__ import annotations

from typing import Any


def table(results: dict[str, Any]) -> str:
    rows: list[tuple[str, str, str]] = []
    throughput = results.get("throughput", {})
    for count, figures in throughput.items():
        rows.append((f"engine, {count} worker(s), {figures['executions']} executions",
                     f"{figures['engine_steps_per_s']} steps/s (quarters' median "
                     f"{figures['engine_quarters_median_steps_per_s']}) vs bare RQ {figures['noop_jobs_per_s']} "
                     f"jobs/s (ratio {figures['ratio']})", ">= 0.5" if count == "1" else ""))
    queries = results.get("queries_per_step")
    if queries:
        rows.append(("queries per step", ", ".join(f"{k} {v['median']:g}" for k, v in queries.items()), ""))
    bulk = results.get("bulk_send")
    if bulk:
        rows.append((f"bulk send, {bulk['contacts']} contacts", f"{bulk['seconds']} s, {bulk['queries']} queries",
                     "< 3 s"))
    latency = results.get("trigger_latency")
    if latency:
        rows.append(("trigger latency (contact -> Twilio)", f"p50 {latency['p50_ms']} ms, p95 {latency['p95_ms']} ms",
                     "p50 < 100 ms"))
    for size, figures in results.get("analytics", {}).items():
        if size == "via":
            continue
        for surface in ("api", "dashboard"):
            ranges = figures[surface]
            scans = sum(len(measured["unindexed_scans"]) for measured in ranges.values())
            rows.append((f"analytics {surface}, {int(size):,} executions",
                         ", ".join(f"{key} {measured['ms']} ms" for key, measured in ranges.items())
                         + f", unindexed scans {scans}",
                         "< 200 ms" if int(size) >= 1_000_000 else ""))
    widths = [max(len(row[i]) for row in rows + [("figure", "measured", "goal")]) for i in range(3)]
    lines = [" | ".join(cell.ljust(w) for cell, w in zip(("figure", "measured", "goal"), widths)),
             "-+-".join("-" * w for w in widths)]
    lines += [" | ".join(cell.ljust(w) for cell, w in zip(row, widths)) for row in rows]
    return "\n".join(lines)
