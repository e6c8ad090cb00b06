"""A plugin whose ``blueprints`` hook raises: it is refused, and its other hooks are never called."""

from qn_portal.api import NavItem, hookimpl


@hookimpl
def blueprints():
    raise RuntimeError("the blueprint factory exploded")


@hookimpl
def nav_items():
    return [NavItem("Fantôme", "main.dashboard")]
