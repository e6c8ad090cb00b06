"""What the veille does, apart from its pages: who reads what, search documents, announcements of new
posts, the Atom feeds, the private feed tokens, the weekly digest and the import of external sources."""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import re
import secrets
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo

import feedparser
import nh3
from flask import current_app, url_for
from sqlalchemy import and_, delete, select
from sqlalchemy.exc import IntegrityError

from qn_portal.api import (
    SearchDocument,
    User,
    can,
    db,
    index_document,
    notify,
    send_mail,
    unindex_document,
    utcnow,
    write_transaction,
)
from qn_portal.api import (
    lazy_gettext as _l,
)

from .models import (
    PENDING,
    PUBLIC,
    VeilleDigest,
    VeilleFeedToken,
    VeilleItem,
    VeillePost,
    VeillePreference,
    VeilleSource,
)

log = logging.getLogger("qn_portal.plugins.veille")
PARIS = ZoneInfo("Europe/Paris")
FEED_MAX_BYTES = 1_000_000
FEED_TIMEOUT = 10
FEED_ENTRIES = 50
SCRIPT_RE = re.compile(r"<\s*script|javascript\s*:", re.I)


# --- who reads what ---------------------------------------------------------------------------------------


def reads_intranet(user) -> bool:
    """Intranet posts are the programme's: coordinators, admins and the associations' members, not partners."""
    return bool(user is not None and getattr(user, "is_authenticated", False) and can(user, "veille.read"))


def visible_clause(user, now: datetime | None = None):
    """The posts ``user`` (possibly anonymous) may see now: published, and public unless they read the intranet."""
    clause = VeillePost.published_at <= (now or utcnow())
    if not reads_intranet(user):
        clause = and_(clause, VeillePost.visibility == PUBLIC)
    return clause


def may_see(user, post: VeillePost) -> bool:
    if not post.is_published():
        return can(user, "veille.write") if getattr(user, "is_authenticated", False) else False
    return post.is_public or reads_intranet(user)


def posts_statement(user, category: str = "", tag: str = "", commune: str = ""):
    statement = select(VeillePost).where(visible_clause(user))
    if category:
        statement = statement.where(VeillePost.category == category)
    if tag:
        statement = statement.where(VeillePost.tags.contains("," + tag + ",", autoescape=True))
    if commune:
        statement = statement.where(VeillePost.communes.contains("," + commune + ",", autoescape=True))
    return statement.order_by(VeillePost.pinned.desc(), VeillePost.published_at.desc(), VeillePost.id.desc())


def latest_posts(user, count: int = 5) -> list[VeillePost]:
    return list(db.session.scalars(posts_statement(user).limit(count)))


def preference_of(user_id: int) -> VeillePreference | None:
    return db.session.get(VeillePreference, user_id)


def normalise_tag(text: str) -> str:
    text = re.sub(r"\s+", " ", (text or "").replace(",", " ").strip().lower())
    return text[:40]


# --- search and announcements -----------------------------------------------------------------------------


def post_document(post: VeillePost) -> SearchDocument:
    text = " ".join([post.body or "", " ".join(post.tag_list), " ".join(post.commune_list), post.category_label])
    return SearchDocument(key=f"post:{post.id}", title=post.title, text=text,
                          url=url_for("veille.post", post_id=post.id),
                          visibility="public" if post.is_public else "programme", kind=_l("Veille"))


def sync_index(post: VeillePost) -> None:
    """Index the post if it is visible now; a scheduled post stays out of the index until it is announced."""
    if post.is_published():
        index_document("veille", post_document(post))
    else:
        unindex_document("veille", f"post:{post.id}")


def announce(post: VeillePost) -> None:
    """Index a post whose date has come and tell the followers of its category (once)."""
    index_document("veille", post_document(post))
    post.announced_at = utcnow()
    db.session.commit()
    followers = db.session.scalars(
        select(VeillePreference.user_id).where(VeillePreference.followed.contains("," + post.category + ","))).all()
    if not followers:
        return
    users = db.session.scalars(select(User).where(User.id.in_(followers), User.id != (post.author_id or 0))).all()
    readers = [user for user in users if post.is_public or reads_intranet(user)]
    if readers:
        notify(readers, "veille.new_post", _l("Veille : %(title)s", title=post.title),
               url_for("veille.post", post_id=post.id), text=_l("Nouveau billet dans la catégorie %(category)s.",
                                                                category=post.category_label))


