"""The small value types that plugins return from hooks."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from babel import Locale
from flask_babel import get_locale

log = logging.getLogger("qn_portal.contributions")


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


# What ``Figure.unit`` may be: a word shown whatever the number, a (singular, plural) pair, or a function of
# the number.
FigureUnit = str | tuple[str, str] | Callable[[float], str]


def unit_text(unit: FigureUnit, value: float | None) -> str:
    """``unit`` as the words to print after ``value``, agreeing with it in the reader's language.

    A string is shown as it is; a ``(singular, plural)`` pair of translated strings gives the singular when
    the language's plural rule calls ``value`` singular (French: 0 to 1.99…, "0 personne", "1,5 heure";
    English: exactly 1), else the plural; a function is called with ``value`` and returns the words. A
    function that raises leaves the number without a unit rather than the report without its figures.
    """
    value = value or 0
    if callable(unit):
        try:
            return str(unit(value))
        except Exception:
            log.exception("figure unit %r failed for %r; shown without a unit", unit, value)
            return ""
    if isinstance(unit, tuple):
        singular, plural = unit
        locale = get_locale() or Locale.parse("fr")
        return str(singular if locale.plural_form(abs(value)) == "one" else plural)
    return str(unit or "")


@dataclass(frozen=True)
class Figure:
    """One measure of activity for a report (what ``report_figures`` returns): "sessions held: 12".

    ``key`` is namespaced (``ateliers.sessions_held``), ``value`` a number; ``association_id`` says whose
    figure it is (``None``: the whole set asked for). ``unit`` is one of:

    * empty, or a string shown whatever the number: a symbol (``"h"``, ``"%"``, ``"€"``);
    * a ``(singular, plural)`` pair of translated strings, for a word that agrees with the number
      (``(lazy_gettext("personne"), lazy_gettext("personnes"))``: "1 personne", "2 personnes"; "1 person",
      "2 people"), chosen by the reader's language's plural rule;
    * a function of the number that returns the words, for full ``ngettext`` control
      (``lambda n: ngettext("personne", "personnes", n)``).

    Whoever shows a figure calls ``unit_for(value)`` (a report shows a total: the unit must agree with it, not
    with one association's value); ``str(figure.unit)`` is right for plain strings only.
    """

    key: str
    label: str
    value: float
    unit: FigureUnit = ""
    association_id: int | None = None

    def unit_for(self, value: float | None = None) -> str:
        """The unit's words for ``value`` (by default the figure's own value), in the reader's language."""
        return unit_text(self.unit, self.value if value is None else value)


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


@dataclass(frozen=True)
class ApiFilter:
    """A query parameter that a collection of the public API accepts; the core checks it before the plugin sees it.

    ``kind`` says what the value is and what the plugin receives in ``filters[name]``:

    * ``"commune"``: one of the métropole's communes (``qn_portal.api.COMMUNES``), typed in any case; the
      plugin receives the official spelling;
    * ``"choice"``: one of ``choices`` (the plugin receives it as is);
    * ``"date"``: a day written ``AAAA-MM-JJ``; the plugin receives a ``datetime.date`` (``du`` and ``au``
      name the two ends of a range, both days included);
    * ``"text"``: a few words (at most 100 characters), stripped.

    A parameter left out is absent from ``filters``. ``description`` is a short French sentence for the
    OpenAPI document (mark it with ``lazy_gettext``).
    """

    name: str
    kind: str
    description: str = ""
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class ApiCollection:
    """A read-only collection of the public JSON API (what ``api_collections`` returns).

    It answers at ``/api/v1/<plugin>/<name>`` (the list) and ``/api/v1/<plugin>/<name>/<id>`` (one item);
    the core's own collections at ``/api/v1/<name>``. The core checks the parameters, paginates, checks
    tokens and builds the OpenAPI document from these declarations; the plugin says what a viewer may read:

    * ``query(user, filters)`` returns a SQLAlchemy select of the items ``user`` may read that match
      ``filters`` (a dict of checked values, see ``ApiFilter``), in a stable order (end with the id);
    * ``serialize(user, rows)`` turns one page of those rows into JSON items (a list of dicts), in a
      constant number of queries;
    * ``get(user, item_id)`` returns one item as a dict, or ``None`` when it does not exist or ``user``
      may not read it (the API answers 404 in both cases, so that nobody learns what exists).

    ``user`` is the owner of the request's token when the token holds ``scope``, otherwise an anonymous
    visitor: the same rules as the HTML pages apply, never wider. Every item carries ``id`` (the database
    id), ``url`` (its HTML page, absolute) and ISO 8601 dates with a time zone, and matches ``item_schema``
    (JSON Schema 2020-12, as OpenAPI 3.1 uses it; set ``additionalProperties: false``).
    """

    name: str
    summary: str
    item_schema: dict[str, Any]
    query: Callable[[Any, dict[str, Any]], Any]
    serialize: Callable[[Any, list[Any]], list[dict[str, Any]]]
    get: Callable[[Any, int], dict[str, Any] | None]
    filters: tuple[ApiFilter, ...] = ()
    scope: str = ""
    description: str = ""


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
