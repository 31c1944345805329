"""The embedded Redis: fakeredis' TCP server, run inside the process that needs it.

Used when ``REDIS_URL`` is not set (``make run``, ``make test``) so that the code
paths are exactly those of a real Redis: RQ, its scheduler and the health check
connect to it over TCP.
"""
from __future__ import annotations

import threading
from typing import Any

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
        _server.RequestHandlerClass = _handler_keeping_connections()
        _server.daemon_threads = True
        thread = threading.Thread(target=_server.serve_forever, name="embedded-redis", daemon=True)
        thread.start()
    return settings.REDIS_URL


def _handler_keeping_connections() -> type:
    """fakeredis' TCP handler, except that a command error is answered instead of closing the connection.

    Stock, it hangs up after any error reply (NOSCRIPT, an unknown command), which
    a real Redis never does: the pooled connection then fails on its next use,
    e.g. when RQ's scheduler falls back from EVALSHA to EVAL.
    """
    from fakeredis._clients._tcp_server import TCPFakeRequestHandler

    class Handler(TCPFakeRequestHandler):
        def setup(self) -> None:
            super().setup()
            read = self.current_client.read_response

            def read_response(*args: Any, **kwargs: Any) -> Any:
                try:
                    return read(*args, **kwargs)
                except ConnectionError:
                    raise
                except Exception as exc:  # answered as an error reply, like Redis does
                    return exc

            self.current_client.read_response = read_response

    return Handler

