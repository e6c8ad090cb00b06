"""Two-factor sign-in: TOTP codes (RFC 6238), single-use recovery codes and trusted browsers.

Pure service functions: the views in ``two_factor_views.py`` decide what to show, these decide what holds.
Callers commit. Time comes from ``now()``, a module-level function, so that tests can move the clock.

- A code is accepted for the current 30-second step or the one before or after (phones drift), and only for a
  step later than the last one accepted: one conditional UPDATE moves ``totp_last_step`` forward, so the same
  code (or an older one) is refused even when two requests race with it.
- Recovery codes are random, shown once, stored as their SHA-256; one conditional UPDATE spends a code.
- A trusted browser holds a random token in the ``qn_trusted`` cookie; the server keeps its SHA-256 only.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

import pyotp
import segno
from flask import current_app
from markupsafe import Markup, escape
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm.attributes import set_committed_value

from ..dbtypes import utcnow
from ..extensions import db
from .models import RecoveryCode, TrustedDevice, User

STEP_SECONDS = 30  # what every authenticator app uses by default
DRIFT_STEPS = 1  # a code of the step before or after the current one is still accepted
DIGITS = 6
RECOVERY_CODE_COUNT = 10
RECOVERY_CODE_LENGTH = 16
# No 0/o, 1/l/i: a code read from paper is typed back without doubt. 31 symbols × 16 ≈ 79 bits.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
TRUSTED_COOKIE = "qn_trusted"
USER_AGENT_LENGTH = 200


def now() -> datetime:
    """The current time (aware, UTC). Tests replace it to check drift and expiry."""
    return utcnow()


# --- policy ----------------------------------------------------------------------------------------------------


def required_roles() -> list[str]:
    """The platform roles that must use a second factor (setting ``TWO_FACTOR_REQUIRED_ROLES``)."""
    return list(current_app.config["TWO_FACTOR_REQUIRED_ROLES"])


def is_required(user: User) -> bool:
    return user.role in required_roles()


def is_enabled(user: User) -> bool:
    """Whether ``user`` has confirmed an authenticator app (an enrolment under way does not count)."""
    return user.totp_confirmed_at is not None and bool(user.totp_secret)


# --- TOTP ------------------------------------------------------------------------------------------------------


def start_enrolment(user: User) -> None:
    """Give ``user`` a new secret to scan; it replaces any earlier one that was never confirmed."""
    user.totp_secret = pyotp.random_base32()  # 160 bits, as RFC 4226 recommends
    user.totp_confirmed_at = None
    user.totp_last_step = 0


def provisioning_uri(user: User) -> str:
    """The ``otpauth://`` URI that authenticator apps read from the QR code."""
    return pyotp.TOTP(user.totp_secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=user.email, issuer_name=current_app.config["SITE_NAME"])


def grouped_secret(secret: str) -> str:
    """The secret in groups of four, easier to copy by hand into an app."""
    return " ".join(secret[start:start + 4] for start in range(0, len(secret), 4))


def qr_svg(uri: str, label: str | None = None) -> Markup:
    """The QR code of ``uri`` as inline SVG, drawn here (no service sees the secret), with a text alternative.

    The SVG has ``role="img"``, an ``aria-label`` and a ``<title>``; no style attribute (the CSP forbids them).
    """
    label = label or "QR code"
    svg = segno.make(uri, error="m").svg_inline(scale=4, border=4, dark="#000", light="#fff", omitsize=True,
                                                title=str(label), svgclass="qr-code", lineclass=None)
    return Markup(svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1))  # noqa: S704 (segno's own markup; the label is escaped)


def current_step() -> int:
    return int(now().timestamp()) // STEP_SECONDS


def normalise_code(code: str | None) -> str:
    """What the person typed, without the spaces and dashes apps and papers put in codes."""
    return "".join(ch for ch in (code or "") if ch not in " -\t\u00a0\u202f").lower()


def matching_step(secret: str, code: str) -> int | None:
    """The time-step within the drift window whose code is ``code``, or ``None``."""
    code = normalise_code(code)
    if len(code) != DIGITS or not code.isascii() or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
    step = current_step()
    found = None
    # Every step is compared, whatever matches, so that the time taken tells nothing.
    for candidate in range(step - DRIFT_STEPS, step + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(candidate), code):
            found = candidate
    return found


