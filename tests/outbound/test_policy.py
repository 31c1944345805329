"""Which URLs and addresses the outbound guard refuses, and the settings that widen it."""
from __future__ import annotations

import ipaddress
import socket

import pytest

from outbound.policy import OutboundRefused, allowed_addresses, literal_refusal

REFUSED_LITERALS = [
    ("http://127.0.0.1:8000/hook", "loopback"),
    ("http://[::1]/hook", "loopback"),
    ("http://169.254.169.254/latest/meta-data/", "link-local"),
    ("http://[fe80::1]/", "link-local"),
    ("http://10.1.2.3/", "private"),
    ("https://192.168.0.10/", "private"),
    ("http://172.16.5.4/", "private"),
    ("http://[fd00::1]/", "private"),
    ("http://0.0.0.0/", "unspecified"),
    ("http://[::]/", "unspecified"),
    ("http://224.0.0.1/", "multicast"),
    ("http://240.0.0.1/", "reserved"),
    ("http://100.64.0.1/", "not globally routable"),
    ("http://[::ffff:127.0.0.1]/", "loopback"),
    ("http://[2002:a9fe:a9fe::]/", "link-local"),
    ("http://localhost:5000/", "loopback name"),
    ("http://api.localhost/", "loopback name"),
    ("ftp://hooks.example.com/", "only http and https"),
    ("file:///etc/passwd", "only http and https"),
    ("gopher://hooks.example.com/", "only http and https"),
]


@pytest.mark.parametrize("url, reason", REFUSED_LITERALS)
def test_internal_literals_and_other_schemes_are_refused(url, reason):
    assert reason in literal_refusal(url)


@pytest.mark.parametrize("url", ["https://hooks.example.com/x", "http://93.184.216.34/x", "https://[2606:4700::1]/"])
def test_public_urls_pass(url):
    assert literal_refusal(url) is None


def test_allowing_private_networks_lifts_the_address_check_but_not_the_scheme_check(settings):
    settings.OUTBOUND_ALLOW_PRIVATE_NETWORKS = True
    assert literal_refusal("http://127.0.0.1/") is None and literal_refusal("http://localhost/") is None
    assert "only http and https" in literal_refusal("file:///etc/passwd")


def test_allowed_networks_let_only_those_through(settings):
    settings.OUTBOUND_ALLOWED_NETWORKS = [ipaddress.ip_network("10.1.2.0/24")]
    assert literal_refusal("http://10.1.2.3/") is None
    assert "private" in literal_refusal("http://10.1.3.3/")


def fake_resolver(monkeypatch, answers: dict[str, list[str]]) -> None:
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host not in answers:
            return real(host, port, *args, **kwargs)
        return [(socket.AF_INET6 if ":" in ip else socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port))
                for ip in answers[host]]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def test_a_name_is_refused_when_any_of_its_addresses_is_internal(monkeypatch):
    fake_resolver(monkeypatch, {"mixed.example.com": ["93.184.216.34", "10.0.0.7"],
                                "public.example.com": ["93.184.216.34", "2606:4700::1"]})
    with pytest.raises(OutboundRefused, match="mixed.example.com: it resolves to 10.0.0.7, a private address"):
        allowed_addresses("mixed.example.com", 80)
    assert allowed_addresses("public.example.com", 443) == ["93.184.216.34", "2606:4700::1"]


def test_localhost_resolves_to_a_refused_address():
    with pytest.raises(OutboundRefused, match="localhost: it resolves to .*loopback"):
        allowed_addresses("localhost", 80)
