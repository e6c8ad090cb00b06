"""Every hook of QN Portal. A hookspec's signature and docstring are its contract.

There are three kinds of hooks, with different failure rules:

* **Setup hooks** run once per app in ``create_app()``. A plugin whose setup hook raises is refused
  (logged, shown on the admin's plugins page) and the portal starts without it. Two of them, marked
  "Setup (CLI)", run in a command instead (``seed-demo``, ``search reindex``); a failure stops it.
* **Request hooks** collect contributions while a page renders. Each plugin is called on its own; one
  that raises is logged and skipped and the page still renders.
* **Event hooks** are told that something happened. Isolated the same way.

Implementations take only the arguments they use (pluggy's opt-in arguments), so a hook may gain
arguments later without breaking anyone. Only enabled plugins are called by request and event hooks.
"""

from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("qn_portal")


# --- Setup hooks -------------------------------------------------------------------------------------


@hookspec
def blueprints(app):
    """Return the plugin's Flask blueprints (a list).

    Setup. A plugin's blueprint must be named after the plugin and mounted at ``/<name>``: the host
    refuses any other name or prefix, and a name whose ``/<name>`` the portal already uses, so no plugin
    can shadow a core route. Every view requires a
    signed-in user unless decorated with ``qn_portal.api.public``; a disabled plugin's URLs answer 404.
    """


@hookspec
def models():
    """Return the plugin's SQLAlchemy model classes (a list).

    Setup. Each table name must start with ``<name>_``. Schema changes ship as Alembic migrations in the
    plugin's own branch (see ``migrations_folder``); nothing creates tables at import time.
    """


@hookspec
def migrations_folder():
    """Return the path of the folder holding the plugin's Alembic revisions.

    Setup. The folder must exist, even when empty; its first revision carries ``branch_labels =
    ("<name>",)`` and ``down_revision = None``. ``qn-portal db upgrade`` applies every branch's head.
    """


@hookspec
def permissions():
    """Return the permissions the plugin declares (a list of ``qn_portal.api.Permission``).

    Setup. Names start with ``<name>.``. Each permission lists the roles that hold it by default.
    """


@hookspec
def check_permission(user, action, obj):
    """Vote on whether ``user`` may do ``action`` on ``obj`` (which may be ``None``).

    Request. Return ``False`` to forbid, ``True`` to allow, ``None`` for no opinion. A single ``False``
    wins over every ``True``; with no vote, the permission's default roles decide.
    """


@hookspec
def cli_commands():
    """Return click commands or groups to add under ``qn-portal`` (a list).

    Setup. Name them after the plugin (a group named ``<name>``) so that they never collide.
    """


@hookspec
def jinja_filters():
    """Return a mapping of Jinja filter names to functions.

    Setup. Prefix names with ``<name>_`` unless the filter is meant to be shared.
    """


@hookspec
def demo_data(demo):
    """Add the plugin's demo data, once, when ``qn-portal seed-demo`` runs.

    Setup (CLI). ``demo`` is a ``DemoContext``: ``demo.users`` maps ``"admin"``, ``"coordination"``,
    ``"direction.a"``, ``"mediation.a"``, ``"direction.b"``, ``"mediation.b"``, ``"partenaire"`` to users,
    ``demo.associations`` maps ``"a"`` and ``"b"`` to associations. Add rows to ``db.session``; the host
    commits once every plugin has run.

    ``demo.volume`` is ``None`` for the ordinary demo. For the benchmark (``seed-demo --volume d1``) it is a
    ``DemoVolume`` whose totals the plugin fills for its own tables, after its ordinary demo rows: in bulk
    (``bulk_insert``, ``filler_text`` of the facade), spread over ``demo.association_ids`` and
    ``demo.user_ids``, with ``demo.random``. No need to index them: ``seed-demo`` reindexes at the end.
    """


@hookspec
def search_documents():
    """Yield every searchable document the plugin holds (``SearchDocument`` objects).

    Setup (CLI), when ``qn-portal search reindex`` runs, for every loaded plugin, enabled or not (a disabled
    plugin's results are hidden at query time, not deleted). A plugin that raises stops the reindex and
    the index stays as it was. Between reindexes, keep the index current with
    ``qn_portal.api.index_document`` and ``unindex_document``.
    """


