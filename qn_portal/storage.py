"""File storage for every plugin: allow-listed types checked on the content, random names, checked downloads.

Files live under ``instance/uploads`` with generated names, never in a static folder; the core serves them
through ``/fichiers/<key>`` as attachments, after ``can(user, "files.download", stored_file)``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import filetype
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.datastructures import FileStorage

from .accounts.models import new_key
from .dbtypes import UTCDateTime, utcnow
from .extensions import db

# Kinds a plugin may accept, by detected MIME type and the extensions that may carry it.
KINDS: dict[str, dict[str, tuple[str, ...]]] = {
    "pdf": {"application/pdf": ("pdf",)},
    "image": {
        "image/jpeg": ("jpg", "jpeg"),
        "image/png": ("png",),
        "image/webp": ("webp",),
        "image/gif": ("gif",),
    },
    "office": {
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ("docx",),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ("xlsx",),
        "application/vnd.openxmlformats-officedocument.presentationml.presentation": ("pptx",),
        "application/vnd.oasis.opendocument.text": ("odt",),
        "application/vnd.oasis.opendocument.spreadsheet": ("ods",),
        "application/vnd.oasis.opendocument.presentation": ("odp",),
    },
}


class StoredFile(db.Model):
    __tablename__ = "stored_file"

    key: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_key)
    original_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(Integer)
    plugin: Mapped[str] = mapped_column(String(80))
    association_id: Mapped[int | None] = mapped_column(ForeignKey("association.id", ondelete="SET NULL"))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


@dataclass
class UploadRefused(ValueError):
    """The upload broke a rule; ``message`` is shown to the user next to the field."""

    message: str

    def __str__(self) -> str:
        return str(self.message)


def save_upload(
    upload: FileStorage,
    *,
    plugin: str,
    kinds: tuple[str, ...] = ("pdf", "image", "office"),
    association_id: int | None = None,
    uploaded_by_id: int | None = None,
    max_bytes: int | None = None,
) -> StoredFile:
    """Check and store an uploaded file; return its (unsaved) ``StoredFile`` row, added to the session.

    Raises ``UploadRefused`` with a user-facing message when the file is empty, too large, or its content
    is not one of ``kinds`` (the detected type must also match the file name's extension).
    """
    limit = max_bytes or current_app.config["UPLOAD_MAX_BYTES"]
    data = upload.stream.read(limit + 1)
    if not data:
        raise UploadRefused(_l("Le fichier est vide."))
    if len(data) > limit:
        raise UploadRefused(_l("Le fichier dépasse la taille maximale de %(size)s Mo.", size=limit // (1024 * 1024)))
    allowed = {mime: exts for kind in kinds for mime, exts in KINDS[kind].items()}
    detected = filetype.guess(data)
    extension = Path(upload.filename or "").suffix.lower().lstrip(".")
    if detected is None or detected.mime not in allowed or extension not in allowed[detected.mime]:
        raise UploadRefused(_l("Ce type de fichier n'est pas accepté."))
    stored = StoredFile(
        original_name=_clean_name(upload.filename or "fichier", extension),
        content_type=detected.mime,
        size=len(data),
        plugin=plugin,
        association_id=association_id,
        uploaded_by_id=uploaded_by_id,
    )
    stored.key = new_key()
    path = file_path(stored.key)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    db.session.add(stored)
    return stored


def delete_file(stored: StoredFile) -> None:
    """Remove a stored file and its row."""
    file_path(stored.key).unlink(missing_ok=True)
    db.session.delete(stored)


def file_path(key: str) -> Path:
    if not key or "/" in key or "\\" in key or key.startswith("."):
        raise ValueError("invalid file key")
    return Path(current_app.config["UPLOAD_FOLDER"]) / key[:2] / key


def _clean_name(name: str, extension: str) -> str:
    """The base name without path, control or reserved characters, at most 200 characters, ending in .extension."""
    stem = Path(name.replace("\\", "/")).name
    stem = "".join(ch for ch in stem if ch.isprintable() and ch not in '<>:"/\\|?*').strip(" .")
    suffix = f".{extension}"
    if not stem.lower().endswith(suffix):
        stem = (stem or "fichier") + suffix
    if len(stem) > 200:
        stem = stem[: 200 - len(suffix)] + stem[-len(suffix):]
    return stem
