"""Plugins that get a hook's name or arguments wrong."""

from qn_portal.api import NavItem, Widget, hookimpl


class MisspeltHook:
    """Entry point ``misspelt``: ``nav_item`` instead of ``nav_items``."""

    @hookimpl
    def nav_item(self, user):
        return [NavItem("Faute de frappe", "main.dashboard")]


class WrongArgument:
    """Entry point ``wrongargument``: a good ``dashboard_widgets`` but ``nav_items(usr)``.

    pluggy registers hooks in alphabetical order, so the widget is registered before the bad nav item fails:
    the host must take both away.
    """

    @hookimpl
    def dashboard_widgets(self):
        return [Widget("Widget orphelin", "widgets/my_associations.html", {"memberships": []})]

    @hookimpl
    def nav_items(self, usr):
        return [NavItem("Mauvais argument", "main.dashboard")]


misspelt = MisspeltHook()
wrongargument = WrongArgument()
