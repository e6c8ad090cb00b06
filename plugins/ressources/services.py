"""The library's rules: who sees and edits what, the list with its facets, saving with history, files, search.

Other plugins may use ``resources_visible_to(user, ids)`` to link to resources (an atelier's materials).
"""

from __future__ import annotations

import io
import json
import warnings
from dataclasses import dataclass, field

import filetype
from flask import current_app, has_request_context, url_for
from sqlalchemy import Integer, and_, bindparam, cast, delete, func, or_, select, true, update
from sqlalchemy.orm import defer, selectinload
from werkzeug.datastructures import FileStorage

from qn_portal.api import (
    Association,
    SearchDocument,
    StoredFile,
    UploadRefused,
    User,
    can,
    db,
    delete_file,
    index_document,
    lazy_gettext,
    render_markdown,
    save_upload,
    search_keys,
    unindex_document,
    utcnow,
)

from .models import (
    AUDIENCES,
    DRAFT,
    KINDS,
    LEVELS,
    LICENCES,
    PUBLISHED,
    Attachment,
    Collection,
    CollectionItem,
    Comment,
    Favourite,
    Link,
    Report,
    Resource,
    ResourceAudience,
    ResourceTheme,
    Theme,
    Usage,
    Version,
)

PLUGIN = "ressources"
MANAGER = "manager"
PARTNER = "partner"
IMAGE_FORMATS = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WEBP", "GIF": "GIF"}


# --- who sees what -------------------------------------------------------------------------------------


