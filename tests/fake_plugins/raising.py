"""A plugin (entry point ``raising``) that loads fine and then raises in every request and event hook."""

from qn_portal.api import hookimpl


class PluginBug(RuntimeError):
    pass


@hookimpl
def nav_items(user):
    raise PluginBug("nav_items is broken")


@hookimpl
def dashboard_widgets(user):
    raise PluginBug("dashboard_widgets is broken")


@hookimpl
def association_panels(association, user):
    raise PluginBug("association_panels is broken")


@hookimpl
def check_permission(user, action, obj):
    raise PluginBug("check_permission is broken")


@hookimpl
def on_event(event):
    raise PluginBug("on_event is broken")


@hookimpl
def search_documents():
    raise PluginBug("search_documents is broken")


@hookimpl
def report_figures(association_ids, start, end):
    raise PluginBug("report_figures is broken")
