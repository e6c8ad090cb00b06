"""Pages of the shared library under /ressources."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from qn_portal.api import (
    Association,
    StoredFile,
    UploadRefused,
    audit,
    audit_export,
    can,
    count_rows,
    csv_response,
    current_association,
    db,
    delete_file,
    emit,
    flash_error,
    flash_success,
    gettext,
    lock_for_update,
    paginate,
    public,
    render_markdown,
    require,
    requires,
    stream_scalars,
    utcnow,
)

from . import services
from .forms import (
    AddToCollectionForm,
    CollectionForm,
    CommentForm,
    ConfirmForm,
    FollowForm,
    ReportForm,
    ResourceForm,
    ThemeForm,
    UsageForm,
)
from .models import (
    AUDIENCES,
    DRAFT,
    KINDS,
    LEVELS,
    LICENCES,
    NO_DERIVATIVES,
    PUBLISHED,
    SHARE_ALIKE,
    UNPUBLISHED,
    Attachment,
    Collection,
    CollectionItem,
    Comment,
    Favourite,
    Follow,
    Report,
    Resource,
    Theme,
    Usage,
    Version,
)

bp = Blueprint("ressources", __name__, url_prefix="/ressources", template_folder="templates")
_ = gettext


def visible_or_404(resource_id: int) -> Resource:
    resource = services.resource_or_none(current_user, resource_id)
    if resource is None:
        abort(404)
    return resource


def editable_or_404(resource_id: int, lock: bool = False) -> Resource:
    """The resource if the user may edit it: 404 when they may not even see it, 403 when they only read it."""
    resource = visible_or_404(resource_id)
    require("ressources.edit", resource)
    if lock:
        resource = db.session.scalar(lock_for_update(select(Resource).where(Resource.id == resource.id)))
    return resource


def theme_choices(selected=()) -> list[tuple[int, str]]:
    rows = db.session.execute(select(Theme.id, Theme.label).where(
        (Theme.active.is_(True)) | Theme.id.in_(list(selected) or [0])).order_by(Theme.label)).all()
    return [SelectChoice(row.id, row.label) for row in rows]


# --- the list -------------------------------------------------------------------------------------------


@bp.route("/")
@public
def index():
    filters = services.Filters.from_args(request.args)
    page = paginate(services.list_statement(current_user, filters))
    counts = services.facet_counts(current_user, filters)
    return render_template("ressources/index.html", page=page, filters=filters, counts=counts,
                           sorts=services.SORTS,
                           facet_labels=facet_labels(), signed_in=current_user.is_authenticated,
                           may_create=current_user.is_authenticated and can(current_user, "ressources.create"))


def facet_labels() -> dict[str, str]:
    return {"kind": _("Type"), "theme": _("Thème"), "level": _("Niveau"), "audience": _("Public"),
            "association": _("Association"), "licence": _("Licence")}


# --- one resource ---------------------------------------------------------------------------------------


def resource_rows(statement):
    """The cells of the resource cards, one row per resource (themes and association loaded per batch)."""
    for resource in stream_scalars(statement):
        yield [resource.title, resource.kind_label, resource.level_label, resource.licence_label,
               resource.association.name if resource.association else None,
               ", ".join(theme.label for theme in resource.themes), resource.summary, resource.usage_count,
               resource.rating, resource.published_at,
               url_for("ressources.show", resource_id=resource.id, _external=True)]


def resource_header() -> list[str]:
    """The column headings of ``resource_rows`` (literal calls, so that the catalogue extraction finds them)."""
    return [_("Titre"), _("Type"), _("Niveau"), _("Licence"), _("Association"), _("Thématiques"), _("Résumé"),
            _("Utilisations"), _("Note (sur 4)"), _("Publiée le"), _("Adresse")]


@bp.route("/export.csv")
@public
def index_csv():
    """The library with the page's filters and sort, every page of it, as the visitor may see it."""
    filters = services.Filters.from_args(request.args)
    return csv_response(resource_header(), resource_rows(services.list_statement(current_user, filters)),
                        "ressources.csv", private=current_user.is_authenticated)


