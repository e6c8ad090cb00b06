"""The rules of the exchanges: who sees what, mentions, search documents, notifications to followers,
similar threads and the counts shown in the navigation and on the dashboard."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from flask import has_request_context, url_for
from sqlalchemy import Integer, and_, cast, false, func, or_, select, true, union_all

from qn_portal.api import (
    SearchDocument,
    User,
    can,
    db,
    index_document,
    lazy_gettext,
    notify,
    plugin_enabled,
    render_markdown,
    search_keys,
    unindex_document,
)

from .models import (
    FOLLOW_CATEGORY,
    FOLLOW_TAG,
    FOLLOW_THREAD,
    EchangesCategory,
    EchangesFollow,
    EchangesMention,
    EchangesPost,
    EchangesThread,
)

PARTNER = "partner"
MAX_TAGS = 5
TAG_MAX = 30
# Pages of other plugins a thread may link to, by the plugin that serves them.
LINKABLE = ("ressources", "ateliers", "veille")


# --- visibility -----------------------------------------------------------------------------------------


def is_partner(user) -> bool:
    return getattr(user, "role", None) == PARTNER


def category_clause(user):
    """The categories ``user`` may read: partners only those opened to them."""
    if is_partner(user):
        return EchangesCategory.open_to_partners.is_(True)
    return true()


def thread_clause(user):
    """A condition on threads for ``user`` (use with a select that can reach ``EchangesThread``)."""
    if is_partner(user):
        return EchangesThread.category_id.in_(
            select(EchangesCategory.id).where(EchangesCategory.open_to_partners.is_(True)))
    return true()


def may_read(user, category: EchangesCategory | None) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or category is None:
        return False
    if not can(user, "echanges.view"):
        return False
    return not is_partner(user) or category.open_to_partners


def may_see_thread(user, thread: EchangesThread) -> bool:
    return may_read(user, thread.category)


def readers_among(user_ids, thread: EchangesThread) -> list[int]:
    """The people of ``user_ids`` who may read ``thread``: nobody is told about what they cannot open."""
    ids = sorted({int(uid) for uid in user_ids})
    if not ids:
        return []
    users = db.session.scalars(select(User).where(User.id.in_(ids), User.active.is_(True))).all()
    return [user.id for user in users if may_see_thread(user, thread)]


def visible_categories(user) -> list[EchangesCategory]:
    return db.session.scalars(select(EchangesCategory).where(category_clause(user))
                              .order_by(EchangesCategory.position, EchangesCategory.name)).all()


# --- text -----------------------------------------------------------------------------------------------


def fold(text: str) -> str:
    """Lower case without accents: "Élodie" and "elodie" are the same name."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


def parse_tags(raw: str | None) -> list[str]:
    tags: list[str] = []
    for piece in (raw or "").split(","):
        tag = " ".join(piece.replace(",", " ").split()).lower()
        if tag and tag not in tags:
            tags.append(tag)
    return tags


def tags_problem(tags: list[str]) -> str | None:
    from qn_portal.api import gettext as _

    if len(tags) > MAX_TAGS:
        return _("Indiquez au plus %(count)s mots-clés.", count=MAX_TAGS)
    if any(len(tag) > TAG_MAX for tag in tags):
        return _("Chaque mot-clé fait au plus %(count)s caractères.", count=TAG_MAX)
    return None


def links_problem(raw: str | None) -> str | None:
    """Links are paths of the portal's resources, workshops or veille pages, when those plugins are on."""
    from qn_portal.api import gettext as _

    lines = [line.strip() for line in (raw or "").splitlines() if line.strip()]
    if len(lines) > 5:
        return _("Indiquez au plus 5 liens.")
    allowed = [name for name in LINKABLE if plugin_enabled(name)]
    for line in lines:
        if not re.fullmatch(r"/[A-Za-z0-9/_\-.%]{1,200}", line) or "//" in line or ".." in line:
            return _("« %(link)s » n'est pas l'adresse d'une page du portail (elle commence par /).", link=line[:80])
        if line.split("/")[1] not in allowed:
            if not allowed:
                return _("Aucun module de ressources, d'ateliers ou de veille n'est activé : pas de lien possible.")
            return _("Liez seulement une page de : %(modules)s.", modules=", ".join("/" + name for name in allowed))
    return None


