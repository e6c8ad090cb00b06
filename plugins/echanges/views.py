"""The pages of the exchanges: lists, a thread and its replies, writing (with similar threads), following,
reports and the moderation queue, categories."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import Integer, cast, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from qn_portal.api import (
    audit,
    audit_export,
    can,
    count_rows,
    csv_response,
    db,
    emit,
    flash_error,
    flash_success,
    notify,
    paginate,
    plugin_enabled,
    require,
    requires,
    stream_scalars,
    utcnow,
)
from qn_portal.api import gettext as _
from qn_portal.api import lazy_gettext as _l

from . import services
from .forms import (
    CategoryForm,
    EditReplyForm,
    EditThreadForm,
    HideForm,
    MoveForm,
    ReplyForm,
    ReportForm,
    ThreadForm,
)
from .models import (
    FOLLOW_CATEGORY,
    FOLLOW_TAG,
    FOLLOW_THREAD,
    EchangesCategory,
    EchangesFollow,
    EchangesPost,
    EchangesReport,
    EchangesRevision,
    EchangesThanks,
    EchangesThread,
    join_tags,
)

bp = Blueprint("echanges", __name__, url_prefix="/echanges", template_folder="templates")

VIEWS = {
    "tous": _l("Tous les sujets"),
    "sans-reponse": _l("Sans réponse"),
    "resolus": _l("Résolus"),
    "mes-sujets": _l("Mes sujets"),
    "suivis": _l("Suivis"),
}


def thread_or_404(thread_id: int) -> EchangesThread:
    require("echanges.view")
    thread = db.session.get(EchangesThread, thread_id)
    if thread is None or not services.may_see_thread(current_user, thread):
        abort(404)  # a partner opening a closed category's thread learns nothing, not even that it exists
    return thread


def post_or_404(post_id: int) -> EchangesPost:
    require("echanges.view")
    post = db.session.get(EchangesPost, post_id)
    if post is None or not services.may_see_thread(current_user, post.thread):
        abort(404)
    return post


def category_choices(user) -> list[SelectChoice]:
    return [SelectChoice("", _("— Choisissez —"))] + [SelectChoice(str(category.id), category.name)
                                                      for category in services.visible_categories(user)]


def thread_url(thread_id: int, post_id: int | None = None) -> str:
    return url_for("echanges.thread", thread_id=thread_id) + (f"#message-{post_id}" if post_id else "")


def tell_about_mentions(mentions: services.Mentions, told: list[int], thread: EchangesThread) -> None:
    """Tell the author what became of their @mentions: nothing is sent silently to nobody."""
    if mentions.unknown:
        flash_error(_("Personne ne s'appelle « %(names)s » : personne n'a été prévenu pour cette mention.",
                      names=", ".join(mentions.unknown)))
    if mentions.ambiguous:
        flash_error(_("Plusieurs personnes s'appellent « %(names)s » : personne n'a été prévenu. "
                      "Contactez la personne directement.", names=", ".join(mentions.ambiguous)))
    blind = [name for user_id, name in mentions.users.items()
             if user_id not in services.readers_among([user_id], thread) and user_id != current_user.id]
    if blind:
        flash_error(_("%(names)s ne peut pas lire ce sujet : pas de notification.", names=", ".join(blind)))


# --- lists ----------------------------------------------------------------------------------------------


def threads_scope():
    """The list's view, category, tag and search from the query string, and the select of the threads they
    keep that the person may read, most recent activity first (the page and its CSV export)."""
    view = request.args.get("vue", "tous")
    if view not in VIEWS:
        view = "tous"
    category_id = request.args.get("categorie", type=int)
    tag = (request.args.get("tag") or "").strip().lower()[:services.TAG_MAX] or None
    query = (request.args.get("q") or "").strip()[:200]
    categories = services.visible_categories(current_user)
    category = next((item for item in categories if item.id == category_id), None)
    if category_id is not None and category is None:
        abort(404)
    statement = select(EchangesThread).where(services.thread_clause(current_user))
    if category is not None:
        statement = statement.where(EchangesThread.category_id == category.id)
    if tag:
        statement = statement.where(services.tag_clause(tag))
    if view == "sans-reponse":
        statement = statement.where(EchangesThread.reply_count == 0)
    elif view == "resolus":
        statement = statement.where(EchangesThread.solution_post_id.is_not(None))
    elif view == "mes-sujets":
        statement = statement.where(or_(EchangesThread.author_id == current_user.id, EchangesThread.id.in_(
            select(EchangesPost.thread_id).where(EchangesPost.author_id == current_user.id))))
    elif view == "suivis":
        statement = statement.where(EchangesThread.id.in_(
            select(cast(EchangesFollow.target, Integer)).where(
                EchangesFollow.user_id == current_user.id, EchangesFollow.target_type == FOLLOW_THREAD)))
    if query:
        statement = statement.where(EchangesThread.id.in_(services.matching_thread_ids(current_user, query)))
    statement = statement.options(selectinload(EchangesThread.category), selectinload(EchangesThread.author))
    statement = statement.order_by(EchangesThread.last_activity_at.desc(), EchangesThread.id.desc())
    return view, categories, category, tag, query, statement


@bp.route("/export.csv")
@requires("echanges.view")
def index_csv():
    """The threads of the list, with its view, category, tag and search, every page of them."""
    statement = threads_scope()[-1]
    rows = ([thread.title, thread.category.name, ", ".join(thread.tag_list),
             thread.author.display_name if thread.author else None, thread.created_at, thread.reply_count,
             thread.last_activity_at, thread.solution_post_id is not None, thread.locked,
             url_for("echanges.thread", thread_id=thread.id, _external=True)]
            for thread in stream_scalars(statement))
    return csv_response([_("Sujet"), _("Catégorie"), _("Mots-clés"), _("Ouvert par"), _("Ouvert le"), _("Réponses"),
                         _("Dernière activité"), _("Résolu"), _("Verrouillé"), _("Adresse")], rows,
                        "echanges-sujets.csv")


@bp.route("/")
@requires("echanges.view")
def index():
    view, categories, category, tag, query, statement = threads_scope()
    page = paginate(statement)
    counts = dict(db.session.execute(select(EchangesThread.category_id, func.count()).where(
        services.thread_clause(current_user)).group_by(EchangesThread.category_id)).all())
    follows = set(db.session.execute(select(EchangesFollow.target_type, EchangesFollow.target).where(
        EchangesFollow.user_id == current_user.id,
        EchangesFollow.target_type.in_((FOLLOW_CATEGORY, FOLLOW_TAG)))).all())
    return render_template("echanges/index.html", page=page, categories=categories, category=category, tag=tag,
                           view=view, views=VIEWS, query=query, counts=counts, follows=follows,
                           may_post=can(current_user, "echanges.post"),
                           moderator=can(current_user, "echanges.moderate"),
                           manage_categories=can(current_user, "echanges.manage_categories"))


# --- a thread -------------------------------------------------------------------------------------------


def render_thread(thread: EchangesThread, reply_form=None, status: int = 200):
    page = paginate(select(EchangesPost).where(EchangesPost.thread_id == thread.id)
                    .options(selectinload(EchangesPost.author))
                    .order_by(EchangesPost.is_first.desc(), EchangesPost.created_at, EchangesPost.id), per_page=50)
    ids = [post.id for post in page.items]
    thanks = dict(db.session.execute(select(EchangesThanks.post_id, func.count()).where(
        EchangesThanks.post_id.in_(ids)).group_by(EchangesThanks.post_id)).all()) if ids else {}
    mine = set(db.session.scalars(select(EchangesThanks.post_id).where(
        EchangesThanks.post_id.in_(ids), EchangesThanks.user_id == current_user.id))) if ids else set()
    revised = set(db.session.scalars(select(EchangesRevision.post_id).where(
        EchangesRevision.post_id.in_(ids)).distinct())) if ids else set()
    follow = services.follow_of(current_user.id, FOLLOW_THREAD, thread.id)
    may_post = can(current_user, "echanges.post")
    moderator = can(current_user, "echanges.moderate")
    if reply_form is None and may_post and not thread.locked:
        reply_form = ReplyForm()
    links = [(link, services.link_label(link)) for link in thread.link_list
             if link.split("/")[1] in services.LINKABLE and plugin_enabled(link.split("/")[1])]
    return render_template("echanges/thread.html", thread=thread, page=page, thanks=thanks, mine=mine,
                           revised=revised, follow=follow, may_post=may_post, moderator=moderator,
                           reply_form=reply_form, links=links,
                           may_report=can(current_user, "echanges.report"),
                           is_author=thread.author_id == current_user.id), status


@bp.route("/sujets/<int:thread_id>")
def thread(thread_id: int):
    return render_thread(thread_or_404(thread_id))


@bp.route("/sujets/<int:thread_id>/repondre", methods=["POST"])
@requires("echanges.post")
def reply(thread_id: int):
    thread = thread_or_404(thread_id)
    if thread.locked:
        flash_error(_("Ce sujet est verrouillé par la coordination : on ne peut plus y répondre."))
        return redirect(thread_url(thread.id))
    form = ReplyForm()
    if not form.validate_on_submit():
        return render_thread(thread, reply_form=form, status=200)
    now = utcnow()
    mentions = services.find_mentions(form.body.data)
    post = EchangesPost(thread_id=thread.id, author_id=current_user.id, body=form.body.data,
                        body_html=services.render_body(form.body.data, mentions), created_at=now)
    db.session.add(post)
    # One UPDATE: two replies at once both count.
    db.session.execute(update(EchangesThread).where(EchangesThread.id == thread.id).values(
        reply_count=EchangesThread.reply_count + 1, last_activity_at=now))
    db.session.flush()
    mentioned = services.save_mentions(post, mentions)
    services.ensure_follow(current_user.id, thread, seen_at=now)
    db.session.refresh(thread)
    services.reindex(thread)
    db.session.commit()
    services.announce(post.id, mentioned, current_user.id)
    emit("echanges.post_created", actor_id=current_user.id, thread_id=thread.id, post_id=post.id)
    tell_about_mentions(mentions, mentioned, thread)
    flash_success(_("Votre réponse est publiée."))
    return redirect(thread_url(thread.id, post.id))


# --- writing a thread -----------------------------------------------------------------------------------


@bp.route("/sujets/nouveau", methods=["GET", "POST"])
@requires("echanges.post")
def new_thread():
    form = ThreadForm()
    form.category.choices = category_choices(current_user)
    if request.method == "GET":
        wanted = request.args.get("categorie", "")
        if wanted in {choice.value for choice in form.category.choices}:
            form.category.data = wanted
    similar, checked = [], False
    if request.method == "POST" and form.check.data:
        # "Vérifier les sujets proches": no JavaScript, no save; what was typed comes back as it was.
        checked = True
        similar = services.similar_threads(current_user, form.title.data or "")
        return render_template("echanges/thread_form.html", form=form, similar=similar, checked=checked)
    if form.validate_on_submit():
        category = db.session.get(EchangesCategory, int(form.category.data))
        now = utcnow()
        mentions = services.find_mentions(form.body.data)
        thread = EchangesThread(category=category, title=form.title.data, author_id=current_user.id,
                                tags=join_tags(services.parse_tags(form.tags.data)), links=form.links.data or "",
                                created_at=now, last_activity_at=now)
        post = EchangesPost(thread=thread, author_id=current_user.id, is_first=True, body=form.body.data,
                            body_html=services.render_body(form.body.data, mentions), created_at=now)
        db.session.add_all([thread, post])
        db.session.flush()
        mentioned = services.save_mentions(post, mentions)
        services.ensure_follow(current_user.id, thread, seen_at=now)
        services.reindex(thread)
        db.session.commit()
        services.announce(post.id, mentioned, current_user.id)
        emit("echanges.thread_created", actor_id=current_user.id, thread_id=thread.id, post_id=post.id)
        tell_about_mentions(mentions, mentioned, thread)
        flash_success(_("Votre sujet est publié."))
        return redirect(thread_url(thread.id))
    if request.method == "POST" and form.title.data:
        similar = services.similar_threads(current_user, form.title.data)
    return render_template("echanges/thread_form.html", form=form, similar=similar, checked=checked)


@bp.route("/messages/<int:post_id>/modifier", methods=["GET", "POST"])
@requires("echanges.post")
def edit_post(post_id: int):
    post = post_or_404(post_id)
    thread = post.thread
    if post.author_id != current_user.id:
        abort(403)  # authors edit their own messages; the coordination hides, it does not rewrite
    if post.deleted_at is not None or post.hidden or thread.locked:
        flash_error(_("Ce message ne peut plus être modifié."))
        return redirect(thread_url(thread.id, post.id))
    form = EditThreadForm(obj=thread) if post.is_first else EditReplyForm()
    if request.method == "GET":
        form.body.data = post.body
        if post.is_first:
            form.tags.data = ", ".join(thread.tag_list)
    if form.validate_on_submit():
        if form.body.data == post.body and (not post.is_first or (
                form.title.data == thread.title and services.parse_tags(form.tags.data) == thread.tag_list
                and (form.links.data or "") == thread.links)):
            flash_success(_("Rien n'a changé."))
            return redirect(thread_url(thread.id, post.id))
        db.session.add(EchangesRevision(post_id=post.id, title=thread.title if post.is_first else "",
                                        body=post.body, editor_id=current_user.id))
        mentions = services.find_mentions(form.body.data)
        post.body = form.body.data
        post.body_html = services.render_body(form.body.data, mentions)
        post.edited_at = utcnow()
        if post.is_first:
            thread.title = form.title.data
            thread.tags = join_tags(services.parse_tags(form.tags.data))
            thread.links = form.links.data or ""
        mentioned = services.save_mentions(post, mentions)
        services.reindex(thread)
        db.session.commit()
        if mentioned:
            services.announce(post.id, mentioned, current_user.id)
        tell_about_mentions(mentions, mentioned, thread)
        flash_success(_("Votre message est modifié ; la version précédente est gardée dans l'historique."))
        return redirect(thread_url(thread.id, post.id))
    return render_template("echanges/edit_form.html", form=form, post=post, thread=thread)


@bp.route("/messages/<int:post_id>/supprimer", methods=["POST"])
@requires("echanges.post")
def delete_post(post_id: int):
    post = post_or_404(post_id)
    if post.author_id != current_user.id:
        abort(403)
    if post.deleted_at is None:
        # The marker stays so that the replies still make sense; the words and their history go.
        post.deleted_at = utcnow()
        post.body, post.body_html = "", ""
        db.session.execute(EchangesRevision.__table__.delete().where(EchangesRevision.post_id == post.id))
        services.reindex(post.thread)
        db.session.commit()
        flash_success(_("Votre message est supprimé."))
    return redirect(thread_url(post.thread_id, post.id))


@bp.route("/messages/<int:post_id>/historique")
def history(post_id: int):
    post = post_or_404(post_id)
    moderator = can(current_user, "echanges.moderate")
    if not post.shown and not moderator and post.author_id != current_user.id:
        abort(404)
    page = paginate(select(EchangesRevision).where(EchangesRevision.post_id == post.id)
                    .options(selectinload(EchangesRevision.editor))
                    .order_by(EchangesRevision.created_at.desc(), EchangesRevision.id.desc()))
    return render_template("echanges/history.html", post=post, thread=post.thread, page=page)


# --- thanks and solutions -------------------------------------------------------------------------------


@bp.route("/messages/<int:post_id>/merci", methods=["POST"])
@requires("echanges.post")
def thank(post_id: int):
    post = post_or_404(post_id)
    if post.author_id == current_user.id or not post.shown:
        flash_error(_("On ne remercie pas pour ce message."))
        return redirect(thread_url(post.thread_id, post.id))
    existing = db.session.scalar(select(EchangesThanks).where(
        EchangesThanks.post_id == post.id, EchangesThanks.user_id == current_user.id))
    if existing is not None:
        db.session.delete(existing)
    else:
        db.session.add(EchangesThanks(post_id=post.id, user_id=current_user.id))
    try:
        db.session.commit()
    except IntegrityError:  # a double click: the first one counted
        db.session.rollback()
    return redirect(thread_url(post.thread_id, post.id))


@bp.route("/messages/<int:post_id>/solution", methods=["POST"])
@requires("echanges.post")
def mark_solution(post_id: int):
    post = post_or_404(post_id)
    thread = post.thread
    if thread.author_id != current_user.id and not can(current_user, "echanges.moderate"):
        abort(403)
    if post.is_first or not post.shown:
        flash_error(_("Seule une réponse visible peut résoudre la question."))
        return redirect(thread_url(thread.id, post.id))
    thread.solution_post_id = None if thread.solution_post_id == post.id else post.id
    db.session.commit()
    flash_success(_("La question est marquée comme résolue.") if thread.solution_post_id
                  else _("La question n'est plus marquée comme résolue."))
    return redirect(thread_url(thread.id, post.id))


# --- following ------------------------------------------------------------------------------------------


def toggle_follow(target_type: str, target: str) -> bool:
    follow = services.follow_of(current_user.id, target_type, target)
    if follow is not None:
        db.session.delete(follow)
    else:
        db.session.add(EchangesFollow(user_id=current_user.id, target_type=target_type, target=target))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return True
    return follow is None


@bp.route("/sujets/<int:thread_id>/suivre", methods=["POST"])
@requires("echanges.view")
def follow_thread(thread_id: int):
    thread = thread_or_404(thread_id)
    following = toggle_follow(FOLLOW_THREAD, str(thread.id))
    flash_success(_("Vous suivez ce sujet.") if following else _("Vous ne suivez plus ce sujet."))
    return redirect(thread_url(thread.id))


@bp.route("/sujets/<int:thread_id>/lu", methods=["POST"])
@requires("echanges.view")
def mark_read(thread_id: int):
    thread = thread_or_404(thread_id)
    follow = services.follow_of(current_user.id, FOLLOW_THREAD, thread.id)
    if follow is not None:
        follow.seen_at = utcnow()
        db.session.commit()
    return redirect(thread_url(thread.id))


@bp.route("/suivis/lu", methods=["POST"])
@requires("echanges.view")
def mark_all_read():
    db.session.execute(update(EchangesFollow).where(
        EchangesFollow.user_id == current_user.id, EchangesFollow.target_type == FOLLOW_THREAD).values(seen_at=utcnow()))
    db.session.commit()
    flash_success(_("Les messages des sujets suivis sont marqués comme lus."))
    return redirect(url_for("echanges.index", vue="suivis"))


@bp.route("/categories/<int:category_id>/suivre", methods=["POST"])
@requires("echanges.view")
def follow_category(category_id: int):
    category = db.session.get(EchangesCategory, category_id)
    if not services.may_read(current_user, category):
        abort(404)
    following = toggle_follow(FOLLOW_CATEGORY, str(category.id))
    flash_success(_("Vous suivez la catégorie « %(name)s ».", name=category.name) if following
                  else _("Vous ne suivez plus la catégorie « %(name)s ».", name=category.name))
    return redirect(url_for("echanges.index", categorie=category.id))


@bp.route("/mots-cles/suivre", methods=["POST"])
@requires("echanges.view")
def follow_tag():
    tags = services.parse_tags(request.form.get("tag", ""))
    if len(tags) != 1 or services.tags_problem(tags):
        flash_error(_("Ce mot-clé n'est pas valable."))
        return redirect(url_for("echanges.index"))
    following = toggle_follow(FOLLOW_TAG, tags[0])
    flash_success(_("Vous suivez le mot-clé « %(tag)s ».", tag=tags[0]) if following
                  else _("Vous ne suivez plus le mot-clé « %(tag)s ».", tag=tags[0]))
    return redirect(url_for("echanges.index", tag=tags[0]))


# --- reports and moderation -----------------------------------------------------------------------------


@bp.route("/messages/<int:post_id>/signaler", methods=["GET", "POST"])
@requires("echanges.report")
def report(post_id: int):
    post = post_or_404(post_id)
    if not post.shown:
        abort(404)
    form = ReportForm()
    if form.validate_on_submit():
        db.session.add(EchangesReport(post_id=post.id, reporter_id=current_user.id, reason=form.reason.data,
                                      comment=form.comment.data or ""))
        db.session.commit()
        flash_success(_("Merci : la coordination va regarder ce message."))
        return redirect(thread_url(post.thread_id, post.id))
    return render_template("echanges/report.html", form=form, post=post, thread=post.thread)


def open_reports_statement():
    """The reports waiting for a moderator, oldest first, with their message, thread and people loaded."""
    return (select(EchangesReport).where(EchangesReport.resolved_at.is_(None))
            .options(selectinload(EchangesReport.post).selectinload(EchangesPost.thread),
                     selectinload(EchangesReport.post).selectinload(EchangesPost.author),
                     selectinload(EchangesReport.reporter))
            .order_by(EchangesReport.created_at, EchangesReport.id))


@bp.route("/moderation")
@requires("echanges.moderate")
def moderation():
    page = paginate(open_reports_statement())
    return render_template("echanges/moderation.html", page=page)


@bp.route("/moderation/export.csv")
@requires("echanges.moderate")
def moderation_csv():
    """The open reports as the page lists them, without the messages' text (names: the export is audited)."""
    statement = open_reports_statement()
    audit_export("echanges: signalements ouverts", count_rows(statement))
    deleted = _("Compte supprimé")
    rows = ([report.post.thread.title, report.post.author.display_name if report.post.author else deleted,
             report.reporter.display_name if report.reporter else deleted, report.reason_label, report.comment,
             report.created_at, report.post.hidden,
             url_for("echanges.thread", thread_id=report.post.thread_id, _external=True) + f"#message-{report.post_id}"]
            for report in stream_scalars(statement))
    return csv_response([_("Sujet"), _("Message de"), _("Signalé par"), _("Motif"), _("Commentaire"), _("Signalé le"),
                         _("Déjà masqué"), _("Adresse")], rows, "echanges-signalements.csv")


