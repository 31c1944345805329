"""The guarded session: refusals send nothing, redirects are checked hop by hop, the checked address is used."""
from __future__ import annotations

import ipaddress
import socket

import pytest
import requests
from werkzeug import Response

from outbound import http as outbound_http
from outbound.policy import OutboundRefused


@pytest.fixture
def loopback_allowed(settings):
    """Only 127.0.0.1 is let through (the test server), everything else internal stays refused."""
    settings.OUTBOUND_ALLOWED_NETWORKS = [ipaddress.ip_network("127.0.0.1/32")]


def local_url(httpserver, path: str) -> str:
    return f"http://127.0.0.1:{httpserver.port}{path}"


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::1]", "169.254.169.254", "[::ffff:127.0.0.1]"])
def test_internal_hosts_are_refused_and_nothing_is_sent(httpserver, host):
    httpserver.expect_request("/hook").respond_with_data("ok")
    with pytest.raises(OutboundRefused, match="Refused to call"):
        outbound_http.post(f"http://{host}:{httpserver.port}/hook", json={"a": 1}, timeout=2)
    assert httpserver.log == []


def test_other_schemes_are_refused_before_anything_happens():
    with pytest.raises(OutboundRefused, match="only http and https URLs can be called, not file"):
        outbound_http.post("file:///etc/passwd")


def test_allowed_addresses_are_called(httpserver, loopback_allowed):
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    assert outbound_http.post(local_url(httpserver, "/hook"), json={"a": 1}, timeout=2).text == "ok"
    assert httpserver.log[0][0].json == {"a": 1}


def test_a_redirect_to_an_internal_address_is_refused(httpserver, loopback_allowed):
    httpserver.expect_request("/start").respond_with_response(
        Response(status=307, headers={"Location": "http://169.254.169.254/latest/meta-data/"}))
    with pytest.raises(OutboundRefused, match="169.254.169.254: it is a link-local address"):
        outbound_http.post(local_url(httpserver, "/start"), json={}, timeout=2)
    assert [request.path for request, _ in httpserver.log] == ["/start"]


def test_a_redirect_to_an_allowed_address_is_followed(httpserver, loopback_allowed):
    httpserver.expect_request("/start").respond_with_response(
        Response(status=307, headers={"Location": local_url(httpserver, "/moved")}))
    httpserver.expect_request("/moved", method="POST").respond_with_data("moved here")
    assert outbound_http.post(local_url(httpserver, "/start"), json={}, timeout=2).text == "moved here"


def test_a_redirect_to_another_scheme_is_refused(httpserver, loopback_allowed):
    httpserver.expect_request("/start").respond_with_response(
        Response(status=302, headers={"Location": "file:///etc/passwd"}))
    with pytest.raises(requests.exceptions.InvalidSchema):
        outbound_http.post(local_url(httpserver, "/start"), json={}, timeout=2)


def test_the_socket_goes_to_the_checked_address_not_a_second_lookup(httpserver, loopback_allowed, monkeypatch):
    """DNS rebinding: a second lookup of the name would answer 10.0.0.7; there is none."""
    real = socket.getaddrinfo
    lookups = []

    def rebinding(host, port, *args, **kwargs):
        if host != "hooks.example.com":
            return real(host, port, *args, **kwargs)
        lookups.append(host)
        ip = "127.0.0.1" if len(lookups) == 1 else "10.0.0.7"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    httpserver.expect_request("/hook").respond_with_data("ok")
    response = outbound_http.post(f"http://hooks.example.com:{httpserver.port}/hook", json={}, timeout=2)
    assert response.text == "ok" and lookups == ["hooks.example.com"]
    assert httpserver.log[0][0].headers["Host"] == f"hooks.example.com:{httpserver.port}"


def test_environment_proxies_are_not_used(httpserver, loopback_allowed, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", "http://10.0.0.9:3128")
    httpserver.expect_request("/hook").respond_with_data("direct")
    assert outbound_http.post(local_url(httpserver, "/hook"), json={}, timeout=2).text == "direct"
