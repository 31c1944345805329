"""The same status callback five times, mixed with stale ones, in random order: one final state."""
import random

from automation import services
from automation.models import Delivery
from tests.fakes import PUBLIC_BASE_URL, signed_twilio_post
from tests.faults.conftest import delivery_figures, make_contacts, sms_flow


def test_repeated_out_of_order_callbacks_settle_once(client, workspace, fake_twilio, burst, figures):
    contacts = make_contacts(workspace, 20)
    services.send_flow(sms_flow(workspace), [c.pk for c in contacts])
    burst()

    shuffle = random.Random(7).shuffle
    posted = 0
    for request in fake_twilio.accepted():
        reports = ["delivered"] * 5 + ["queued", "sent", "sent", "undelivered"]
        shuffle(reports)
        path = request.form["StatusCallback"].removeprefix(PUBLIC_BASE_URL)
        for status in reports:
            response = signed_twilio_post(client, path, {"MessageSid": request.response["sid"], "MessageStatus": status})
            assert response.status_code == 204
            posted += 1

    deliveries = list(Delivery.objects.all())
    finals = {d.status for d in deliveries}
    counts = delivery_figures(fake_twilio, contacts)
    figures(messages=len(deliveries), callbacks=posted, final_states=sorted(finals), **counts)
    assert counts["duplicates"] == counts["lost"] == 0
    assert len(deliveries) == 20
    # The first final report wins (it is whichever came first); nothing later moves it.
    for delivery in deliveries:
        first_final = next(e["status"] for e in delivery.events if e["status"] in ("delivered", "undelivered"))
        assert delivery.status == first_final
