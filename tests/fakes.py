"""Local stand-ins of the providers' HTTP APIs, for driving the real Twilio SDK and anymail backends.

:class:`FakeTwilio` plays Twilio's Messages and Calls API (2010-04-01) and
:class:`FakePostmark` Postmark's send API on a pytest-httpserver: they record
every request, answer with the providers' JSON shapes, and fail on demand.
:func:`signed_twilio_post` plays Twilio calling our webhooks. The fixtures at
the bottom configure settings so that the real clients talk to the fakes;
import them into a ``conftest.py`` to use them.
"""
from __future__ import annotations

import json
import re
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import format_datetime
from typing import Any, Callable
from urllib.parse import urlencode

import pytest
from django.conf import settings
from pytest_httpserver import HTTPServer
from twilio.request_validator import RequestValidator
from werkzeug import Request, Response
from werkzeug.datastructures import MultiDict

TWILIO_ACCOUNT_SID = "AC" + "1" * 32
TWILIO_AUTH_TOKEN = "fake-twilio-auth-token"
TWILIO_FROM = "+15005550006"
TWILIO_WHATSAPP_FROM = "whatsapp:+14155238886"
POSTMARK_TOKEN = "fake-postmark-server-token"
ANYMAIL_WEBHOOK_SECRET = "anymail:webhook-secret"
PUBLIC_BASE_URL = "https://flows.example.com"


@dataclass
class Failure:
    status: int
    body: dict[str, Any]
    delay: float = 0.0


@dataclass
class RecordedRequest:
    path: str
    form: MultiDict
    json: Any
    headers: dict[str, str]
    response: dict[str, Any] = field(default_factory=dict)
    received_at: float = field(default_factory=time.monotonic)


class FakeProvider:
    """Records requests and answers them, or fails the next ones as told."""

    def __init__(self, server: HTTPServer) -> None:
        self.server = server
        self.requests: list[RecordedRequest] = []
        self._failures: list[Failure] = []
        self._failures_by_recipient: dict[str, list[Failure]] = {}
        # Called with each request before it is answered (a test's way to break things at that moment).
        self.before_answer: Callable[[RecordedRequest], None] | None = None

    def fail_next(self, status: int, body: dict[str, Any] | None = None, *, times: int = 1) -> None:
        self._failures += [Failure(status, body or {})] * times

    def fail_for(self, recipient: str, *failures: Failure) -> None:
        """Answer requests to ``recipient`` with ``failures`` in turn (a stalled one when ``delay`` is set)."""
        self._failures_by_recipient.setdefault(recipient, []).extend(failures)

    def accepted(self) -> list[RecordedRequest]:
        """The requests the provider answered with success (what it sent)."""
        return [r for r in self.requests if r.response.get("sid") or r.response.get("MessageID")]

    def stall_next(self, seconds: float) -> None:
        """Answer the next request only after ``seconds`` (longer than the client's timeout: no answer)."""
        self._failures.append(Failure(0, {}, delay=seconds))

    def _handle(self, request: Request, answer: Any) -> Response:
        recorded = RecordedRequest(request.path, request.form, request.get_json(silent=True), dict(request.headers))
        self.requests.append(recorded)
        if self.before_answer:
            self.before_answer(recorded)
        planned = self._failures_by_recipient.get(request.form.get("To", ""))
        if planned or self._failures:
            failure = planned.pop(0) if planned else self._failures.pop(0)
            if failure.delay:
                time.sleep(failure.delay)
            else:
                return _json(failure.status, failure.body)
        recorded.response = answer(recorded)
        return _json(recorded.response.pop("_status", 200), recorded.response)


