"""Classify provider failures: transient ones retry with backoff, permanent ones fail the step at once.

The rule follows HTTP: no answer, 429 and 5xx may succeed later; any other
error answer (400 invalid number such as Twilio 21211 / 21614, 401 / 403 bad
credentials, unverified sender, 422 rejected by the ESP) cannot. The provider's
own error code and message are kept on the error for the step's output.

Among the permanent ones, a refusal because the recipient opted out of our
sender is a :class:`RecipientOptedOut`: Twilio's 21610 (the number replied STOP;
SMS and WhatsApp senders alike) and WhatsApp's 63033 (the user opted out of the
business's messages). WhatsApp's 63016 (outside the 24-hour window) and 63049
(Meta held a marketing message back) say nothing of the user's consent and
stay plain permanent failures.
"""
from __future__ import annotations

import requests
from urllib3.exceptions import NewConnectionError

from automation.providers.base import (
    PermanentProviderError,
    ProviderError,
    RecipientOptedOut,
    TransientProviderError,
)

OPT_OUT_CODES = {"twilio": frozenset({"21610", "63033"})}


def is_opt_out(provider: str, code: str | int | None) -> bool:
    """True when ``provider``'s error ``code`` (from an API answer or a status callback) means an opt-out."""
    return code is not None and str(code) in OPT_OUT_CODES.get(provider, ())


def from_http_answer(status: int, message: str, *, code: str | int | None, provider: str) -> ProviderError:
    """The error for an HTTP error answer: the provider received the request and did not send."""
    error_class = (
        TransientProviderError if status == 429 or status >= 500
        else RecipientOptedOut if is_opt_out(provider, code)
        else PermanentProviderError
    )
    return error_class(message or f"HTTP {status}", code=code if code is not None else status, status=status,
                       provider=provider)


def from_network_failure(error: BaseException, *, provider: str) -> TransientProviderError:
    """No answer: transient; whether the request may have reached the provider decides the send guard."""
    return TransientProviderError(
        f"{type(error).__name__}: {error}", code=type(error).__name__, provider=provider,
        outcome_unknown=not _never_sent(error),
    )


def _never_sent(error: BaseException) -> bool:
    """True when no connection was made, so the provider cannot have seen the request."""
    if isinstance(error, requests.ConnectTimeout):
        return True
    if isinstance(error, requests.ConnectionError) and error.args:
        return isinstance(getattr(error.args[0], "reason", None), NewConnectionError)
    return False