@bp.route("/<int:resource_id>")
@public
def show(resource_id: int):
    return render_show(visible_or_404(resource_id))


def render_show(resource: Resource, usage_form=None, comment_form=None, status: int = 200):
    user = current_user
    signed_in = user.is_authenticated
    comments = paginate(select(Comment).where(Comment.resource_id == resource.id)
                        .options(selectinload(Comment.author)).order_by(Comment.id.desc()), per_page=20)
    usages = db.session.scalars(select(Usage).where(Usage.resource_id == resource.id)
                                .options(selectinload(Usage.user)).order_by(Usage.id.desc()).limit(20)).all()
    adaptations = db.session.scalars(select(Resource).where(
        Resource.original_id == resource.id, Resource.status == PUBLISHED, services.visible_clause(user))
        .order_by(Resource.id).limit(20)).all()
    original = None
    if resource.original_id:
        original = services.resource_or_none(user, resource.original_id)
    context = {"favourite": False, "collections": [], "add_form": None, "my_usage": None}
    contributes = signed_in and can(user, "ressources.contribute")
    if signed_in:
        context["favourite"] = db.session.get(Favourite, (user.id, resource.id)) is not None
        if contributes:
            mine = db.session.scalars(select(Collection).where(Collection.owner_id == user.id)
                                      .order_by(Collection.title).limit(100)).all()
            if mine:
                form = AddToCollectionForm(prefix="add")
                form.collection_id.choices = [SelectChoice(c.id, c.title) for c in mine]
                context["add_form"] = form
            context["my_usage"] = db.session.scalar(select(Usage).where(Usage.resource_id == resource.id,
                                                                        Usage.user_id == user.id))
    if contributes and usage_form is None:
        usage_form = UsageForm(prefix="usage", formdata=None, obj=context["my_usage"])
    if contributes and comment_form is None:
        comment_form = CommentForm(prefix="comment", formdata=None)
    may_adapt = signed_in and can(user, "ressources.create") and resource.licence not in NO_DERIVATIVES
    return render_template(
        "ressources/show.html", resource=resource, comments=comments, usages=usages, adaptations=adaptations,
        original=original, credit=services.credit(resource), usage_form=usage_form, comment_form=comment_form,
        may_edit=signed_in and can(user, "ressources.edit", resource), may_adapt=may_adapt,
        may_delete=signed_in and can(user, "ressources.delete", resource),
        may_moderate=signed_in and can(user, "ressources.moderate", resource), signed_in=signed_in,
        contributes=contributes, audience_labels=AUDIENCES, confirm=ConfirmForm(), **context), status


def resource_form(resource: Resource | None, original: Resource | None = None) -> ResourceForm:
    if resource is not None:
        # Plain values, never the model: its ``links`` and ``themes`` are relationships, not form data.
        initial = {
            "title": resource.title, "summary": resource.summary, "body": resource.body, "kind": resource.kind,
            "level": resource.level, "duration_minutes": resource.duration_minutes, "licence": resource.licence,
            "visibility": resource.visibility, "themes": [t.id for t in resource.themes],
            "audiences": resource.audiences, "links": services.links_text(resource),
            "status": PUBLISHED if resource.status == UNPUBLISHED else resource.status,
        }
    else:
        initial = {"status": DRAFT, "visibility": "community", "level": "debutant", "licence": "cc-by-sa-4.0"}
    form = ResourceForm(data=initial)
    form.themes.choices = theme_choices(initial.get("themes", []))
    association_id = resource.association_id if resource is not None else getattr(current_association(), "id", None)
    form.has_association = association_id is not None
    if original is not None and original.licence in SHARE_ALIKE:
        form.required_licence = original.licence
    form.private_original = original is not None and original.visibility == "association"
    return form


