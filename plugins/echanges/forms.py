"""The forms of the exchanges: every message French, next to its field; nothing typed is lost."""

from __future__ import annotations

from wtforms import BooleanField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError

from qn_portal.api import FlaskForm
from qn_portal.api import lazy_gettext as _l

from .models import REPORT_REASONS
from .services import links_problem, parse_tags, tags_problem

BODY_MAX = 20000


def body_field(label):
    return TextAreaField(label, validators=[
        DataRequired(_l("Écrivez votre message : il est vide.")),
        Length(max=BODY_MAX, message=_l("20 000 caractères au plus."))],
        description=_l("Markdown accepté : **gras**, listes, liens. Mentionnez quelqu'un avec @Prénom Nom."),
        render_kw={"rows": 8})


def strip(value):
    return value.strip() if isinstance(value, str) else value


class ThreadForm(FlaskForm):
    title = StringField(_l("Titre de la question ou du sujet"), filters=[strip], validators=[
        DataRequired(_l("Indiquez un titre.")), Length(min=5, max=200, message=_l("Entre 5 et 200 caractères."))])
    category = SelectField(_l("Catégorie"), coerce=str, validate_choice=False)
    body = body_field(_l("Votre message"))
    tags = StringField(_l("Mots-clés (facultatif)"), filters=[strip],
                       description=_l("Séparés par des virgules, par exemple : smartphone, CAF, seniors."),
                       validators=[Length(max=300, message=_l("300 caractères au plus."))])
    links = TextAreaField(_l("Liens vers des ressources, ateliers ou billets de veille (facultatif)"),
                          description=_l("Une adresse du portail par ligne, par exemple /ressources/12."),
                          validators=[Length(max=1200, message=_l("1 200 caractères au plus."))], render_kw={"rows": 2})
    check = SubmitField(_l("Vérifier les sujets proches"))
    submit = SubmitField(_l("Publier le sujet"))

    def validate_category(self, field):
        offered = {str(choice.value) for choice in self.category.choices if choice.value}
        if field.data not in offered:
            raise ValidationError(_l("Choisissez une catégorie."))

    def validate_tags(self, field):
        problem = tags_problem(parse_tags(field.data))
        if problem:
            raise ValidationError(problem)

    def validate_links(self, field):
        problem = links_problem(field.data)
        if problem:
            raise ValidationError(problem)


class EditThreadForm(FlaskForm):
    """The first message of a thread: its title, tags and links go with it."""

    title = ThreadForm.title
    body = body_field(_l("Votre message"))
    tags = ThreadForm.tags
    links = ThreadForm.links
    validate_tags = ThreadForm.validate_tags
    validate_links = ThreadForm.validate_links


class ReplyForm(FlaskForm):
    body = body_field(_l("Votre réponse"))


class EditReplyForm(FlaskForm):
    body = body_field(_l("Votre message"))


class ReportForm(FlaskForm):
    reason = SelectField(_l("Raison"), validate_choice=False,
                         choices=[SelectChoice(value, label) for value, label in
                                  [("", _l("— Choisissez —")), *REPORT_REASONS.items()]])
    comment = TextAreaField(_l("Précisez (facultatif)"), filters=[strip],
                            validators=[Length(max=1000, message=_l("1 000 caractères au plus."))],
                            render_kw={"rows": 3})

    def validate_reason(self, field):
        if field.data not in REPORT_REASONS:
            raise ValidationError(_l("Choisissez une raison."))


class HideForm(FlaskForm):
    reason = TextAreaField(_l("Raison, montrée à l'auteur·e du message"), filters=[strip], validators=[
        DataRequired(_l("Indiquez la raison : elle est montrée à l'auteur·e.")),
        Length(max=500, message=_l("500 caractères au plus."))], render_kw={"rows": 3})


class MoveForm(FlaskForm):
    category = SelectField(_l("Nouvelle catégorie"), coerce=str, validate_choice=False)

    def validate_category(self, field):
        offered = {str(choice.value) for choice in self.category.choices if choice.value}
        if field.data not in offered:
            raise ValidationError(_l("Choisissez une catégorie."))


class CategoryForm(FlaskForm):
    name = StringField(_l("Nom"), filters=[strip], validators=[
        DataRequired(_l("Indiquez un nom.")), Length(max=80, message=_l("80 caractères au plus."))])
    description = StringField(_l("Description (facultatif)"), filters=[strip],
                              validators=[Length(max=300, message=_l("300 caractères au plus."))])
    position = StringField(_l("Ordre d'affichage (facultatif)"), filters=[strip],
                           description=_l("Un nombre : les plus petits d'abord."))
    open_to_partners = BooleanField(_l("Ouverte aux partenaires (travailleurs sociaux, financeurs)"))

    def validate_position(self, field):
        value = str(field.data if field.data is not None else "").strip()
        if value and not (value.lstrip("-").isdigit() and abs(int(value)) < 10000):
            raise ValidationError(_l("Indiquez un nombre entier, par exemple 10."))

    def position_value(self) -> int:
        value = str(self.position.data if self.position.data is not None else "").strip()
        return int(value) if value else 0
