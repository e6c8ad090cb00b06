"""A plugin (entry point ``brokentemplate``) whose widget and panel point at templates that fail to render."""

from qn_portal.api import Panel, Widget, hookimpl


@hookimpl
def dashboard_widgets():
    return [Widget("Widget cassé", "brokentemplate/missing.html")]


@hookimpl
def association_panels():
    return [Panel("Panneau cassé", "brokentemplate/missing.html")]