def form_values(form: ResourceForm) -> dict:
    return {"title": form.title.data.strip(), "summary": (form.summary.data or "").strip(),
            "body": form.body.data or "", "kind": form.kind.data, "level": form.level.data,
            "duration_minutes": form.duration_minutes.data, "licence": form.licence.data,
            "visibility": form.visibility.data, "themes": form.themes.data or [], "audiences": form.audiences.data or [],
            "links": services.parse_links(form.links.data)}


@bp.route("/nouvelle", methods=["GET", "POST"])
@requires("ressources.create")
def create():
    form = resource_form(None)
    if form.validate_on_submit():
        association = current_association()
        try:
            stored = services.store_files(request.files.getlist(form.files.name),
                                          association.id if association else None, current_user.id)
        except UploadRefused as refused:
            form.files.errors = [refused.message]
            form._errors = None  # the form cached its errors while validating: let the summary see this one
        else:
            resource = Resource(author_id=current_user.id, association_id=association.id if association else None)
            db.session.add(resource)
            services.apply_fields(resource, **form_values(form))
            services.set_status(resource, form.status.data)
            services.attach(resource, stored)
            services.record_version(resource, current_user)
            services.reindex(resource)
            db.session.commit()
            after_save(resource, updated=False)
            flash_success(_("La ressource est enregistrée."))
            return redirect(url_for("ressources.show", resource_id=resource.id))
    return render_template("ressources/form.html", form=form, resource=None, confirm=ConfirmForm())


@bp.route("/<int:resource_id>/modifier", methods=["GET", "POST"])
def edit(resource_id: int):
    resource = editable_or_404(resource_id, lock=request.method == "POST")
    original = db.session.get(Resource, resource.original_id) if resource.original_id else None
    form = resource_form(resource, original)
    if form.validate_on_submit():
        try:
            stored = services.store_files(request.files.getlist(form.files.name), resource.association_id,
                                          current_user.id)
        except UploadRefused as refused:
            form.files.errors = [refused.message]
            form._errors = None  # the form cached its errors while validating: let the summary see this one
        else:
            was_published = resource.status == PUBLISHED
            services.apply_fields(resource, **form_values(form))
            if resource.status != UNPUBLISHED or can(current_user, "ressources.moderate", resource):
                services.set_status(resource, form.status.data)
            services.attach(resource, stored)
            services.record_version(resource, current_user)
            services.reindex(resource)
            db.session.commit()
            after_save(resource, updated=was_published)
            flash_success(_("Les modifications sont enregistrées."))
            return redirect(url_for("ressources.show", resource_id=resource.id))
    return render_template("ressources/form.html", form=form, resource=resource, original=original,
                           confirm=ConfirmForm())


def after_save(resource: Resource, updated: bool) -> None:
    if resource.status == PUBLISHED:
        emit("ressources.resource_published", actor_id=current_user.id, resource_id=resource.id, updated=updated)


@bp.route("/<int:resource_id>/fichiers/<int:attachment_id>/retirer", methods=["POST"])
def remove_file(resource_id: int, attachment_id: int):
    resource = editable_or_404(resource_id)
    attachment = db.first_or_404(select(Attachment).where(Attachment.id == attachment_id,
                                                          Attachment.resource_id == resource.id))
    ConfirmForm().validate_on_submit()
    resource.attachments.remove(attachment)
    stored = db.session.get(StoredFile, attachment.file_key)
    if stored is not None:
        delete_file(stored)
    db.session.commit()
    flash_success(_("Le fichier « %(name)s » est retiré.", name=attachment.name))
    return redirect(url_for("ressources.edit", resource_id=resource.id))


