"""The collections of the API, gathered from the ``api_collections`` hook of every enabled plugin."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from flask import g

from ..contributions import ApiCollection
from ..plugins import CORE, get_host

log = logging.getLogger("qn_portal.public_api")
NAME = re.compile(r"^[a-z][a-z0-9-]{0,40}$")
FILTER_KINDS = {"commune", "choice", "date", "text"}
RESERVED = {"page", "per_page"}


@dataclass(frozen=True)
class Registered:
    """One collection and the plugin that declared it."""

    plugin: str
    collection: ApiCollection

    @property
    def path(self) -> str:
        """Its path under ``/api/v1/``: the core's at the root, a plugin's under the plugin's name."""
        if self.plugin == CORE:
            return self.collection.name
        return f"{self.plugin}/{self.collection.name}"

    @property
    def key(self) -> str:
        """A name for the OpenAPI document (operation ids, schema names)."""
        return self.path.replace("/", "_").replace("-", "_")


def problem(collection: object) -> str | None:
    """Why a declared collection cannot be served, or ``None``: a plugin's mistake must not break the API."""
    if not isinstance(collection, ApiCollection):
        return "not an ApiCollection"
    if not NAME.match(collection.name) or collection.name == "openapi.json":
        return f"invalid name {collection.name!r}"
    for declared in collection.filters:
        if declared.kind not in FILTER_KINDS:
            return f"filter {declared.name!r} has an unknown kind {declared.kind!r}"
        if declared.name in RESERVED or not re.match(r"^[a-z][a-z0-9_]{0,30}$", declared.name):
            return f"invalid filter name {declared.name!r}"
        if declared.kind == "choice" and not declared.choices:
            return f"filter {declared.name!r} offers no choices"
    return None


def collections() -> dict[str, Registered]:
    """Every enabled plugin's collections by path (computed once per request)."""
    if "_qn_api_collections" in g:
        return g._qn_api_collections
    found: dict[str, Registered] = {}
    for plugin, result in get_host().call_each("api_collections"):
        for collection in result or []:
            reason = problem(collection)
            if reason:
                log.error("plugin %s: API collection refused: %s", plugin, reason)
                continue
            registered = Registered(plugin, collection)
            if registered.path in found:
                log.error("plugin %s: API collection %s is declared twice", plugin, registered.path)
                continue
            found[registered.path] = registered
    g._qn_api_collections = found
    return found


def scope_labels() -> dict[str, str]:
    """The scopes a token may hold (those of the enabled collections), each with what it unlocks."""
    labels: dict[str, list[str]] = {}
    for registered in collections().values():
        scope = registered.collection.scope
        if scope:
            labels.setdefault(scope, []).append(str(registered.collection.summary))
    return {scope: " ; ".join(summaries) for scope, summaries in sorted(labels.items())}