def link_label(link: str) -> str:
    from qn_portal.api import gettext as _

    labels = {"ressources": _("Ressource"), "ateliers": _("Atelier"), "veille": _("Veille")}
    return labels.get(link.split("/")[1], _("Lien"))


# --- mentions -------------------------------------------------------------------------------------------

MENTION_START = re.compile(r"(?:(?<=^)|(?<=[\s(\[>]))@(?=\w)", re.UNICODE)


@dataclass
class Mentions:
    users: dict[int, str] = field(default_factory=dict)  # id → the name as written
    spans: list[tuple[int, int, str]] = field(default_factory=list)  # start, end, display name
    unknown: list[str] = field(default_factory=list)
    ambiguous: list[str] = field(default_factory=list)


def _name_index():
    """Active people by folded name: an ambiguous name has several ids."""
    names: dict[str, list[tuple[int, str]]] = {}
    for user_id, name in db.session.execute(select(User.id, User.name).where(User.active.is_(True), User.name != "")):
        key = " ".join(fold(name).split())
        if key:
            names.setdefault(key, []).append((user_id, name))
    return names


def find_mentions(body: str) -> Mentions:
    """``@Prénom Nom``: the longest active person's name that follows the @, case and accents ignored.

    A name two people share mentions nobody (the author is told); an @ followed by no known name is
    reported as unknown (up to two words, what a first and last name would be).
    """
    result = Mentions()
    starts = [match.start() for match in MENTION_START.finditer(body or "")]
    if not starts:
        return result
    names = _name_index()
    folded_body = fold(body)
    # NFKD may change lengths (ligatures); then positions would not line up: fall back to char-by-char folding.
    aligned = len(folded_body) == len(body)
    for start in starts:
        rest = body[start + 1:start + 1 + 130]
        folded_rest = folded_body[start + 1:start + 1 + 130] if aligned else "".join(fold(char) or char for char in rest)
        best = None
        for key, owners in names.items():
            if len(folded_rest) >= len(key) and folded_rest[:len(key)] == key:
                after = folded_rest[len(key):len(key) + 1]
                if after and (after.isalnum() or after == "_"):
                    continue
                if best is None or len(key) > len(best[0]):
                    best = (key, owners)
        if best is None:
            guess = " ".join(re.findall(r"[\w'\-]+", rest, re.UNICODE)[:2])
            if guess and guess not in result.unknown:
                result.unknown.append(guess)
            continue
        key, owners = best
        written = rest[:len(key)]
        if len(owners) > 1:
            if written not in result.ambiguous:
                result.ambiguous.append(written)
            continue
        user_id, name = owners[0]
        result.users[user_id] = name
        result.spans.append((start, start + 1 + len(key), name))
    return result


def render_body(body: str, mentions: Mentions) -> str:
    """The sanitised HTML of a message, mentioned names in bold."""
    text = body
    for start, end, _name in sorted(mentions.spans, reverse=True):
        # Markdown's strong emphasis: no HTML of ours goes through the sanitiser unchecked.
        inner = text[start:end].replace("*", "").replace("_", "\\_")
        text = text[:start] + "**" + inner + "**" + text[end:]
    return str(render_markdown(text))


def save_mentions(post: EchangesPost, mentions: Mentions) -> list[int]:
    """Store who ``post`` mentions; returns the people newly mentioned (an edit does not notify twice)."""
    before = set(db.session.scalars(select(EchangesMention.user_id).where(EchangesMention.post_id == post.id)))
    now = set(mentions.users)
    for user_id in now - before:
        db.session.add(EchangesMention(post_id=post.id, user_id=user_id))
    if before - now:
        db.session.execute(EchangesMention.__table__.delete().where(
            EchangesMention.post_id == post.id, EchangesMention.user_id.in_(before - now)))
    return sorted(now - before)


# --- search ---------------------------------------------------------------------------------------------


def thread_path(thread_id: int) -> str:
    # The demo and the reindex command run outside a request: the path is then written out.
    return url_for("echanges.thread", thread_id=thread_id) if has_request_context() else f"/echanges/sujets/{thread_id}"


