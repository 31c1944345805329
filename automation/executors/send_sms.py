"""SMS (MMS when the node has media URLs); test mode shows segments and the estimated cost."""
from typing import Any

from automation.executors.base import executors
from automation.executors.sending import SendExecutor
from automation.segments import count_segments, estimate_cost


@executors.register
class SendSmsExecutor(SendExecutor):
    node_type = "send_sms"
    channel = "sms"

    def estimate(self, message: dict[str, Any]) -> dict[str, Any]:
        info = count_segments(message["body"])
        if message.get("media_urls"):
            return {"segments": info.as_dict(), "estimated_cost": str(estimate_cost("mms"))}
        return {"segments": info.as_dict(), "estimated_cost": str(estimate_cost("sms", info.segments))}
