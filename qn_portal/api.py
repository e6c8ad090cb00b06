"""The one import surface for plugins. Import from here, never from the core's internals, which may move.

    from qn_portal.api import hookimpl, db, NavItem, can, render_markdown
"""

from __future__ import annotations

from flask_babel import gettext as _gettext
from flask_babel import lazy_gettext as _lazy_gettext
from flask_wtf import FlaskForm

from .accounts.models import User
from .associations.hours import describe_opening_hours, opening_hours_problem
from .associations.models import Association, Membership, Neighbourhood
from .associations.services import current_association, save_association
from .associations.territory import COMMUNES, commune_code
from .audit.service import audit, audit_export
from .contributions import (
    ApiCollection,
    ApiFilter,
    DemoContext,
    DemoVolume,
    Event,
    Figure,
    InclusionService,
    NavItem,
    NotificationKind,
    Panel,
    Permission,
    SearchDocument,
    Widget,
)
from .csv_export import count_rows, csv_cell, csv_response, stream_batches, stream_rows, stream_scalars
from .data_inclusion.export import (
    data_inclusion_contact,
    data_inclusion_description,
    data_inclusion_name,
    data_inclusion_place,
)
from .database import lock_for_update, write_transaction
from .dbtypes import UTCDateTime, utcnow
from .demo_volume import bulk_insert, filler_text, filler_title, paragraph_html
from .events import emit
from .extensions import db
from .form_fields import CheckboxesField, ChoiceField, DayField, DayRequired, WholeNumberField, choices
from .hookspecs import hookimpl
from .mail import send_mail
from .notifications.services import notify
from .page_cache import no_page_cache
from .pagination import paginate
from .permissions import can, public, require, requires
from .search import index_document, unindex_document
from .search.analysis import fold as fold_text
from .security import cookieless
from .storage import StoredFile, UploadRefused, delete_file, save_upload
from .text import neutralise_csv_cell, render_markdown


def gettext(string: str, **variables) -> str:
    """Translate ``string`` (a French msgid) into the current language; ``%(name)s`` takes ``variables``."""
    return _gettext(string, **variables)


def lazy_gettext(string: str, **variables):
    """Like ``gettext``, translated only when shown: for labels defined at import time (forms, permissions)."""
    return _lazy_gettext(string, **variables)


def flash_success(message: str) -> None:
    """Show a confirmation on the next page."""
    from flask import flash

    flash(message, "success")


def flash_error(message: str) -> None:
    """Show an error on the next page."""
    from flask import flash

    flash(message, "error")


def plugin_enabled(name: str) -> bool:
    """Whether the plugin ``name`` is installed, loaded and enabled: test it before using another plugin."""
    from .plugins import get_host

    return get_host().is_enabled(name)


def search_keys(plugin: str, user, query: str | None):
    """A select of the keys of ``plugin``'s indexed documents that match ``query`` and that ``user`` may find.

    Combine it with the plugin's own filters (``Model.key.in_(search_keys(...))``): the full text goes
    through the portal's one index, with its stemming and its visibility rules.
    """
    from .search import SearchEntry, search_statement

    statement = search_statement(user, query or "").where(SearchEntry.plugin == plugin)
    return statement.with_only_columns(SearchEntry.key).order_by(None)


def local_day_start(day):
    """The first instant of ``day`` (a ``date``) in the portal's time zone (Paris), as an aware UTC datetime.

    For the API's date filters: ``du`` counts from ``local_day_start(du)``, ``au`` up to
    ``local_day_start(au + timedelta(days=1))`` excluded.
    """
    from datetime import UTC, datetime, time
    from zoneinfo import ZoneInfo

    from flask import current_app

    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def collect_figures(association_ids: list[int] | None, start, end) -> list[Figure]:
    """Every enabled plugin's ``report_figures`` for these associations (``None``: all) and dates."""
    from .plugins import get_host

    figures = get_host().collect("report_figures", association_ids=association_ids, start=start, end=end)
    return [figure for figure in figures if isinstance(figure, Figure)]


__all__ = [
    "ApiCollection", "ApiFilter", "local_day_start",
    "choices",
    "Association", "COMMUNES", "Figure", "Membership", "Neighbourhood", "User", "collect_figures", "plugin_enabled",
    "DemoContext", "Event", "FlaskForm", "NavItem", "NotificationKind", "Panel", "Permission", "SearchDocument", "StoredFile",
    "UTCDateTime", "UploadRefused", "Widget", "audit", "audit_export", "can", "current_association",
    "db", "delete_file", "emit", "flash_error", "flash_success", "fold_text",
    "gettext", "hookimpl", "index_document", "lazy_gettext", "lock_for_update", "neutralise_csv_cell", "notify", "paginate",
    "public", "render_markdown", "require", "requires", "save_upload", "search_keys", "send_mail", "unindex_document", "utcnow",
    "write_transaction",
    "describe_opening_hours", "opening_hours_problem", "save_association",
    "CheckboxesField", "ChoiceField", "DayField", "DayRequired", "WholeNumberField",
    "count_rows", "csv_cell", "csv_response", "stream_batches", "stream_rows", "stream_scalars",
    "InclusionService", "commune_code", "cookieless", "data_inclusion_contact", "data_inclusion_description",
    "data_inclusion_name", "data_inclusion_place",
    "DemoVolume", "bulk_insert", "filler_text", "filler_title", "paragraph_html",
    "no_page_cache",
]
