"""Putting thousands of step jobs on an RQ queue in a few Redis calls.

``Queue.enqueue_many`` builds, validates and serialises a ``Job`` object per
job and sends several commands for each: for a 10,000-contact enrollment that
was seconds of Python. The jobs of the engine differ only in their id and their
argument (the step id), so here RQ builds one job (``Queue.create_job``,
``Job.to_dict``: RQ's own format, whatever its version writes), each other job
takes that hash with its own ``data`` and ``description`` (made by RQ's ``Job``
too), and a Lua script writes the hashes and pushes the ids, 1,000 jobs a call
(one round trip each; a call is atomic, and blocks Redis for a few milliseconds
only). Should Redis fail between two calls, the steps whose jobs are missing are
committed rows like any step whose job was lost, and the reconciler enqueues
them. What lands in Redis is what ``enqueue_many`` writes, but for ``data``
being compressed with a smaller window (see ``_compress``; the job reads the
same), which tests/engine/test_job_push.py checks.
"""
from __future__ import annotations

import zlib
from typing import Any, Sequence

from rq import Queue
from rq.job import JobStatus
from rq.utils import now

CHUNK = 1000  # jobs per script call: Lua's unpack() takes at most ~8,000 values

# KEYS: the queue, the set of queues, then one job hash per job.
# ARGV: n, n shared field/value pairs, then (job id, data, description) per job.
PUSH = """
local n = tonumber(ARGV[1])
local shared = {}
for i = 2, 1 + 2 * n do shared[#shared + 1] = ARGV[i] end
local first = 2 + 2 * n
local ids = {}
for j = 3, #KEYS do
  local a = first + (j - 3) * 3
  redis.call('HSET', KEYS[j], 'data', ARGV[a + 1], 'description', ARGV[a + 2], unpack(shared))
  ids[#ids + 1] = ARGV[a]
end
redis.call('SADD', KEYS[2], KEYS[1])
redis.call('RPUSH', KEYS[1], unpack(ids))
return #ids
"""


def push_jobs(queue: Queue, func: str, jobs: Sequence[tuple[Any, str]]) -> None:
    """Enqueue ``func(arg)`` for each ``(arg, job_id)`` of ``jobs`` on ``queue``, at the back, in order."""
    if not jobs:
        return
    first_arg, first_id = jobs[0]
    job = queue.create_job(func, args=(first_arg,), job_id=first_id, status=JobStatus.QUEUED)
    job.enqueued_at = now()
    shared = {key: value for key, value in job.to_dict().items() if key not in ("data", "description")}
    head = [len(shared), *(item for pair in shared.items() for item in pair)]
    script = queue.connection.register_script(PUSH)  # EVALSHA, loading the script first if Redis lacks it
    for start in range(0, len(jobs), CHUNK):
        keys, args = [queue.key, queue.redis_queues_keys], list(head)
        for arg, job_id in jobs[start:start + CHUNK]:
            job.args = (arg,)  # RQ re-serialises the job's data and call string for this argument
            keys.append(queue.job_class.key_for(job_id))
            args += (job_id, _compress(job.data), job.get_call_string())
        script(keys=keys, args=args)


def _compress(data: bytes) -> bytes:
    """``data`` as a zlib stream, as RQ stores it, with a 512-byte window.

    ``zlib.compress`` sets up a 32 KiB window and 256 KiB of tables for each
    job's few dozen bytes: up to hundreds of microseconds a job when memory is
    busy. Any zlib reader (RQ's ``zlib.decompress``) reads the small-window stream.
    """
    compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, 9, 1)
    return compressor.compress(data) + compressor.flush()
