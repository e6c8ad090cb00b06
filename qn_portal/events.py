"""Events: how the core and plugins tell each other that something happened."""

from __future__ import annotations

from typing import Any

from .contributions import Event
from .plugins import get_host


def emit(name: str, actor_id: int | None = None, **data: Any) -> Event:
    """Tell every enabled plugin's ``on_event`` that ``name`` happened. Call it after committing the change."""
    event = Event(name=name, data=data, actor_id=actor_id)
    get_host().call_each("on_event", event=event)
    return event