@bp.route("/<int:resource_id>/fichiers/<int:attachment_id>/telecharger", methods=["POST"])
def download(resource_id: int, attachment_id: int):
    resource = visible_or_404(resource_id)
    attachment = db.first_or_404(select(Attachment).where(Attachment.id == attachment_id,
                                                          Attachment.resource_id == resource.id))
    services.count_download(resource.id, attachment.id)
    db.session.commit()
    return redirect(url_for("main.download", key=attachment.file_key))


# --- deleting -------------------------------------------------------------------------------------------


@bp.route("/<int:resource_id>/supprimer", methods=["GET", "POST"])
def delete_resource(resource_id: int):
    """The author, the association's managers and coordinators delete a resource, after a confirmation page
    saying what goes and what stays."""
    resource = visible_or_404(resource_id)
    require("ressources.delete", resource)
    form = ConfirmForm()
    if form.validate_on_submit():
        resource = db.session.scalar(lock_for_update(select(Resource).where(Resource.id == resource.id)))
        if resource is None:  # deleted by someone else meanwhile (a double click)
            abort(404)
        title, author_id = resource.title, resource.author_id
        keys = services.delete_resource(resource)
        db.session.commit()
        services.remove_files(keys)
        audit("ressources.resource_deleted", target=f"resource {resource_id}", resource_id=resource_id,
              title=title, files=len(keys))
        emit("ressources.resource_deleted", actor_id=current_user.id, resource_id=resource_id, title=title,
             author_id=author_id)
        flash_success(_("La ressource « %(title)s » est supprimée.", title=title))
        return redirect(url_for("ressources.index"))
    return render_template("ressources/delete.html", resource=resource, form=form,
                           summary=services.deletion_summary(resource))


# --- history --------------------------------------------------------------------------------------------


@bp.route("/<int:resource_id>/historique")
def history(resource_id: int):
    resource = editable_or_404(resource_id)
    page = paginate(select(Version).where(Version.resource_id == resource.id)
                    .options(selectinload(Version.author)).order_by(Version.number.desc()))
    return render_template("ressources/history.html", resource=resource, page=page, confirm=ConfirmForm())


def version_or_404(resource: Resource, number: int) -> Version:
    return db.first_or_404(select(Version).where(Version.resource_id == resource.id, Version.number == number))


@bp.route("/<int:resource_id>/historique/<int:number>")
def version(resource_id: int, number: int):
    resource = editable_or_404(resource_id)
    found = version_or_404(resource, number)
    return render_template("ressources/version.html", resource=resource, version=found,
                           meta=services.version_meta(found), body_html=render_markdown(found.body),
                           kinds=KINDS, levels=LEVELS, licences=LICENCES, audiences=AUDIENCES,
                           confirm=ConfirmForm())


@bp.route("/<int:resource_id>/historique/<int:number>/restaurer", methods=["POST"])
def restore(resource_id: int, number: int):
    resource = editable_or_404(resource_id, lock=True)
    found = version_or_404(resource, number)
    new = services.restore_version(resource, found, current_user)
    services.reindex(resource)
    db.session.commit()
    after_save(resource, updated=True)
    flash_success(_("La version %(old)s est restaurée (nouvelle version %(new)s).", old=number, new=new.number))
    return redirect(url_for("ressources.show", resource_id=resource.id))


# --- reusing: favourites, uses, comments, adaptation --------------------------------------------------


@bp.route("/<int:resource_id>/favori", methods=["POST"])
def favourite(resource_id: int):
    resource = visible_or_404(resource_id)
    existing = db.session.get(Favourite, (current_user.id, resource.id))
    if existing is None:
        db.session.add(Favourite(user_id=current_user.id, resource_id=resource.id))
        message = _("Ajoutée à vos favoris.")
    else:
        db.session.delete(existing)
        message = _("Retirée de vos favoris.")
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # a double click: the favourite is there, which is what was asked
    flash_success(message)
    return redirect(url_for("ressources.show", resource_id=resource.id))


