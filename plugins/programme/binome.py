"""The binôme: its médiateurs and their training, who is trained, the alerts, and the certificates.

Certificates go through the core's storage service (content checked against the allowed kinds, size limit,
random names) and are downloaded at ``/fichiers/<key>``; the plugin's ``check_permission`` vote decides who
may download them (see ``certificate_readable``).
"""

from __future__ import annotations

import io
from datetime import date

from PIL import Image, UnidentifiedImageError
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import FileStorage

from qn_portal.api import (
    Association,
    Membership,
    StoredFile,
    UploadRefused,
    User,
    can,
    db,
    delete_file,
    lazy_gettext,
    save_upload,
)

from .forms import NO_ACCOUNT
from .models import (
    ACTIVE_STATUSES,
    BINOME_SIZE,
    COMPLETED,
    ProgrammeBinomeMember,
    ProgrammeCertificate,
    ProgrammeMilestone,
)

PLUGIN = "programme"
CERTIFICATE_KINDS = ("pdf", "image")
CERTIFICATE_MAX_BYTES = 5 * 1024 * 1024
MAX_CERTIFICATES = 10       # per médiateur: a training gives one or two, never dozens
MAX_MEMBERS = 6             # the binôme and those who replaced someone: the page lists them all, unpaginated


def members_of(association_id: int) -> list[ProgrammeBinomeMember]:
    """The binôme's médiateurs with their certificates (two queries, whatever their number)."""
    return list(db.session.scalars(
        select(ProgrammeBinomeMember).where(ProgrammeBinomeMember.association_id == association_id)
        .options(selectinload(ProgrammeBinomeMember.certificates))
        .order_by(ProgrammeBinomeMember.starts_on, ProgrammeBinomeMember.id)))


def member_count(association_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(ProgrammeBinomeMember).where(
        ProgrammeBinomeMember.association_id == association_id)) or 0


def association_members(association_id: int) -> list[tuple[int, str]]:
    """``(user_id, name)`` of the association's members: whom the binôme may name."""
    return [(user_id, name or email) for user_id, name, email in db.session.execute(
        select(User.id, User.name, User.email).join(Membership, Membership.user_id == User.id)
        .where(Membership.association_id == association_id, User.active).order_by(User.name, User.id))]


def trained_counts(association_ids) -> dict[int, int]:
    """{association_id: médiateurs whose training is completed}, in one query."""
    ids = list(association_ids)
    if not ids:
        return {}
    rows = db.session.execute(select(ProgrammeBinomeMember.association_id, func.count())
                              .where(ProgrammeBinomeMember.association_id.in_(ids),
                                     ProgrammeBinomeMember.completion == COMPLETED)
                              .group_by(ProgrammeBinomeMember.association_id))
    return dict(rows.all())


def untrained_statement():
    """The associations in their two years whose binôme is not trained yet, with how many are: (Association, n)."""
    trained = (select(ProgrammeBinomeMember.association_id, func.count().label("trained"))
               .where(ProgrammeBinomeMember.completion == COMPLETED)
               .group_by(ProgrammeBinomeMember.association_id).subquery())
    count = func.coalesce(trained.c.trained, 0)
    return (select(Association, count).outerjoin(trained, trained.c.association_id == Association.id)
            .where(Association.status.in_(ACTIVE_STATUSES), count < BINOME_SIZE)
            .order_by(Association.name, Association.id))


def alert_for(association, trained: int | None = None) -> dict | None:
    """``{"trained": n, "needed": 2}`` when the association is in its two years without a trained binôme."""
    if association.status not in ACTIVE_STATUSES:
        return None
    if trained is None:
        trained = trained_counts([association.id]).get(association.id, 0)
    return {"trained": trained, "needed": BINOME_SIZE} if trained < BINOME_SIZE else None


def save_member(member: ProgrammeBinomeMember, form) -> None:
    person = form.person.data
    if person == NO_ACCOUNT:
        member.user_id, member.user = None, None
        member.name = form.name.data.strip()
    else:
        user = db.session.get(User, int(person))
        member.user_id, member.user = user.id, user
        member.name = user.name or user.email     # kept if the account goes away
    member.organisation = form.organisation.data
    member.organisation_name = (form.organisation_name.data or "").strip() if member.organisation == "other" else ""
    member.training_title = form.training_title.data.strip()
    member.starts_on, member.ends_on = form.starts_on.data, form.ends_on.data
    member.sessions_attended = form.sessions_attended.data
    member.completion = form.completion.data


def form_data(member: ProgrammeBinomeMember) -> dict:
    return {"person": str(member.user_id) if member.user_id else NO_ACCOUNT,
            "name": "" if member.user_id else member.name, "organisation": member.organisation,
            "organisation_name": member.organisation_name, "training_title": member.training_title,
            "starts_on": member.starts_on, "ends_on": member.ends_on, "sessions_attended": member.sessions_attended,
            "completion": member.completion}