def thread_document(thread: EchangesThread) -> SearchDocument:
    """One document per thread: its title, tags and the text of its messages still shown.

    Threads of a category open to partners are ``community``; the others ``programme`` (members of any
    association, coordinators and admins, never partners). A plain signed-in person with no association
    and no partner role could find an open category's thread through the portal search: the core has no
    narrower value, and such threads are the ones meant to be shared outside the associations.
    """
    posts = db.session.scalars(select(EchangesPost).where(
        EchangesPost.thread_id == thread.id, EchangesPost.hidden.is_(False), EchangesPost.deleted_at.is_(None))
        .order_by(EchangesPost.created_at, EchangesPost.id)).all()
    text = " ".join([", ".join(thread.tag_list)] + [post.body for post in posts])
    return SearchDocument(key=f"thread:{thread.id}", title=thread.title, text=text[:20000],
                          url=thread_path(thread.id),
                          visibility="community" if thread.category.open_to_partners else "programme",
                          kind=lazy_gettext("Échange"))


def reindex(thread: EchangesThread) -> None:
    index_document("echanges", thread_document(thread))


def unindex(thread_id: int) -> None:
    unindex_document("echanges", f"thread:{thread_id}")


def all_documents():
    for thread in db.session.scalars(select(EchangesThread).order_by(EchangesThread.id)):
        yield thread_document(thread)


def matching_thread_ids(user, query: str):
    """A select of the ids of the threads matching ``query`` through the portal's index."""
    keys = search_keys("echanges", user, query).subquery()
    prefix = len("thread:") + 1
    return select(cast(func.substr(keys.c.key, prefix), Integer))


def similar_threads(user, title: str, limit: int = 5) -> list[EchangesThread]:
    """Threads sharing words with ``title``: each word searched on its own, ranked by words shared."""
    words = [word for word in re.findall(r"\w+", title or "", re.UNICODE) if len(word) >= 3][:8]
    if not words:
        return []
    union = union_all(*[search_keys("echanges", user, word) for word in words]).subquery()
    ranked = db.session.execute(select(union.c.key, func.count()).group_by(union.c.key)
                                .order_by(func.count().desc(), union.c.key.desc()).limit(limit * 2)).all()
    ids = [int(key.split(":", 1)[1]) for key, _count in ranked if key.startswith("thread:")]
    if not ids:
        return []
    threads = {thread.id: thread for thread in db.session.scalars(
        select(EchangesThread).where(EchangesThread.id.in_(ids), thread_clause(user)))}
    return [threads[i] for i in ids if i in threads][:limit]


# --- following and notifications ------------------------------------------------------------------------


def follow_of(user_id: int, target_type: str, target) -> EchangesFollow | None:
    return db.session.scalar(select(EchangesFollow).where(
        EchangesFollow.user_id == user_id, EchangesFollow.target_type == target_type,
        EchangesFollow.target == str(target)))


def ensure_follow(user_id: int, thread: EchangesThread, seen_at=None) -> None:
    """Who writes in a thread follows it (as on Discourse); they may stop following it."""
    follow = follow_of(user_id, FOLLOW_THREAD, thread.id)
    if follow is None:
        db.session.add(EchangesFollow(user_id=user_id, target_type=FOLLOW_THREAD, target=str(thread.id),
                                      **({"seen_at": seen_at} if seen_at else {})))
    elif seen_at is not None:
        follow.seen_at = seen_at


def followers(thread: EchangesThread) -> tuple[set[int], set[int]]:
    """(people following the thread, people following its category or one of its tags)."""
    rows = db.session.execute(select(EchangesFollow.user_id, EchangesFollow.target_type).where(or_(
        and_(EchangesFollow.target_type == FOLLOW_THREAD, EchangesFollow.target == str(thread.id)),
        and_(EchangesFollow.target_type == FOLLOW_CATEGORY, EchangesFollow.target == str(thread.category_id)),
        and_(EchangesFollow.target_type == FOLLOW_TAG, EchangesFollow.target.in_(thread.tag_list or [""]))))).all()
    of_thread = {user_id for user_id, kind in rows if kind == FOLLOW_THREAD}
    of_topics = {user_id for user_id, kind in rows if kind != FOLLOW_THREAD}
    return of_thread, of_topics