@bp.route("/favoris")
def favourites():
    page = paginate(select(Resource).join(Favourite, Favourite.resource_id == Resource.id)
                    .where(Favourite.user_id == current_user.id, services.visible_clause(current_user))
                    .options(selectinload(Resource.association), selectinload(Resource.themes))
                    .order_by(Favourite.created_at.desc(), Resource.id.desc()))
    return render_template("ressources/favourites.html", page=page)


@bp.route("/favoris/export.csv")
def favourites_csv():
    """One's own favourites, still visible to one, newest first."""
    statement = (select(Resource).join(Favourite, Favourite.resource_id == Resource.id)
                 .where(Favourite.user_id == current_user.id, services.visible_clause(current_user))
                 .options(selectinload(Resource.association), selectinload(Resource.themes))
                 .order_by(Favourite.created_at.desc(), Resource.id.desc()))
    return csv_response(resource_header(), resource_rows(statement), "ressources-favorites.csv")


@bp.route("/<int:resource_id>/utilisation", methods=["POST"])
def use(resource_id: int):
    resource = visible_or_404(resource_id)
    require("ressources.contribute")
    form = UsageForm(prefix="usage")
    if not form.validate_on_submit():
        return render_show(resource, usage_form=form)
    usage = db.session.scalar(lock_for_update(select(Usage).where(Usage.resource_id == resource.id,
                                                                  Usage.user_id == current_user.id)))
    if usage is None:
        usage = Usage(resource_id=resource.id, user_id=current_user.id)
        db.session.add(usage)
    usage.rating, usage.comment, usage.created_at = form.rating.data, (form.comment.data or "").strip(), utcnow()
    try:
        db.session.flush()
    except IntegrityError:
        # The same person's other request (a double click) recorded it first: keep that one.
        db.session.rollback()
        return redirect(url_for("ressources.show", resource_id=resource_id) + "#utilisations")
    services.refresh_usage(resource.id)
    db.session.commit()
    flash_success(_("Merci : votre retour d'atelier est enregistré."))
    return redirect(url_for("ressources.show", resource_id=resource.id) + "#utilisations")


@bp.route("/<int:resource_id>/commentaires", methods=["POST"])
def comment(resource_id: int):
    resource = visible_or_404(resource_id)
    require("ressources.contribute")
    form = CommentForm(prefix="comment")
    if not form.validate_on_submit():
        return render_show(resource, comment_form=form)
    db.session.add(Comment(resource_id=resource.id, author_id=current_user.id, body=form.body.data.strip()))
    db.session.commit()
    flash_success(_("Votre commentaire est publié."))
    return redirect(url_for("ressources.show", resource_id=resource.id) + "#commentaires")


@bp.route("/<int:resource_id>/adapter", methods=["GET", "POST"])
def adapt(resource_id: int):
    resource = visible_or_404(resource_id)
    require("ressources.create")
    form = ConfirmForm()
    refused = resource.licence in NO_DERIVATIVES
    if form.validate_on_submit() and not refused:
        association = current_association()
        copy = services.adapt(resource, current_user, association.id if association else None)
        db.session.commit()
        flash_success(_("Voici votre adaptation, en brouillon : modifiez-la puis publiez-la."))
        return redirect(url_for("ressources.edit", resource_id=copy.id))
    return render_template("ressources/adapt.html", resource=resource, form=form, refused=refused,
                           share_alike=resource.licence in SHARE_ALIKE), (403 if refused and request.method == "POST"
                                                                          else 200)


# --- care: reports and moderation ---------------------------------------------------------------------


@bp.route("/<int:resource_id>/signaler", methods=["GET", "POST"])
def report(resource_id: int):
    resource = visible_or_404(resource_id)
    form = ReportForm()
    if form.validate_on_submit():
        found = Report(resource_id=resource.id, reporter_id=current_user.id, reason=form.reason.data,
                       comment=form.comment.data.strip())
        db.session.add(found)
        db.session.commit()
        emit("ressources.resource_reported", actor_id=current_user.id, resource_id=resource.id, report_id=found.id)
        flash_success(_("Merci : la coordination va examiner votre signalement."))
        return redirect(url_for("ressources.show", resource_id=resource.id))
    return render_template("ressources/report.html", resource=resource, form=form)


