"""The veille's forms: every message French, next to its field; nothing typed is lost."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from sqlalchemy import select
from wtforms import (
    BooleanField,
    EmailField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp, ValidationError

from qn_portal.api import COMMUNES, CheckboxesField, FlaskForm, choices, db, utcnow
from qn_portal.api import lazy_gettext as _l

from .models import ACTOR_KINDS, CATEGORIES, VISIBILITIES, VeilleActor, join_list, split_list
from .services import PARIS, normalise_tag

PHONE_PATTERN = r"^\+?[0-9 .()-]{6,20}$"
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
MAX_TAGS = 8




def valid_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and "." in (parts.hostname or "") and " " not in value


def web_url(value: str) -> bool:
    """http(s) with a host (a dotted name, or a local address for the tests' feed server)."""
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.hostname) and " " not in value


class PostForm(FlaskForm):
    title = StringField(_l("Titre"), validators=[DataRequired(_l("Indiquez un titre.")),
                                                 Length(max=200, message=_l("200 caractères au plus."))])
    category = SelectField(_l("Catégorie"), validate_choice=False,
                           choices=choices([("", _l("— Choisissez —"))] + list(CATEGORIES.items())))
    body = TextAreaField(_l("Texte"), validators=[DataRequired(_l("Écrivez le texte du billet.")),
                                                  Length(max=20000, message=_l("20 000 caractères au plus."))],
                         description=_l("Markdown accepté : **gras**, listes, liens."), render_kw={"rows": 10})
    tags = StringField(_l("Mots-clés (facultatif)"),
                       description=_l("Séparés par des virgules, par exemple : smartphone, CAF, seniors."),
                       validators=[Length(max=400, message=_l("400 caractères au plus."))])
    communes = CheckboxesField(_l("Communes concernées (facultatif)"), choices=choices((c, c) for c in COMMUNES))
    source_url = StringField(_l("Lien vers la source (facultatif)"), description=_l("Commence par https:// ou http://."),
                             validators=[Length(max=500, message=_l("500 caractères au plus."))],
                             render_kw={"inputmode": "url"})
    visibility = RadioField(_l("Qui peut lire ce billet"), validate_choice=False, default="intranet",
                            choices=choices(VISIBILITIES.items()))
    published_at = StringField(_l("Date de publication"),
                               description=_l("Jour et heure (heure de Paris). Une date future programme le billet : "
                                              "il reste caché jusque-là."),
                               render_kw={"type": "datetime-local"})
    pinned = BooleanField(_l("Épingler en tête de la veille"))
    actors = CheckboxesField(_l("Acteurs liés (facultatif)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        rows = db.session.execute(select(VeilleActor.id, VeilleActor.name).order_by(VeilleActor.name).limit(300))
        self.actors.choices = choices((str(actor_id), name) for actor_id, name in rows)
        if not self.published_at.data:
            self.published_at.data = utcnow().astimezone(PARIS).strftime(DATETIME_FORMAT)

    def validate_category(self, field):
        if field.data not in CATEGORIES:
            raise ValidationError(_l("Choisissez une catégorie de la liste."))

    def validate_visibility(self, field):
        if field.data not in VISIBILITIES:
            raise ValidationError(_l("Choisissez qui peut lire ce billet."))

    def validate_tags(self, field):
        tags = []
        for part in (field.data or "").split(","):
            tag = normalise_tag(part)
            if tag and tag not in tags:
                tags.append(tag)
        if len(tags) > MAX_TAGS:
            raise ValidationError(_l("%(max)d mots-clés au plus.", max=MAX_TAGS))
        self.tag_values = tags

    def validate_source_url(self, field):
        field.data = (field.data or "").strip()
        if field.data and not valid_url(field.data):
            raise ValidationError(_l("Indiquez une adresse web complète, commençant par https:// ou http://."))

    def validate_published_at(self, field):
        text = (field.data or "").strip()
        try:
            moment = datetime.strptime(text, DATETIME_FORMAT)
        except ValueError:
            raise ValidationError(_l("Indiquez le jour et l'heure, par exemple 2026-03-14T09:30.")) from None
        if not 2000 <= moment.year <= 2100:
            raise ValidationError(_l("Indiquez une date entre 2000 et 2100."))
        self.published_value = moment.replace(tzinfo=PARIS).astimezone(ZoneInfo("UTC"))

    def fill(self, post) -> None:
        """The form's values into ``post``."""
        post.title = self.title.data.strip()
        post.category = self.category.data
        post.body = self.body.data
        post.tags = join_list(self.tag_values)
        post.communes = join_list(c for c in COMMUNES if c in set(self.communes.data or ()))
        post.source_url = self.source_url.data
        post.visibility = self.visibility.data
        post.published_at = self.published_value
        post.pinned = bool(self.pinned.data)
        wanted = {int(value) for value in self.actors.data or ()}
        post.actors = list(db.session.scalars(select(VeilleActor).where(VeilleActor.id.in_(wanted)))) if wanted else []

    def load(self, post) -> None:
        """``post``'s values into the form (GET of the edit page)."""
        self.title.data, self.body.data, self.category.data = post.title, post.body, post.category
        self.source_url.data, self.visibility.data, self.pinned.data = post.source_url, post.visibility, post.pinned
        self.tags.data = ", ".join(post.tag_list)
        self.communes.data = post.commune_list
        self.published_at.data = post.published_at.astimezone(PARIS).strftime(DATETIME_FORMAT)
        self.actors.data = [str(actor.id) for actor in post.actors]


class CommentForm(FlaskForm):
    body = TextAreaField(_l("Votre commentaire ou question"),
                         validators=[DataRequired(_l("Écrivez votre commentaire.")),
                                     Length(max=3000, message=_l("3 000 caractères au plus."))],
                         render_kw={"rows": 4})
    is_question = BooleanField(_l("C'est une question pour l'équipe de BMS"))


class ActorForm(FlaskForm):
    name = StringField(_l("Nom"), validators=[DataRequired(_l("Indiquez le nom de l'acteur.")),
                                              Length(max=200, message=_l("200 caractères au plus."))])
    kind = SelectField(_l("Type"), validate_choice=False,
                       choices=choices([("", _l("— Choisissez —"))] + list(ACTOR_KINDS.items())))
    summary = TextAreaField(_l("Présentation (facultatif)"), render_kw={"rows": 4},
                            validators=[Length(max=3000, message=_l("3 000 caractères au plus."))])
    services = StringField(_l("Services proposés"),
                           description=_l("Séparés par des virgules, par exemple : accès aux droits, prêt de matériel."),
                           validators=[Length(max=600, message=_l("600 caractères au plus."))])
    public_served = StringField(_l("Public accueilli (facultatif)"),
                                validators=[Length(max=300, message=_l("300 caractères au plus."))])
    commune = SelectField(_l("Commune"), validate_choice=False,
                          choices=choices([("", _l("— Choisissez —"))] + [(c, c) for c in COMMUNES]))
    address = StringField(_l("Adresse (facultatif)"), validators=[Length(max=250, message=_l("250 caractères au plus."))])
    postal_code = StringField(_l("Code postal (facultatif)"), validators=[
        Optional(), Regexp(r"^33[0-9]{3}$", message=_l("Indiquez un code postal de Gironde, par exemple 33300."))],
        render_kw={"inputmode": "numeric"})
    email = EmailField(_l("E-mail de contact (facultatif)"), validators=[
        Optional(), Length(max=254, message=_l("254 caractères au plus.")),
        Email(_l("Cette adresse e-mail n'est pas valide."), check_deliverability=False)])
    phone = StringField(_l("Téléphone (facultatif)"), validators=[
        Optional(), Regexp(PHONE_PATTERN, message=_l("Ce numéro de téléphone n'est pas valide."))],
        render_kw={"inputmode": "tel"})
    website = StringField(_l("Site web (facultatif)"), description=_l("Commence par https:// ou http://."),
                          validators=[Length(max=300, message=_l("300 caractères au plus."))],
                          render_kw={"inputmode": "url"})
    opening_hours = StringField(_l("Horaires d'accueil (facultatif)"),
                                description=_l("Au format OpenStreetMap, par exemple : Mo-Fr 09:00-12:00,14:00-17:00; PH off"))

    def validate_kind(self, field):
        if field.data not in ACTOR_KINDS:
            raise ValidationError(_l("Choisissez un type de la liste."))

    def validate_commune(self, field):
        if field.data not in COMMUNES:
            raise ValidationError(_l("Choisissez une commune de Bordeaux Métropole."))

    def validate_services(self, field):
        values = []
        for part in (field.data or "").split(","):
            value = normalise_tag(part)
            if value and value not in values:
                values.append(value)
        self.service_values = values

    def validate_website(self, field):
        field.data = (field.data or "").strip()
        if field.data and not valid_url(field.data):
            raise ValidationError(_l("Indiquez une adresse web complète, commençant par https:// ou http://."))

    def validate_opening_hours(self, field):
        from qn_portal.api import opening_hours_problem

        field.data = (field.data or "").strip()
        problem = opening_hours_problem(field.data) if field.data else None
        if problem:
            raise ValidationError(problem)

    def fill(self, actor) -> None:
        for name in ("name", "kind", "summary", "public_served", "commune", "address", "postal_code", "email",
                     "phone", "website", "opening_hours"):
            setattr(actor, name, (getattr(self, name).data or "").strip())
        actor.services = join_list(self.service_values)

    def load(self, actor) -> None:
        self.services.data = ", ".join(split_list(actor.services))


class PreferencesForm(FlaskForm):
    weekly_digest = BooleanField(_l("Recevoir chaque lundi par e-mail le résumé des billets de la semaine"))
    followed = CheckboxesField(_l("Catégories suivies"), choices=choices(CATEGORIES.items()),
                               description=_l("Une notification vous prévient de chaque nouveau billet de ces "
                                              "catégories (réglez l'e-mail sur la page de vos notifications)."))


class SourceForm(FlaskForm):
    name = StringField(_l("Nom de la source"), validators=[DataRequired(_l("Indiquez le nom de la source.")),
                                                           Length(max=200, message=_l("200 caractères au plus."))])
    url = StringField(_l("Adresse du flux RSS ou Atom"), description=_l("Commence par https:// ou http://."),
                      validators=[DataRequired(_l("Indiquez l'adresse du flux.")),
                                  Length(max=500, message=_l("500 caractères au plus."))],
                      render_kw={"inputmode": "url"})

    def validate_url(self, field):
        field.data = (field.data or "").strip()
        if not web_url(field.data):
            raise ValidationError(_l("Indiquez une adresse web complète, commençant par https:// ou http://."))
        from .models import VeilleSource

        if db.session.scalar(select(VeilleSource.id).where(VeilleSource.url == field.data)) is not None:
            raise ValidationError(_l("Cette source est déjà enregistrée."))


class PostFilterForm(FlaskForm):
    class Meta:
        csrf = False

    category = SelectField(_l("Catégorie"), validate_choice=False,
                           choices=choices([("", _l("Toutes"))] + list(CATEGORIES.items())))
    tag = StringField(_l("Mot-clé"))
    commune = SelectField(_l("Commune"), validate_choice=False,
                          choices=choices([("", _l("Toutes"))] + [(c, c) for c in COMMUNES]))

    def values(self) -> dict[str, str]:
        category = self.category.data if self.category.data in CATEGORIES else ""
        commune = self.commune.data if self.commune.data in COMMUNES else ""
        return {"category": category, "tag": normalise_tag(self.tag.data or ""), "commune": commune}


class ActorFilterForm(FlaskForm):
    class Meta:
        csrf = False

    commune = SelectField(_l("Commune"), validate_choice=False,
                          choices=choices([("", _l("Toutes"))] + [(c, c) for c in COMMUNES]))
    kind = SelectField(_l("Type"), validate_choice=False, choices=choices([("", _l("Tous"))] + list(ACTOR_KINDS.items())))
    service = StringField(_l("Service"))

    def values(self) -> dict[str, str]:
        return {"commune": self.commune.data if self.commune.data in COMMUNES else "",
                "kind": self.kind.data if self.kind.data in ACTOR_KINDS else "",
                "service": normalise_tag(self.service.data or "")}
