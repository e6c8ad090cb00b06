"""The veille's pages: the feed of posts, a post, the actors' directory, the Atom feeds, preferences
(digest, followed categories, private feed token), the sources and the review queue."""

from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from qn_portal.api import (
    audit,
    can,
    csv_response,
    db,
    describe_opening_hours,
    emit,
    flash_success,
    paginate,
    public,
    render_markdown,
    requires,
    stream_scalars,
    unindex_document,
    utcnow,
)
from qn_portal.api import (
    gettext as _,
)

from . import services
from .forms import (
    ActorFilterForm,
    ActorForm,
    CommentForm,
    PostFilterForm,
    PostForm,
    PreferencesForm,
    SourceForm,
)
from .models import (
    DISCARDED,
    PENDING,
    PUBLISHED,
    VeilleActor,
    VeilleComment,
    VeilleItem,
    VeillePost,
    VeillePreference,
    VeilleReaction,
    VeilleSource,
    post_actor,
)

bp = Blueprint("veille", __name__, url_prefix="/veille", template_folder="templates")


def post_or_404(post_id: int) -> VeillePost:
    post = db.session.get(VeillePost, post_id)
    if post is None:
        abort(404)
    return post


# --- reading ----------------------------------------------------------------------------------------------


@bp.route("/")
@requires("veille.view")
def index():
    form = PostFilterForm(request.args)
    filters = form.values()
    page = paginate(services.posts_statement(current_user, **filters).options(selectinload(VeillePost.author)))
    ids = [post.id for post in page.items]
    counts = dict(db.session.execute(select(VeilleReaction.post_id, func.count()).where(
        VeilleReaction.post_id.in_(ids)).group_by(VeilleReaction.post_id)).all()) if ids else {}
    preference = services.preference_of(current_user.id)
    last_seen = preference.last_seen_at if preference else None
    new_count = db.session.scalar(select(func.count()).select_from(VeillePost).where(
        services.visible_clause(current_user),
        func.coalesce(VeillePost.announced_at, VeillePost.published_at) > last_seen)) if last_seen else None
    return render_template("veille/index.html", page=page, form=form, filtered=any(filters.values()),
                           counts=counts, last_seen=last_seen, new_count=new_count,
                           can_write=can(current_user, "veille.write"))


@bp.route("/export.csv")
@requires("veille.view")
def index_csv():
    """The posts the reader may see, with the page's filters (category, tag, commune), every page of them."""
    filters = PostFilterForm(request.args).values()
    statement = services.posts_statement(current_user, **filters).options(selectinload(VeillePost.author))
    rows = ([post.title, post.category_label, post.published_at,
             _("public") if post.visibility == "public" else _("intranet"), ", ".join(post.commune_list),
             ", ".join(post.tag_list), post.author.display_name if post.author else None, post.source_url,
             url_for("veille.post", post_id=post.id, _external=True)]
            for post in stream_scalars(statement))
    return csv_response([_("Titre"), _("Catégorie"), _("Publié le"), _("Visibilité"), _("Communes"), _("Mots-clés"),
                         _("Auteur ou autrice"), _("Source"), _("Adresse")], rows, "veille-billets.csv")


@bp.route("/vu", methods=["POST"])
@requires("veille.view")
def mark_seen():
    # Recorded on request (a button), not on every visit: reading a page never changes data.
    preference = services.preference_of(current_user.id)
    if preference is None:
        preference = VeillePreference(user_id=current_user.id)
        db.session.add(preference)
    preference.last_seen_at = utcnow()
    db.session.commit()
    flash_success(_("Les billets publiés jusqu'ici sont marqués comme vus."))
    return redirect(url_for("veille.index"))


@bp.route("/billets/<int:post_id>")
@public
def post(post_id: int):
    post = post_or_404(post_id)
    if not services.may_see(current_user, post):
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.path))
        abort(404)
    return render_post(post)