def publish_due() -> int:
    """Announce every scheduled post whose date has come (run by cron, e.g. every 10 minutes)."""
    due = db.session.scalars(select(VeillePost).where(
        VeillePost.announced_at.is_(None), VeillePost.published_at <= utcnow()).order_by(VeillePost.id)).all()
    for post in due:
        announce(post)
    return len(due)


# --- Atom feeds -------------------------------------------------------------------------------------------


def atom_feed(posts: list[VeillePost], feed_url: str, title: str) -> bytes:
    from feedgen.feed import FeedGenerator

    generator = FeedGenerator()
    generator.id(feed_url)
    generator.title(title)
    generator.subtitle(str(_l("La veille de Bordeaux Mécènes Solidaires sur le numérique et ses acteurs "
                              "dans Bordeaux Métropole.")))
    generator.link(href=feed_url, rel="self")
    generator.link(href=url_for("veille.index", _external=True), rel="alternate")
    generator.language("fr")
    generator.author({"name": "Bordeaux Mécènes Solidaires"})
    generator.updated(max((post.updated_at or post.published_at for post in posts), default=utcnow()))
    for post in reversed(posts):  # feedgen puts the last added first
        entry = generator.add_entry()
        link = url_for("veille.post", post_id=post.id, _external=True)
        entry.id(link)
        entry.title(post.title)
        entry.link(href=link)
        entry.published(post.published_at)
        entry.updated(max(post.updated_at or post.published_at, post.published_at))
        entry.content(post.body_html or "", type="html")
        entry.category(term=post.category, label=post.category_label)
        # No per-entry author: the feed's (BMS) applies, so that no coordinator's name is published.
    return generator.atom_str(pretty=False)


def feed_posts(user, limit: int = FEED_ENTRIES) -> list[VeillePost]:
    statement = (select(VeillePost).where(visible_clause(user))
                 .order_by(VeillePost.published_at.desc(), VeillePost.id.desc()).limit(limit))
    return list(db.session.scalars(statement))


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def active_token(user_id: int) -> VeilleFeedToken | None:
    return db.session.scalar(select(VeilleFeedToken).where(
        VeilleFeedToken.user_id == user_id, VeilleFeedToken.revoked_at.is_(None)))


def renew_token(user_id: int) -> str:
    """Revoke the person's token, if any, and give them a new one: shown once, only its hash is kept."""
    revoke_token(user_id)
    token = secrets.token_urlsafe(32)
    db.session.add(VeilleFeedToken(user_id=user_id, token_hash=hash_token(token)))
    return token


def revoke_token(user_id: int) -> bool:
    token = active_token(user_id)
    if token is None:
        return False
    token.revoked_at = utcnow()
    return True


def user_for_token(token: str) -> User | None:
    if not token or len(token) > 100:
        return None
    row = db.session.scalar(select(VeilleFeedToken).where(
        VeilleFeedToken.token_hash == hash_token(token), VeilleFeedToken.revoked_at.is_(None)))
    if row is None or not row.user.active:
        return None
    return row.user


# --- the weekly digest ------------------------------------------------------------------------------------


def week_bounds(week: str) -> tuple[datetime, datetime]:
    """``2026-W47`` → its Monday 00:00 and the next Monday, Paris time, in UTC."""
    match = re.fullmatch(r"(\d{4})-W(\d{2})", week or "")
    if not match:
        raise ValueError(week)
    monday = datetime.fromisocalendar(int(match.group(1)), int(match.group(2)), 1).replace(tzinfo=PARIS)
    return monday.astimezone(ZoneInfo("UTC")), (monday + timedelta(days=7)).astimezone(ZoneInfo("UTC"))


def last_complete_week(now: datetime | None = None) -> str:
    day = (now or utcnow()).astimezone(PARIS).date() - timedelta(days=7)
    year, number, _ = day.isocalendar()
    return f"{year}-W{number:02d}"


@dataclass
class DigestRun:
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    problems: list[str] = field(default_factory=list)