class FakeTwilio(FakeProvider):
    def __init__(self, server: HTTPServer) -> None:
        super().__init__(server)
        accounts = r"^/2010-04-01/Accounts/(?P<sid>[^/]+)"
        server.expect_request(re.compile(accounts + r"/Messages\.json$"), method="POST").respond_with_handler(
            lambda request: self._handle(request, self._message)
        )
        server.expect_request(re.compile(accounts + r"/Calls\.json$"), method="POST").respond_with_handler(
            lambda request: self._handle(request, self._call)
        )
        for kind in ("Messages", "Calls"):
            server.expect_request(re.compile(accounts + rf"/{kind}\.json$"), method="GET").respond_with_handler(
                lambda request, kind=kind: self._list(request, kind)
            )

    @property
    def messages(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.endswith("/Messages.json")]

    @property
    def calls(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.endswith("/Calls.json")]

    def fail_with_code(self, status: int, code: int, message: str, *, times: int = 1) -> None:
        """Fail like Twilio does: ``{"code": 21211, "message": ..., "more_info": ..., "status": 400}``."""
        self.fail_next(status, {"code": code, "message": message, "status": status,
                                "more_info": f"https://www.twilio.com/docs/errors/{code}"}, times=times)

    def _resource(self, request: RecordedRequest, prefix: str, kind: str) -> dict[str, Any]:
        sid = prefix + uuid.uuid4().hex
        now = format_datetime(datetime.now(timezone.utc))
        account = request.path.split("/")[3]
        return {
            "_status": 201,
            "sid": sid,
            "account_sid": account,
            "api_version": "2010-04-01",
            "to": request.form.get("To"),
            "from": request.form.get("From"),
            "status": "queued",
            "direction": "outbound-api",
            "date_created": now,
            "date_updated": now,
            "uri": f"/2010-04-01/Accounts/{account}/{kind}/{sid}.json",
        }

    def _message(self, request: RecordedRequest) -> dict[str, Any]:
        media = request.form.getlist("MediaUrl")
        return {**self._resource(request, "SM", "Messages"), "body": request.form.get("Body", ""),
                "num_media": str(len(media)), "num_segments": "1", "error_code": None, "error_message": None,
                "price": None, "price_unit": "USD"}

    def _list(self, request: Request, kind: str) -> Response:
        """Twilio's list of what it accepted (newest first), filtered by ``To`` / ``From`` (not a recorded request)."""
        wanted = {k: request.args[k] for k in ("To", "From") if k in request.args}
        resources = [
            r.response for r in reversed(self.accepted())
            if r.path.endswith(f"/{kind}.json") and all(r.form.get(k) == v for k, v in wanted.items())
        ]
        size = int(request.args.get("PageSize", 50))
        return _json(200, {kind.lower(): resources[:size], "page": 0, "page_size": size, "start": 0,
                           "end": min(size, len(resources)) - 1, "uri": request.full_path,
                           "first_page_uri": request.full_path, "next_page_uri": None, "previous_page_uri": None})

    def _call(self, request: RecordedRequest) -> dict[str, Any]:
        return {**self._resource(request, "CA", "Calls"), "duration": None, "answered_by": None}


class FakePostmark(FakeProvider):
    """Postmark's ``POST /email`` (what anymail's Postmark backend calls)."""

    def __init__(self, server: HTTPServer) -> None:
        super().__init__(server)
        server.expect_request("/email", method="POST").respond_with_handler(
            lambda request: self._handle(request, self._email)
        )

    def _email(self, request: RecordedRequest) -> dict[str, Any]:
        return {"To": request.json["To"], "SubmittedAt": datetime.now(timezone.utc).isoformat(),
                "MessageID": str(uuid.uuid4()), "ErrorCode": 0, "Message": "OK"}


def _json(status: int, body: Any) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


def signed_twilio_post(client: Any, path: str, params: dict[str, str], *, token: str = TWILIO_AUTH_TOKEN,
                       signature: str | None = None) -> Any:
    """POST ``params`` to our webhook ``path`` the way Twilio does, signed with ``token``."""
    url = settings.PUBLIC_BASE_URL.rstrip("/") + path
    if signature is None:
        signature = RequestValidator(token).compute_signature(url, params)
    return client.post(path, data=urlencode(params), content_type="application/x-www-form-urlencoded",
                       HTTP_X_TWILIO_SIGNATURE=signature)


def twilio_env(base_url: str) -> dict[str, str]:
    """Environment of a worker process whose real Twilio SDK talks to the fake Twilio at ``base_url``."""
    return {"TWILIO_ACCOUNT_SID": TWILIO_ACCOUNT_SID, "TWILIO_AUTH_TOKEN": TWILIO_AUTH_TOKEN,
            "TWILIO_FROM_NUMBER": TWILIO_FROM, "TWILIO_API_BASE_URL": base_url, "PUBLIC_BASE_URL": PUBLIC_BASE_URL}


@pytest.fixture
def fake_twilio(httpserver: HTTPServer, settings: Any) -> FakeTwilio:
    """Settings-level Twilio credentials, with the real SDK pointed at a fake Twilio."""
    settings.TWILIO_ACCOUNT_SID = TWILIO_ACCOUNT_SID
    settings.TWILIO_AUTH_TOKEN = TWILIO_AUTH_TOKEN
    settings.TWILIO_FROM_NUMBER = TWILIO_FROM
    settings.TWILIO_WHATSAPP_FROM = TWILIO_WHATSAPP_FROM
    settings.TWILIO_API_BASE_URL = httpserver.url_for("/")
    settings.PUBLIC_BASE_URL = PUBLIC_BASE_URL
    return FakeTwilio(httpserver)


@pytest.fixture
def fake_postmark(httpserver: HTTPServer, settings: Any) -> FakePostmark:
    """Postmark as the settings-level ESP, with anymail's real backend pointed at a fake Postmark."""
    settings.EMAIL_ESP = "postmark"
    settings.ANYMAIL = {"POSTMARK_SERVER_TOKEN": POSTMARK_TOKEN, "POSTMARK_API_URL": httpserver.url_for("/"),
                        "WEBHOOK_SECRET": ANYMAIL_WEBHOOK_SECRET}
    return FakePostmark(httpserver)