def render_post(post: VeillePost, comment_form: CommentForm | None = None):
    """A post's page; ``comment_form`` is the refused comment, shown again with its errors."""
    signed_in = current_user.is_authenticated
    moderator = signed_in and can(current_user, "veille.moderate")
    comments, reactions, mine = [], 0, False
    if signed_in:
        statement = (select(VeilleComment).where(VeilleComment.post_id == post.id)
                     .options(selectinload(VeilleComment.author)).order_by(VeilleComment.created_at, VeilleComment.id))
        if not moderator:
            statement = statement.where(VeilleComment.hidden.is_(False))
        comments = db.session.scalars(statement.limit(200)).all()
        reactions = db.session.scalar(select(func.count()).select_from(VeilleReaction)
                                      .where(VeilleReaction.post_id == post.id))
        mine = db.session.scalar(select(VeilleReaction.id).where(
            VeilleReaction.post_id == post.id, VeilleReaction.user_id == current_user.id)) is not None
    may_comment = signed_in and can(current_user, "veille.comment")
    if may_comment and comment_form is None:
        comment_form = CommentForm(formdata=None)
    return render_template("veille/post.html", post=post, comments=comments, reactions=reactions, mine=mine,
                           comment_form=comment_form if may_comment else None, may_comment=may_comment,
                           moderator=moderator, can_write=signed_in and can(current_user, "veille.write"),
                           scheduled=not post.is_published())


@bp.route("/billets/<int:post_id>/utile", methods=["POST"])
@requires("veille.comment")
def react(post_id: int):
    post = post_or_404(post_id)
    if not services.may_see(current_user, post) or not post.is_published():
        abort(404)
    existing = db.session.scalar(select(VeilleReaction).where(
        VeilleReaction.post_id == post.id, VeilleReaction.user_id == current_user.id))
    if existing is not None:
        db.session.delete(existing)
    else:
        db.session.add(VeilleReaction(post_id=post.id, user_id=current_user.id))
    try:
        db.session.commit()
    except IntegrityError:  # a double click: the first one counted
        db.session.rollback()
    return redirect(url_for("veille.post", post_id=post.id) + "#reactions")


@bp.route("/billets/<int:post_id>/commentaires", methods=["POST"])
@requires("veille.comment")
def comment(post_id: int):
    post = post_or_404(post_id)
    if not services.may_see(current_user, post) or not post.is_published():
        abort(404)
    form = CommentForm()
    if form.validate_on_submit():
        comment = VeilleComment(post_id=post.id, author_id=current_user.id, body=form.body.data,
                                body_html=str(render_markdown(form.body.data)), is_question=bool(form.is_question.data))
        db.session.add(comment)
        db.session.commit()
        if comment.is_question:
            emit("veille.question_asked", actor_id=current_user.id, post_id=post.id, comment_id=comment.id)
        flash_success(_("Votre commentaire est publié."))
        return redirect(url_for("veille.post", post_id=post.id) + "#comments")
    return render_post(post, form)


@bp.route("/commentaires/<int:comment_id>/masquer", methods=["POST"])
@requires("veille.moderate")
def hide_comment(comment_id: int):
    comment = db.session.get(VeilleComment, comment_id)
    if comment is None:
        abort(404)
    comment.hidden = not comment.hidden
    db.session.commit()
    audit("veille.comment_hidden" if comment.hidden else "veille.comment_restored", target=f"comment {comment.id}",
          post_id=comment.post_id, comment_id=comment.id)
    flash_success(_("Le commentaire est masqué.") if comment.hidden else _("Le commentaire est de nouveau visible."))
    return redirect(url_for("veille.post", post_id=comment.post_id) + "#comments")


# --- writing ----------------------------------------------------------------------------------------------


