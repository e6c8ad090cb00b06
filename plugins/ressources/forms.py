"""Forms of the library: every field validated, every message in French."""

from __future__ import annotations

from urllib.parse import urlsplit

from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    MultipleFileField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from qn_portal.api import CheckboxesField, FlaskForm, lazy_gettext

from .models import AUDIENCES, KINDS, LEVELS, LICENCES, REPORT_REASONS, VISIBILITIES
from .services import parse_links

_l = lazy_gettext
MAX_LINKS = 20


def choices(mapping: dict) -> list[SelectChoice]:
    return [SelectChoice(key, label) for key, label in mapping.items()]


class ResourceForm(FlaskForm):
    title = StringField(_l("Titre"), validators=[DataRequired(_l("Indiquez un titre.")),
                                                 Length(max=200, message=_l("200 caractères au plus."))])
    summary = TextAreaField(_l("Résumé"), description=_l("Deux ou trois phrases : à quoi sert la ressource."),
                            validators=[Length(max=500, message=_l("500 caractères au plus."))])
    body = TextAreaField(_l("Contenu"), description=_l("En Markdown : **gras**, listes avec « - », titres avec « ## »."),
                         validators=[Length(max=50000, message=_l("50 000 caractères au plus."))])
    kind = SelectField(_l("Type de ressource"), choices=choices(KINDS),
                       validators=[InputRequired(_l("Choisissez un type."))])
    themes = CheckboxesField(_l("Thèmes"), coerce=int, choices=[], message=_l("Choix inconnu."))
    level = RadioField(_l("Niveau"), choices=choices(LEVELS), validators=[InputRequired(_l("Choisissez un niveau."))])
    audiences = CheckboxesField(_l("Publics"), choices=choices(AUDIENCES), message=_l("Choix inconnu."))
    duration_minutes = IntegerField(_l("Durée (en minutes)"), validators=[
        Optional(), NumberRange(min=1, max=1440, message=_l("Entre 1 et 1440 minutes."))])
    licence = SelectField(_l("Licence"), choices=choices(LICENCES),
                          validators=[InputRequired(_l("Choisissez une licence."))])
    links = TextAreaField(_l("Liens"), description=_l("Un lien par ligne : l'adresse (https://…), puis un libellé."),
                          validators=[Length(max=12000, message=_l("Trop de texte."))])
    files = MultipleFileField(_l("Ajouter des fichiers"),
                              description=_l("PDF, documents bureautiques ou images, 20 Mo au plus chacun. "
                                             "Les métadonnées des images (position GPS…) sont retirées."))
    visibility = RadioField(_l("Qui peut la voir ?"), choices=choices(VISIBILITIES),
                            validators=[InputRequired(_l("Choisissez qui peut la voir."))])
    status = RadioField(_l("État"), choices=[SelectChoice("draft", _l("Brouillon (visible de vous et de votre direction)")),
                                             SelectChoice("published", _l("Publiée"))],
                        validators=[InputRequired(_l("Choisissez l'état."))])

    # Set by the view: the licence an adaptation must keep (ShareAlike), and whether there is an association.
    required_licence: str | None = None
    has_association: bool = True
    private_original: bool = False

    def validate_kind(self, field):
        if field.data not in KINDS:
            raise ValidationError(_l("Choisissez un type."))

    def validate_licence(self, field):
        if field.data not in LICENCES:
            raise ValidationError(_l("Choisissez une licence."))
        if self.required_licence and field.data != self.required_licence:
            raise ValidationError(_l("L'original est partagé à l'identique : l'adaptation garde la licence %(licence)s.",
                                     licence=LICENCES[self.required_licence]))

    def validate_visibility(self, field):
        if self.private_original and field.data != "association":
            raise ValidationError(_l("L'original est réservé à son association : l'adaptation l'est aussi."))
        if field.data == "association" and not self.has_association:
            raise ValidationError(_l("Vous n'êtes membre d'aucune association : choisissez la communauté ou le public."))

    def validate_links(self, field):
        links = parse_links(field.data)
        if len(links) > MAX_LINKS:
            raise ValidationError(_l("%(max)s liens au plus.", max=MAX_LINKS))
        for number, (url, label) in enumerate(links, start=1):
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 500:
                raise ValidationError(_l("Ligne %(line)s : l'adresse doit commencer par https:// ou http://.",
                                         line=number))
            if len(label) > 200:
                raise ValidationError(_l("Ligne %(line)s : libellé trop long (200 caractères au plus).", line=number))


class UsageForm(FlaskForm):
    rating = RadioField(_l("Votre note"), coerce=int,
                        choices=[SelectChoice(1, _l("1 – à revoir")), SelectChoice(2, _l("2 – moyen")),
                                 SelectChoice(3, _l("3 – bien")), SelectChoice(4, _l("4 – très bien"))],
                        validators=[InputRequired(_l("Choisissez une note de 1 à 4."))])
    comment = TextAreaField(_l("Ce qui a marché, ce qui n'a pas marché"),
                            validators=[Length(max=2000, message=_l("2 000 caractères au plus."))])


class CommentForm(FlaskForm):
    body = TextAreaField(_l("Votre commentaire"), validators=[DataRequired(_l("Écrivez un commentaire.")),
                                                              Length(max=2000, message=_l("2 000 caractères au plus."))])


class ReportForm(FlaskForm):
    reason = RadioField(_l("Motif"), choices=choices(REPORT_REASONS),
                        validators=[InputRequired(_l("Choisissez un motif."))])
    comment = TextAreaField(_l("Précisez"), validators=[DataRequired(_l("Expliquez ce qui ne va pas.")),
                                                        Length(max=2000, message=_l("2 000 caractères au plus."))])


class CollectionForm(FlaskForm):
    title = StringField(_l("Titre de la collection"), validators=[
        DataRequired(_l("Indiquez un titre.")), Length(max=200, message=_l("200 caractères au plus."))])
    description = TextAreaField(_l("Description"), validators=[Length(max=2000, message=_l("2 000 caractères au plus."))])
    shared = BooleanField(_l("Partager avec la communauté"))


class AddToCollectionForm(FlaskForm):
    collection_id = SelectField(_l("Collection"), coerce=int, choices=[],
                                validators=[InputRequired(_l("Choisissez une collection."))])


class ThemeForm(FlaskForm):
    label = StringField(_l("Nom du thème"), validators=[DataRequired(_l("Indiquez un nom.")),
                                                        Length(max=120, message=_l("120 caractères au plus."))])
    active = BooleanField(_l("Proposé dans les formulaires"), default=True)


class FollowForm(FlaskForm):
    theme_id = HiddenField()
    association_id = HiddenField()


class ConfirmForm(FlaskForm):
    """A button with nothing to type: CSRF only."""
