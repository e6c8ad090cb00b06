"""Personal API tokens: creation (the secret shown once), look-up by hash, revocation, last use.

The secret is 32 random bytes (256 bits) from ``secrets``; the database keeps its SHA-256 only. A fast,
unsalted hash is enough here, unlike for passwords: nobody can guess a 256-bit random value, so there is
no dictionary to slow down, and a deterministic hash lets one indexed query find the token. Whoever reads
the table (a backup, say) learns nothing that opens the API.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select, update
from wtforms import StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..database import write_transaction
from ..dbtypes import utcnow
from ..extensions import db
from ..form_fields import CheckboxesField, DayField
from .models import ApiToken

SECRET_PREFIX = "qnp_"  # noqa: S105 (not a secret: lets a secret scanner (and a person) recognise a leaked portal token)
SHOWN_CHARACTERS = 8  # of the random part, kept in clear to tell tokens apart
MAX_TOKENS = 20  # live tokens per person: enough for every integration, not a table anyone can grow
PARIS = ZoneInfo("Europe/Paris")
# Writing "last used" on every call would turn each read into a write; a minute's precision is enough.
LAST_USE_PRECISION = timedelta(minutes=1)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def paris_today() -> date:
    return utcnow().astimezone(PARIS).date()


def end_of_day(day: date) -> datetime:
    """The first instant after ``day`` in Paris, as an aware UTC datetime: a token expiring on a day works all day."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=PARIS).astimezone(ZoneInfo("UTC"))


def create_token(user, name: str, scopes: list[str], expires_on: date | None) -> tuple[ApiToken, str]:
    """Create a token for ``user``; return it and its secret, which is never stored and never shown again."""
    random_part = secrets.token_urlsafe(32)
    secret = SECRET_PREFIX + random_part
    token = ApiToken(user_id=user.id, name=name.strip(), prefix=SECRET_PREFIX + random_part[:SHOWN_CHARACTERS],
                     token_hash=hash_secret(secret), scopes=",".join(sorted(set(scopes))),
                     expires_at=end_of_day(expires_on) if expires_on else None)
    db.session.add(token)
    db.session.flush()
    return token, secret


def find_token(secret: str) -> ApiToken | None:
    """The token whose secret this is, usable or not (the caller checks ``is_usable``)."""
    if not secret.startswith(SECRET_PREFIX) or len(secret) > 200:
        return None
    return db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_secret(secret)))


def live_tokens(user) -> list[ApiToken]:
    """The person's tokens that are not revoked (expired ones included, shown as such), newest first."""
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                                   .order_by(ApiToken.created_at.desc(), ApiToken.id.desc()).limit(MAX_TOKENS)))


def count_live(user) -> int:
    return len(live_tokens(user))


def revoke(token: ApiToken) -> None:
    token.revoked_at = utcnow()


def revoke_all(user) -> int:
    """Revoke every token of ``user`` (an account being deactivated); return how many."""
    result = db.session.execute(update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                                .values(revoked_at=utcnow()))
    return result.rowcount or 0


def note_use(token: ApiToken) -> None:
    """Remember when the token was last used, at most once a minute (a GET should rarely write)."""
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USE_PRECISION:
        # A write in a GET: its own transaction holding the write lock from the start, so that SQLite never has
        # to upgrade the request's read transaction (which fails at once if another writer came in between).
        with write_transaction():
            db.session.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))


# --- the form on the profile page -------------------------------------------------------------------


class ApiTokenForm(FlaskForm):
    """A new token: a name to recognise it, what it may read, and an optional last day."""

    name = StringField(
        _l("Nom du jeton"),
        validators=[DataRequired(_l("Donnez un nom au jeton, par exemple « Tableau de bord de la mairie ».")),
                    Length(max=80, message=_l("80 caractères au plus."))],
        description=_l("Pour reconnaître le jeton dans la liste, par exemple le nom de l'outil qui l'utilise."),
    )
    scopes = CheckboxesField(
        _l("Ce que le jeton peut lire en plus des données publiques"),
        description=_l("Rien de coché : le jeton ne lit que les données publiques. Il ne lit jamais plus que "
                       "ce que vous pouvez lire sur le portail."),
    )
    expires_on = DayField(_l("Dernier jour de validité (facultatif)"), validators=[Optional()],
                          description=_l("Laissez vide pour un jeton sans date de fin ; vous pourrez "
                                         "toujours le révoquer."))

    def validate_expires_on(self, field) -> None:
        if field.data and field.data < paris_today():
            raise ValidationError(_l("Choisissez aujourd'hui ou un jour à venir."))
        if field.data and field.data.year > paris_today().year + 5:
            raise ValidationError(_l("Choisissez une date dans les cinq ans."))