def _is_signed_in(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.is_active


def visible_clause(user):
    """The SQL condition on ``Resource`` of what ``user`` may read (drafts included for who may see them).

    The rule (README, and the search index's own for association documents): published public resources for
    everyone; published community ones for every signed-in person; published association ones for the
    members of that association (never partners); drafts and unpublished ones for their author and their
    association's managers; everything for coordinators. The author's right covers what is not published:
    someone who left the association no longer reads its private resources, their own included (as the
    search already did not find them: the list with and without ``q`` must agree).
    """
    public = and_(Resource.status == PUBLISHED, Resource.visibility == "public")
    if not _is_signed_in(user):
        return public
    if user.is_coordinator:
        return true()
    shared = and_(Resource.status == PUBLISHED, Resource.visibility.in_(("community", "public")))
    if user.role == PARTNER:
        return shared
    member_ids = [m.association_id for m in user.memberships]
    managed_ids = [m.association_id for m in user.memberships if m.role == MANAGER]
    clauses = [shared, and_(Resource.status != PUBLISHED, Resource.author_id == user.id)]
    if member_ids:
        clauses.append(and_(Resource.status == PUBLISHED, Resource.visibility == "association",
                            Resource.association_id.in_(member_ids)))
    if managed_ids:
        clauses.append(Resource.association_id.in_(managed_ids))
    return or_(*clauses)


def can_view(user, resource: Resource) -> bool:
    """The same rule as ``visible_clause``, for one loaded resource."""
    published = resource.status == PUBLISHED
    if published and resource.visibility == "public":
        return True
    if not _is_signed_in(user):
        return False
    if user.is_coordinator:
        return True
    if published and resource.visibility in ("community", "public"):
        return True
    if user.role == PARTNER:
        return False
    if not published and resource.author_id == user.id:
        return True
    role = user.association_role(resource.association_id) if resource.association_id else None
    if role == MANAGER:
        return True
    return published and resource.visibility == "association" and role is not None


def resources_visible_to(user, ids) -> list[Resource]:
    """The resources among ``ids`` that ``user`` may read, in the order of ``ids`` (for other plugins' links)."""
    ids = [int(i) for i in ids]
    if not ids:
        return []
    found = {r.id: r for r in db.session.scalars(
        select(Resource).where(Resource.id.in_(ids), visible_clause(user)))}
    return [found[i] for i in ids if i in found]


def resource_or_none(user, resource_id: int) -> Resource | None:
    return db.session.scalar(select(Resource).where(Resource.id == resource_id, visible_clause(user)))


def collection_visible_clause(user):
    # A private collection is its owner's alone, coordinators included: it is a work in progress.
    return or_(Collection.owner_id == user.id, Collection.shared.is_(True))


# --- the list and its facets ----------------------------------------------------------------------------


FACETS = ("kind", "theme", "level", "audience", "association", "licence")
SORTS = {
    "recent": lazy_gettext("Les plus récentes"),
    "used": lazy_gettext("Les plus utilisées"),
    "rated": lazy_gettext("Les mieux notées"),
}


@dataclass
class Filters:
    kind: list[str] = field(default_factory=list)
    theme: list[int] = field(default_factory=list)
    level: list[str] = field(default_factory=list)
    audience: list[str] = field(default_factory=list)
    association: list[int] = field(default_factory=list)
    licence: list[str] = field(default_factory=list)
    q: str = ""
    sort: str = "recent"
    # The ids matching ``q``, per user id: read once for the list and all its facets (see search_ids).
    _search_ids: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_args(cls, args) -> Filters:
        """Read the query string; unknown values are dropped, never an error (a shared link may be stale)."""

        def ints(name):
            return [int(v) for v in args.getlist(name) if v.isdigit() and len(v) < 10][:50]

        def known(name, allowed):
            return [v for v in args.getlist(name) if v in allowed][:50]

        sort = args.get("tri", "recent")
        return cls(kind=known("kind", KINDS), theme=ints("theme"), level=known("level", LEVELS),
                   audience=known("audience", AUDIENCES), association=ints("association"),
                   licence=known("licence", LICENCES), q=(args.get("q") or "").strip()[:200],
                   sort=sort if sort in SORTS else "recent")

    @property
    def active(self) -> bool:
        return bool(self.q or any(getattr(self, name) for name in FACETS))

    def conditions(self, user, skip: str | None = None) -> list:
        """The SQL conditions of every facet but ``skip`` (a facet's own counts ignore its own choice)."""
        found = []
        if self.kind and skip != "kind":
            found.append(Resource.kind.in_(self.kind))
        if self.level and skip != "level":
            found.append(Resource.level.in_(self.level))
        if self.licence and skip != "licence":
            found.append(Resource.licence.in_(self.licence))
        if self.association and skip != "association":
            found.append(Resource.association_id.in_(self.association))
        if self.theme and skip != "theme":
            found.append(Resource.id.in_(select(ResourceTheme.resource_id)
                                         .where(ResourceTheme.theme_id.in_(self.theme))))
        if self.audience and skip != "audience":
            found.append(Resource.id.in_(select(ResourceAudience.resource_id)
                                         .where(ResourceAudience.audience.in_(self.audience))))
        if self.q:
            # Inline integers, not bound parameters: a broad word matches most of the library, more ids
            # than SQLite accepts variables in one statement on a large one.
            found.append(Resource.id.in_(bindparam("search_ids", self.search_ids(user), expanding=True,
                                                   literal_execute=True)))
        return found

    def search_ids(self, user) -> list[int]:
        """The ids of the resources matching ``q`` that ``user`` may find, read once per ``Filters``.

        The list page filters its page, its count and six facet counts on them: as a subquery the full-text
        match ran in each (~30 ms a run on D1 for a common word), read once it runs once.
        """
        key = getattr(user, "id", None)
        if key not in self._search_ids:
            keys = search_keys(PLUGIN, user, self.q).subquery()
            self._search_ids[key] = list(db.session.scalars(
                select(cast(func.substr(keys.c.key, 10), Integer)).where(keys.c.key.like("resource:%"))))
        return self._search_ids[key]


def listed_clause(user):
    """What the list shows: published resources the user may read."""
    return and_(Resource.status == PUBLISHED, visible_clause(user))


def list_statement(user, filters: Filters):
    statement = select(Resource).where(listed_clause(user), *filters.conditions(user))
    order = {
        "recent": (Resource.published_at.desc(), Resource.id.desc()),
        "used": (Resource.usage_count.desc(), Resource.id.desc()),
        "rated": (Resource.rating_score.desc(), Resource.usage_count.desc(), Resource.id.desc()),
    }[filters.sort]
    # The list shows no body: leaving the long texts out keeps the rows SQLite sorts small (31 -> 21 ms on D1).
    return statement.options(selectinload(Resource.association), selectinload(Resource.themes),
                             defer(Resource.body), defer(Resource.body_html),
                             defer(Resource.original_credit)).order_by(*order)


def facet_counts(user, filters: Filters) -> dict[str, list[tuple]]:
    """For each facet, its values with the number of resources, under every other facet's choice.

    Kind, level and licence with no choice made (all three on an unfiltered list) share their conditions:
    one grouped query counts them together (at most 7 × 3 × 5 groups, in the order of the facets' index, so
    SQLite neither sorts nor reads a resource row). The association, a facet with a choice, and the themes
    and audiences (joined tables) get their own grouped query, each from a covering index.
    """
    base = listed_clause(user)
    counts: dict[str, list[tuple]] = {}

    def grouped(column, skip):
        statement = (select(column, func.count()).where(base, *filters.conditions(user, skip=skip))
                     .group_by(column))
        return dict(db.session.execute(statement).all())

    def linked(model, column, skip):
        # The visible ids as a subquery, not a join: SQLite then reads them from a covering index and looks
        # each one up in the link table's primary key, instead of scanning the links and reading each
        # resource's row (21 -> 4 ms for the themes on D1; PostgreSQL makes it a hash semi-join).
        visible_ids = select(Resource.id).where(base, *filters.conditions(user, skip=skip))
        return dict(db.session.execute(select(column, func.count()).where(model.resource_id.in_(visible_ids))
                                       .group_by(column)).all())

    columns = {"kind": Resource.kind, "level": Resource.level, "licence": Resource.licence}
    together = [name for name in columns if not getattr(filters, name)]
    by_column: dict[str, dict] = {name: {} for name in together}
    if together:
        rows = db.session.execute(select(*[columns[name] for name in together], func.count())
                                  .where(base, *filters.conditions(user))
                                  .group_by(*[columns[name] for name in together])).all()
        for row in rows:
            for index, name in enumerate(together):
                totals = by_column[name]
                totals[row[index]] = totals.get(row[index], 0) + row[-1]
    for name, column in columns.items():
        if name not in by_column:
            by_column[name] = grouped(column, name)
    by_column["association"] = grouped(Resource.association_id, "association")

    by_kind, by_level, by_licence = by_column["kind"], by_column["level"], by_column["licence"]
    counts["kind"] = [(key, KINDS[key], by_kind.get(key, 0)) for key in KINDS]
    counts["level"] = [(key, LEVELS[key], by_level.get(key, 0)) for key in LEVELS]
    counts["licence"] = [(key, LICENCES[key], by_licence.get(key, 0)) for key in LICENCES]
    by_audience = linked(ResourceAudience, ResourceAudience.audience, "audience")
    counts["audience"] = [(key, AUDIENCES[key], by_audience.get(key, 0)) for key in AUDIENCES]
    by_theme = linked(ResourceTheme, ResourceTheme.theme_id, "theme")
    themes = db.session.execute(select(Theme.id, Theme.label).where(
        or_(Theme.active.is_(True), Theme.id.in_(filters.theme or [0]))).order_by(Theme.label)).all()
    counts["theme"] = [(theme_id, label, by_theme.get(theme_id, 0)) for theme_id, label in themes
                       if by_theme.get(theme_id) or theme_id in filters.theme]
    by_association = {key: value for key, value in by_column["association"].items() if key is not None and value}
    names = db.session.execute(select(Association.id, Association.name).where(
        Association.id.in_(list(by_association) or [0])).order_by(Association.name, Association.id)).all()
    counts["association"] = [(association_id, name, by_association[association_id]) for association_id, name in names]
    return counts


# --- files ----------------------------------------------------------------------------------------------


def _clean_image(data: bytes) -> bytes | None:
    """Re-encode an image without its metadata (EXIF, GPS position, comments); ``None`` if it is no image."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            fmt = IMAGE_FORMATS.get(image.format or "")
            if fmt is None:
                return None
            out = io.BytesIO()
            if fmt == "GIF":
                image.info.clear()
                image.save(out, "GIF", save_all=getattr(image, "n_frames", 1) > 1)
            else:
                image.load()
                # Apply the EXIF orientation to the pixels, since the EXIF that carried it goes away.
                upright = ImageOps.exif_transpose(image) or image
                clean = upright.copy()
                clean.info.clear()
                if fmt == "JPEG" and clean.mode not in ("RGB", "L", "CMYK"):
                    clean = clean.convert("RGB")
                options = {"quality": 90} if fmt in ("JPEG", "WEBP") else {}
                clean.save(out, fmt, **options)
            return out.getvalue()
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError,
            Image.DecompressionBombWarning, EOFError):
        return None


def store_files(uploads, resource_association_id, user_id) -> list:
    """Check and store every upload (images re-encoded without metadata); all or nothing.

    Raises ``UploadRefused`` naming the file; files already written in this call are removed.
    """
    stored = []
    limit = current_app.config["UPLOAD_MAX_BYTES"]
    try:
        for upload in uploads:
            if not upload or not upload.filename:
                continue
            data = upload.stream.read(limit + 1)
            name = upload.filename
            if len(data) <= limit:
                detected = filetype.guess(data) if data else None
                if detected is not None and detected.mime.startswith("image/"):
                    cleaned = _clean_image(data)
                    if cleaned is None:
                        raise UploadRefused(lazy_gettext("Ce type de fichier n'est pas accepté."))
                    data = cleaned
            try:
                stored.append(save_upload(FileStorage(io.BytesIO(data), filename=name), plugin=PLUGIN,
                                          kinds=("pdf", "image", "office"), association_id=resource_association_id,
                                          uploaded_by_id=user_id))
            except UploadRefused as refused:
                raise UploadRefused(lazy_gettext("« %(name)s » : %(reason)s", name=name[:100],
                                                 reason=refused.message)) from None
    except UploadRefused:
        db.session.flush()
        for row in stored:
            delete_file(row)
        raise
    return stored


def attach(resource: Resource, stored_files) -> None:
    for row in stored_files:
        resource.attachments.append(Attachment(file_key=row.key, name=row.original_name,
                                               content_type=row.content_type, size=row.size))


# --- saving, history ------------------------------------------------------------------------------------


def parse_links(text: str) -> list[tuple[str, str]]:
    """One link a line: "https://adresse" or "https://adresse Libellé"."""
    links = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        url, _space, label = line.partition(" ")
        links.append((url.strip(), label.strip()))
    return links


def links_text(resource: Resource) -> str:
    return "\n".join(f"{link.url} {link.label}".strip() for link in resource.links)


def snapshot(resource: Resource) -> dict:
    return {
        "kind": resource.kind, "level": resource.level, "duration_minutes": resource.duration_minutes,
        "licence": resource.licence, "visibility": resource.visibility, "status": resource.status,
        "themes": sorted(theme.id for theme in resource.themes), "audiences": sorted(resource.audiences),
        "links": [[link.url, link.label] for link in resource.links],
    }


def apply_fields(resource: Resource, *, title, summary, body, kind, level, duration_minutes, licence, visibility,
                 themes: list[int], audiences: list[str], links: list[tuple[str, str]]) -> None:
    with db.session.no_autoflush:  # a new resource is flushed once complete, not by the theme query
        _apply(resource, title, summary, body, kind, level, duration_minutes, licence, visibility, themes, audiences,
               links)


def _apply(resource, title, summary, body, kind, level, duration_minutes, licence, visibility, themes, audiences,
           links) -> None:
    resource.title, resource.summary, resource.body = title, summary or "", body or ""
    resource.body_html = render_markdown(resource.body)
    resource.kind, resource.level, resource.duration_minutes = kind, level, duration_minutes
    resource.licence, resource.visibility = licence, visibility
    wanted = set(themes)
    resource.themes = list(db.session.scalars(select(Theme).where(Theme.id.in_(wanted)))) if wanted else []
    resource.audience_rows = [ResourceAudience(audience=a) for a in dict.fromkeys(audiences) if a in AUDIENCES]
    resource.links = [Link(url=url, label=label, position=i) for i, (url, label) in enumerate(links)]
    resource.updated_at = utcnow()


def set_status(resource: Resource, status: str) -> None:
    if status == PUBLISHED and resource.published_at is None:
        resource.published_at = utcnow()
    resource.status = status


def record_version(resource: Resource, user) -> Version:
    """Keep what was just saved as a new version (the resource row is locked by the caller)."""
    db.session.flush()
    resource.version_count = (resource.version_count or 0) + 1
    version = Version(resource_id=resource.id, number=resource.version_count, title=resource.title,
                      summary=resource.summary, body=resource.body, meta=json.dumps(snapshot(resource)),
                      author_id=user.id)
    db.session.add(version)
    return version


def restore_version(resource: Resource, version: Version, user) -> Version:
    meta = json.loads(version.meta or "{}")
    apply_fields(
        resource, title=version.title, summary=version.summary, body=version.body,
        kind=meta.get("kind", resource.kind), level=meta.get("level", resource.level),
        duration_minutes=meta.get("duration_minutes"), licence=meta.get("licence", resource.licence),
        visibility=meta.get("visibility", resource.visibility), themes=meta.get("themes", []),
        audiences=meta.get("audiences", []), links=[tuple(pair) for pair in meta.get("links", [])])
    return record_version(resource, user)


def version_meta(version: Version) -> dict:
    meta = json.loads(version.meta or "{}")
    theme_ids = meta.get("themes", [])
    labels = dict(db.session.execute(select(Theme.id, Theme.label).where(Theme.id.in_(theme_ids or [0]))).all())
    meta["theme_labels"] = [labels[i] for i in theme_ids if i in labels]
    return meta


def credit_of(original: Resource) -> str:
    """The credit an adaptation carries: title, author, association, licence (plain text, French)."""
    return json.dumps({
        "title": original.title,
        "author": original.author.display_name if original.author else "",
        "association": original.association.name if original.association else "",
        "licence": original.licence,
    })


def credit(resource: Resource) -> dict | None:
    if not resource.original_credit:
        return None
    data = json.loads(resource.original_credit)
    data["licence_label"] = LICENCES.get(data.get("licence"), data.get("licence"))
    return data


def adapt(original: Resource, user, association_id: int | None) -> Resource:
    """A draft copy of ``original``, linked to it and crediting it; the caller checked the licence.

    An association's private resource stays within that association: its adaptation belongs to it too.
    """
    if original.visibility == "association":
        association_id = original.association_id
    copy = Resource(author_id=user.id, association_id=association_id, original_id=original.id,
                    original_credit=credit_of(original), status=DRAFT)
    apply_fields(copy, title=original.title[:200], summary=original.summary, body=original.body,
                 kind=original.kind, level=original.level, duration_minutes=original.duration_minutes,
                 licence=original.licence,
                 visibility="association" if association_id else "community",
                 themes=[t.id for t in original.themes], audiences=original.audiences,
                 links=[(link.url, link.label) for link in original.links])
    db.session.add(copy)
    record_version(copy, user)
    return copy


def refresh_usage(resource_id: int) -> None:
    """Recount uses and ratings in one statement (no read-then-write race)."""
    count = select(func.count(Usage.id)).where(Usage.resource_id == resource_id).scalar_subquery()
    total = select(func.coalesce(func.sum(Usage.rating), 0)).where(Usage.resource_id == resource_id).scalar_subquery()
    db.session.execute(update(Resource).where(Resource.id == resource_id).values(
        usage_count=count, rating_sum=total,
        rating_score=select(func.coalesce(func.sum(Usage.rating) * 100 / func.nullif(func.count(Usage.id), 0), 0))
        .where(Usage.resource_id == resource_id).scalar_subquery()))


def count_download(resource_id: int, attachment_id: int) -> None:
    db.session.execute(update(Resource).where(Resource.id == resource_id)
                       .values(download_count=Resource.download_count + 1))
    db.session.execute(update(Attachment).where(Attachment.id == attachment_id)
                       .values(download_count=Attachment.download_count + 1))


# --- deleting -------------------------------------------------------------------------------------------

# What belongs to a resource alone and goes with it (collections keep existing: they lose the item).
OWNED_ROWS = (Version, Comment, Usage, Favourite, CollectionItem, Report)


def deletion_summary(resource: Resource) -> dict:
    """What deleting ``resource`` takes away and what stays, counted for the confirmation page.

    Adaptations are only counted, never listed: some may be drafts or private to another association.
    """
    def count(model, column) -> int:
        return db.session.scalar(select(func.count()).select_from(model).where(column == resource.id)) or 0

    return {
        "versions": count(Version, Version.resource_id),
        "files": [attachment.name for attachment in resource.attachments],
        "comments": count(Comment, Comment.resource_id),
        "usages": count(Usage, Usage.resource_id),
        "favourites": count(Favourite, Favourite.resource_id),
        "collections": count(CollectionItem, CollectionItem.resource_id),
        "reports": count(Report, Report.resource_id),
        "adaptations": count(Resource, Resource.original_id),
    }


def delete_resource(resource: Resource) -> list[str]:
    """Delete ``resource`` and what belongs to it, in the current transaction; return its files' keys.

    Adaptations stay: their ``original_credit`` already holds the credit text, and their ``original_id``
    is set to null here rather than left to each database's ON DELETE. The files themselves are removed by
    ``remove_files`` once this is committed, so that a failed commit never leaves rows pointing to nothing.
    """
    resource_id = resource.id
    keys = [attachment.file_key for attachment in resource.attachments]
    db.session.execute(update(Resource).where(Resource.original_id == resource_id).values(original_id=None),
                       execution_options={"synchronize_session": False})
    for model in OWNED_ROWS:
        db.session.execute(delete(model).where(model.resource_id == resource_id),
                           execution_options={"synchronize_session": False})
    unindex_document(PLUGIN, f"resource:{resource_id}")
    db.session.delete(resource)  # attachments, links, audiences and theme rows go with it (ORM cascade)
    return keys


def remove_files(keys: list[str]) -> None:
    """Remove stored files no attachment refers to any more (from the disk and their rows), and commit."""
    for key in keys:
        if db.session.scalar(select(Attachment.id).where(Attachment.file_key == key).limit(1)) is not None:
            continue
        stored = db.session.get(StoredFile, key)
        if stored is not None:
            delete_file(stored)
    db.session.commit()


# --- search ---------------------------------------------------------------------------------------------


def resource_url(resource_id: int) -> str:
    if has_request_context():
        return url_for("ressources.show", resource_id=resource_id)
    with current_app.test_request_context():  # a command (search reindex, seed-demo) has no request
        return url_for("ressources.show", resource_id=resource_id)


def resource_document(resource: Resource) -> SearchDocument:
    visibility = resource.visibility if resource.visibility in ("public", "community") else "association"
    text = "\n".join([resource.summary or "", resource.body or "", " ".join(t.label for t in resource.themes)])
    return SearchDocument(key=f"resource:{resource.id}", title=resource.title, text=text,
                          url=resource_url(resource.id),
                          association_id=resource.association_id, visibility=visibility,
                          kind=lazy_gettext("Ressource"))


def reindex(resource: Resource) -> None:
    """Published resources are searchable within their visibility; drafts and unpublished ones are not."""
    if resource.status == PUBLISHED:
        index_document(PLUGIN, resource_document(resource))
    else:
        unindex_document(PLUGIN, f"resource:{resource.id}")


def all_documents():
    statement = (select(Resource).where(Resource.status == PUBLISHED)
                 .options(selectinload(Resource.themes)).order_by(Resource.id))
    for resource in db.session.scalars(statement):
        yield resource_document(resource)


# --- followers ------------------------------------------------------------------------------------------


def followers_of(resource: Resource, exclude_id: int | None) -> list[User]:
    """People following one of the resource's themes or its association who may read it."""
    from .models import Follow

    theme_ids = [t.id for t in resource.themes]
    conditions = [Follow.theme_id.in_(theme_ids)] if theme_ids else []
    if resource.association_id:
        conditions.append(Follow.association_id == resource.association_id)
    if not conditions:
        return []
    users = db.session.scalars(
        select(User).where(User.id.in_(select(Follow.user_id).where(or_(*conditions))))
        .options(selectinload(User.memberships))).all()
    return [user for user in users if user.id != exclude_id and user.active and can_view(user, resource)]


def editable_by(user, resource: Resource) -> bool:
    return can(user, "ressources.edit", resource)


def attachment_readable(user, file_key: str) -> bool:
    """Whether ``user`` may download the file: only if they may read the resource it is attached to."""
    resource = db.session.scalar(select(Resource).join(Attachment, Attachment.resource_id == Resource.id)
                                 .where(Attachment.file_key == file_key))
    return resource is not None and can_view(user, resource)


# --- contributions to the core ------------------------------------------------------------------------


def widget_context(user) -> dict:
    from .models import Follow

    theme_ids = select(Follow.theme_id).where(Follow.user_id == user.id, Follow.theme_id.is_not(None))
    statement = select(Resource).where(listed_clause(user))
    follows_themes = db.session.scalar(select(func.count()).select_from(theme_ids.subquery())) > 0
    if follows_themes:
        statement = statement.where(Resource.id.in_(
            select(ResourceTheme.resource_id).where(ResourceTheme.theme_id.in_(theme_ids))))
    newest = db.session.scalars(statement.order_by(Resource.published_at.desc(), Resource.id.desc()).limit(5)).all()
    drafts = db.session.scalars(select(Resource).where(Resource.author_id == user.id, Resource.status != PUBLISHED)
                                .order_by(Resource.updated_at.desc(), Resource.id.desc()).limit(5)).all()
    return {"newest": newest, "drafts": drafts, "in_my_themes": follows_themes}


def panel_context(association, user) -> dict:
    statement = select(Resource).where(listed_clause(user), Resource.association_id == association.id)
    newest = db.session.scalars(statement.order_by(Resource.published_at.desc(), Resource.id.desc()).limit(5)).all()
    total = db.session.scalar(select(func.count()).select_from(statement.subquery()))
    return {"resources": newest, "total": total, "association_id": association.id}


def figures(association_ids, start, end) -> list:
    """Resources published and workshop uses recorded between ``start`` and ``end``, per association."""
    from datetime import date, datetime, time
    from zoneinfo import ZoneInfo

    from qn_portal.api import Figure

    def moment(day):
        # Dates are days in Bordeaux: their midnight, not UTC's.
        if isinstance(day, datetime):
            return day
        if isinstance(day, date):
            return datetime.combine(day, time.min, tzinfo=ZoneInfo("Europe/Paris"))
        return day

    start, end = moment(start), moment(end)
    published = (select(Resource.association_id, func.count(Resource.id))
                 .where(Resource.status == PUBLISHED, Resource.published_at >= start, Resource.published_at < end,
                        Resource.association_id.is_not(None)).group_by(Resource.association_id))
    uses = (select(Resource.association_id, func.count(Usage.id)).join(Resource, Resource.id == Usage.resource_id)
            .where(Usage.created_at >= start, Usage.created_at < end, Resource.association_id.is_not(None))
            .group_by(Resource.association_id))
    if association_ids is not None:
        published = published.where(Resource.association_id.in_(association_ids))
        uses = uses.where(Resource.association_id.in_(association_ids))
    found = [Figure("ressources.published", lazy_gettext("Ressources publiées"), count, association_id=aid)
             for aid, count in db.session.execute(published)]
    found += [Figure("ressources.used", lazy_gettext("Ressources utilisées en atelier (retours)"), count,
                     association_id=aid) for aid, count in db.session.execute(uses)]
    return found
