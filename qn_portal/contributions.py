"""The small value types that plugins return from hooks."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class NavItem:
    """An entry of the main navigation. ``endpoint`` is passed to ``url_for``; lower ``order`` comes first."""

    label: str
    endpoint: str
    order: int = 100
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Widget:
    """A box on the dashboard, rendered from ``template`` with ``context``."""

    title: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    order: int = 100


@dataclass(frozen=True)
class Panel:
    """A section of an association's page, rendered from ``template`` with ``context``."""

    title: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    order: int = 100


@dataclass(frozen=True)
class Permission:
    """An action someone may be allowed to do.

    ``roles`` are the roles that hold it by default: platform roles (``admin``, ``coordinator``,
    ``partner``, ``member``) and association roles (``manager``, ``mediator``), the latter counted in the
    association that the checked object belongs to. Admins hold every permission unless a plugin says no.
    """

    name: str
    label: str
    roles: frozenset[str] = frozenset()

    def __init__(self, name: str, label: str, roles: Iterable[str] = ()):
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "label", label)
        object.__setattr__(self, "roles", frozenset(roles))


@dataclass(frozen=True)
class SearchDocument:
    """One searchable thing. ``key`` is unique within its plugin (e.g. ``"note:12"``).

    ``visibility`` is ``"public"``, ``"community"`` (any signed-in user, partners included) or
    ``"association"`` (members of ``association_id``, coordinators and admins; never partners).
    ``kind`` is the heading the result is grouped under on the results page, a short French label marked
    for translation (``lazy_gettext("Note")``); it defaults to the plugin's name.
    """

    key: str
    title: str
    text: str
    url: str
    association_id: int | None = None
    visibility: str = "community"
    kind: str = ""


@dataclass(frozen=True)
class Event:
    """Something that happened. ``name`` is namespaced by the plugin that emits it (``core.user_invited``)."""

    name: str
    data: dict[str, Any] = field(default_factory=dict)
    actor_id: int | None = None


@dataclass(frozen=True)
class NotificationKind:
    """A kind of notification that a plugin creates, named ``<plugin>.<what>`` (``core.added_to_association``).

    ``label`` and ``description`` tell a person, on their notification preferences page, what they will be
    told about; each person chooses per kind how they hear about it by e-mail.
    """

    name: str
    label: str
    description: str = ""


@dataclass(frozen=True)
class Figure:
    """One measure of activity for a report (what ``report_figures`` returns): "sessions held: 12".

    ``key`` is namespaced (``ateliers.sessions_held``), ``value`` a number, ``unit`` a short translated word
    ("h", "personnes") or empty; ``association_id`` says whose figure it is (``None``: the whole set asked for).
    """

    key: str
    label: str
    value: float
    unit: str = ""
    association_id: int | None = None


@dataclass
class DemoContext:
    """What ``demo_data`` implementations receive: the demo people and associations, by key."""

    users: dict[str, Any] = field(default_factory=dict)
    associations: dict[str, Any] = field(default_factory=dict)
    password: str = ""
    log: Callable[[str], None] = print


@dataclass(frozen=True)
class InclusionService:
    """One offer of an association in data·inclusion's ``Service`` shape (what ``data_inclusion_services`` returns).

    ``key`` is unique within the plugin and stable (``"12"`` for workshop 12): the exported id is
    ``qn-<plugin>-<key>``. ``fields`` holds the schema's other fields by their schema names (``nom``,
    ``description``, ``type``, ``thematiques``, ``publics``…), as plain JSON values; ``None`` and empty values
    are left out. The core adds ``source``, ``id`` and ``structure_id``.
    """

    association_id: int
    key: str
    fields: dict[str, Any] = field(default_factory=dict)
