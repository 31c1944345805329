"""WhatsApp message through the workspace's provider."""
from automation.executors.base import executors
from automation.executors.sending import SendExecutor


@executors.register
class SendWhatsAppExecutor(SendExecutor):
    node_type = "send_whatsapp"
    channel = "whatsapp"
