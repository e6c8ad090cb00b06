"""Reading the index: what a person may find, best first, grouped by kind.

Who sees what (a document's ``visibility``):

* ``public``: everyone, signed in or not;
* ``community``: every signed-in person, partners included;
* ``association``: the members (managers and mediators) of the document's association, coordinators and
  admins. Partners never see such a document, even if they were ever given a membership: what an
  association keeps for itself is not shared with funders. A document marked ``association`` without an
  association is seen by coordinators and admins only.
* ``programme``: the members of any association (managers and mediators), coordinators and admins; never
  partners.

A disabled plugin's documents stay in the index and are left out here.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from flask_babel import gettext
from sqlalchemy import and_, false, func, literal_column, or_, select, table, true

from ..accounts.models import PARTNER
from ..extensions import db
from ..pagination import paginate
from ..plugins import get_host
from .analysis import ParsedQuery, parse_query, snippet
from .models import FTS_TABLE, VECTOR_COLUMN, SearchEntry

# A title hit outweighs a text hit: bm25 column weights (SQLite), ts_rank weights {D, C, B, A} (PostgreSQL).
SQLITE_WEIGHTS = "10.0, 1.0"
POSTGRES_WEIGHTS = "{0.1, 0.2, 0.1, 1.0}"
SAFE_URL_RE = re.compile(r"^(/(?!/)|https?://)", re.I)
# At most this many matches are counted and ranked. A word found in most documents would otherwise make every
# search count and rank the whole index (26 000 entries on the benchmark's D1, 2.6 million on D2): beyond it,
# the most recently indexed matches are taken, ranked among themselves, and the page says there are more.
RANKING_CAP = 1000


def search_statement(user, query: str | ParsedQuery, kind: str | None = None, lowest_id: int | None = None):
    """The select of the entries matching ``query`` that ``user`` may see, best first.

    ``query`` is what the person typed (or its ``parse_query``); ``kind`` keeps one kind of result;
    ``lowest_id`` keeps the entries from that id up (the cap of ``run_search``). A query with nothing to
    look for selects nothing.
    """
    parsed = query if isinstance(query, ParsedQuery) else parse_query(query)
    statement = select(SearchEntry).where(_readable(user))
    if kind is not None:
        statement = statement.where(SearchEntry.kind == kind)
    if not parsed.terms:
        return statement.where(false())
    return _match(statement, parsed.terms, lowest_id)


def _fts_rowid():
    return literal_column(f"{FTS_TABLE}.rowid")


def _candidates(user, parsed: ParsedQuery) -> list[tuple[int, str]]:
    """Up to ``RANKING_CAP + 1`` matches ``user`` may see, as (id, kind), most recently indexed first.

    Read in the full-text index's own order (descending ids), so that a common word stops after the cap
    instead of joining every match.
    """
    statement = select(SearchEntry.id, SearchEntry.kind).where(_readable(user))
    if db.session.get_bind().dialect.name == "postgresql":
        statement = statement.where(_postgres_match(parsed.terms)[0]).order_by(SearchEntry.id.desc())
    else:
        statement = (statement.join(table(FTS_TABLE, literal_column("rowid")), _fts_rowid() == SearchEntry.id)
                     .where(literal_column(FTS_TABLE).op("MATCH")(_sqlite_match(parsed.terms)))
                     .order_by(_fts_rowid().desc()))
    return [tuple(row) for row in db.session.execute(statement.limit(RANKING_CAP + 1))]


def _postgres_match(terms: tuple[str, ...]):
    vector = literal_column(f"{SearchEntry.__tablename__}.{VECTOR_COLUMN}")
    # plainto_tsquery ANDs the words and reads no syntax; the stems hold nothing but [a-z0-9] anyway.
    tsquery = func.plainto_tsquery(literal_column("'simple'::regconfig"), " ".join(terms))
    return vector.op("@@")(tsquery), func.ts_rank(literal_column(f"'{POSTGRES_WEIGHTS}'::float4[]"), vector, tsquery)


def _sqlite_match(terms: tuple[str, ...]) -> str:
    # Every stem quoted: FTS5 reads a string, never an operator; the stems hold no quote to escape.
    return " ".join(f'"{term}"' for term in terms)


def _match(statement, terms: tuple[str, ...], lowest_id: int | None = None):
    """Add the full-text condition and the ranking of this database to ``statement``."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        condition, rank = _postgres_match(terms)
        statement = statement.where(condition).order_by(rank.desc())
        if lowest_id is not None:
            statement = statement.where(SearchEntry.id >= lowest_id)
    else:
        fts = table(FTS_TABLE, literal_column("rowid"))
        statement = (statement.join(fts, _fts_rowid() == SearchEntry.id)
                     .where(literal_column(FTS_TABLE).op("MATCH")(_sqlite_match(terms)))
                     .order_by(func.bm25(literal_column(FTS_TABLE), literal_column(SQLITE_WEIGHTS))))
        if lowest_id is not None:
            statement = statement.where(_fts_rowid() >= lowest_id)  # a range FTS5 reads from its own index
    return statement.order_by(SearchEntry.updated_at.desc(), SearchEntry.id.desc())