def resolve_reports(post_id: int) -> None:
    db.session.execute(update(EchangesReport).where(
        EchangesReport.post_id == post_id, EchangesReport.resolved_at.is_(None)).values(
        resolved_at=utcnow(), resolved_by_id=current_user.id))


@bp.route("/signalements/<int:report_id>/classer", methods=["POST"])
@requires("echanges.moderate")
def dismiss_report(report_id: int):
    item = db.session.get(EchangesReport, report_id)
    if item is None:
        abort(404)
    if item.resolved_at is None:
        item.resolved_at, item.resolved_by_id = utcnow(), current_user.id
        db.session.commit()
        audit("echanges.report_dismissed", target=f"message {item.post_id}", report_id=item.id, post_id=item.post_id)
    flash_success(_("Le signalement est classé sans suite."))
    return redirect(url_for("echanges.moderation"))


@bp.route("/messages/<int:post_id>/masquer", methods=["GET", "POST"])
@requires("echanges.moderate")
def hide_post(post_id: int):
    post = post_or_404(post_id)
    if post.deleted_at is not None:
        abort(404)
    form = HideForm()
    if form.validate_on_submit():
        post.hidden, post.hidden_reason = True, form.reason.data
        resolve_reports(post.id)
        services.reindex(post.thread)
        db.session.commit()
        audit("echanges.post_hidden", target=f"message {post.id}", post_id=post.id, thread_id=post.thread_id)
        if post.author_id and post.author_id != current_user.id:
            notify(post.author_id, "echanges.moderation",
                   _l("Votre message dans « %(title)s » est masqué", title=post.thread.title),
                   thread_url(post.thread_id, post.id), text=_l("Raison : %(reason)s", reason=post.hidden_reason))
        flash_success(_("Le message est masqué ; son auteur·e voit la raison."))
        return redirect(thread_url(post.thread_id, post.id))
    return render_template("echanges/hide.html", form=form, post=post, thread=post.thread)


