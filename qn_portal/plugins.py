"""The plugin host: discovery through entry points, setup, enable/disable and isolated hook calls.

One ``PluginHost`` per app (in ``app.extensions["qn_plugins"]``), never a module global, so that every
app, and every test, starts clean. pluggy stops at the first exception of a hook call, so request and
event hooks are called here implementation by implementation, and a failing plugin is logged and skipped.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from types import ModuleType
from typing import Any

import pluggy
from flask import Blueprint, Flask, current_app, g, has_request_context
from sqlalchemy import Boolean, ForeignKey, String, select
from sqlalchemy.orm import Mapped, mapped_column

from . import hookspecs
from .contributions import Permission
from .dbtypes import UTCDateTime, utcnow
from .extensions import db
from .page_cache import VersionMemo

ENTRY_POINT_GROUP = "qn_portal.plugins"
CORE = "core"
log = logging.getLogger("qn_portal.plugins")


_SKIP = object()


class PluginState(db.Model):
    """The admin's choice to enable or disable a plugin, shared by every worker."""

    __tablename__ = "plugin_state"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[Any] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))


class PluginLoadError(Exception):
    """A plugin broke a rule of the host; the message says which, in words an admin can act on."""


@dataclass
class PluginInfo:
    name: str
    module: ModuleType | None = None
    version: str = ""
    description: str = ""
    distribution: str = ""
    core: bool = False
    error: str = ""
    blueprints: list[Blueprint] = field(default_factory=list)
    models: list[type] = field(default_factory=list)
    migrations_folder: str | None = None

    @property
    def loaded(self) -> bool:
        return not self.error


