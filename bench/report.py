"""The terminal table of ``make bench`` (the README's Performance section quotes it)."""
from __future__ import annotations

import json
from typing import Any


def table(results: dict[str, Any]) -> str:
    return json.dumps(results, indent=1, default=str)[:3000]