def mark_milestone(association_id: int) -> ProgrammeMilestone | None:
    """Once the binôme is trained, its milestone is done: on the day the last of the two finished.

    Only a milestone still open is changed: a date typed by a coordinator or a manager stays theirs.
    """
    ends = sorted(d for d in db.session.scalars(select(ProgrammeBinomeMember.ends_on).where(
        ProgrammeBinomeMember.association_id == association_id, ProgrammeBinomeMember.completion == COMPLETED))
        if d is not None)
    if len(ends) < BINOME_SIZE:
        return None
    milestone = db.session.scalar(select(ProgrammeMilestone).where(
        ProgrammeMilestone.association_id == association_id, ProgrammeMilestone.kind == "binome",
        ProgrammeMilestone.done_on.is_(None)).order_by(ProgrammeMilestone.cohort.desc()).limit(1))
    if milestone is not None:
        milestone.done_on = ends[BINOME_SIZE - 1]
    return milestone


def delete_member(member: ProgrammeBinomeMember) -> None:
    """Remove the médiateur and their certificates' files."""
    for certificate in list(member.certificates):
        _delete_stored(certificate.file_key)
    db.session.delete(member)


# --- certificates ------------------------------------------------------------------------------------------


def store_certificate(member: ProgrammeBinomeMember, upload, user_id: int) -> ProgrammeCertificate:
    """Check and store ``upload`` as a certificate of ``member``; raises ``UploadRefused`` with a French message.

    Images are re-encoded without their metadata: a photo taken with a phone carries where it was taken.
    """
    if not upload or not getattr(upload, "filename", ""):
        raise UploadRefused(lazy_gettext("Choisissez un fichier."))
    if len(member.certificates) >= MAX_CERTIFICATES:
        raise UploadRefused(lazy_gettext("%(max)s attestations au plus par personne.", max=MAX_CERTIFICATES))
    data = upload.stream.read(CERTIFICATE_MAX_BYTES + 1)
    if len(data) <= CERTIFICATE_MAX_BYTES and not data.startswith(b"%PDF"):
        cleaned = _without_metadata(data)
        if cleaned is not None:
            data = cleaned
    stored = save_upload(FileStorage(io.BytesIO(data), filename=upload.filename), plugin=PLUGIN,
                         kinds=CERTIFICATE_KINDS, association_id=member.association_id, uploaded_by_id=user_id,
                         max_bytes=CERTIFICATE_MAX_BYTES)
    certificate = ProgrammeCertificate(file_key=stored.key, name=stored.original_name, association_id=member.association_id,
                                       content_type=stored.content_type, size=stored.size, uploaded_by_id=user_id)
    member.certificates.append(certificate)
    return certificate


def _without_metadata(data: bytes) -> bytes | None:
    """The image re-encoded without EXIF (GPS…), or None when it is not an image Pillow reads safely."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            fmt = image.format
            if fmt not in ("JPEG", "PNG", "WEBP"):
                return None
            image.load()
            clean = image.copy()
            clean.info.clear()
            if fmt == "JPEG" and clean.mode not in ("RGB", "L", "CMYK"):
                clean = clean.convert("RGB")
            out = io.BytesIO()
            clean.save(out, fmt, **({"quality": 90} if fmt in ("JPEG", "WEBP") else {}))
            return out.getvalue()
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError,
            Image.DecompressionBombWarning):
        return None


def delete_certificate(certificate: ProgrammeCertificate) -> None:
    _delete_stored(certificate.file_key)
    db.session.delete(certificate)


def _delete_stored(key: str) -> None:
    stored = db.session.get(StoredFile, key)
    if stored is not None:
        delete_file(stored)


def certificate_readable(user, file_key: str) -> bool:
    """Whether ``user`` may download the file: a certificate's readers are those who keep the binôme up to date
    (the association's managers, coordinators) and the médiateur it belongs to; not the other members."""
    certificate = db.session.scalar(select(ProgrammeCertificate).where(ProgrammeCertificate.file_key == file_key))
    if certificate is None:
        return False
    member = certificate.member
    return can(user, "programme.update_binome", member) or (member.user_id is not None and member.user_id == user.id
                                                             and can(user, "programme.binome", member))


def trained_in_period(association_ids, start: date, end: date) -> dict:
    """{association_id: (médiateurs whose training was completed in [start, end), their sessions)}."""
    statement = (select(ProgrammeBinomeMember.association_id, func.count(),
                        func.coalesce(func.sum(ProgrammeBinomeMember.sessions_attended), 0))
                 .where(ProgrammeBinomeMember.completion == COMPLETED, ProgrammeBinomeMember.ends_on >= start,
                        ProgrammeBinomeMember.ends_on < end)
                 .group_by(ProgrammeBinomeMember.association_id))
    if association_ids is not None:
        statement = statement.where(ProgrammeBinomeMember.association_id.in_(list(association_ids)))
    return {association_id: (count, int(sessions)) for association_id, count, sessions in db.session.execute(statement)}