@bp.route("/billets/nouveau", methods=["GET", "POST"])
@requires("veille.write")
def create_post():
    item = None
    item_id = request.args.get("depuis", type=int)
    if item_id is not None:
        item = db.session.get(VeilleItem, item_id)
        if item is None or item.status != PENDING:
            abort(404)
    form = PostForm()
    if request.method == "GET" and item is not None:
        form.title.data = item.title
        form.body.data = item.summary
        form.source_url.data = item.link
        form.category.data = "actualite"
    if form.validate_on_submit():
        post = VeillePost(author_id=current_user.id)
        form.fill(post)
        post.body_html = str(render_markdown(post.body))
        db.session.add(post)
        db.session.flush()
        if item is not None:
            item.status, item.post_id = PUBLISHED, post.id
        db.session.commit()
        if post.is_published():
            services.announce(post)
            flash_success(_("Le billet est publié."))
        else:
            flash_success(_("Le billet est programmé : il restera caché jusqu'à sa date de publication."))
        emit("veille.post_saved", actor_id=current_user.id, post_id=post.id, created=True)
        return redirect(url_for("veille.post", post_id=post.id))
    return render_template("veille/post_form.html", form=form, post=None, item=item)


@bp.route("/billets/<int:post_id>/modifier", methods=["GET", "POST"])
@requires("veille.write")
def edit_post(post_id: int):
    post = post_or_404(post_id)
    form = PostForm()
    if request.method == "GET":
        form.load(post)
    if form.validate_on_submit():
        form.fill(post)
        post.body_html = str(render_markdown(post.body))
        if post.is_published() and post.announced_at is None:
            db.session.commit()
            services.announce(post)
        else:
            if not post.is_published():
                post.announced_at = None  # rescheduled: hidden and unindexed until its new date
            services.sync_index(post)
            db.session.commit()
        emit("veille.post_saved", actor_id=current_user.id, post_id=post.id, created=False)
        flash_success(_("Le billet est enregistré."))
        return redirect(url_for("veille.post", post_id=post.id))
    return render_template("veille/post_form.html", form=form, post=post, item=None)


@bp.route("/billets/<int:post_id>/supprimer", methods=["POST"])
@requires("veille.write")
def delete_post(post_id: int):
    post = post_or_404(post_id)
    unindex_document("veille", f"post:{post.id}")
    db.session.delete(post)
    db.session.commit()
    audit("veille.post_deleted", target=post.title, post_id=post_id)
    flash_success(_("Le billet est supprimé."))
    return redirect(url_for("veille.index"))


# --- actors -----------------------------------------------------------------------------------------------


@bp.route("/acteurs/")
@requires("veille.view")
def actors():
    form = ActorFilterForm(request.args)
    filters = form.values()
    page = paginate(actors_statement(filters))
    return render_template("veille/actors.html", page=page, form=form, filtered=any(filters.values()),
                           can_write=can(current_user, "veille.write"))


def actors_statement(filters: dict):
    """The actors matching the directory's filters, by name (the page and its CSV export share it)."""
    statement = select(VeilleActor)
    if filters["commune"]:
        statement = statement.where(VeilleActor.commune == filters["commune"])
    if filters["kind"]:
        statement = statement.where(VeilleActor.kind == filters["kind"])
    if filters["service"]:
        statement = statement.where(VeilleActor.services.contains(filters["service"], autoescape=True))
    return statement.order_by(VeilleActor.name, VeilleActor.id)


@bp.route("/acteurs/export.csv")
@requires("veille.view")
def actors_csv():
    """The actors' directory with its filters: the organisations' public contact details, as on their pages."""
    rows = ([actor.name, actor.kind_label, actor.commune, ", ".join(actor.service_list), actor.public_served,
             actor.address, actor.postal_code, actor.phone, actor.email, actor.website]
            for actor in stream_scalars(actors_statement(ActorFilterForm(request.args).values())))
    return csv_response([_("Nom"), _("Type"), _("Commune"), _("Services"), _("Publics"), _("Adresse"),
                         _("Code postal"), _("Téléphone"), _("E-mail"), _("Site web")], rows, "veille-acteurs.csv")


