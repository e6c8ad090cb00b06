"""A plugin that cannot even be imported (a dependency is missing)."""

import qn_portal_missing_dependency  # noqa: F401

from qn_portal.api import NavItem, hookimpl


@hookimpl
def nav_items():
    return [NavItem("Jamais", "main.dashboard")]