class PluginHost:
    """Loads plugins into one app and calls their hooks."""

    def __init__(self, app: Flask):
        self.app = app
        self.pm = pluggy.PluginManager("qn_portal")
        self.pm.add_hookspecs(hookspecs)
        self.plugins: dict[str, PluginInfo] = {}
        self.permissions: dict[str, Permission] = {}
        # The admin's on/off switches, read again after any write (see _admin_states).
        self._states_memo = VersionMemo(size=1)
        self.blueprint_owner: dict[str, str] = {}
        self.cli_commands: list[Any] = []

    # --- loading ------------------------------------------------------------------------------------

    def load(self, core_modules: Iterable[ModuleType]) -> None:
        for module in core_modules:
            self._register(CORE if CORE not in self.plugins else module.__name__, module, core=True)
        for entry_point in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: ep.name):
            info = PluginInfo(
                name=entry_point.name,
                version=entry_point.dist.version if entry_point.dist else "",
                distribution=entry_point.dist.name if entry_point.dist else "",
            )
            if entry_point.name in self.plugins:
                # Listed under its own key: the plugin that holds the name (the core, say) must stay as it is.
                info.error = f"another plugin is already named {entry_point.name!r}"
                self.plugins[f"{entry_point.name} ({info.distribution or entry_point.value})"] = info
                log.error("plugin %s refused: %s", info.name, info.error)
                continue
            try:
                module = entry_point.load()
            except Exception as exc:  # a broken plugin must not stop the portal
                self._refuse(info, f"import failed: {exc.__class__.__name__}: {exc}")
                continue
            self._register(entry_point.name, module, info=info)
        for _name, info in list(self.plugins.items()):
            if info.loaded:
                self._setup(info)
        self.pm.check_pending()
        missing = [name for name in self.app.config["REQUIRED_PLUGINS"] if not self._is_loaded(name)]
        if missing:
            reasons = "; ".join(f"{n}: {self.plugins[n].error if n in self.plugins else 'not installed'}" for n in missing)
            raise PluginLoadError(f"required plugins could not be loaded: {reasons}")

    def _register(self, name: str, module: ModuleType, core: bool = False, info: PluginInfo | None = None):
        info = info or PluginInfo(name=name)
        info.module, info.core = module, core
        info.description = (module.__doc__ or "").strip().splitlines()[0] if module.__doc__ else ""
        self.plugins[name] = info
        try:
            self.pm.register(module, name=name)
        except Exception as exc:
            self._refuse(info, f"registration failed: {exc}")
            return
        unknown = [caller.name for caller in self.pm.get_hookcallers(module) or [] if not caller.has_spec()]
        if unknown:
            self._refuse(info, f"implements unknown hooks: {', '.join(sorted(unknown))}")

    def _refuse(self, info: PluginInfo, reason: str) -> None:
        info.error = reason
        self.plugins[info.name] = info
        # Unregister by name: the same module may be registered under another plugin's name.
        if info.module is not None and self.pm.get_plugin(info.name) is info.module:
            self.pm.unregister(name=info.name)
        log.error("plugin %s refused: %s", info.name, reason)

    def _setup(self, info: PluginInfo) -> None:
        """Run the setup hooks of one plugin, check its contributions, then apply them (all or nothing)."""
        try:
            contributions = self._gather_setup(info)
            self._check_setup(info, contributions)
        except Exception as exc:
            self._refuse(info, f"setup failed: {exc.__class__.__name__}: {exc}")
            return
        blueprints, models, folders, permissions, commands, filters = contributions
        info.blueprints, info.models = blueprints, models
        info.migrations_folder = folders[0] if folders else None
        for blueprint in blueprints:
            self.app.register_blueprint(blueprint)
            self.blueprint_owner[blueprint.name] = info.name
        for permission in permissions:
            self.permissions[permission.name] = permission
        self.cli_commands.extend(commands)
        self.app.jinja_env.filters.update(filters)

    def _gather_setup(self, info: PluginInfo):
        def flat(hook: str, **kwargs) -> list:
            items: list = []
            for result in self.call_plugin(info.name, hook, **kwargs):
                if result is None:
                    continue
                if isinstance(result, (list, tuple, set)):
                    items.extend(result)
                else:
                    items.append(result)
            return items

        filters: dict[str, Any] = {}
        for mapping in self.call_plugin(info.name, "jinja_filters"):
            filters.update(mapping or {})
        return (
            flat("blueprints", app=self.app),
            flat("models"),
            [str(path) for path in flat("migrations_folder")],
            flat("permissions"),
            flat("cli_commands"),
            filters,
        )

    def _check_setup(self, info: PluginInfo, contributions) -> None:
        blueprints, models, folders, permissions, _commands, filters = contributions
        name = info.name
        if info.core:
            return
        shadowed = self._shadowed_hooks(info.module)
        if shadowed:
            raise PluginLoadError(
                f"the submodule {info.module.__name__}.{shadowed[0]} replaced the {shadowed[0]}() hook in the package: "
                "import it at the top of __init__.py, before the hook functions, or give it another name"
            )
        used = {rule.rule.split("/")[1] for rule in self.app.url_map.iter_rules()}
        if blueprints and (name in used or name in self.app.blueprints):
            raise PluginLoadError(f"/{name} is already used by the portal: the plugin needs another name")
        for blueprint in blueprints:
            if blueprint.name != name:
                raise PluginLoadError(f"blueprint {blueprint.name!r} must be named {name!r}")
            if (blueprint.url_prefix or "").rstrip("/") != f"/{name}":
                raise PluginLoadError(f"blueprint {name!r} must be mounted at /{name}, not {blueprint.url_prefix!r}")
        for model in models:
            table = getattr(model, "__tablename__", "")
            if not table.startswith(f"{name}_"):
                raise PluginLoadError(f"table {table!r} must start with {name}_")
        if models and not folders:
            raise PluginLoadError("the plugin has models but no migrations folder")
        for folder in folders:
            if not os.path.isdir(folder):
                raise PluginLoadError(f"migrations folder {folder} does not exist (ship it, even empty)")
        for permission in permissions:
            if not permission.name.startswith(f"{name}."):
                raise PluginLoadError(f"permission {permission.name!r} must start with {name}.")
            if permission.name in self.permissions:
                raise PluginLoadError(f"permission {permission.name!r} is already declared")
        for filter_name in filters:
            if filter_name in self.app.jinja_env.filters:
                raise PluginLoadError(f"Jinja filter {filter_name!r} already exists")

    def _shadowed_hooks(self, module: ModuleType) -> list[str]:
        """Hooks whose name the package's own submodule took (``models.py`` imported after ``def models()``).

        Python binds a submodule to its package's namespace when it is first imported, replacing a hook
        function of the same name: the next app would silently lose that hook.
        """
        package = getattr(module, "__name__", None)
        return [
            hook for hook, caller in sorted(vars(self.pm.hook).items())
            if caller.has_spec() and isinstance(getattr(module, hook, None), ModuleType)
            and getattr(module, hook).__name__ == f"{package}.{hook}"
        ]

    def _is_loaded(self, name: str) -> bool:
        info = self.plugins.get(name)
        return bool(info and info.loaded)

    # --- state ----------------------------------------------------------------------------------------

    def is_enabled(self, name: str) -> bool:
        info = self.plugins.get(name)
        if info is None or not info.loaded:
            return False
        if info.core:
            return True
        if name in self.app.config["DISABLED_PLUGINS"]:
            return False
        return self._admin_states().get(name, True)

    def disabled_by_configuration(self, name: str) -> bool:
        return name in self.app.config["DISABLED_PLUGINS"]

    def _admin_states(self) -> dict[str, bool]:
        # Read from the database once per request, so that an admin's toggle reaches every worker at once;
        # with the page cache, once per data version instead (a toggle is a write, which moves the version).
        if has_request_context() and "_qn_plugin_states" in g:
            return g._qn_plugin_states
        states = self._states_memo.get("states")
        if states is None:
            states = {row.name: row.enabled for row in db.session.scalars(select(PluginState))}
            self._states_memo.put("states", states)
        if has_request_context():
            g._qn_plugin_states = states
        return states

    def set_enabled(self, name: str, enabled: bool, by_user_id: int | None = None) -> None:
        state = db.session.get(PluginState, name) or PluginState(name=name)
        state.enabled = enabled
        state.updated_by_id = by_user_id
        db.session.add(state)
        self._states_memo.clear()
        if has_request_context():
            g.pop("_qn_plugin_states", None)

    def migration_folders(self) -> dict[str, str]:
        """Every loaded plugin's Alembic folder, enabled or not: disabling a plugin never touches the schema."""
        return {name: info.migrations_folder for name, info in self.plugins.items() if info.migrations_folder}

    # --- calling hooks --------------------------------------------------------------------------------

    def _impls(self, hook: str):
        return getattr(self.pm.hook, hook).get_hookimpls()

    def call_plugin(self, plugin_name: str, hook: str, **kwargs) -> list:
        """Call one plugin's implementations of ``hook`` and return their results, exceptions propagating."""
        return [
            impl.function(*[kwargs[arg] for arg in impl.argnames])
            for impl in self._impls(hook)
            if impl.plugin_name == plugin_name
        ]

    def call_each(self, hook: str, *, on_failure: Any = _SKIP, **kwargs) -> list[tuple[str, Any]]:
        """Call every enabled plugin's ``hook``, isolating failures; return ``(plugin, result)`` pairs.

        A plugin that raises is logged and skipped, or counted as having returned ``on_failure`` when
        that is given (a permission voter that fails must say "no", not stay silent).
        """
        results = []
        order = {name: index for index, name in enumerate(self.plugins)}
        for impl in sorted(self._impls(hook), key=lambda impl: order.get(impl.plugin_name, 0)):
            if not self.is_enabled(impl.plugin_name):
                continue
            try:
                result = impl.function(*[kwargs[arg] for arg in impl.argnames])
            except Exception:
                if current_app.config["PLUGIN_ERRORS"] == "raise":
                    raise
                if on_failure is _SKIP:
                    log.exception("plugin %s failed in hook %s; skipped", impl.plugin_name, hook)
                    continue
                log.exception("plugin %s failed in hook %s; counted as %r", impl.plugin_name, hook, on_failure)
                result = on_failure
            results.append((impl.plugin_name, result))
        return results

    def collect(self, hook: str, **kwargs) -> list:
        """Call ``hook`` on every enabled plugin and flatten the lists they return."""
        items: list = []
        for _plugin, result in self.call_each(hook, **kwargs):
            if result is not None:
                items.extend(result)
        return items


def get_host(app: Flask | None = None) -> PluginHost:
    return (app or current_app).extensions["qn_plugins"]
