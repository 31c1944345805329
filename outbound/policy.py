"""Which addresses a user-supplied URL may reach (a guard against server-side request forgery).

A workspace admin chooses the URL of a webhook node or of an alert; without this
guard the product would POST wherever that URL points, including the machine
itself, the private network around it and the cloud metadata service
(169.254.169.254). A URL is refused when its scheme is not http(s) or when its
host resolves to any address that is not a public one: private, loopback,
link-local, multicast, reserved, unspecified or otherwise not global, looking
through IPv4 addresses carried inside IPv6 (mapped, 6to4, Teredo).

``OUTBOUND_ALLOW_PRIVATE_NETWORKS`` turns the address check off (development,
tests, a deployment that means to call its own network);
``OUTBOUND_ALLOWED_NETWORKS`` lets a few networks through (e.g. one internal
service). The scheme check always applies.
"""
from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
ALLOWED_SCHEMES = ("http", "https")
SETTING_HINT = "see OUTBOUND_ALLOW_PRIVATE_NETWORKS / OUTBOUND_ALLOWED_NETWORKS"
# Checked in this order, so the reason names the most telling property.
_PROPERTIES = (
    ("is_unspecified", "an unspecified address"),
    ("is_loopback", "a loopback address"),
    ("is_link_local", "a link-local address, where cloud metadata services live"),
    ("is_multicast", "a multicast address"),
    ("is_reserved", "a reserved address"),
    ("is_private", "a private address"),
)


class OutboundRefused(Exception):
    """The URL may not be called; permanent (the same URL is refused on every try).

    Deliberately not an ``OSError``: urllib3 would take it for a network error and retry.
    """


def address_refusal(address: IPAddress) -> str | None:
    """Why ``address`` may not be reached, or None when it may."""
    if settings.OUTBOUND_ALLOW_PRIVATE_NETWORKS or _allowlisted(address):
        return None
    for inner in _embedded_ipv4(address):
        reason = address_refusal(inner)
        if reason:
            return f"{reason} (inside {address})"
    for name, description in _PROPERTIES:
        if getattr(address, name):
            return description
    if not address.is_global:
        return "an address that is not globally routable"
    return None


def scheme_refusal(url: str) -> str | None:
    scheme = urlsplit(url).scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        return f"only http and https URLs can be called, not {scheme or 'a URL without scheme'}"
    return None


def literal_refusal(url: str) -> str | None:
    """Why ``url`` is refused without resolving anything (for form and config validation), or None.

    Catches a non-http(s) scheme, an IP literal that is not public and ``localhost``
    names; a host name that resolves to an internal address is only caught when
    called (:func:`allowed_addresses`).
    """
    reason = scheme_refusal(url)
    if reason:
        return reason
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        if settings.OUTBOUND_ALLOW_PRIVATE_NETWORKS:
            return None
        return f"{host} is a loopback name ({SETTING_HINT})"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    reason = address_refusal(address)
    return f"{host} is {reason} ({SETTING_HINT})" if reason else None


def allowed_addresses(host: str, port: int, family: int = socket.AF_UNSPEC) -> list[str]:
    """The addresses of ``host`` to connect to; raises :class:`OutboundRefused` if any is not allowed.

    Every resolved address must pass, not just the one connected to: a name
    resolving to both a public and an internal address is refused. Raises
    ``socket.gaierror`` when the name does not resolve (a network error, retried).
    """
    host = host.strip("[]")
    infos = socket.getaddrinfo(host, port, family, socket.SOCK_STREAM)
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    for text in addresses:
        reason = address_refusal(ipaddress.ip_address(text.split("%", 1)[0]))
        if reason:
            where = "it is" if host == text else f"it resolves to {text},"
            raise OutboundRefused(f"Refused to call {host}: {where} {reason} ({SETTING_HINT}).")
    return addresses


def _allowlisted(address: IPAddress) -> bool:
    return any(address.version == network.version and address in network
               for network in settings.OUTBOUND_ALLOWED_NETWORKS)


def _embedded_ipv4(address: IPAddress) -> list[ipaddress.IPv4Address]:
    if address.version != 6:
        return []
    inner = [address.ipv4_mapped, address.sixtofour, *(address.teredo or ())]
    return [candidate for candidate in inner if candidate is not None]