@bp.route("/moderation")
@requires("ressources.moderate")
def moderation():
    page = paginate(select(Report).where(Report.open.is_(True))
                    .options(selectinload(Report.resource), selectinload(Report.reporter))
                    .order_by(Report.created_at, Report.id))
    return render_template("ressources/moderation.html", page=page, confirm=ConfirmForm())


@bp.route("/moderation/export.csv")
@requires("ressources.moderate")
def moderation_csv():
    """The open reports, oldest first, with who reported them (names: the export is audited)."""
    statement = (select(Report).where(Report.open.is_(True))
                 .options(selectinload(Report.resource), selectinload(Report.reporter))
                 .order_by(Report.created_at, Report.id))
    audit_export("ressources: signalements ouverts", count_rows(statement))
    rows = ([r.resource.title, r.resource.status_label, r.reason_label, r.comment,
             r.reporter.display_name if r.reporter else _("compte supprimé"), r.created_at,
             url_for("ressources.show", resource_id=r.resource_id, _external=True)]
            for r in stream_scalars(statement))
    return csv_response([_("Ressource"), _("État"), _("Motif"), _("Commentaire"), _("Par"), _("Signalé le"),
                         _("Adresse")], rows, "ressources-signalements.csv")


@bp.route("/signalements/<int:report_id>/clore", methods=["POST"])
@requires("ressources.moderate")
def close_report(report_id: int):
    found = db.get_or_404(Report, report_id)
    ConfirmForm().validate_on_submit()
    if found.open:
        found.open, found.handled_by_id, found.handled_at = False, current_user.id, utcnow()
        db.session.commit()
        audit("ressources.report_closed", target=f"resource {found.resource_id}", report_id=found.id)
    flash_success(_("Le signalement est clos."))
    return redirect(url_for("ressources.moderation"))


@bp.route("/<int:resource_id>/depublier", methods=["POST"])
def unpublish(resource_id: int):
    resource = visible_or_404(resource_id)
    require("ressources.moderate", resource)
    ConfirmForm().validate_on_submit()
    if resource.status == PUBLISHED:
        resource.status = UNPUBLISHED
        db.session.execute(Report.__table__.update().where(Report.resource_id == resource.id, Report.open.is_(True))
                           .values(open=False, handled_by_id=current_user.id, handled_at=utcnow()))
        services.reindex(resource)
        db.session.commit()
        audit("ressources.resource_unpublished", target=f"resource {resource.id}", resource_id=resource.id)
        emit("ressources.resource_unpublished", actor_id=current_user.id, resource_id=resource.id)
        flash_success(_("La ressource est dépubliée ; son auteur ou son autrice est prévenu·e."))
    return redirect(url_for("ressources.show", resource_id=resource.id))


@bp.route("/<int:resource_id>/republier", methods=["POST"])
def republish(resource_id: int):
    resource = visible_or_404(resource_id)
    require("ressources.moderate", resource)
    if resource.status == UNPUBLISHED:
        resource.status = PUBLISHED
        services.reindex(resource)
        db.session.commit()
        audit("ressources.resource_republished", target=f"resource {resource.id}", resource_id=resource.id)
        flash_success(_("La ressource est de nouveau publiée."))
    return redirect(url_for("ressources.show", resource_id=resource.id))


# --- collections ----------------------------------------------------------------------------------------


