"""Twilio answers 5xx, 429 and nothing at all, in bursts: retries with backoff, no duplicates, and dead
letters only for the messages that failed on their last attempt."""
from automation import services
from automation.models import DeadLetter, Execution
from bench.common import wait_for
from tests.fakes import Failure
from tests.faults.conftest import RETRY_ENV, live_executions, make_contacts, play_status_callbacks, sms_flow

ATTEMPTS = int(RETRY_ENV["ENGINE_RETRY_MAX_ATTEMPTS"])
RATE_LIMITED = Failure(429, {"code": 20429, "message": "Too Many Requests", "status": 429})
DOWN = Failure(503, {"code": 20503, "message": "Service Unavailable", "status": 503})
ERROR = Failure(500, {"code": 20500, "message": "Internal Server Error", "status": 500})
STALL = Failure(0, {}, delay=float(RETRY_ENV["TWILIO_TIMEOUT"]) + 0.3)  # accepted, but after the client gave up


def test_bursts_of_provider_failures(client, workspace, fake_twilio, workers, figures):
    contacts = make_contacts(workspace, 30)
    phones = [str(c.phone) for c in contacts]
    plans = {"rate_limited": (phones[0:6], [RATE_LIMITED]), "errors_twice": (phones[6:12], [ERROR, DOWN]),
             "timed_out": (phones[12:16], [STALL]), "always_down": (phones[16:20], [DOWN] * ATTEMPTS)}
    for recipients, failures in plans.values():
        for phone in recipients:
            fake_twilio.fail_for(phone, *failures)
    doomed = set(plans["always_down"][0])

    services.send_flow(sms_flow(workspace), [c.pk for c in contacts])
    workers(1, scheduler=True)
    callbacks: set[str] = set()

    def finished() -> bool:
        play_status_callbacks(client, fake_twilio, callbacks)  # Twilio reports the messages it accepted
        return live_executions() == 0

    wait_for(finished, timeout=60, what="every execution to finish", interval=0.2)

    accepted = [r.form["To"] for r in fake_twilio.accepted()]
    dead = {dl.execution.contact.phone.as_e164: dl.attempts for dl in DeadLetter.objects.select_related("execution__contact")}
    failed = set(Execution.objects.filter(status="failed").values_list("contact__phone", flat=True))
    figures(executions=len(contacts), requests=len(fake_twilio.requests), expected=len(contacts) - len(doomed),
            delivered=len(set(accepted)), duplicates=len(accepted) - len(set(accepted)), dead_letters=len(dead),
            lost=len(set(phones) - doomed - set(accepted)))
    assert sorted(accepted) == sorted(set(phones) - doomed)
    assert dead == {phone: ATTEMPTS for phone in doomed}
    assert {str(p) for p in failed} == doomed
    assert Execution.objects.filter(status="completed").count() == len(contacts) - len(doomed)
    requests_to = [r.form["To"] for r in fake_twilio.requests]
    assert all(requests_to.count(phone) == ATTEMPTS for phone in doomed)
