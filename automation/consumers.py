"""``/ws/workspaces/<ws>/executions/``: execution and step status changes of one workspace, live."""
from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from automation.live import group_name
from contacts.models import Workspace

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403


@database_sync_to_async
def _is_member(user: Any, workspace_id: int) -> bool:
    return Workspace.objects.for_user(user).filter(pk=workspace_id).exists()


class ExecutionStatusConsumer(AsyncJsonWebsocketConsumer):
    """Members of the workspace only; everyone else is refused before the handshake completes."""

    group: str | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        workspace_id = int(self.scope["url_route"]["kwargs"]["workspace_pk"])
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        if not await _is_member(user, workspace_id):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.group = group_name(workspace_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        """The stream is one-way; whatever a client sends is ignored."""

    async def status_batch(self, event: dict[str, Any]) -> None:
        """Every group send is a batch (see :mod:`automation.live`); the client gets one message per object."""
        for message in event["messages"]:
            await self.send_json(message)