@bp.route("/messages/<int:post_id>/retablir", methods=["POST"])
@requires("echanges.moderate")
def restore_post(post_id: int):
    post = post_or_404(post_id)
    if post.hidden:
        post.hidden, post.hidden_reason = False, ""
        resolve_reports(post.id)
        services.reindex(post.thread)
        db.session.commit()
        audit("echanges.post_restored", target=f"message {post.id}", post_id=post.id, thread_id=post.thread_id)
        if post.author_id and post.author_id != current_user.id:
            notify(post.author_id, "echanges.moderation",
                   _l("Votre message dans « %(title)s » est de nouveau visible", title=post.thread.title),
                   thread_url(post.thread_id, post.id))
    flash_success(_("Le message est de nouveau visible."))
    return redirect(thread_url(post.thread_id, post.id))


@bp.route("/sujets/<int:thread_id>/verrouiller", methods=["POST"])
@requires("echanges.moderate")
def lock_thread(thread_id: int):
    thread = thread_or_404(thread_id)
    thread.locked = not thread.locked
    db.session.commit()
    audit("echanges.thread_locked" if thread.locked else "echanges.thread_unlocked", target=f"sujet {thread.id}",
          thread_id=thread.id)
    flash_success(_("Le sujet est verrouillé.") if thread.locked else _("Le sujet est déverrouillé."))
    return redirect(thread_url(thread.id))


