"""ASGI entry point serving HTTP and WebSockets together."""
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi_app = get_asgi_application()

# These imports need Django set up first.
from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402

from automation.consumers import ExecutionStatusConsumer  # noqa: E402
from config.ws_auth import OriginCheckMiddleware, TokenAuthMiddleware  # noqa: E402

websocket_urls = [
    path("ws/workspaces/<int:workspace_pk>/executions/", ExecutionStatusConsumer.as_asgi()),
]

application = ProtocolTypeRouter({
    "http": django_asgi_app,
    "websocket": AuthMiddlewareStack(TokenAuthMiddleware(OriginCheckMiddleware(URLRouter(websocket_urls)))),
})