@bp.route("/acteurs/<int:actor_id>")
@requires("veille.view")
def actor(actor_id: int):
    actor = db.session.get(VeilleActor, actor_id)
    if actor is None:
        abort(404)
    posts = db.session.scalars(
        select(VeillePost).join(post_actor, post_actor.c.post_id == VeillePost.id)
        .where(post_actor.c.actor_id == actor.id, services.visible_clause(current_user))
        .order_by(VeillePost.published_at.desc()).limit(20)).all()
    return render_template("veille/actor.html", actor=actor, posts=posts,
                           hours=describe_opening_hours(actor.opening_hours),
                           can_write=can(current_user, "veille.write"))


@bp.route("/acteurs/nouveau", methods=["GET", "POST"])
@requires("veille.write")
def create_actor():
    form = ActorForm()
    if form.validate_on_submit():
        actor = VeilleActor()
        form.fill(actor)
        db.session.add(actor)
        db.session.flush()
        services.index_actor(actor)
        db.session.commit()
        flash_success(_("L'acteur est ajouté à l'annuaire."))
        return redirect(url_for("veille.actor", actor_id=actor.id))
    return render_template("veille/actor_form.html", form=form, actor=None)


@bp.route("/acteurs/<int:actor_id>/modifier", methods=["GET", "POST"])
@requires("veille.write")
def edit_actor(actor_id: int):
    actor = db.session.get(VeilleActor, actor_id)
    if actor is None:
        abort(404)
    form = ActorForm(obj=actor)
    if request.method == "GET":
        form.load(actor)
    if form.validate_on_submit():
        form.fill(actor)
        services.index_actor(actor)
        db.session.commit()
        flash_success(_("La fiche de l'acteur est enregistrée."))
        return redirect(url_for("veille.actor", actor_id=actor.id))
    return render_template("veille/actor_form.html", form=form, actor=actor)


# --- Atom feeds -------------------------------------------------------------------------------------------


def atom_response(body: bytes, private: bool) -> Response:
    response = Response(body, mimetype="application/atom+xml")
    response.headers["Cache-Control"] = "no-store" if private else "public, max-age=600"
    return response


@bp.route("/flux.atom")
@public
def public_feed():
    posts = services.feed_posts(None)
    body = services.atom_feed(posts, url_for("veille.public_feed", _external=True),
                              _("La veille de Quartiers Numériques"))
    return atom_response(body, private=False)


@bp.route("/flux/<token>.atom")
@public
def private_feed(token: str):
    owner = services.user_for_token(token)
    if owner is None:
        abort(404)
    posts = services.feed_posts(owner)
    body = services.atom_feed(posts, url_for("veille.private_feed", token=token, _external=True),
                              _("La veille de Quartiers Numériques (flux personnel)"))
    return atom_response(body, private=True)


# --- preferences ------------------------------------------------------------------------------------------


@bp.route("/preferences", methods=["GET", "POST"])
@requires("veille.view")
def preferences():
    preference = services.preference_of(current_user.id)
    form = PreferencesForm()
    if request.method == "GET" and preference is not None:
        form.weekly_digest.data = preference.weekly_digest
        form.followed.data = preference.followed_list
    if form.validate_on_submit():
        from .models import CATEGORIES, join_list

        if preference is None:
            preference = VeillePreference(user_id=current_user.id)
            db.session.add(preference)
        preference.weekly_digest = bool(form.weekly_digest.data)
        preference.followed = join_list(key for key in CATEGORIES if key in set(form.followed.data or ()))
        db.session.commit()
        flash_success(_("Vos préférences de veille sont enregistrées."))
        return redirect(url_for("veille.preferences"))
    return render_template("veille/preferences.html", form=form, token=services.active_token(current_user.id),
                           new_feed_url=None)