def send_weekly_digests(week: str) -> DigestRun:
    """E-mail each subscriber the week's posts they may read; a row per person and week claims the digest
    first (unique constraint), so that a second run, even a concurrent one, sends nothing twice."""
    start, end = week_bounds(week)
    run = DigestRun()
    subscribers = db.session.scalars(
        select(User).join(VeillePreference, VeillePreference.user_id == User.id)
        .where(VeillePreference.weekly_digest.is_(True), User.active.is_(True)).order_by(User.id)).all()
    for user in subscribers:
        posts = list(db.session.scalars(
            select(VeillePost).where(visible_clause(user, now=min(end, utcnow())),
                                     VeillePost.published_at >= start, VeillePost.published_at < end)
            .order_by(VeillePost.published_at)))
        if not posts:
            run.skipped += 1
            continue
        try:
            with write_transaction():
                db.session.add(VeilleDigest(user_id=user.id, week=week, posts=len(posts)))
        except IntegrityError:
            db.session.rollback()
            run.skipped += 1
            continue
        try:
            send_mail(user.email, str(_l("La veille de la semaine (%(week)s)", week=week)),
                      digest_body(user, posts, week))
        except Exception as error:  # the claim is withdrawn so that the next run sends it
            log.warning("veille digest to user %s failed: %s", user.id, error)
            with write_transaction():
                db.session.execute(delete(VeilleDigest).where(VeilleDigest.user_id == user.id,
                                                              VeilleDigest.week == week))
            run.failed += 1
            continue
        run.sent += 1
    return run


def digest_body(user, posts: list[VeillePost], week: str) -> str:
    base = url_for("main.home", _external=True)
    lines = [str(_l("Bonjour %(name)s,", name=user.name or user.email)), "",
             str(_l("Voici les billets de la veille publiés pendant la semaine %(week)s :", week=week)), ""]
    for post in posts:
        lines.append(f"- {post.title} ({post.category_label})")
        lines.append("  " + urljoin(base, url_for("veille.post", post_id=post.id)))
    lines += ["", str(_l("Pour ne plus recevoir ce résumé : %(url)s",
                         url=urljoin(base, url_for("veille.preferences"))))]
    return "\n".join(lines)


# --- external sources ------------------------------------------------------------------------------------


class SourceProblem(Exception):
    """A source that cannot be imported this time; its message is stored on the source and reported."""