def announce(post_id: int, mentioned: list[int], actor_id: int | None) -> dict[str, list[int]]:
    """Tell the people mentioned, then the followers, once each (a mention wins over a follow).

    Called after the message is committed. Returns who was told, by kind (for the tests and the author).
    """
    post = db.session.get(EchangesPost, post_id)
    if post is None or not post.shown:
        return {}
    thread = post.thread
    url = url_for("echanges.thread", thread_id=thread.id) + f"#message-{post.id}"
    author = post.author.display_name if post.author else ""
    told: set[int] = {actor_id} if actor_id else set()
    sent: dict[str, list[int]] = {}

    def send(ids, kind, title):
        recipients = readers_among(set(ids) - told, thread)
        told.update(recipients)
        if recipients:
            notify(recipients, kind, title, url, text=lazy_gettext("Catégorie : %(category)s",
                                                                   category=thread.category.name))
        sent[kind] = recipients

    send(mentioned, "echanges.mention",
         lazy_gettext("%(name)s vous mentionne dans « %(title)s »", name=author, title=thread.title))
    of_thread, of_topics = followers(thread)
    if post.is_first:
        send(of_topics, "echanges.new_thread",
             lazy_gettext("Nouveau sujet : %(title)s", title=thread.title))
    else:
        send(of_thread, "echanges.reply",
             lazy_gettext("%(name)s a répondu dans « %(title)s »", name=author, title=thread.title))
        send(of_topics, "echanges.topic_reply",
             lazy_gettext("%(name)s a répondu dans « %(title)s »", name=author, title=thread.title))
    return sent


def new_messages_count(user) -> int:
    """Messages by others in the threads ``user`` follows, since they last marked them read.

    Shown in the navigation, so on every page: the followed threads are read first, then only their messages
    are counted, each thread from its own ``seen_at`` through the (thread, date) index. (Joining the follows
    on ``CAST(thread_id AS TEXT)`` read every message of the forum: 9 ms a page with 15 000 messages.)
    """
    follows = db.session.execute(select(EchangesFollow.target, EchangesFollow.seen_at).where(
        EchangesFollow.user_id == user.id, EchangesFollow.target_type == FOLLOW_THREAD)).all()
    since = [(int(target), seen_at) for target, seen_at in follows if target.isdigit()]
    total = 0
    for start in range(0, len(since), NEW_MESSAGES_CHUNK):
        threads = [and_(EchangesPost.thread_id == thread_id, EchangesPost.created_at > seen_at)
                   for thread_id, seen_at in since[start:start + NEW_MESSAGES_CHUNK]]
        total += db.session.scalar(
            select(func.count(EchangesPost.id))
            .join(EchangesThread, EchangesThread.id == EchangesPost.thread_id)
            .where(or_(*threads), EchangesPost.author_id != user.id, EchangesPost.hidden.is_(False),
                   EchangesPost.deleted_at.is_(None), thread_clause(user))) or 0
    return total


NEW_MESSAGES_CHUNK = 200  # followed threads per query: a bounded statement however many one follows


def unanswered_in_my_themes(user, limit: int = 5) -> list[EchangesThread]:
    """Unanswered threads in the categories and tags ``user`` follows (all unanswered ones if none)."""
    follows = db.session.execute(select(EchangesFollow.target_type, EchangesFollow.target).where(
        EchangesFollow.user_id == user.id, EchangesFollow.target_type.in_((FOLLOW_CATEGORY, FOLLOW_TAG)))).all()
    statement = (select(EchangesThread).where(EchangesThread.reply_count == 0, thread_clause(user))
                 .order_by(EchangesThread.created_at.desc(), EchangesThread.id.desc()).limit(limit))
    if follows:
        categories = [int(target) for kind, target in follows if kind == FOLLOW_CATEGORY and target.isdigit()]
        tags = [target for kind, target in follows if kind == FOLLOW_TAG]
        conditions = [EchangesThread.category_id.in_(categories)] if categories else []
        conditions += [tag_clause(tag) for tag in tags]
        statement = statement.where(or_(*conditions) if conditions else false())
    return db.session.scalars(statement).all()


def tag_clause(tag: str):
    """Threads carrying ``tag`` exactly (``%`` and ``_`` typed in a tag are not wildcards)."""
    escaped = tag.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return EchangesThread.tags.like(f"%,{escaped},%", escape="\\")