def _readable(user):
    """What ``user`` may find: enabled plugins' documents, within what the visibility allows them."""
    host = get_host()
    enabled = [name for name in host.plugins if host.is_enabled(name)]
    return and_(SearchEntry.plugin.in_(enabled), _visible_to(user))


def _visible_to(user):
    if user is None or not user.is_authenticated:
        return SearchEntry.visibility == "public"
    if user.is_coordinator:
        return true()
    shared = SearchEntry.visibility.in_(("public", "community"))
    if user.role == PARTNER:
        return shared
    association_ids = [membership.association_id for membership in user.memberships]
    if not association_ids:
        return shared
    return or_(shared, SearchEntry.visibility == "programme",
               and_(SearchEntry.visibility == "association", SearchEntry.association_id.in_(association_ids)))


# --- the results page --------------------------------------------------------------------------------


@dataclass
class Hit:
    title: str
    url: str
    extract: list[tuple[str, bool]]


@dataclass
class Group:
    kind: str
    label: str
    count: int  # in the whole result, not only on this page
    hits: list[Hit] = field(default_factory=list)


@dataclass
class Kind:
    kind: str
    label: str
    count: int


@dataclass
class SearchResults:
    query: ParsedQuery
    kind: str | None = None  # the kind the person kept, when they chose one
    kinds: list[Kind] = field(default_factory=list)
    page: object | None = None  # the Pagination of the matching entries
    groups: list[Group] = field(default_factory=list)
    capped: bool = False  # more than ``cap`` matches: only the most recent ones are counted and ranked
    cap: int = 0

    @property
    def total(self) -> int:
        return self.page.total if self.page is not None else 0


def run_search(user, raw_query: str | None, kind: str | None = None) -> SearchResults:
    """Search for the page ``/recherche``: the counts per kind, then the requested page, grouped by kind.

    ``kind`` is taken only if it is one of the kinds found (an allow-list, not the request's word).
    Three queries however many results: the candidates (which give the counts), the page, its total. Past
    ``RANKING_CAP`` matches, counts and ranking cover the most recently indexed ones only (``capped``).
    """
    parsed = parse_query(raw_query)
    results = SearchResults(parsed)
    if not parsed.terms:
        return results
    candidates = _candidates(user, parsed)
    results.cap = RANKING_CAP
    results.capped = len(candidates) > RANKING_CAP
    candidates = candidates[:RANKING_CAP]
    counts = Counter(found for _id, found in candidates)
    results.kinds = sorted((Kind(name, gettext(name) if name else name, count) for name, count in counts.items()),
                           key=lambda item: (-item.count, item.label.casefold()))
    if not results.kinds:
        return results
    labels = {item.kind: item for item in results.kinds}
    results.kind = kind if kind in labels else None
    # Capped: rank only the candidates, which are every readable match from the lowest candidate id up.
    lowest_id = candidates[-1][0] if results.capped else None
    results.page = paginate(search_statement(user, parsed, results.kind, lowest_id))
    groups: dict[str, Group] = {}
    for entry in results.page.items:
        known = labels[entry.kind]
        group = groups.setdefault(entry.kind, Group(entry.kind, known.label, known.count))
        group.hits.append(Hit(entry.title, entry.url if SAFE_URL_RE.match(entry.url or "") else "#",
                              snippet(entry.text, parsed.terms)))
    results.groups = list(groups.values())  # in the order of each kind's best hit on this page
    return results