@bp.route("/sujets/<int:thread_id>/deplacer", methods=["GET", "POST"])
@requires("echanges.moderate")
def move_thread(thread_id: int):
    thread = thread_or_404(thread_id)
    form = MoveForm()
    form.category.choices = category_choices(current_user)
    if request.method == "GET":
        form.category.data = str(thread.category_id)
    if form.validate_on_submit():
        old = thread.category_id
        thread.category = db.session.get(EchangesCategory, int(form.category.data))
        services.reindex(thread)  # the visibility follows the category
        db.session.commit()
        audit("echanges.thread_moved", target=f"sujet {thread.id}", thread_id=thread.id, from_category=old,
              to_category=thread.category_id)
        flash_success(_("Le sujet est déplacé dans « %(name)s ».", name=thread.category.name))
        return redirect(thread_url(thread.id))
    return render_template("echanges/move.html", form=form, thread=thread)


# --- categories -----------------------------------------------------------------------------------------


@bp.route("/categories", methods=["GET", "POST"])
@requires("echanges.manage_categories")
def categories():
    form = CategoryForm()
    if form.validate_on_submit():
        if db.session.scalar(select(EchangesCategory.id).where(
                func.lower(EchangesCategory.name) == form.name.data.lower())) is not None:
            form.name.errors.append(_("Une catégorie porte déjà ce nom."))
        else:
            category = EchangesCategory(name=form.name.data, description=form.description.data or "",
                                        position=form.position_value(),
                                        open_to_partners=bool(form.open_to_partners.data))
            db.session.add(category)
            try:
                db.session.commit()
            except IntegrityError:
                db.session.rollback()
                form.name.errors.append(_("Une catégorie porte déjà ce nom."))
            else:
                audit("echanges.category_created", target=category.name, category_id=category.id,
                      open_to_partners=category.open_to_partners)
                flash_success(_("La catégorie « %(name)s » est créée.", name=category.name))
                return redirect(url_for("echanges.categories"))
    page = paginate(select(EchangesCategory).order_by(EchangesCategory.position, EchangesCategory.name))
    return render_template("echanges/categories.html", form=form, page=page)


