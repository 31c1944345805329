"""The embedded Redis: fakeredis' TCP server, run inside the process that needs it.

Used when ``REDIS_URL`` is not set (``make run``, ``make test``) so that the code
paths are exactly those of a real Redis: RQ, its scheduler and the health check
connect to it over TCP.
"""
from __future__ import annotations

import threading

from django.conf import settings

_server = None


def start_embedded_redis() -> str | None:
    """Start the embedded Redis once per process; returns its URL (None when a real Redis is configured)."""
    global _server
    if not settings.EMBEDDED_REDIS:
        return None
    if _server is None:
        from fakeredis import TcpFakeServer

        TcpFakeServer.daemon_threads = True
        _server = TcpFakeServer(("127.0.0.1", settings.EMBEDDED_REDIS_PORT), server_type="redis")
        _server.daemon_threads = True
        thread = threading.Thread(target=_server.serve_forever, name="embedded-redis", daemon=True)
        thread.start()
    return settings.REDIS_URL
