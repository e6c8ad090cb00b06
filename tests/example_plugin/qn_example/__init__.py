"""Carnet d'exemple: a plugin outside the portal's tree, written only against qn_portal.api.

It adds a page, a nav item, a dashboard widget, a model with its migration, search documents, and its own
English catalogue (``translations/``) for the strings it shows in the portal's navigation and dashboard.
"""

from pathlib import Path

from qn_portal.api import NavItem, Permission, SearchDocument, Widget, hookimpl, lazy_gettext

# Imported here, before the hook functions: imported later (inside a hook), the submodule ``models`` would
# replace the ``models`` hook in this package's namespace (see docs/plugins.md).
from .models import ExampleNote, all_notes, latest


@hookimpl
def blueprints():
    from .views import bp

    return [bp]


@hookimpl
def models():
    return [ExampleNote]


@hookimpl
def migrations_folder():
    return Path(__file__).parent / "migrations" / "versions"


@hookimpl
def permissions():
    return [Permission("example.write", lazy_gettext("Écrire dans le carnet"), roles={"coordinator", "mediator"})]


@hookimpl
def nav_items(user):
    return [NavItem(lazy_gettext("Carnet"), "example.index", order=50)]


@hookimpl
def dashboard_widgets(user):
    return [Widget(lazy_gettext("Dernières notes du carnet"), "example/widget.html", {"notes": latest(3)}, order=50)]


@hookimpl
def search_documents():
    for note in all_notes():
        yield note_document(note)


def note_document(note):
    from flask import url_for

    return SearchDocument(key=f"note:{note.id}", title=note.title, text=note.body,
                          url=url_for("example.index") + f"#note-{note.id}", visibility="community")
