"""Flow versions as the engine walks them, parsed once per process.

A :class:`~flows.models.FlowVersion` never changes once created, so a worker
need not fetch and parse its graph (the largest column a step reads) nor
validate a node's config (a DRF serializer) on every step: the first step of a
version loads it, the following ones reuse it.

One exception to "an id names one version forever": SQLite gives the id of a
rolled-back row to the next insert (the test suite rolls back every test), so a
version created in this process evicts whatever was cached under its id.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from flows.business_hours import BusinessHours
from flows.graph import Graph
from flows.models import FlowVersion
from flows.nodes import registry

MAX_CACHED = 256


@dataclass(frozen=True)
class RunnableVersion:
    graph: Graph
    hours: BusinessHours | None
    _configs: dict[str, dict[str, Any]] = field(default_factory=dict)

    def config(self, node_id: str) -> dict[str, Any]:
        """The node's validated config with its defaults; shared by the node's steps, so read-only."""
        config = self._configs.get(node_id)
        if config is None:
            node = self.graph.node(node_id)
            kind = registry.get(node["type"])
            data = node.get("data") or {}
            config = self._configs[node_id] = kind.clean_config(data) if kind else dict(data)
        return config


_cache: OrderedDict[int, RunnableVersion] = OrderedDict()
_lock = threading.Lock()


def runnable(version_id: int) -> RunnableVersion:
    """The version's parsed graph and business hours (one query the first time in this process)."""
    with _lock:
        version = _cache.get(version_id)
        if version is not None:
            _cache.move_to_end(version_id)
            return version
    row = FlowVersion.objects.values("graph", "business_hours").get(pk=version_id)
    version = RunnableVersion(Graph(row["graph"]), BusinessHours.from_config(row["business_hours"]))
    with _lock:
        _cache[version_id] = version
        while len(_cache) > MAX_CACHED:
            _cache.popitem(last=False)
    return version


@receiver(post_save, sender=FlowVersion, dispatch_uid="automation.versions.evict")
def _evict(sender: Any, instance: FlowVersion, created: bool, **kwargs: Any) -> None:
    if created:
        with _lock:
            _cache.pop(instance.pk, None)
