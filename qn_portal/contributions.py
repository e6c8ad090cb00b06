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


@dataclass(frozen=True)
class DemoVolume:
    """How many rows ``qn-portal seed-demo --volume`` generates in bulk, on top of the ordinary demo.

    Totals, demo rows included: ``associations`` and ``users`` (the core), ``resources`` (ressources),
    ``veille_posts`` (veille), ``workshops`` and ``registrations`` (ateliers), ``opportunities``
    (cofinancements), ``threads`` (echanges). A plugin generates only its own share.
    """

    name: str
    associations: int
    users: int
    resources: int
    veille_posts: int
    workshops: int
    registrations: int
    opportunities: int
    threads: int

    def scaled(self, factor: int, name: str) -> DemoVolume:
        """The same volume with every count but ``associations`` multiplied by ``factor``."""
        return DemoVolume(name, self.associations, self.users * factor, self.resources * factor,
                          self.veille_posts * factor, self.workshops * factor, self.registrations * factor,
                          self.opportunities * factor, self.threads * factor)


# D1, the benchmark's data set (issue 11): a year or two of a large programme. D2 (D1 x 100) is made from it in
# SQL by bench/ on PostgreSQL, Python generation being too slow for it.
DEMO_VOLUMES = {
    "d1": DemoVolume("d1", associations=50, users=500, resources=10_000, veille_posts=10_000, workshops=1_000,
                     registrations=20_000, opportunities=500, threads=5_000),
    # Small enough for a test, large enough to go through every generator's paths.
    "tiny": DemoVolume("tiny", associations=12, users=40, resources=60, veille_posts=40, workshops=10,
                       registrations=200, opportunities=15, threads=20),
}


@dataclass
class DemoContext:
    """What ``demo_data`` implementations receive: the demo people and associations, by key.

    ``volume`` is ``None`` for the ordinary demo. With a ``DemoVolume`` (``seed-demo --volume d1``), each
    plugin also generates its share of bulk rows, spread over ``association_ids`` and ``user_ids`` (every
    association and account, demo and generated, filled by the core first), with ``random`` (seeded, so that
    two runs make the same data) and the helpers ``bulk_insert`` and ``filler_text`` of the facade.
    """

    users: dict[str, Any] = field(default_factory=dict)
    associations: dict[str, Any] = field(default_factory=dict)
    password: str = ""
    log: Callable[[str], None] = print
    volume: DemoVolume | None = None
    association_ids: list[int] = field(default_factory=list)
    user_ids: list[int] = field(default_factory=list)
    random: Any = None