# --- Request hooks -----------------------------------------------------------------------------------


@hookspec
def nav_items(user):
    """Return the entries that the plugin adds to the main navigation for ``user`` (a list of ``NavItem``).

    Request, on every page. Return only what ``user`` may open; keep it cheap (no queries if possible).
    """


@hookspec
def dashboard_widgets(user):
    """Return the boxes that the plugin adds to ``user``'s dashboard (a list of ``Widget``).

    Request, on the dashboard after login. Each widget renders its own template.
    """


@hookspec
def association_panels(association, user):
    """Return the sections the plugin adds to ``association``'s page as seen by ``user`` (list of ``Panel``).

    Request. Show private data only when ``can(user, "associations.view_private", association)``.
    """


@hookspec
def notification_kinds():
    """Return the kinds of notifications the plugin creates (a list of ``NotificationKind``).

    Request, whenever a notification is created and when someone opens their notification preferences.
    Names start with ``<name>.``; ``label`` and ``description`` say what the person will be told about. Only
    enabled plugins' kinds count: a disabled plugin's kinds vanish from the preferences page. Create
    notifications of these kinds with ``qn_portal.api.notify``, usually from ``on_event``.
    """


@hookspec
def report_figures(association_ids, start, end):
    """Return the plugin's activity figures for a report (a list of ``Figure``).

    Request, when a report is built (the programme's reports to funders, an association's dashboard).
    ``association_ids`` is a list of association ids, or ``None`` for the whole programme; ``start`` and
    ``end`` are dates, ``end`` excluded. Give one ``Figure`` per association (``association_id`` set) and
    per measure; keys start with ``<name>.``. Aggregate figures only: never personal data.
    """


@hookspec
def api_collections():
    """Return the plugin's collections of the public JSON API (a list of ``qn_portal.api.ApiCollection``).

    Request, on every call of ``/api/v1/`` and when the OpenAPI document is built, so that a disabled
    plugin's collections vanish (404) and leave the document. A plugin's collections live under its own
    name (``/api/v1/<name>/<collection>``), whatever they are called. ``scope`` is the token scope that
    lets a token's owner read more than public data there; use the plugin's name. Keep it cheap: build
    the list, query nothing.
    """


@hookspec
def data_inclusion_services(association_ids):
    """Return the public offers of these associations for the data·inclusion export (a list of ``InclusionService``).

    Request, when the export runs (``/api/v1/data-inclusion/services``, ``qn-portal data-inclusion export``).
    ``association_ids`` lists the associations whose ``Structure`` is exported (the public ones); return
    services of these only, and only what anonymous visitors may already see (public workshops, never a
    person's data). Each record must validate against ``data_inclusion.schema.v1.Service``, warnings included:
    use the schema's own codes (``type``, ``thematiques``, ``publics``, ``frais``, ``modes_accueil``…); the
    place and contact of an association, as far as they are public, come from
    ``qn_portal.api.data_inclusion_place`` and ``data_inclusion_contact``.
    """


@hookspec
def association_public_url(association):
    """Return the absolute URL of ``association``'s public page that the plugin serves, or ``None``.

    Request, when the data·inclusion export runs: the ``Structure``'s ``lien_source`` is the first URL that an
    enabled plugin gives, in load order (the core has no page that visitors may open without signing in).
    Give a page that anonymous visitors may open, built with ``url_for(..., _external=True)``; query nothing.
    """


# --- Event hooks -------------------------------------------------------------------------------------


@hookspec
def on_event(event):
    """React to ``event`` (an ``Event``: ``name``, ``data``, ``actor_id``), emitted after its change is saved.

    Event. Listeners are called one by one; one that raises is logged and skipped.
    """


#: Decorate hook implementations with this marker (re-exported as ``qn_portal.api.hookimpl``).
hookimpl = pluggy.HookimplMarker("qn_portal")