def check_host(url: str) -> None:
    """Refuse addresses inside the server's own network (loopback, private, link-local): a source must not
    make the portal probe its neighbours. ``VEILLE_ALLOW_PRIVATE_SOURCES`` lifts it (the tests' local server)."""
    if current_app.config.get("VEILLE_ALLOW_PRIVATE_SOURCES"):
        return
    host = urlsplit(url).hostname or ""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except (OSError, UnicodeError):
        raise SourceProblem(f"could not be read: unknown host {host!r}") from None
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_multicast:
            raise SourceProblem(f"refused: {host} is a private address")


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if urlsplit(newurl).scheme not in ("http", "https"):
            raise SourceProblem("redirected outside http(s)")
        check_host(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def read_url(url: str, max_bytes: int = FEED_MAX_BYTES, timeout: float = FEED_TIMEOUT) -> bytes:
    """The body of an http(s) URL, at most ``max_bytes`` (a bigger body is refused, not truncated)."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise SourceProblem("only http and https addresses are read")
    check_host(url)
    opener = urllib.request.OpenerDirector()
    for handler in (urllib.request.HTTPHandler(), urllib.request.HTTPSHandler(), _CheckedRedirects(),
                    urllib.request.HTTPDefaultErrorHandler(), urllib.request.HTTPErrorProcessor()):
        opener.add_handler(handler)
    headers = {"User-Agent": "QN-Portal-veille/1.0", "Accept": "application/atom+xml, application/rss+xml, */*"}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (scheme checked above)
    try:
        with opener.open(request, timeout=timeout) as response:
            data = response.read(max_bytes + 1)
    except SourceProblem:
        raise
    except urllib.error.HTTPError as error:
        error.close()  # an HTTP error carries the open response: close its socket now, not at GC time
        raise SourceProblem(f"could not be read: {error}") from None
    except Exception as error:
        raise SourceProblem(f"could not be read: {error}") from None
    if len(data) > max_bytes:
        raise SourceProblem(f"too large (more than {max_bytes} bytes)")
    return data


def parse_feed(data: bytes) -> list[dict]:
    """The entries of a feed as plain dicts; raises ``SourceProblem`` when it is broken or hostile."""
    if SCRIPT_RE.search(data.decode("utf-8", "replace")):
        raise SourceProblem("script found in the feed: skipped")
    # Not sanitised by feedparser, so that escaped markup (``&lt;script&gt;``) is seen and refused below.
    parsed = feedparser.parse(data, sanitize_html=False, resolve_relative_uris=False)
    if parsed.bozo and not isinstance(parsed.get("bozo_exception"), feedparser.CharacterEncodingOverride):
        raise SourceProblem(f"not a valid feed: {parsed.get('bozo_exception')}")
    if not parsed.get("version"):
        raise SourceProblem("not an RSS or Atom feed")
    entries = []
    for entry in parsed.entries[:200]:
        link = entry.get("link", "") or ""
        if urlsplit(link).scheme not in ("http", "https"):
            link = ""
        guid = (entry.get("id") or link or entry.get("title", "")).strip()[:500]
        if not guid:
            continue
        summary = entry.get("summary", "") or ""
        if entry.get("content"):
            summary = entry.content[0].get("value", "") or summary
        if SCRIPT_RE.search(summary) or SCRIPT_RE.search(entry.get("title", "") or ""):
            raise SourceProblem("script found in an entry: skipped")
        when = entry.get("published_parsed") or entry.get("updated_parsed")
        entries.append({
            "guid": guid, "link": link[:500],
            "title": plain_text(entry.get("title", ""))[:200] or guid[:200],
            "summary": plain_text(summary)[:5000],
            "published_at": datetime(*when[:6], tzinfo=ZoneInfo("UTC")) if when else None,
        })
    return entries


def plain_text(html: str) -> str:
    """Text only: tags dropped by nh3, entities decoded, spaces collapsed."""
    import html as html_lib

    text = nh3.clean(html or "", tags=set())
    return re.sub(r"\s+", " ", html_lib.unescape(text)).strip()


@dataclass
class FetchReport:
    added: int = 0
    problems: list[tuple[str, str]] = field(default_factory=list)


def fetch_sources(reader=read_url) -> FetchReport:
    """Read every source into the review queue; a broken source is reported and skipped, never fatal."""
    report = FetchReport()
    for source in db.session.scalars(select(VeilleSource).order_by(VeilleSource.id)).all():
        try:
            entries = parse_feed(reader(source.url))
        except Exception as error:  # a source is never fatal: reported, skipped, the others go on
            problem = error if isinstance(error, SourceProblem) else f"could not be parsed: {error!r}"
            report.problems.append((source.name, str(problem)))
            with write_transaction():
                source.last_fetched_at, source.last_status = utcnow(), str(problem)[:500]
            continue
        known = set(db.session.scalars(select(VeilleItem.guid).where(VeilleItem.source_id == source.id)))
        added = 0
        with write_transaction():
            for entry in entries:
                if entry["guid"] in known:
                    continue
                known.add(entry["guid"])
                db.session.add(VeilleItem(source_id=source.id, status=PENDING, **entry))
                added += 1
            source.last_fetched_at, source.last_status = utcnow(), f"ok: {added} new"
        report.added += added
    return report


def actor_document(actor) -> SearchDocument:
    text = " ".join([actor.summary or "", " ".join(actor.service_list), actor.public_served or "",
                     actor.commune or "", actor.kind_label])
    return SearchDocument(key=f"actor:{actor.id}", title=actor.name, text=text,
                          url=url_for("veille.actor", actor_id=actor.id), visibility="community",
                          kind=_l("Acteur du territoire"))


def index_actor(actor) -> None:
    index_document("veille", actor_document(actor))


def all_documents():
    """Every document for a full reindex: actors, and the posts visible now (scheduled ones wait)."""
    from .models import VeilleActor

    with current_app.test_request_context():  # a command (search reindex, seed-demo) has no request
        documents = [actor_document(actor) for actor in db.session.scalars(select(VeilleActor).order_by(VeilleActor.id))]
        documents += [post_document(post) for post in db.session.scalars(
            select(VeillePost).where(VeillePost.published_at <= utcnow()).order_by(VeillePost.id))]
    return documents


def notify_question(post_id: int, asker_id: int | None) -> None:
    """Tell the coordinators that someone asked a question under a post (they answer and moderate)."""
    post = db.session.get(VeillePost, post_id)
    if post is None:
        return
    coordinators = db.session.scalars(select(User).where(User.role == "coordinator", User.active.is_(True),
                                                         User.id != (asker_id or 0))).all()
    if coordinators:
        notify(coordinators, "veille.question", _l("Question sur la veille : %(title)s", title=post.title),
               url_for("veille.post", post_id=post.id) + "#comments")