def verify_code(user: User, code: str) -> bool:
    """Accept ``code`` for ``user`` at most once: its step must be later than the last one accepted."""
    if not user.totp_secret:
        return False
    step = matching_step(user.totp_secret, code)
    if step is None:
        return False
    # The check and the write are one statement: of two requests sending the same code, only one moves the step.
    result = db.session.execute(
        update(User).where(User.id == user.id, User.totp_last_step < step).values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    set_committed_value(user, "totp_last_step", step)  # what the row now holds: nothing left to write
    return True


def confirm_enrolment(user: User, code: str) -> list[str] | None:
    """Turn the enrolment on with a first code from the app; return the new recovery codes, or ``None``."""
    if is_enabled(user) or not verify_code(user, code):
        return None
    user.totp_confirmed_at = now()
    return new_recovery_codes(user)


def disable(user: User) -> None:
    """Remove the second factor: secret, recovery codes and trusted browsers (an admin reset does this too)."""
    user.totp_secret = None
    user.totp_confirmed_at = None
    user.totp_last_step = 0
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    revoke_trusted_devices(user)


# --- recovery codes --------------------------------------------------------------------------------------------


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def format_recovery_code(code: str) -> str:
    return "-".join(code[start:start + 4] for start in range(0, len(code), 4))


def new_recovery_codes(user: User) -> list[str]:
    """Replace ``user``'s recovery codes with ten new ones; return them, formatted, to be shown once."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = ["".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
             for _ in range(RECOVERY_CODE_COUNT)]
    db.session.add_all([RecoveryCode(user_id=user.id, code_hash=_digest(code)) for code in codes])
    return [format_recovery_code(code) for code in codes]


def use_recovery_code(user: User, code: str) -> bool:
    """Spend one of ``user``'s recovery codes; ``False`` if it is unknown or already used."""
    code = normalise_code(code)
    if len(code) != RECOVERY_CODE_LENGTH or not is_enabled(user):
        return False
    result = db.session.execute(
        update(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _digest(code), RecoveryCode.used_at.is_(None))
        .values(used_at=now())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def remaining_recovery_codes(user: User) -> int:
    return db.session.scalar(select(func.count()).select_from(RecoveryCode)
                             .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))) or 0


# --- trusted browsers ------------------------------------------------------------------------------------------


def trust_device(user: User, user_agent: str) -> str:
    """Remember this browser for ``TRUSTED_DEVICE_MAX_AGE``; return the token for its cookie."""
    token = secrets.token_urlsafe(32)
    moment = now()
    # Expired rows are of no use: they go as new ones come, so that the table does not grow forever.
    db.session.execute(delete(TrustedDevice).where(TrustedDevice.user_id == user.id,
                                                   TrustedDevice.expires_at <= moment))
    db.session.add(TrustedDevice(user_id=user.id, token_hash=_digest(token), created_at=moment,
                                 expires_at=moment + current_app.config["TRUSTED_DEVICE_MAX_AGE"],
                                 user_agent=(user_agent or "")[:USER_AGENT_LENGTH]))
    return token


def trusted_device(user: User, token: str | None) -> TrustedDevice | None:
    """The unexpired trusted browser of ``user`` whose cookie holds ``token``, or ``None``."""
    if not token or len(token) > 100:
        return None
    return db.session.scalar(select(TrustedDevice).where(
        TrustedDevice.user_id == user.id, TrustedDevice.token_hash == _digest(token),
        TrustedDevice.expires_at > now()))


def trusted_devices(user: User) -> list[TrustedDevice]:
    """``user``'s unexpired trusted browsers, newest first."""
    return list(db.session.scalars(
        select(TrustedDevice).where(TrustedDevice.user_id == user.id, TrustedDevice.expires_at > now())
        .order_by(TrustedDevice.created_at.desc(), TrustedDevice.id.desc())))


def revoke_trusted_devices(user: User, device_id: int | None = None) -> int:
    """Forget one of ``user``'s trusted browsers (``device_id``) or all of them; return how many."""
    statement = delete(TrustedDevice).where(TrustedDevice.user_id == user.id)
    if device_id is not None:
        statement = statement.where(TrustedDevice.id == device_id)
    return db.session.execute(statement).rowcount or 0
