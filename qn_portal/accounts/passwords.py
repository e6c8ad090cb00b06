"""Password policy and hashing.

Long enough, not common, no composition rules (NIST SP 800-63B). Hashing uses Werkzeug's scrypt, which,
unlike bcrypt, does not truncate long passphrases.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn import zxcvbn

MAX_LENGTH = 256
MIN_SCORE = 3  # zxcvbn: 3 means "safely unguessable" for an online attack, well beyond.
# A hash of nothing in particular, compared against when the account is unknown so that both paths cost alike.
_DUMMY_HASH = generate_password_hash("qn-portal-timing-equaliser")
PORTAL_WORDS = ["quartiers", "numeriques", "numérique", "bordeaux", "portail", "qn", "mediateur", "mécènes"]
# zxcvbn knows English words and QWERTY walks; French users type AZERTY walks and French favourites.
FRENCH_COMMON = ["motdepasse", "jetaime", "soleil", "bonjour", "doudou", "loulou", "chouchou", "marseille",
                 "toulouse", "girondins", "bienvenue", "coucou", "nicolas", "camille", "julien", "chocolat",
                 "princesse", "france", "liberte", "bisounours"]
AZERTY_ROWS = ("azertyuiop", "qsdfghjklm", "wxcvbn", "&é\"'(-è_çà", "1234567890")


def _keyboard_walks() -> list[str]:
    """Every run of four keys or more along an AZERTY row, both ways: "azer", "qsdfghjk", "nbvcxw"…"""
    walks = []
    for row in AZERTY_ROWS:
        for text in (row, row[::-1]):
            walks.extend(text[start:end] for start in range(len(text)) for end in range(start + 4, len(text) + 1))
    return walks


FRENCH_WORDS = FRENCH_COMMON + _keyboard_walks()


def password_problem(password: str, user_inputs: list[str] | None = None) -> str | None:
    """Why ``password`` is refused, in the user's language, or ``None`` if it is acceptable."""
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        return _("Le mot de passe doit contenir au moins %(n)d caractères. Une phrase de plusieurs mots convient très bien.", n=minimum)
    if len(password) > MAX_LENGTH:
        return _("Le mot de passe ne doit pas dépasser %(n)d caractères.", n=MAX_LENGTH)
    # zxcvbn alone lets "mon adresse someone@example.org" through: the address is no secret.
    if any("@" in value and value.strip().casefold() in password.casefold() for value in user_inputs or []):
        return _("Le mot de passe ne doit pas contenir votre adresse e-mail.")
    inputs = [value for value in (user_inputs or []) if value] + PORTAL_WORDS + FRENCH_WORDS
    for value in user_inputs or []:
        inputs.extend(part for part in value.replace("@", " ").replace(".", " ").split() if len(part) > 2)
    if zxcvbn(password, user_inputs=inputs, max_length=100)["score"] < MIN_SCORE:
        return _("Ce mot de passe est trop courant ou trop facile à deviner. Essayez plusieurs mots sans rapport entre eux.")
    return None


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password; costs the same whether or not the account exists."""
    if not password_hash:
        check_password_hash(_DUMMY_HASH, password)
        return False
    return check_password_hash(password_hash, password)