@bp.route("/collections")
def collections():
    page = paginate(select(Collection).where(services.collection_visible_clause(current_user))
                    .options(selectinload(Collection.owner))
                    .order_by((Collection.owner_id == current_user.id).desc(), Collection.updated_at.desc(),
                              Collection.id.desc()))
    # Counted as the collection's page shows it: the items the reader may not see are not even counted.
    sizes = dict(db.session.execute(
        select(CollectionItem.collection_id, func.count()).join(Resource, Resource.id == CollectionItem.resource_id)
        .where(CollectionItem.collection_id.in_([c.id for c in page.items] or [0]),
               services.visible_clause(current_user))
        .group_by(CollectionItem.collection_id)).all())
    return render_template("ressources/collections.html", page=page, sizes=sizes,
                           may_create=can(current_user, "ressources.contribute"))


def collection_or_404(collection_id: int, own: bool = False) -> Collection:
    clause = (Collection.owner_id == current_user.id) if own else services.collection_visible_clause(current_user)
    return db.first_or_404(select(Collection).where(Collection.id == collection_id, clause))


@bp.route("/collections/nouvelle", methods=["GET", "POST"])
@requires("ressources.contribute")
def new_collection():
    form = CollectionForm()
    if form.validate_on_submit():
        collection = Collection(owner_id=current_user.id, title=form.title.data.strip(),
                                description=(form.description.data or "").strip(), shared=form.shared.data)
        db.session.add(collection)
        db.session.commit()
        flash_success(_("La collection est créée."))
        return redirect(url_for("ressources.collection", collection_id=collection.id))
    return render_template("ressources/collection_form.html", form=form, collection=None)


@bp.route("/collections/<int:collection_id>")
def collection(collection_id: int):
    found = collection_or_404(collection_id)
    # Items the reader may not see (a private resource of another association) are left out.
    page = paginate(select(CollectionItem).join(Resource, Resource.id == CollectionItem.resource_id)
                    .where(CollectionItem.collection_id == found.id, services.visible_clause(current_user))
                    .options(selectinload(CollectionItem.resource).selectinload(Resource.association))
                    .order_by(CollectionItem.position, CollectionItem.id))
    return render_template("ressources/collection.html", collection=found, page=page,
                           mine=found.owner_id == current_user.id, confirm=ConfirmForm())


@bp.route("/collections/<int:collection_id>/modifier", methods=["GET", "POST"])
def edit_collection(collection_id: int):
    found = collection_or_404(collection_id, own=True)
    form = CollectionForm(obj=found)
    if form.validate_on_submit():
        found.title, found.description = form.title.data.strip(), (form.description.data or "").strip()
        found.shared, found.updated_at = form.shared.data, utcnow()
        db.session.commit()
        flash_success(_("La collection est enregistrée."))
        return redirect(url_for("ressources.collection", collection_id=found.id))
    return render_template("ressources/collection_form.html", form=form, collection=found)


@bp.route("/<int:resource_id>/collection", methods=["POST"])
def add_to_collection(resource_id: int):
    resource = visible_or_404(resource_id)
    require("ressources.contribute")
    form = AddToCollectionForm(prefix="add")
    form.collection_id.choices = [SelectChoice(c.id, c.title) for c in db.session.scalars(
        select(Collection).where(Collection.owner_id == current_user.id))]
    if not form.validate_on_submit():
        flash_error(_("Choisissez une de vos collections."))
        return redirect(url_for("ressources.show", resource_id=resource.id))
    found = collection_or_404(form.collection_id.data, own=True)
    position = db.session.scalar(select(func.coalesce(func.max(CollectionItem.position), 0))
                                 .where(CollectionItem.collection_id == found.id)) + 1
    try:
        with db.session.begin_nested():
            db.session.add(CollectionItem(collection_id=found.id, resource_id=resource.id, position=position))
        found.updated_at = utcnow()
        db.session.commit()
        flash_success(_("Ajoutée à la collection « %(title)s ».", title=found.title))
    except IntegrityError:
        db.session.rollback()
        flash_success(_("Elle était déjà dans la collection « %(title)s ».", title=found.title))
    return redirect(url_for("ressources.show", resource_id=resource.id))


