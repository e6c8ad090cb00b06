"""The example plugin's page: a list of notes and a form to add one."""

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from qn_portal.api import FlaskForm, db, index_document, lazy_gettext, paginate, require

from .models import ExampleNote

bp = Blueprint("example", __name__, url_prefix="/example", template_folder="templates")


class NoteForm(FlaskForm):
    title = StringField(lazy_gettext("Titre"), validators=[DataRequired(lazy_gettext("Indiquez un titre.")),
                                                           Length(max=200)])
    body = StringField(lazy_gettext("Texte"), validators=[Length(max=2000)])


@bp.route("/", methods=["GET", "POST"])
def index():
    form = NoteForm()
    if form.validate_on_submit():
        require("example.write")
        note = ExampleNote(title=form.title.data, body=form.body.data or "")
        db.session.add(note)
        db.session.flush()
        from . import note_document

        index_document("example", note_document(note))
        db.session.commit()
        return redirect(url_for("example.index"))
    page = paginate(select(ExampleNote).order_by(ExampleNote.id.desc()))
    return render_template("example/index.html", form=form, page=page, may_write=current_user.is_authenticated)
