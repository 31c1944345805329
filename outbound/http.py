"""A requests session whose every connection goes only where :mod:`outbound.policy` allows.

The check runs inside urllib3's connection setup: the host is resolved once,
every address is checked, and the socket is opened to a checked address. So a
DNS answer that changes between check and connect (DNS rebinding) cannot slip
through, each redirect hop is checked like the first request, and a refused
call sends nothing (not even a half-written request). TLS still verifies the
certificate against the host name of the URL.

Limits: proxies from the environment (``HTTP(S)_PROXY``, ``.netrc``) are not
used (``trust_env`` is off), since through a proxy the target would be resolved
by the proxy, out of reach of the check.
"""
from __future__ import annotations

import socket
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.util.connection import allowed_gai_family, create_connection

from outbound.policy import OutboundRefused, allowed_addresses, scheme_refusal


class _GuardedConnect:
    """Replaces urllib3's ``_new_conn``: resolve, check every address, connect to a checked one."""

    def _new_conn(self) -> socket.socket:
        try:
            addresses = allowed_addresses(self._dns_host, self.port, allowed_gai_family())
        except socket.gaierror as exc:
            raise NameResolutionError(self.host, self, exc) from exc
        error: Exception | None = None
        for address in addresses:
            try:
                return create_connection((address, self.port), self.timeout, source_address=self.source_address,
                                         socket_options=self.socket_options)
            except socket.timeout as exc:
                error = ConnectTimeoutError(
                    self, f"Connection to {self.host} timed out. (connect timeout={self.timeout})")
                error.__cause__ = exc
            except OSError as exc:
                error = NewConnectionError(self, f"Failed to establish a new connection: {exc}")
                error.__cause__ = exc
        raise error or NewConnectionError(self, f"{self.host} has no address")


class _GuardedHTTPConnection(_GuardedConnect, HTTPConnection):
    pass


class _GuardedHTTPSConnection(_GuardedConnect, HTTPSConnection):
    pass


class _GuardedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _GuardedHTTPConnection


class _GuardedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _GuardedHTTPSConnection


class GuardedAdapter(HTTPAdapter):
    """An adapter whose connection pools use the guarded connections."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _GuardedHTTPPool, "https": _GuardedHTTPSPool}


def guarded_session() -> requests.Session:
    """A session that calls http(s) URLs through :class:`GuardedAdapter` and ignores environment proxies."""
    session = requests.Session()
    session.trust_env = False
    for prefix in ("http://", "https://"):
        session.mount(prefix, GuardedAdapter())
    return session


def post(url: str, **kwargs: Any) -> requests.Response:
    """``requests.post`` to a user-supplied URL; raises :class:`OutboundRefused` when the policy says no.

    Redirects are followed (as requests does) and every hop is checked; a hop to
    another scheme is refused by requests itself (``InvalidSchema``).
    """
    reason = scheme_refusal(url)
    if reason:
        raise OutboundRefused(f"Refused to call {url}: {reason}.")
    with guarded_session() as session:
        return session.post(url, **kwargs)