@bp.route("/collections/<int:collection_id>/retirer/<int:item_id>", methods=["POST"])
def remove_from_collection(collection_id: int, item_id: int):
    found = collection_or_404(collection_id, own=True)
    db.session.execute(delete(CollectionItem).where(CollectionItem.id == item_id,
                                                    CollectionItem.collection_id == found.id))
    db.session.commit()
    flash_success(_("La ressource est retirée de la collection."))
    return redirect(url_for("ressources.collection", collection_id=found.id))


# --- themes and following -------------------------------------------------------------------------------


@bp.route("/themes", methods=["GET", "POST"])
@requires("ressources.manage_themes")
def themes():
    form = ThemeForm()
    if form.validate_on_submit():
        label = form.label.data.strip()
        slug = services_slug(label)
        if db.session.scalar(select(Theme.id).where(Theme.slug == slug)) is not None:
            form.label.errors = [_("Ce thème existe déjà.")]
        else:
            db.session.add(Theme(slug=slug, label=label, active=form.active.data))
            try:
                db.session.commit()
            except IntegrityError:  # added at the same moment by someone else
                db.session.rollback()
                form.label.errors = [_("Ce thème existe déjà.")]
            else:
                flash_success(_("Le thème « %(label)s » est ajouté.", label=label))
                return redirect(url_for("ressources.themes"))
    page = paginate(select(Theme).order_by(Theme.label), per_page=100)
    return render_template("ressources/themes.html", form=form, page=page)


def services_slug(label: str) -> str:
    import re
    import unicodedata

    folded = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode().lower()
    return (re.sub(r"[^a-z0-9]+", "-", folded).strip("-") or "theme")[:120]


@bp.route("/themes/<int:theme_id>/modifier", methods=["GET", "POST"])
@requires("ressources.manage_themes")
def edit_theme(theme_id: int):
    theme = db.get_or_404(Theme, theme_id)
    form = ThemeForm(obj=theme)
    if form.validate_on_submit():
        theme.label, theme.active = form.label.data.strip(), form.active.data
        db.session.commit()
        flash_success(_("Le thème est enregistré."))
        return redirect(url_for("ressources.themes"))
    return render_template("ressources/theme_form.html", form=form, theme=theme)


@bp.route("/abonnements")
def follows():
    mine = db.session.scalars(select(Follow).where(Follow.user_id == current_user.id)).all()
    followed_themes = {f.theme_id for f in mine if f.theme_id}
    followed_associations = {f.association_id for f in mine if f.association_id}
    themes_list = db.session.scalars(select(Theme).where(Theme.active.is_(True)).order_by(Theme.label)).all()
    associations = db.session.execute(select(Association.id, Association.name).order_by(Association.name)
                                      .limit(500)).all()
    return render_template("ressources/follows.html", themes=themes_list, associations=associations,
                           followed_themes=followed_themes, followed_associations=followed_associations,
                           form=FollowForm())


@bp.route("/abonnements", methods=["POST"])
def follow():
    form = FollowForm()
    form.validate_on_submit()
    theme_id = int(form.theme_id.data) if (form.theme_id.data or "").isdigit() else None
    association_id = int(form.association_id.data) if (form.association_id.data or "").isdigit() else None
    if (theme_id is None) == (association_id is None):
        abort(400)
    if theme_id is not None:
        db.get_or_404(Theme, theme_id)
        condition = Follow.theme_id == theme_id
    else:
        db.get_or_404(Association, association_id)
        condition = Follow.association_id == association_id
    existing = db.session.scalar(select(Follow).where(Follow.user_id == current_user.id, condition))
    if existing is not None:
        db.session.delete(existing)
        message = _("Vous ne suivez plus ce sujet.")
    else:
        db.session.add(Follow(user_id=current_user.id, theme_id=theme_id, association_id=association_id))
        message = _("Vous serez prévenu·e des nouvelles ressources.")
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
    flash_success(message)
    return redirect(url_for("ressources.follows"))