@bp.route("/categories/<int:category_id>/modifier", methods=["GET", "POST"])
@requires("echanges.manage_categories")
def edit_category(category_id: int):
    category = db.session.get(EchangesCategory, category_id)
    if category is None:
        abort(404)
    form = CategoryForm(obj=category)
    if request.method == "GET":
        form.position.data = str(category.position)
    if form.validate_on_submit():
        taken = db.session.scalar(select(EchangesCategory.id).where(
            func.lower(EchangesCategory.name) == form.name.data.lower(), EchangesCategory.id != category.id))
        if taken is not None:
            form.name.errors.append(_("Une catégorie porte déjà ce nom."))
        else:
            opened_changed = category.open_to_partners != bool(form.open_to_partners.data)
            category.name, category.description = form.name.data, form.description.data or ""
            category.position = form.position_value()
            category.open_to_partners = bool(form.open_to_partners.data)
            if opened_changed:
                for item in db.session.scalars(select(EchangesThread).where(EchangesThread.category_id == category.id)):
                    services.reindex(item)
            db.session.commit()
            audit("echanges.category_updated", target=category.name, category_id=category.id,
                  open_to_partners=category.open_to_partners)
            flash_success(_("La catégorie est enregistrée."))
            return redirect(url_for("echanges.categories"))
    return render_template("echanges/category_form.html", form=form, category=category)