@bp.route("/preferences/flux-prive", methods=["POST"])
@requires("veille.view")
def renew_feed_token():
    token = services.renew_token(current_user.id)
    db.session.commit()
    audit("veille.feed_token_created")
    form = PreferencesForm(formdata=None)
    preference = services.preference_of(current_user.id)
    if preference is not None:
        form.weekly_digest.data = preference.weekly_digest
        form.followed.data = preference.followed_list
    # The token is shown this once: only its hash is kept.
    return render_template("veille/preferences.html", form=form, token=services.active_token(current_user.id),
                           new_feed_url=url_for("veille.private_feed", token=token, _external=True))


@bp.route("/preferences/flux-prive/revoquer", methods=["POST"])
@requires("veille.view")
def revoke_feed_token():
    if services.revoke_token(current_user.id):
        db.session.commit()
        audit("veille.feed_token_revoked")
        flash_success(_("Votre flux personnel est désactivé : son adresse ne répond plus."))
    return redirect(url_for("veille.preferences"))


# --- sources and the review queue -------------------------------------------------------------------------


@bp.route("/sources/", methods=["GET", "POST"])
@requires("veille.write")
def sources():
    form = SourceForm()
    if form.validate_on_submit():
        db.session.add(VeilleSource(name=form.name.data.strip(), url=form.url.data, created_by_id=current_user.id))
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            form.url.errors.append(_("Cette source est déjà enregistrée."))
        else:
            flash_success(_("La source est enregistrée : elle sera lue au prochain passage de la collecte."))
            return redirect(url_for("veille.sources"))
    page = paginate(select(VeilleSource).order_by(VeilleSource.name, VeilleSource.id))
    return render_template("veille/sources.html", form=form, page=page)


@bp.route("/sources/export.csv")
@requires("veille.write")
def sources_csv():
    """The sources with when they were last read and what happened."""
    statement = select(VeilleSource).order_by(VeilleSource.name, VeilleSource.id)
    rows = ([source.name, source.url, source.last_fetched_at, source.last_status]
            for source in stream_scalars(statement))
    return csv_response([_("Source"), _("Adresse du flux"), _("Dernière lecture"), _("Résultat")], rows,
                        "veille-sources.csv")


@bp.route("/sources/<int:source_id>/supprimer", methods=["POST"])
@requires("veille.write")
def delete_source(source_id: int):
    source = db.session.get(VeilleSource, source_id)
    if source is None:
        abort(404)
    db.session.delete(source)
    db.session.commit()
    flash_success(_("La source est supprimée, avec ce qu'elle avait apporté et qui restait à relire."))
    return redirect(url_for("veille.sources"))


@bp.route("/a-relire/")
@requires("veille.write")
def review():
    page = paginate(select(VeilleItem).where(VeilleItem.status == PENDING)
                    .options(selectinload(VeilleItem.source))
                    .order_by(VeilleItem.fetched_at.desc(), VeilleItem.id.desc()))
    return render_template("veille/review.html", page=page)


@bp.route("/a-relire/export.csv")
@requires("veille.write")
def review_csv():
    """The items waiting to be read, newest first, with their source."""
    statement = (select(VeilleItem).where(VeilleItem.status == PENDING).options(selectinload(VeilleItem.source))
                 .order_by(VeilleItem.fetched_at.desc(), VeilleItem.id.desc()))
    rows = ([item.title, item.source.name, item.link, item.published_at, item.fetched_at]
            for item in stream_scalars(statement))
    return csv_response([_("Titre"), _("Source"), _("Lien"), _("Publié le"), _("Collecté le")], rows,
                        "veille-a-relire.csv")


@bp.route("/a-relire/<int:item_id>/ecarter", methods=["POST"])
@requires("veille.write")
def discard_item(item_id: int):
    item = db.session.get(VeilleItem, item_id)
    if item is None or item.status != PENDING:
        abort(404)
    item.status = DISCARDED
    db.session.commit()
    flash_success(_("L'élément est écarté."))
    return redirect(url_for("veille.review"))
